"""git: the tree state of a project, old file contents and changed lines.

The tree state is a digest per test and source file (tracked, and untracked but not
ignored) plus HEAD. Digests are git blob ids, so a file that matches the index costs no
hashing at all: only files git reports as modified or untracked are hashed, by
``git hash-object`` in one call. Outside git every file is hashed the same way.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, NamedTuple

from pytest_piv.cachefile import read_cache, shared_strings, write_cache
from pytest_piv.errors import VcsError
from pytest_piv.paths import FileRoles


class TreeState(NamedTuple):
    """What the working tree held when a run happened."""

    files: Mapping[str, str]
    roles: Mapping[str, str]
    head: str | None
    in_git: bool
    dirty: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()

    @property
    def tree_id(self) -> str:
        files = self.files
        text = "".join([f"{path}\0{files[path]}\n" for path in sorted(files)])
        return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    def of_role(self, role: str) -> dict[str, str]:
        return {p: d for p, d in self.files.items() if self.roles[p] == role}


def _git_env() -> dict[str, str]:
    return {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}


WALK_NOTE = "not a git repository: every test and source file was hashed"


def _run_git(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            env=_git_env(),
        )
    except FileNotFoundError:
        raise VcsError("git is not installed") from None


def _git(root: Path, *args: str, stdin: str | None = None) -> str:
    done = _run_git(root, *args, stdin=stdin)
    if done.returncode != 0:
        raise VcsError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _work_tree_and_head(root: Path) -> tuple[bool, str | None]:
    """Whether *root* is inside a git work tree, and its HEAD commit: one git process."""
    try:
        done = _run_git(root, "rev-parse", "--is-inside-work-tree", "HEAD")
    except VcsError:
        return False, None
    lines = done.stdout.split()
    if not lines or lines[0] != "true":
        return False, None
    # an unborn HEAD (no commit yet) echoes "HEAD" and fails; a commit id is hex
    head = lines[1] if len(lines) > 1 and all(c in _HEX for c in lines[1]) else None
    return True, head


_HEX = frozenset("0123456789abcdef")


def in_git(root: Path) -> bool:
    return _work_tree_and_head(root)[0]


def blob_digest(data: bytes) -> str:
    """The git blob id of *data* (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def collect_tree_state(root: Path, roles: FileRoles) -> TreeState:
    """The tree state of the project at *root*, from git when it can."""
    return TreeStateJob(root, roles).result()


_LIST_FILES = (
    # one listing: the index (H, S; M for a conflict), files whose work-tree copy differs
    # from it (C: changed or deleted) and untracked files that are not ignored (?)
    "ls-files", "-z", "-t", "-s", "--cached", "--modified", "--others", "--exclude-standard",
)  # fmt: skip


class TreeStateJob:
    """``collect_tree_state`` with git's file listing running in the background.

    Created at session start, it asks git for HEAD at once and starts the listing as a
    separate process writing to a temporary file, so that git walks the work tree on one
    core while pytest collects on the other; ``result()`` waits for it.
    """

    def __init__(self, root: Path, roles: FileRoles, cache: Path | None = None) -> None:
        self.root = root
        self.roles = roles
        self.cache = cache
        self.in_git, self.head = _work_tree_and_head(root)
        self._output: IO[bytes] | None = None
        self._errors: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        if self.in_git:
            self._output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by result())
            self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by result())
            self._process = subprocess.Popen(
                ["git", "-C", str(root), *_LIST_FILES],
                stdin=subprocess.DEVNULL,
                stdout=self._output,
                stderr=self._errors,
                env=_git_env(),
            )

    @property
    def notes(self) -> tuple[str, ...]:
        if not self.in_git:
            return (WALK_NOTE,)
        return _head_notes(self.head)

    def result(self) -> TreeState:
        if self._process is None or self._output is None or self._errors is None:
            return _walk_tree_state(self.root, self.roles)
        code = self._process.wait()
        with self._output, self._errors:
            self._output.seek(0)
            listing = self._output.read()
            self._errors.seek(0)
            errors = self._errors.read().decode("utf-8", errors="replace").strip()
        if code != 0:  # git failed mid-run: hash every file rather than stop the run
            walked = _walk_tree_state(self.root, self.roles)
            why = f"git ls-files failed ({errors or f'exit {code}'}): every file was hashed"
            return TreeState(walked.files, walked.roles, self.head, True, walked.dirty, (why,))
        parsed = _parsed(listing, self.roles, self.cache)
        return _git_tree_state(self.root, self.head, _with_linked(self.root, parsed, self.roles))


