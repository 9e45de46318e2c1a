from __future__ import annotations

from pathlib import Path

import coverage
import pytest

from pytest_piv.coverage.measured import (
    CoverageDataError,
    aliases_for,
    analyse,
    coverage_for,
    read_data,
)

SOURCE = """\
def total(items):
    s = 0
    for i in items:
        if i > 0:
            s += i
    return s


def unused():  # line 9
    return 1


def skipped():  # pragma: no cover
    return 2
"""


def _write_data(path: Path, filename: str, *, arcs: bool) -> None:
    data = coverage.CoverageData(basename=str(path))
    if arcs:
        data.add_arcs(
            {
                filename: {
                    (-1, 1),
                    (1, 9),
                    (9, 13),
                    (13, -1),
                    (-1, 2),
                    (2, 3),
                    (3, 4),
                    (4, 5),
                    (5, 3),
                    (3, 6),
                    (6, -1),
                }
            }
        )
    else:
        data.add_lines({filename: {1, 2, 3, 4, 5, 6, 9, 13}})
    data.write()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "cart.py").write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_analysis_gives_statements_missing_lines_and_partial_branches(project: Path) -> None:
    _write_data(project / ".coverage", str(project / "src" / "cart.py"), arcs=True)
    measurement = analyse(read_data([project / ".coverage"]), coverage_for(project), project)
    (file,) = measurement.files
    assert file.path == "src/cart.py"
    assert file.statements == frozenset({1, 2, 3, 4, 5, 6, 9, 10})  # 13: pragma
    assert file.missing == frozenset({10})
    assert file.branches == 4
    assert file.missing_arcs == ((4, 3),)
    assert measurement.has_branches


def test_line_only_data_has_no_branches(project: Path) -> None:
    _write_data(project / ".coverage", str(project / "src" / "cart.py"), arcs=False)
    measurement = analyse(read_data([project / ".coverage"]), coverage_for(project), project)
    assert not measurement.has_branches
    assert measurement.files[0].branches == 0


def test_shards_from_another_machine_combine_through_path_remapping(project: Path) -> None:
    _write_data(project / "a.cov", "/ci/runner/work/src/cart.py", arcs=False)
    _write_data(project / "b.cov", str(project / "src" / "cart.py"), arcs=False)
    cov = coverage_for(project)
    aliases = aliases_for(cov, project, [("src/", ["/ci/*/work/src/"])])
    measurement = analyse(read_data([project / "a.cov", project / "b.cov"], aliases), cov, project)
    assert [f.path for f in measurement.files] == ["src/cart.py"]
    assert measurement.outside == 0


def test_files_outside_the_root_and_unreadable_files_are_counted_not_judged(project: Path) -> None:
    data = coverage.CoverageData(basename=str(project / ".coverage"))
    data.add_lines({"/elsewhere/x.py": {1}, str(project / "src" / "gone.py"): {1}})
    data.write()
    measurement = analyse(read_data([project / ".coverage"]), coverage_for(project), project)
    assert measurement.files == ()
    assert measurement.outside == 1
    assert measurement.unreadable == ("src/gone.py",)


def test_a_missing_data_file_is_a_clear_error(project: Path) -> None:
    with pytest.raises(CoverageDataError, match="does not exist"):
        read_data([project / "nope"])


def test_line_and_branch_shards_cannot_combine(project: Path) -> None:
    _write_data(project / "a.cov", str(project / "src" / "cart.py"), arcs=False)
    _write_data(project / "b.cov", str(project / "src" / "cart.py"), arcs=True)
    with pytest.raises(CoverageDataError, match="cannot combine"):
        read_data([project / "a.cov", project / "b.cov"])
