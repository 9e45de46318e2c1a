from __future__ import annotations

from pathlib import Path

import pytest

from pytest_piv.checkpoints.validation import Step, ValidationSummary, validate
from pytest_piv.errors import UsageError
from tests.checkpoints.conftest import Piv, git, trailers

PYPROJECT = (
    '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n\n'
    '[tool.piv.validate]\npreset = "quick"\n\n'
    '[tool.piv.validate.presets]\nquick = ["ruff-check", "pytest-all"]\ntests = ["pytest-all"]\n'
)


def _project(root: Path, test: str) -> None:
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "tests").mkdir()
    (root / "tests" / "test_a.py").write_text(test)


def test_the_configured_preset_runs_piv_validate_and_summarises_each_step(
    repo: Path, piv: Piv
) -> None:
    _project(repo, "def test_a():\n    assert True\n\n\ndef test_b():\n    assert True\n")
    code, _, err = piv("checkpoint", "-m", "two tests")
    assert code == 0, err
    assert trailers(repo, "HEAD")["Piv-Validation"] == "ruff-check=pass pytest-all=pass"
    assert (repo / ".piv" / "piv.db").is_file()  # the validation's own pytest --piv run
    assert trailers(repo, "HEAD")["Piv-Phase"] == "ADOPTED"


def test_failing_tests_fail_the_validation_with_their_count(repo: Path, piv: Piv) -> None:
    _project(repo, "def test_a():\n    assert True\n\n\ndef test_b():\n    assert False\n")
    code, _, err = piv("checkpoint", "--preset", "tests")
    assert code == 1
    assert "  pytest-all: failed (1 finding" in err
    assert trailers(repo, "refs/piv/checkpoints/main/1")["Piv-Validation"] == "pytest-all=fail"


def test_a_failed_validation_names_each_finding_under_its_step(repo: Path, piv: Piv) -> None:
    _project(repo, "def test_a():\n    assert True\n\n\ndef test_b():\n    assert False\n")
    code, _, err = piv("checkpoint", "--preset", "tests")
    assert code == 1
    lines = err.splitlines()
    step = next(n for n, line in enumerate(lines) if line.startswith("piv:   pytest-all: failed"))
    assert lines[step + 1].startswith("piv:     tests/test_a.py:")
    assert "test_b" in lines[step + 1]


def test_at_most_ten_findings_a_step_are_listed_and_the_rest_counted() -> None:
    findings = tuple(f"a.py:{n}:1: E1 bad" for n in range(1, 14))
    summary = ValidationSummary((Step("ruff-check", False, "13 findings", 0.1, findings=findings),))
    lines = summary.lines()
    assert lines[2:12] == [f"    a.py:{n}:1: E1 bad" for n in range(1, 11)]
    assert lines[12] == "    ... and 3 more (piv validate --changed shows them all)"


def test_a_validation_that_overruns_its_budget_is_stopped_and_fails(tmp_path: Path) -> None:
    _project(tmp_path, "import time\n\n\ndef test_slow():\n    time.sleep(60)\n")
    git(tmp_path, "init", "-q")
    summary = validate(tmp_path, "tests", budget=2)
    assert not summary.ok
    assert summary.trailer == "validate=timeout"
    assert summary.steps[0].seconds < 30


def test_an_unknown_preset_names_the_choices(tmp_path: Path) -> None:
    _project(tmp_path, "def test_a():\n    assert True\n")
    with pytest.raises(UsageError, match=r"--preset 'nosuch': expected one of minimal, "):
        validate(tmp_path, "nosuch")


def test_the_resume_note_names_the_test_waiting_to_turn_green(repo: Path, piv: Piv) -> None:
    _project(repo, "def test_a():\n    assert True\n")
    piv("checkpoint", "--preset", "tests")
    (repo / "tests" / "test_a.py").write_text(
        "from calc import double\n\n\ndef test_a():\n    assert double(2) == 4\n"
    )
    code, _, err = piv("checkpoint", "--preset", "tests", "--wip", "-m", "double")
    assert code == 1, err  # RED: the validation fails, the snapshot stays
    data = piv.json("resume", "2")
    note = "\n".join(data["note"])
    assert note.startswith("Resuming checkpoint main/2: double (phase RED)")
    assert "In progress: 1 tests waiting to turn green\n  - tests/test_a.py::test_a" in note
    assert "Next: make tests/test_a.py::test_a pass" in note
    assert data["branch"] == "resume/main-2"
    assert git(repo, "show", f"{data['start']}:tests/test_a.py").startswith("from calc")
