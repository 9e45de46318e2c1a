"""Cache files: marshalled data behind a magic line and a CRC-32, replaced atomically.

A cache is never the only copy of anything: a missing, damaged or foreign file reads as
``None`` and the caller recomputes what it held; a file that cannot be written is no error.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_CHECKSUM = 4  # bytes of CRC-32 after the magic


def read_cache(path: Path, magic: bytes) -> Any:
    """What :func:`write_cache` stored at *path* under *magic*, or None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[len(magic) + _CHECKSUM :]
    if not data.startswith(magic) or data[len(magic) : len(magic) + _CHECKSUM] != _crc(body):
        return None
    try:
        return marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None


def write_cache(path: Path, magic: bytes, value: Any) -> None:
    body = marshal.dumps(value)
    with contextlib.suppress(OSError):
        fd, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(magic + _crc(body) + body)
            Path(temporary).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            raise


def shared_strings(tables: Iterable[Iterable[Iterable[Any]]]) -> list[list[tuple[Any, ...]]]:
    """*tables* of rows, as lists of tuples with each distinct string one object: marshal
    writes an object it has seen once and refers to it after, so a node id, a path or a
    digest repeated across rows and tables is stored and loaded once."""
    canonical: dict[str, str] = {}
    shared = canonical.setdefault
    return [
        [tuple(shared(v, v) if isinstance(v, str) else v for v in row) for row in table]
        for table in tables
    ]


def _crc(body: bytes) -> bytes:
    return zlib.crc32(body).to_bytes(_CHECKSUM, "big")