#: one entry of ``git ls-files -z -t -s``: ``? path`` (untracked) or
#: ``TAG MODE BLOB STAGE<tab>path`` (H cached, C changed in the work tree, S, M, ...)
_LISTING_ENTRY = re.compile(r"\? ([^\0]+)\0|([^ \0?]+) ([0-7]+) ([0-9a-f]+) [0-3]\t([^\0]+)\0")


class Listing(NamedTuple):
    """git's listing, as far as the tree state is concerned."""

    #: blob ids of the files with a role whose work-tree copy matches the index
    clean: dict[str, str]
    #: the role of every listed file that has one
    roles: dict[str, str]
    #: files with a role that are modified or untracked: their content must be hashed
    to_check: list[str]
    #: submodules, tracked symlinks and untracked entries that may be symlinks: git lists
    #: none of the files in them, which can be code under test (see :func:`_with_linked`)
    links: tuple[str, ...] = ()


#: the first bytes of the listing cache; a new layout gets a new magic
LISTING_MAGIC = b"piv-listing-2\n"


def _parsed(listing: bytes, roles: FileRoles, cache: Path | None) -> Listing:
    """:func:`_parse_listing`, or what it gave for the same listing and roles last time.

    A listing names every file with its blob id and marks the modified and untracked
    ones, so the same bytes always parse the same; the cache spares the parse and the
    glob matching (most runs of a dev loop see the listing of the run before).
    """
    key = hashlib.sha1(listing + repr(roles).encode(), usedforsecurity=False).hexdigest()
    if cache is not None:
        cached = read_cache(cache, LISTING_MAGIC)
        if isinstance(cached, tuple) and len(cached) == 5 and cached[0] == key:
            _, clean, file_roles, to_check, links = cached
            if isinstance(clean, dict) and isinstance(file_roles, dict):
                return Listing(clean, file_roles, list(to_check), tuple(links))
    parsed = _parse_listing(listing.decode("utf-8", errors="surrogateescape"), roles)
    if cache is not None:
        clean_rows, role_rows = shared_strings([parsed.clean.items(), parsed.roles.items()])
        write_cache(
            cache,
            LISTING_MAGIC,
            (key, dict(clean_rows), dict(role_rows), parsed.to_check, parsed.links),
        )
    return parsed


def _parse_listing(listing: str, roles: FileRoles, prefix: str = "") -> Listing:
    """The listing of the repository at *prefix* (``""``, or a submodule's ``path/``)."""
    index: dict[str, str] = {}
    modified: set[str] = set()
    untracked: set[str] = set()
    links: list[str] = []
    for other, tag, mode, blob, path in _LISTING_ENTRY.findall(listing):
        if other:
            untracked.add(prefix + other)
            if not other.endswith((".py", "/")):  # a symlink to a directory, maybe
                links.append(prefix + other)
        elif tag == "C":
            modified.add(prefix + path)
        elif mode in _LINK_MODES:  # a submodule or a symlink is not a file
            links.append(prefix + path)
        else:
            index[prefix + path] = blob
    file_roles = roles.roles_of((*index, *untracked))
    clean = {p: index[p] for p in file_roles if p in index and p not in modified}
    to_check = sorted(p for p in file_roles if p in modified or p in untracked)
    return Listing(clean, file_roles, to_check, tuple(sorted(set(links))))


