"""Tree state from git and from a plain directory; the store's schema and recovery."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pytest_piv.errors import StoreError
from pytest_piv.paths import FileRoles
from pytest_piv.store import SCHEMA_VERSION, connect, integrity_ok, reset
from pytest_piv.vcs import (
    LISTING_MAGIC,
    TreeState,
    TreeStateJob,
    blob_digest,
    changed_lines,
    collect_tree_state,
)
from tests.conftest import git

ROLES = FileRoles(tests=("tests/**/*.py",), source=("src/**/*.py",))


def make_repo(root: Path) -> None:
    (root / "src").mkdir()
    (root / "tests").mkdir()
    (root / "src" / "a.py").write_text("A = 1\n")
    (root / "tests" / "test_a.py").write_text("def test_a():\n    pass\n")
    (root / "notes.txt").write_text("not python\n")
    git(root, "init", "-q")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "dev")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")


def test_tree_state_uses_git_blob_ids_for_tracked_modified_and_untracked_files(
    tmp_path: Path,
) -> None:
    make_repo(tmp_path)
    clean = collect_tree_state(tmp_path, ROLES)
    assert clean.in_git
    assert clean.head
    assert clean.roles == {"src/a.py": "source", "tests/test_a.py": "test"}
    assert clean.files["src/a.py"] == git(tmp_path, "rev-parse", "HEAD:src/a.py").strip()
    assert not clean.dirty
    (tmp_path / "src" / "a.py").write_text("A = 2\n")
    (tmp_path / "src" / "b.py").write_text("B = 1\n")
    (tmp_path / ".gitignore").write_text("src/ignored.py\n")
    (tmp_path / "src" / "ignored.py").write_text("X = 1\n")
    dirty = collect_tree_state(tmp_path, ROLES)
    assert dirty.files["src/a.py"] == blob_digest(b"A = 2\n")
    assert dirty.files["src/b.py"] == blob_digest(b"B = 1\n")
    assert "src/ignored.py" not in dirty.files
    assert dirty.dirty == {"src/a.py", "src/b.py"}
    assert dirty.tree_id != clean.tree_id


def test_file_names_with_spaces_tabs_and_question_marks_are_listed_whole(
    tmp_path: Path,
) -> None:
    make_repo(tmp_path)
    odd = ["src/with space.py", "src/with\ttab.py", "src/? what.py"]
    for name in odd:
        (tmp_path / name).write_text("X = 1\n")
    git(tmp_path, "add", odd[0], odd[1])
    git(tmp_path, "commit", "-qm", "odd names")
    (tmp_path / "src" / "new ? one.py").write_text("Y = 1\n")
    state = collect_tree_state(tmp_path, ROLES)
    assert set(state.files) == {"src/a.py", "tests/test_a.py", *odd, "src/new ? one.py"}
    assert state.dirty == {"src/? what.py", "src/new ? one.py"}
    assert state.files["src/with\ttab.py"] == blob_digest(b"X = 1\n")


def test_two_identical_tree_states_have_the_same_id(tmp_path: Path) -> None:
    make_repo(tmp_path)
    assert (
        collect_tree_state(tmp_path, ROLES).tree_id == collect_tree_state(tmp_path, ROLES).tree_id
    )


def test_a_deleted_tracked_file_leaves_the_tree_state(tmp_path: Path) -> None:
    make_repo(tmp_path)
    (tmp_path / "src" / "a.py").unlink()
    assert "src/a.py" not in collect_tree_state(tmp_path, ROLES).files


def test_outside_git_every_file_is_hashed_and_a_note_says_so(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("A = 1\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "x.py").write_text("")
    state = collect_tree_state(tmp_path, FileRoles(tests=("test_*.py",), source=("**/*.py",)))
    assert not state.in_git
    assert state.head is None
    assert state.files == {"src/a.py": blob_digest(b"A = 1\n")}
    assert state.notes == ("not a git repository: every test and source file was hashed",)


def test_a_corrupt_git_index_falls_back_to_hashing_every_file_with_a_note(
    tmp_path: Path,
) -> None:
    make_repo(tmp_path)
    (tmp_path / ".git" / "index").write_bytes(b"not an index")
    state = collect_tree_state(tmp_path, FileRoles(tests=("tests/**",), source=("src/**",)))
    assert state.in_git
    assert state.head is not None
    assert "tests/test_a.py" in state.files
    assert state.notes[0].startswith("git ls-files failed (")
    assert state.notes[0].endswith("): every file was hashed")


def test_a_repository_without_commits_has_no_head(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("A = 1\n")
    state = collect_tree_state(tmp_path, ROLES)
    assert state.head is None
    assert state.files == {"src/a.py": blob_digest(b"A = 1\n")}


def test_changed_lines_are_the_added_and_replaced_lines_of_the_new_text() -> None:
    old = "a\nb\nc\n"
    assert changed_lines(old, "a\nB\nc\nd\n") == {2, 4}
    assert changed_lines(old, "a\nc\n") == set()
    assert changed_lines(None, "x\ny\n") == {1, 2}


def test_a_new_store_has_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    conn = connect(tmp_path / "deep" / "piv.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert integrity_ok(tmp_path / "deep" / "piv.db")


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "piv.db"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 999")
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"schema version 999, newer than this pytest-piv knows"):
        connect(path)
    assert path.read_bytes() == before


def test_a_corrupt_store_names_the_file_and_the_reset_command(tmp_path: Path) -> None:
    path = tmp_path / "piv.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as info:
        connect(path)
    assert str(info.value).startswith(f"{path} is not a readable piv store")
    assert "piv state reset" in str(info.value)


def test_reset_keeps_a_backup_and_never_deletes(tmp_path: Path) -> None:
    path = tmp_path / "piv.db"
    connect(path).close()
    backup = reset(path)
    assert backup is not None
    assert backup.exists()
    assert not path.exists()
    assert reset(path) is None


def test_a_missing_store_is_not_created_by_readers(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no piv store yet"):
        connect(tmp_path / "piv.db", create=False)
    assert not (tmp_path / "piv.db").exists()


# -- the listing cache: git's listing parsed once per distinct listing -------------------


def listing_cache(root: Path) -> Path:
    return root.parent / f"{root.name}-listing"  # outside the work tree, as .piv/ is ignored


def cached_state(root: Path, roles: FileRoles = ROLES) -> TreeState:
    return TreeStateJob(root, roles, listing_cache(root)).result()


def test_a_repeated_listing_is_read_from_the_cache_and_gives_the_same_tree_state(
    tmp_path: Path,
) -> None:
    make_repo(tmp_path)
    (tmp_path / "src" / "a.py").write_text("A = 2\n")  # modified, not staged
    (tmp_path / "src" / "new.py").write_text("N = 1\n")  # untracked
    first = cached_state(tmp_path)
    cache = listing_cache(tmp_path).read_bytes()

    second = cached_state(tmp_path)

    assert listing_cache(tmp_path).read_bytes() == cache  # a hit writes nothing
    assert second == first == collect_tree_state(tmp_path, ROLES)
    assert second.files["src/a.py"] == blob_digest(b"A = 2\n")
    assert second.dirty == {"src/a.py", "src/new.py"}


def test_a_file_edited_again_without_touching_the_index_gets_its_new_digest(
    tmp_path: Path,
) -> None:
    make_repo(tmp_path)
    (tmp_path / "src" / "a.py").write_text("A = 2\n")
    (tmp_path / "src" / "new.py").write_text("N = 1\n")
    cached_state(tmp_path)
    # git's listing stays byte for byte the same: only the contents moved
    (tmp_path / "src" / "a.py").write_text("A = 3\n")
    (tmp_path / "src" / "new.py").write_text("N = 2\n")

    state = cached_state(tmp_path)

    assert state.files["src/a.py"] == blob_digest(b"A = 3\n")
    assert state.files["src/new.py"] == blob_digest(b"N = 2\n")


def test_a_deleted_file_leaves_the_tree_state_even_with_a_cached_listing(tmp_path: Path) -> None:
    make_repo(tmp_path)
    (tmp_path / "src" / "new.py").write_text("N = 1\n")
    cached_state(tmp_path)
    (tmp_path / "src" / "new.py").unlink()
    (tmp_path / "src" / "other.py").write_text("O = 1\n")

    state = cached_state(tmp_path)

    assert "src/new.py" not in state.files
    assert "src/new.py" not in state.roles
    assert state.roles["src/other.py"] == "source"


def test_other_roles_do_not_reuse_the_roles_of_a_cached_listing(tmp_path: Path) -> None:
    make_repo(tmp_path)
    cached_state(tmp_path)

    state = cached_state(tmp_path, FileRoles(tests=("tests/**/*.py",), source=()))

    assert state.roles == {"tests/test_a.py": "test"}


@pytest.mark.parametrize("damage", [b"", b"piv-listing-1\n\x00\x00\x00\x00garbage", b"zz"])
def test_a_damaged_listing_cache_is_ignored_and_rewritten(tmp_path: Path, damage: bytes) -> None:
    make_repo(tmp_path)
    cached_state(tmp_path)
    listing_cache(tmp_path).write_bytes(damage)

    state = cached_state(tmp_path)

    assert state == collect_tree_state(tmp_path, ROLES)
    assert listing_cache(tmp_path).read_bytes().startswith(LISTING_MAGIC)


def test_tree_state_reaches_into_symlinked_directories_files_and_submodules(
    tmp_path: Path,
) -> None:
    root, outside, library = tmp_path / "repo", tmp_path / "outside", tmp_path / "library"
    for d in (root, outside / "pkg", library / "lib"):
        d.mkdir(parents=True)
    (outside / "pkg" / "m.py").write_text("M = 1\n")
    (outside / "one.py").write_text("ONE = 1\n")
    (library / "lib" / "l.py").write_text("L = 1\n")
    for repo in (library, root):
        git(repo, "init", "-q")
        git(repo, "config", "user.email", "dev@example.com")
        git(repo, "config", "user.name", "dev")
    git(library, "add", "-A")
    git(library, "commit", "-qm", "library")
    (root / "src").mkdir()
    (root / "src" / "pkg").symlink_to(outside / "pkg", target_is_directory=True)
    (root / "src" / "one.py").symlink_to(outside / "one.py")
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "src/sub")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    state = collect_tree_state(root, ROLES)
    assert state.roles == {
        "src/pkg/m.py": "source",
        "src/one.py": "source",
        "src/sub/lib/l.py": "source",
    }
    assert state.files["src/pkg/m.py"] == blob_digest(b"M = 1\n")
    assert state.files["src/one.py"] == blob_digest(b"ONE = 1\n")  # the content, not the link
    assert state.files["src/sub/lib/l.py"] == blob_digest(b"L = 1\n")
    (outside / "pkg" / "m.py").write_text("M = 2\n")
    (library / "lib" / "l.py").write_text("L = 2\n")  # the library, not the checkout
    (root / "src" / "sub" / "lib" / "l.py").write_text("L = 3\n")
    changed = collect_tree_state(root, ROLES)
    assert changed.files["src/pkg/m.py"] == blob_digest(b"M = 2\n")
    assert changed.files["src/sub/lib/l.py"] == blob_digest(b"L = 3\n")
    assert {"src/pkg/m.py", "src/sub/lib/l.py"} <= changed.dirty
