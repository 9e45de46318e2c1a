"""An unexpected error's log is private to the user and can never be aimed at another file."""

from __future__ import annotations

import re
import stat
import tempfile
from pathlib import Path

import click
import pytest

from pytest_piv import cli as piv_cli
from pytest_piv.cli import EXIT_UNEXPECTED, main


@click.command("boom")
def boom_command() -> None:
    """A command that fails the way a bug would."""
    raise RuntimeError("a bug in piv")


@pytest.fixture
def failing_piv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``piv boom`` raises an unexpected error; the shared temporary directory and the
    user's state directory are this test's own."""
    monkeypatch.setitem(piv_cli.COMMANDS, "boom", (__name__, "boom_command"))
    shared = tmp_path / "shared-tmp"
    shared.mkdir(mode=0o777)
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return shared


def logged_path(err: str) -> Path:
    found = re.search(r"details in (\S+)\)", err)
    assert found, err
    return Path(found.group(1))


def test_an_unexpected_error_is_logged_in_a_private_file_under_the_user_s_state_dir(
    failing_piv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["boom"])

    err = capsys.readouterr().err
    log = logged_path(err)
    assert code == EXIT_UNEXPECTED
    assert err.startswith("piv: unexpected error: RuntimeError('a bug in piv')")
    assert log.parent == tmp_path / "state" / "piv"
    assert "RuntimeError: a bug in piv" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert not list(failing_piv.iterdir())  # nothing in the shared temporary directory


def test_two_errors_keep_two_logs(failing_piv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["boom"])
    first = logged_path(capsys.readouterr().err)
    main(["boom"])
    second = logged_path(capsys.readouterr().err)

    assert first != second
    assert first.exists()
    assert second.exists()


def test_planted_symlinks_never_make_the_log_overwrite_another_file(
    failing_piv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim_dir = tmp_path / "victim"
    victim_dir.mkdir()
    victim = victim_dir / "precious.txt"
    victim.write_text("keep me")
    # where the log used to go, and where it goes now: both aimed at the victim
    (failing_piv / "piv-error.log").symlink_to(victim)
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "piv").symlink_to(victim_dir, target_is_directory=True)

    code = main(["boom"])

    log = logged_path(capsys.readouterr().err)
    assert code == EXIT_UNEXPECTED
    assert victim.read_text() == "keep me"
    assert sorted(p.name for p in victim_dir.iterdir()) == ["precious.txt"]
    assert not log.is_symlink()
    assert not log.parent.is_symlink()
    assert log.parent.resolve() != victim_dir.resolve()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert "RuntimeError: a bug in piv" in log.read_text()


def test_a_state_dir_others_can_write_to_is_made_private_before_it_holds_a_log(
    failing_piv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state" / "piv"
    state.mkdir(parents=True)
    state.chmod(0o777)

    main(["boom"])

    log = logged_path(capsys.readouterr().err)
    assert log.parent == state
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
