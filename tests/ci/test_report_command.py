"""`piv report github` on real `piv validate --json` output in a real git repository."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_piv.cli import main

PIV = [sys.executable, "-m", "pytest_piv"]


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """main has an old module with 12 unused imports; the branch adds a new bad one."""
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    imports = "".join(f"import mod{n}\n" for n in range(12))
    (root / "src" / "aaa_old.py").write_text(imports, encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "chore: start")
    _git(root, "checkout", "-q", "-b", "feature")
    (root / "src" / "zzz_new.py").write_text("x = 1\nimport os\n", encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "feat: new")
    return root


def _validate_json(root: Path, results: Path) -> None:
    results.mkdir(exist_ok=True)
    done = subprocess.run(
        [*PIV, "validate", "--preset", "minimal", "--all-files", "--json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    (results / "validate.json").write_text(done.stdout, encoding="utf-8")


def _report(
    root: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[str], str]:
    code = main(["--root", str(root), "report", "github", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_a_failed_gate_is_reported_once_with_changed_lines_annotated_first(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results"
    _validate_json(project, results)
    summary = tmp_path / "summary.md"
    code, out, err = _report(
        project, capsys, "--from", str(results), "--base", "main", "--summary", str(summary)
    )
    assert code == 1, err
    errors = [line for line in out if line.startswith("::error ")]
    assert len(errors) == 10
    assert errors[0].startswith("::error file=src/zzz_new.py,line=")
    assert all("file=src/aaa_old.py" in line for line in errors[2:])
    text = summary.read_text(encoding="utf-8")
    assert "## piv: failed: validate" in text
    for gate in ("coverage", "bench", "verify", "profile"):
        assert f"| {gate} | ⏭️ skipped |" in text
    # the old module's findings beyond the ten are listed in the summary
    assert "### more annotations" in text
    assert "| error | src/aaa_old.py:" in text
    assert "F401" in text


def test_without_a_base_the_gates_order_is_kept(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results"
    _validate_json(project, results)
    _, out, _ = _report(project, capsys, "--from", str(results), "--summary", str(tmp_path / "s"))
    assert out[0].startswith("::error file=src/aaa_old.py,")


def test_the_summary_goes_to_the_github_step_summary_file_and_appends(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "step_summary"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    (tmp_path / "empty").mkdir()
    code, out, _ = _report(project, capsys, "--from", str(tmp_path / "empty"))
    assert code == 0
    assert out == []
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## piv: passed")
    assert text.count("⏭️ skipped") == 5


def test_a_huge_result_keeps_the_summary_and_what_was_there_under_one_mebibyte(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    findings = [
        {"path": f"src/m{n}.py", "line": n + 1, "col": 1, "code": "E501", "message": "x" * 150}
        for n in range(40_000)
    ]
    step = {"name": "ruff-check", "verdict": "fail", "seconds": 1, "findings": findings}
    results = tmp_path / "results"
    results.mkdir()
    (results / "validate.json").write_text(
        json.dumps({"preset": "p", "exit_code": 1, "steps": [step]}), encoding="utf-8"
    )
    summary = tmp_path / "summary.md"
    summary.write_bytes(b"x" * 300_000 + b"\n")
    code, out, _ = _report(project, capsys, "--from", str(results), "--summary", str(summary))
    assert code == 1
    assert len(out) == 10
    assert summary.stat().st_size <= 1024 * 1024
    text = summary.read_text(encoding="utf-8")
    assert "more rows not shown here, see the artifact `piv-result-validate`" in text


def test_a_hostile_message_cannot_start_a_workflow_command(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results"
    results.mkdir()
    hostile = "feat: x\n::set-output name=verdict::pass\n::add-mask::secret"
    verify = {
        "range": "main..HEAD",
        "ok": False,
        "commits": [{"sha": "a" * 40, "phase": "green", "verdict": "bad", "subject": hostile}],
        "violations": [{"commit": "a" * 40, "message": hostile}],
    }
    (results / "verify.json").write_text(json.dumps(verify), encoding="utf-8")
    code, out, _ = _report(
        project, capsys, "--from", str(results), "--summary", str(tmp_path / "s")
    )
    assert code == 1
    assert out == [
        "::error title=piv verify%3A commit aaaaaaaaaaaa"
        "::feat: x%0A::set-output name=verdict::pass%0A::add-mask::secret"
    ]
    assert "feat: x\\n::set-output" in (tmp_path / "s").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "coverage.json: not a readable JSON file"),
        ("[1, 2]", "coverage.json: the result: expected a JSON object"),
        ('{"passed": "yes", "groups": []}', "coverage.json: passed: expected true or false"),
    ],
)
def test_a_malformed_result_is_one_line_naming_the_file_and_the_rest_is_still_reported(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    expected: str,
) -> None:
    results = tmp_path / "results"
    _validate_json(project, results)
    (results / "coverage.json").write_text(content, encoding="utf-8")
    summary = tmp_path / "summary.md"
    code, out, err = _report(project, capsys, "--from", str(results), "--summary", str(summary))
    assert code == 2
    error = [line for line in err.splitlines() if line.startswith("piv: error:")]
    assert len(error) == 1
    assert expected in error[0]
    assert "Traceback" not in err
    text = summary.read_text(encoding="utf-8")
    assert "| coverage | ⚠️ unreadable |" in text
    assert "| validate | ❌ failed |" in text
    assert len(out) == 10


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--from", "nowhere"), "--from nowhere: no such directory"),
        (("--coverage", "missing.json"), "--coverage missing.json: no such file"),
        (("--base", "no-such-branch"), "no-such-branch"),
        (("--needs", "{"), "--needs: expected the JSON of"),
        (("--needs", '{"tests": "failure"}'), "--needs: expected the JSON of"),
    ],
)
def test_bad_arguments_are_a_one_line_usage_error(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    expected: str,
) -> None:
    monkeypatch.chdir(project)
    code, out, err = _report(project, capsys, *args, "--summary", "s.md")
    assert code == 2
    assert out == []
    assert len(err.strip().splitlines()) == 1
    assert expected in err
    assert not (project / "s.md").exists()


def test_a_named_file_is_read_instead_of_the_directory(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results"
    _validate_json(project, results)
    other = tmp_path / "bench-result.json"
    other.write_text(json.dumps({"machine": "main", "benchmarks": []}), encoding="utf-8")
    summary = tmp_path / "s.md"
    code, _, _ = _report(
        project, capsys, "--from", str(results), "--bench", str(other), "--summary", str(summary)
    )
    assert code == 1
    assert "| bench | ✅ passed |" in summary.read_text(encoding="utf-8")


def test_a_gate_job_that_failed_before_its_result_is_failed_not_skipped(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    needs = {
        "plan": {"result": "success", "outputs": {}},
        "tests": {"result": "failure", "outputs": {}},
        "coverage": {"result": "failure", "outputs": {}},
        "bench": {"result": "skipped", "outputs": {}},
    }
    summary = tmp_path / "s.md"
    code, _, _ = _report(
        project,
        capsys,
        "--from",
        str(tmp_path / "empty"),
        "--needs",
        json.dumps(needs),
        "--summary",
        str(summary),
    )
    assert code == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## piv: failed: tests, coverage\n")
    assert "| tests | ❌ failed | ended in failure; see its log |" in text
    assert (
        "| coverage | ❌ failed | the job ended in failure before its result; see its log |" in text
    )
    assert "| bench | ⏭️ skipped |" in text
