"""Cache files: marshalled data behind a magic line and a CRC-32, replaced atomically.

A cache is never the only copy of anything: a missing, damaged or foreign file reads as
``None`` and the caller recomputes what it held; a file that cannot be written is no error.
"""

from __future__ import annotations

import contextlib
import marshal
import mmap
import os
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_CHECKSUM = 4  # bytes of CRC-32 after the magic


def read_cache(path: Path, magic: bytes) -> Any:
    """What :func:`write_cache` stored at *path* under *magic*, or None.

    The file is mapped, not read: its pages come from the page cache as they are
    unmarshalled, without a copy of the whole file on the heap.
    """
    try:
        with (
            path.open("rb") as file,
            mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data,
            memoryview(data) as view,
        ):
            return _unpack(view, magic)
    except (OSError, ValueError):  # missing, unreadable, or empty (which mmap refuses)
        return None


def _unpack(data: memoryview, magic: bytes) -> Any:
    start = len(magic) + _CHECKSUM
    if data[: len(magic)] != magic or data[len(magic) : start] != _crc(data[start:]):
        return None
    try:
        return marshal.loads(data[start:])
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


def _crc(body: bytes | memoryview) -> bytes:
    return zlib.crc32(body).to_bytes(_CHECKSUM, "big")