_LINK_MODES = frozenset({"160000", "120000"})


def _with_linked(root: Path, listing: Listing, roles: FileRoles, depth: int = 0) -> Listing:
    """*listing* with the test and source files that live in its submodules (listed by
    their own git), in its symlinked directories and behind its symlinked files (hashed
    every run: git tracks the link, not what it points to), under the paths the project
    imports them by."""
    if not listing.links or depth > 8:
        return listing
    clean, file_roles, to_check = dict(listing.clean), dict(listing.roles), list(listing.to_check)
    for link in listing.links:
        where = root / link
        if not where.is_dir():
            role = roles.role(link) if where.is_symlink() and where.is_file() else None
            if role is not None:
                file_roles[link] = role
                to_check.append(link)
            continue
        if where.is_symlink():
            inside = _walk_roles(where, link + "/", roles)
            file_roles.update(inside)
            to_check.extend(inside)
            continue
        done = _run_git(where, *_LIST_FILES)
        if done.returncode != 0:
            continue
        sub = _parse_listing(done.stdout, roles, link + "/")
        sub = _with_linked(root, sub, roles, depth + 1)
        clean.update(sub.clean)
        file_roles.update(sub.roles)
        to_check.extend(sub.to_check)
    return Listing(clean, file_roles, sorted(set(to_check)), listing.links)


def _walk_roles(directory: Path, prefix: str, roles: FileRoles) -> dict[str, str]:
    """The files with a role under *directory*, named *prefix* + their path in it."""
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        rel_dir = os.path.relpath(dirpath, directory).replace(os.sep, "/")
        base = prefix if rel_dir == "." else f"{prefix}{rel_dir}/"
        found.update(roles.roles_of(base + name for name in filenames))
    return found


def _git_tree_state(root: Path, head: str | None, listing: Listing) -> TreeState:
    to_hash = [p for p in listing.to_check if (root / p).is_file() and "\n" not in p]
    files = dict(listing.clean)
    if to_hash:
        hashed = _git(root, "hash-object", "--stdin-paths", stdin="\n".join(to_hash) + "\n")
        files.update(zip(to_hash, hashed.split(), strict=True))
    file_roles = listing.roles
    if len(file_roles) != len(files):  # a deleted file, or a path git cannot hash
        file_roles = {p: r for p, r in file_roles.items() if p in files}
    return TreeState(files, file_roles, head, True, frozenset(to_hash), _head_notes(head))


def _head_notes(head: str | None) -> tuple[str, ...]:
    return () if head else ("the repository has no commit yet",)


_SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "node_modules", ".tox"}


def _walk_tree_state(root: Path, roles: FileRoles) -> TreeState:
    files: dict[str, str] = {}
    file_roles: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        rel_dir = os.path.relpath(dirpath, root)
        for name in filenames:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            role = roles.role(rel)
            if role is None:
                continue
            try:
                files[rel] = blob_digest((Path(dirpath) / name).read_bytes())
            except OSError:
                continue
            file_roles[rel] = role
    return TreeState(files, file_roles, None, False, frozenset(files), (WALK_NOTE,))


def changed_lines(old: str | None, new: str) -> set[int]:
    """Line numbers of *new* that were added or changed relative to *old* (1-based)."""
    import difflib  # only when a run has changed source lines to check

    new_lines = new.splitlines()
    if old is None:
        return set(range(1, len(new_lines) + 1))
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new_lines, autojunk=False)
    lines: set[int] = set()
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            lines.update(range(j1 + 1, j2 + 1))
    return lines


#: the longest git ref a setting or an argument may name
MAX_REF_LENGTH = 256


