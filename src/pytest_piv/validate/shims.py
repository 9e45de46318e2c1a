"""Plain git hook scripts for projects without the pre-commit framework.

``piv hooks install`` writes one shim per hook into git's hooks directory. An existing hook
that is not piv's is moved aside to ``<hook>.piv-backup`` (never overwritten) and the shim
runs it first, so the user's hook keeps working; ``piv hooks uninstall`` removes the shims
and puts the backups back. The repository's ``hooks/`` directory holds the same scripts.
"""

from __future__ import annotations

import stat
from pathlib import Path

from pytest_piv.errors import UsageError

MARKER = "# installed by piv hooks install (pytest-piv)"
BACKUP_SUFFIX = ".piv-backup"

#: what each hook runs; "$@" is git's arguments to the hook
COMMANDS = {
    "pre-commit": "piv hooks rgr && piv validate --staged",
    "commit-msg": 'piv hooks commit-msg "$@"',
    "pre-push": "piv validate --all-files",
}


def shim(hook: str) -> str:
    """The text of the shim for ``hook``."""
    command = COMMANDS[hook].replace("piv ", '"$PIV" ')
    return f"""#!/bin/sh
{MARKER}
# git hook "{hook}": runs piv; set PIV to choose the piv executable.
PIV="${{PIV:-piv}}"
backup="$0{BACKUP_SUFFIX}"
if [ -x "$backup" ]; then
    "$backup" "$@" || exit $?
fi
{command}
"""


def is_piv_hook(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def install(hooks_dir: Path, hooks: tuple[str, ...] = tuple(COMMANDS)) -> list[str]:
    """Install the shims; return one line per hook saying what was done."""
    hooks_dir.mkdir(parents=True, exist_ok=True)
    done = []
    for hook in hooks:
        target = hooks_dir / hook
        backup = hooks_dir / f"{hook}{BACKUP_SUFFIX}"
        if target.exists() and not is_piv_hook(target):
            if backup.exists():
                raise UsageError(
                    f"{target}: a hook exists and {backup.name} too; piv will not overwrite"
                    " either (hint: merge or remove one of them, then install again)"
                )
            target.rename(backup)
            done.append(f"{hook}: installed; your hook is kept as {backup.name} and runs first")
        else:
            done.append(f"{hook}: installed")
        target.write_text(shim(hook), encoding="utf-8")
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return done


def uninstall(hooks_dir: Path, hooks: tuple[str, ...] = tuple(COMMANDS)) -> list[str]:
    """Remove piv's shims and restore the backups; other hooks are left alone."""
    done = []
    for hook in hooks:
        target = hooks_dir / hook
        backup = hooks_dir / f"{hook}{BACKUP_SUFFIX}"
        if target.exists() and not is_piv_hook(target):
            done.append(f"{hook}: not piv's hook, left alone")
            continue
        installed = target.exists()
        if installed:
            target.unlink()
        if backup.exists():
            backup.replace(target)
            done.append(f"{hook}: removed; your hook is restored")
        else:
            done.append(f"{hook}: removed" if installed else f"{hook}: not installed")
    return done
