"""Where ``piv`` keeps the traceback of an unexpected error: a private, per-user place.

Never a fixed name in the shared temporary directory (anyone can plant a symlink there
and have the log overwrite their victim's file): the log goes to ``$XDG_STATE_HOME/piv``
(default ``~/.local/state/piv``), a directory used only when it is a real directory owned
by this user and writable by nobody else, under a new name created exclusively
(``mkstemp``: ``O_EXCL``, ``O_NOFOLLOW``, mode 600). If that place cannot be used, a new
private directory from ``mkdtemp`` (mode 700) holds it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path


def state_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_STATE_HOME") or ""
    if not base or not Path(base).is_absolute():  # the XDG spec: a relative value is ignored
        base = str(Path(env.get("HOME") or Path.home()) / ".local" / "state")
    return Path(base) / "piv"


def private_dir(directory: Path) -> bool:
    """Whether *directory* is (now) a real directory of this user that nobody else can
    write to or read from; it is created (mode 700) if missing."""
    with contextlib.suppress(FileExistsError):
        directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.mkdir(mode=0o700)
    try:
        info = directory.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        return False  # a symlink, a file, or somebody else's
    if info.st_mode & 0o077:
        try:
            directory.chmod(0o700)
        except OSError:
            return False
    return True


def write_error_log(text: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Write *text* to a new private log file; return it, or None if none could be made."""
    directory = state_dir(os.environ if env is None else env)
    with contextlib.suppress(OSError):
        if private_dir(directory):
            return _write_new(directory, text)
    try:
        return _write_new(Path(tempfile.mkdtemp(prefix="piv-error-")), text)
    except OSError:
        return None


def _write_new(directory: Path, text: str) -> Path:
    fd, name = tempfile.mkstemp(prefix="error-", suffix=".log", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return Path(name)