def ref_problem(ref: str) -> str | None:
    """Why *ref* cannot be a git ref given to git (``None`` when it can): empty, a leading
    ``-`` (git would read it as an option), whitespace or control characters, or too long."""
    if not ref:
        return "a git ref is not empty"
    if ref.startswith("-"):
        return "a git ref does not start with '-' (git would take it for an option)"
    if any(ch.isspace() or not ch.isprintable() for ch in ref):
        return "a git ref has no spaces or control characters"
    if len(ref) > MAX_REF_LENGTH:
        return f"a git ref has at most {MAX_REF_LENGTH} characters"
    return None


# -- what changed, for `piv validate` and the commit hooks ------------------------------


def _z_paths(text: str) -> list[str]:
    return [p for p in text.split("\0") if p]


def project_files(root: Path) -> list[str]:
    """Tracked and untracked-not-ignored files that exist in the work tree."""
    listed = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({p for p in _z_paths(listed) if (root / p).is_file()})


def changed_files(root: Path, base: str = "HEAD") -> tuple[list[str], list[str]]:
    """``(changed, deleted)`` relative to ``base``: committed since, staged, unstaged and
    untracked-not-ignored. In a repository without a commit every listed file is changed.
    """
    if _work_tree_and_head(root)[1] is None:
        return project_files(root), []
    diff = _z_paths(_git(root, "diff", "-z", "--name-only", "--no-renames", base, "--"))
    others = _z_paths(_git(root, "ls-files", "-z", "--others", "--exclude-standard"))
    changed = sorted({p for p in (*diff, *others) if (root / p).is_file()})
    deleted = sorted({p for p in diff if not (root / p).exists()})
    return changed, deleted


def staged_files(root: Path) -> tuple[list[str], list[str]]:
    """``(staged, deleted)``: what the next commit changes (from the index); one git process.

    In a repository without a commit every file in the index is staged.
    """
    done = _run_git(root, "diff", "-z", "--cached", "--name-status", "--no-renames", "HEAD")
    if done.returncode != 0:
        return sorted(_z_paths(_git(root, "ls-files", "-z", "--cached"))), []
    fields = _z_paths(done.stdout)
    pairs = list(zip(fields[::2], fields[1::2], strict=True))
    staged = sorted(path for status, path in pairs if status != "D")
    return staged, sorted(path for status, path in pairs if status == "D")


_INDEX_ENTRY = re.compile(r"([0-7]+) ([0-9a-f]+) 0\t([^\0]+)\0")


def index_blobs(root: Path) -> dict[str, str]:
    """``{path: blob id}`` of every file in the index (stage 0): the staged content."""
    listing = _git(root, "ls-files", "-z", "-s")
    return {path: blob for mode, blob, path in _INDEX_ENTRY.findall(listing) if mode != "160000"}


