"""The committed gates baseline: only violations it does not record fail, and it ratchets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_piv.cli import main
from pytest_piv.validate.findings import Finding
from pytest_piv.validate.gates import Measure
from pytest_piv.validate.gates_baseline import (
    GatesBaselineError,
    parse_baseline,
    ratchet,
    render_baseline,
)
from tests.validate.conftest import Repo, make_repo

PRESETS = '\n[tool.piv.validate.presets]\ngated = ["gates"]\n'
BASELINE = "piv-gates-baseline.json"


def long_function(name: str, lines: int = 60) -> str:
    return f"def {name}() -> int:\n" + "    x = 1\n" * lines + "    return x\n"


@pytest.fixture
def legacy(tmp_path: Path) -> Repo:
    """A project with one over-long function committed before the baseline existed."""
    repo = make_repo(tmp_path / "legacy", PRESETS)
    repo.write("src/shop/legacy.py", long_function("long_one"))
    repo.commit("legacy")
    return repo


def recorded(repo: Repo) -> list[list[object]]:
    data = json.loads((repo.path / BASELINE).read_text(encoding="utf-8"))
    rows = data["violations"]
    assert isinstance(rows, list)
    return rows


def test_the_baseline_records_every_existing_violation_one_per_line(legacy: Repo) -> None:
    code, out = legacy.piv("gates", "baseline")
    assert code == 0
    assert f"piv: wrote {BASELINE} (1 violations; 0 fixed, 0 improved)" in out
    text = (legacy.path / BASELINE).read_text(encoding="utf-8")
    assert '    ["PIV101", "src/shop/legacy.py", "long_one", 62]' in text.splitlines()
    assert recorded(legacy) == [["PIV101", "src/shop/legacy.py", "long_one", 62]]


def test_a_recorded_violation_passes_and_a_new_one_fails(legacy: Repo) -> None:
    assert legacy.piv("gates", "baseline")[0] == 0
    legacy.commit("baseline")
    # the recorded function is touched (not grown): the gates pass, saying why
    legacy.write("src/shop/legacy.py", "# touched\n" + long_function("long_one"))
    code, data = legacy.validate_json("--preset", "gated")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert (code, steps[0]["verdict"]) == (0, "pass")
    assert steps[0]["detail"] == f"1 recorded in {BASELINE} not reported"
    # a new long function fails; so does the recorded one grown past its recorded length
    legacy.write(
        "src/shop/legacy.py",
        long_function("long_one", 61) + "\n\n" + long_function("long_two"),
    )
    code, out = legacy.piv("validate", "--preset", "gated")
    assert code == 1
    lines = out.splitlines()
    grown = "function long_one is 63 lines long (max 50; 62 in piv-gates-baseline.json)"
    assert f"src/shop/legacy.py:1:1: PIV101 {grown}" in lines
    assert "src/shop/legacy.py:66:1: PIV101 function long_two is 62 lines long (max 50)" in lines


def test_the_file_is_judged_not_head_so_debt_committed_since_it_fails(legacy: Repo) -> None:
    assert legacy.piv("gates", "baseline")[0] == 0
    legacy.write("src/shop/later.py", long_function("later"))
    legacy.commit("debt committed without updating the baseline")
    legacy.write("src/shop/later.py", "# touched\n" + long_function("later"))
    code, out = legacy.piv("validate", "--preset", "gated")
    assert code == 1
    assert "PIV101 function later is 62 lines long (max 50)" in out


def test_a_fixed_violation_shrinks_the_baseline_and_a_new_one_is_refused(legacy: Repo) -> None:
    legacy.write("src/shop/other.py", long_function("other"))
    assert legacy.piv("gates", "baseline")[0] == 0
    assert len(recorded(legacy)) == 2
    legacy.write("src/shop/legacy.py", long_function("long_one", 55))  # improved
    legacy.write("src/shop/other.py", "def other() -> int:\n    return 1\n")  # fixed
    code, data = legacy.validate_json("--preset", "gated")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert code == 0
    assert "1 fixed: 'piv gates baseline' shrinks the file" in str(steps[0]["detail"])
    code, out = legacy.piv("gates", "baseline")
    assert code == 0
    assert "(1 violations; 1 fixed, 1 improved)" in out
    assert recorded(legacy) == [["PIV101", "src/shop/legacy.py", "long_one", 57]]
    # the floor only goes down: a new violation is refused and the file is kept
    legacy.write("src/shop/other.py", long_function("other"))
    before = (legacy.path / BASELINE).read_bytes()
    code, out = legacy.piv("gates", "baseline")
    assert code == 1
    assert "src/shop/other.py:1:1: PIV101 function other is 62 lines long (max 50)" in out
    assert "not written (hint: fix them, or record them with --allow-new)" in out
    assert (legacy.path / BASELINE).read_bytes() == before
    assert legacy.piv("gates", "baseline", "--allow-new")[0] == 0
    assert len(recorded(legacy)) == 2


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"format": 99, "violations": []}',
        '{"format": 1, "violations": {}}',
        '{"format": 1, "violations": [["PIV101", "a.py", "f", "62"]]}',
    ],
)
def test_a_bad_baseline_file_is_one_line_naming_it_and_exit_2(
    legacy: Repo, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (legacy.path / BASELINE).write_text(content, encoding="utf-8")
    for argv in (["validate", "--preset", "gated"], ["gates", "baseline"]):
        assert main(["--root", str(legacy.path), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        assert err.startswith(f"piv: error: {legacy.path / BASELINE}: ")
        assert "piv gates baseline" in err
    assert (legacy.path / BASELINE).read_text(encoding="utf-8") == content


def test_without_the_file_the_base_commit_is_the_baseline(legacy: Repo) -> None:
    legacy.write("src/shop/legacy.py", "# touched\n" + long_function("long_one"))
    code, data = legacy.validate_json("--preset", "gated")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert (code, steps[0]["detail"]) == (0, "1 existing violation not reported")


def test_the_baseline_key_can_name_another_file_or_be_switched_off(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "named", PRESETS + '\n[tool.piv.gates]\nbaseline = "ci/gates.json"\n'
    )
    repo.write("src/shop/legacy.py", long_function("long_one"))
    (repo.path / "ci").mkdir()
    assert repo.piv("gates", "baseline")[0] == 0
    assert (repo.path / "ci" / "gates.json").is_file()
    off = make_repo(tmp_path / "off", PRESETS + "\n[tool.piv.gates]\nbaseline = false\n")
    assert main(["--root", str(off.path), "gates", "baseline"]) == 2


def test_the_file_renders_sorted_and_reads_back() -> None:
    rows = {
        ("PIV103", "b.py", "g"): 12,
        ("PIV101", "a.py", "f"): 60,
        ("PIV104", "", "a b"): 2,
    }
    text = render_baseline(rows)
    assert text.splitlines()[3:6] == [
        '    ["PIV101", "a.py", "f", 60],',
        '    ["PIV103", "b.py", "g", 12],',
        '    ["PIV104", "", "a b", 2]',
    ]
    assert parse_baseline(text, Path("x.json")) == rows
    assert parse_baseline(render_baseline({}), Path("x.json")) == {}
    with pytest.raises(GatesBaselineError, match=r"^x\.json: violation 1 is not"):
        parse_baseline('{"format": 1, "violations": [[1, 2]]}', Path("x.json"))


def test_the_ratchet_lists_new_and_worse_and_counts_fixed_and_improved() -> None:
    def measure(symbol: str, value: int) -> Measure:
        finding = Finding("a.py", 1, 1, "PIV101", symbol)
        return Measure(finding, ("PIV101", "a.py", symbol), value)

    old = {("PIV101", "a.py", "f"): 60, ("PIV101", "a.py", "g"): 60, ("PIV101", "a.py", "h"): 60}
    update = ratchet(old, [measure("f", 55), measure("g", 61), measure("new", 70)])
    assert [m.key[2] for m in update.new] == ["g", "new"]
    assert (update.fixed, update.improved) == (1, 1)
    assert ratchet(None, [measure("f", 55)]).new == []