def _cat_file_batch(root: Path, requests: list[str]) -> list[bytes | None]:
    """``git cat-file --batch`` for each request (``REF:PATH`` or a blob id), in order; None
    where git has no such blob. One git process."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "cat-file", "--batch"],
            input="".join(f"{r}\n" for r in requests).encode("utf-8"),
            capture_output=True,
            check=False,
            env=_git_env(),
        )
    except FileNotFoundError:
        raise VcsError("git is not installed") from None
    out = done.stdout
    found: list[bytes | None] = []
    position = 0
    for _ in requests:
        end = out.find(b"\n", position)
        if end < 0:  # git stopped early (not a repository): nothing more to read
            found.append(None)
            continue
        header = out[position:end].split()
        position = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found.append(out[position : position + size])
            position += size + 1
        else:
            found.append(None)
    return found


def head_texts(root: Path, paths: list[str], ref: str = "HEAD") -> dict[str, str | None]:
    """The text of each path at ``ref`` (None where it did not exist): one git process."""
    if not paths or _work_tree_and_head(root)[1] is None:
        return dict.fromkeys(paths)
    blobs = _cat_file_batch(root, [f"{ref}:{p}" for p in paths])
    return {
        path: None if data is None else data.decode("utf-8", "replace")
        for path, data in zip(paths, blobs, strict=True)
    }


def read_blobs(root: Path, digests: list[str]) -> dict[str, bytes]:
    """The content of each git blob git has, by blob id: one git process."""
    if not digests:
        return {}
    try:
        blobs = _cat_file_batch(root, digests)
    except VcsError:
        return {}
    return {d: data for d, data in zip(digests, blobs, strict=True) if data is not None}


def hooks_dir(root: Path) -> Path:
    """Where git looks for hooks in the repository at ``root`` (``core.hooksPath`` honoured)."""
    path = Path(_git(root, "rev-parse", "--git-path", "hooks").strip())
    return path if path.is_absolute() else root / path


def unstaged_files(root: Path) -> list[str]:
    """Files whose work-tree copy differs from the index (modified or deleted)."""
    return sorted(_z_paths(_git(root, "diff", "-z", "--name-only", "--no-renames")))


# -- history: commits of a range, what each changed, and the blobs of a commit -------------


class LoggedCommit(NamedTuple):
    sha: str
    parents: tuple[str, ...]
    subject: str


def resolve_commit(root: Path, ref: str) -> str | None:
    """The full id of the commit *ref* names, or ``None`` when it names none here."""
    done = _run_git(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
    )
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def is_shallow(root: Path) -> bool:
    done = _run_git(root, "rev-parse", "--is-shallow-repository")
    return done.stdout.strip() == "true"


def default_branch(root: Path) -> str | None:
    """The default branch: ``origin/HEAD`` when the clone knows it, else main or master."""
    done = _run_git(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if done.returncode == 0 and done.stdout.strip():
        return done.stdout.strip()
    for name in ("main", "master", "origin/main", "origin/master"):
        if resolve_commit(root, name):
            return name
    return None


def merge_base(root: Path, one: str, two: str) -> str | None:
    done = _run_git(root, "merge-base", one, two)
    return done.stdout.strip() or None if done.returncode == 0 else None


def first_parent_commits(root: Path, base: str, head: str) -> list[LoggedCommit]:
    """The commits after *base* up to *head*, oldest first, following first parents."""
    out = _git(
        root, "log", "--first-parent", "--reverse", "--format=%H%x00%P%x00%s%x1e", f"{base}..{head}"
    )
    commits = []
    for record in out.split("\x1e"):
        record = record.strip("\n")
        if record:
            sha, parents, subject = record.split("\0", 2)
            commits.append(LoggedCommit(sha, tuple(parents.split()), subject))
    return commits


def commit_changes(root: Path, old: str, new: str) -> list[tuple[str, str]]:
    """(status letter, path) of every file that differs between two commits (no renames)."""
    out = _git(root, "diff", "--no-renames", "--name-status", "-z", old, new)
    fields = out.split("\0")
    return [(fields[i][:1], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]


def tree_blobs(root: Path, commit: str) -> dict[str, str]:
    """The blob id of every file in *commit* (symlinks and executables included)."""
    out = _git(root, "ls-tree", "-r", "-z", commit)
    blobs = {}
    for entry in out.split("\0"):
        if entry:
            meta, path = entry.split("\t", 1)
            _mode, kind, sha = meta.split(" ")
            if kind == "blob":
                blobs[path] = sha
    return blobs


def checkout_detached(tree: Path, commit: str) -> None:
    """Make the worktree at *tree* hold exactly *commit*; ``.piv/`` is left alone."""
    _git(tree, "checkout", "--quiet", "--force", "--detach", commit)
    _git(tree, "clean", "-q", "-ffdx", "-e", ".piv/")


def restore_paths(tree: Path, commit: str, paths: list[str]) -> None:
    """Take *paths* as they are in *commit* into the worktree at *tree*."""
    if paths:
        _git(tree, "checkout", "--quiet", commit, "--", *paths)
