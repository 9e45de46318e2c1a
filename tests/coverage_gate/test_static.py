"""The coverage facts cache: cached analysis is exactly coverage.py's, and goes stale right."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import coverage
import pytest
from coverage.parser import PythonParser
from coverage.python import PythonFileReporter
from coverage.results import analysis_from_file_reporter

from pytest_piv.coverage import measured, static
from pytest_piv.coverage.measured import Measurement, analyse, coverage_for, read_data
from pytest_piv.coverage.model import FileCoverage
from pytest_piv.coverage.static import (
    FactsReporter,
    ParseSettings,
    StaticFacts,
    dumps_facts,
    loads_facts,
    parse_facts,
    settings_key,
)
from pytest_piv.store import connect
from pytest_piv.store import coverage_cache as store_cache
from pytest_piv.store.coverage_cache import StoreFactsCache, open_facts_cache

CART = '''\
"""A module with every shape the cache must reproduce."""
import contextlib


def total(items, *,
          start=0):
    s = start
    for i in items:
        if i > 0:
            s += i
        elif i < -100:  # pragma: no cover
            raise ValueError(i)
    return s


def opened(flag):
    with contextlib.suppress(KeyError):
        if flag:
            return 1
        x = {
            "a": 1,
        }
    while flag:  # pragma: no branch
        flag = False
    return 2


def half(x):
    if x:
        x = 1
    return x


def never():
    return [n for n in range(3)
            if n]


class Skipped:  # pragma: no cover
    def method(self):
        return 3


try:
    import json
except ImportError:
    json = None
'''
MAIN = """\
import sys
sys.path.insert(0, "src")
import cart
cart.total([1, -1, 2])
cart.opened(False)
cart.opened(True)
cart.half(True)
"""


def _run_coverage(root: Path, *, branch: bool) -> Path:
    data = root / (".coverage.branch" if branch else ".coverage.lines")
    args = [sys.executable, "-m", "coverage", "run", f"--data-file={data}"]
    args += ["--branch"] if branch else []
    subprocess.run([*args, "main.py"], cwd=root, check=True, capture_output=True)
    return data


@pytest.fixture(scope="module")
def measured_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with real coverage.py data, line-only and with branches."""
    root = tmp_path_factory.mktemp("cart")
    (root / "src").mkdir()
    (root / "src" / "cart.py").write_text(CART)
    (root / "src" / "same.py").write_text("")
    (root / "src" / "also_same.py").write_text("")
    (root / "main.py").write_text(MAIN + "import same, also_same\n")
    _run_coverage(root, branch=True)
    _run_coverage(root, branch=False)
    return root


@pytest.fixture
def project(measured_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the measured project, the current directory."""
    root = tmp_path / "p"
    (root / "src").mkdir(parents=True)
    for name in ("cart.py", "same.py", "also_same.py"):
        (root / "src" / name).write_text((measured_project / "src" / name).read_text())
    for name in (".coverage.branch", ".coverage.lines"):
        data = read_data([measured_project / name], aliases=None)
        out = coverage.CoverageData(basename=str(root / name))
        moved = {
            str(root / "src" / Path(f).name): f
            for f in data.measured_files()
            if Path(f).parent.name == "src"
        }
        if data.has_arcs():
            out.add_arcs({new: data.arcs(old) or [] for new, old in moved.items()})
        else:
            out.add_lines({new: data.lines(old) or [] for new, old in moved.items()})
        out.write()
    monkeypatch.chdir(root)
    return root


class DictCache:
    """A facts cache in memory that counts what it served."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], StaticFacts] = {}
        self.hits = 0

    def get(
        self, settings: str, digests: Iterable[str], *, with_arcs: bool
    ) -> Mapping[str, StaticFacts]:
        found = {
            d: self.entries[settings, d]
            for d in digests
            if (settings, d) in self.entries
            and (not with_arcs or self.entries[settings, d].arcs is not None)
        }
        self.hits += len(found)
        return found

    def put(self, settings: str, facts: Mapping[str, StaticFacts]) -> None:
        self.entries.update({(settings, d): f for d, f in facts.items()})


def reference(data_file: Path, root: Path) -> tuple[FileCoverage, ...]:
    """What ``analyse`` computed before the cache: coverage.py's reporter, file by file."""
    cov = coverage_for(root)
    data = read_data([data_file])
    files = []
    for filename in sorted(data.measured_files()):
        analysis = analysis_from_file_reporter(data, 0, PythonFileReporter(filename, cov), filename)
        arcs: tuple[tuple[int, int], ...] = ()
        if data.has_arcs():
            mba = analysis.missing_branch_arcs()
            arcs = tuple(sorted((a, b) for a, bs in mba.items() for b in bs))
        files.append(
            FileCoverage(
                path=Path(filename).relative_to(root.resolve()).as_posix(),
                statements=frozenset(analysis.statements),
                missing=frozenset(analysis.missing),
                branches=analysis.numbers.n_branches if data.has_arcs() else 0,
                missing_arcs=arcs,
            )
        )
    return tuple(files)


def run(root: Path, data_file: Path, cache: static.FactsCache | None) -> Measurement:
    return analyse(read_data([data_file]), coverage_for(root), root, cache=cache)


@contextlib.contextmanager
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> StaticFacts:
        raise AssertionError("parsed a file the cache should have served")

    with monkeypatch.context() as patch:
        patch.setattr(static, "parse_facts", refuse)
        yield


@pytest.mark.parametrize("data_name", [".coverage.branch", ".coverage.lines"])
def test_cached_analysis_is_exactly_coverage_pys_cold_and_warm(
    project: Path, data_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = reference(project / data_name, project)
    assert any(f.missing_arcs for f in expected) == (data_name == ".coverage.branch")
    cache = DictCache()
    cold = run(project, project / data_name, cache)
    with no_parsing(monkeypatch):
        warm = run(project, project / data_name, cache)
    assert cold.files == warm.files == expected
    assert cache.hits == 2  # cart.py and the one content of the two empty files
    assert run(project, project / data_name, None).files == expected


def test_the_reporter_answers_every_question_as_coverage_pys_own(project: Path) -> None:
    cov = coverage_for(project)
    data = read_data([project / ".coverage.branch"])
    filename = str(project / "src" / "cart.py")
    real = PythonFileReporter(filename, cov)
    facts = loads_facts(*dumps_facts(parse_facts(filename, ParseSettings.of(cov), with_arcs=True)))
    cached = FactsReporter(filename, facts)
    arcs = data.arcs(filename) or []
    assert cached.lines() == real.lines()
    assert cached.excluded_lines() == real.excluded_lines()
    assert cached.arcs() == real.arcs()
    assert cached.exit_counts() == real.exit_counts()
    assert cached.no_branch_lines() == real.no_branch_lines()
    assert cached.translate_arcs(arcs) == real.translate_arcs(arcs)
    every_line = range(-50, 50)
    assert cached.translate_lines(every_line) == real.translate_lines(every_line)
    assert facts.arcs is not None
    assert facts.arcs.with_jump_fixers  # the `with` block makes some: the test sees them
    assert facts.multiline  # and the multi-line statements a map


def test_the_private_with_jump_fixers_coverage_py_keeps_are_still_where_piv_reads_them(
    tmp_path: Path,
) -> None:
    """Fails when coverage.py renames or reshapes ``PythonParser._with_jump_fixers``."""
    source = "with open('f') as f:\n    a = 2\n    b = 3\nprint(4)\n"
    parser = PythonParser(text=source, exclude="#pragma: no cover")
    parser.parse_source()
    parser.arcs()
    fixers = static.with_jump_fixers(parser)
    assert fixers
    assert all(
        isinstance(k, tuple) and (v is None or isinstance(v, tuple)) for k, v in fixers.items()
    )
    assert parser.translate_arcs(fixers) == {
        (parser.first_line(v[0]), parser.first_line(v[1])) for v in fixers.values() if v
    }


def test_a_changed_file_misses_the_cache_and_is_judged_as_it_is_now(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = DictCache()
    data_file = project / ".coverage.lines"
    run(project, data_file, cache)
    cart = project / "src" / "cart.py"
    cart.write_text(cart.read_text().replace("    return 2\n", "    y = 5\n    return 2\n"))
    again = run(project, data_file, cache)
    assert again.files == reference(data_file, project)
    assert cache.hits == 1  # the empty files' content only
    assert len(cache.entries) == 3  # the empty files share one entry; cart has two versions


def test_changed_exclusion_settings_miss_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = DictCache()
    data_file = project / ".coverage.branch"
    before = run(project, data_file, cache)
    (project / ".coveragerc").write_text("[report]\nexclude_also =\n    def never\n")
    after = run(project, data_file, cache)
    assert after.files == reference(data_file, project)
    assert after.files != before.files
    assert cache.hits == 0
    (project / ".coveragerc").write_text(
        "[report]\nexclude_also =\n    def never\npartial_branches =\n    for i in\n"
    )
    assert run(project, data_file, cache).files == reference(data_file, project)
    assert cache.hits == 0


def test_the_settings_key_changes_with_coverage_py_and_each_regex(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = ParseSettings(exclude="no cover", partial="no branch")
    key = settings_key(settings)
    assert settings_key(ParseSettings(exclude="no cover!", partial="no branch")) != key
    assert settings_key(ParseSettings(exclude="no cover", partial="no branch!")) != key
    monkeypatch.setattr(coverage, "__version__", "99.0.0")
    assert settings_key(settings) != key


def test_line_facts_are_completed_when_branch_data_needs_them(project: Path) -> None:
    with contextlib.closing(StoreFactsCache(connect(project / ".piv" / "piv.db"))) as cache:
        lines = run(project, project / ".coverage.lines", cache)
        branches = run(project, project / ".coverage.branch", cache)
        assert lines.files == reference(project / ".coverage.lines", project)
        assert branches.files == reference(project / ".coverage.branch", project)
        assert run(project, project / ".coverage.lines", cache).files == lines.files


def test_the_store_serves_a_warm_run_without_parsing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = project / ".piv" / "piv.db"
    data_file = project / ".coverage.branch"
    cache = open_facts_cache(db)
    assert cache is not None
    with contextlib.closing(cache):
        cold = run(project, data_file, cache)
    cache = open_facts_cache(db)
    assert cache is not None
    with contextlib.closing(cache), no_parsing(monkeypatch):
        assert run(project, data_file, cache).files == cold.files == reference(data_file, project)


def test_a_store_that_cannot_be_opened_means_no_cache(tmp_path: Path) -> None:
    (tmp_path / "garbage.db").write_bytes(b"not a database" * 100)
    (tmp_path / "a-directory.db").mkdir()
    (tmp_path / "a-file").write_text("")
    assert open_facts_cache(tmp_path / "garbage.db") is None
    assert open_facts_cache(tmp_path / "a-directory.db") is None
    assert open_facts_cache(tmp_path / "a-file" / "piv.db") is None


def test_a_read_only_store_is_read_and_never_written(project: Path) -> None:
    db = project / ".piv" / "piv.db"
    data_file = project / ".coverage.lines"
    with contextlib.closing(StoreFactsCache(connect(db))) as cache:
        cache.put(settings_key(ParseSettings.of(coverage_for(project))), {})
    read_only = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    with contextlib.closing(StoreFactsCache(read_only)) as cache:
        assert run(project, data_file, cache).files == reference(data_file, project)
    with contextlib.closing(StoreFactsCache(connect(db))) as cache:
        rows = cache.conn.execute("SELECT COUNT(*) FROM coverage_facts").fetchone()[0]
    assert rows == 0


def test_entries_unused_for_a_month_are_dropped_on_the_next_write(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = project / ".piv" / "piv.db"
    today = store_cache._today()
    monkeypatch.setattr(store_cache, "_today", lambda: today - store_cache.KEEP_DAYS - 1)
    with contextlib.closing(StoreFactsCache(connect(db))) as cache:
        run(project, project / ".coverage.lines", cache)
    monkeypatch.setattr(store_cache, "_today", lambda: today)
    with contextlib.closing(StoreFactsCache(connect(db))) as cache:
        cache.put("other settings", {"0" * 40: StaticFacts(frozenset(), frozenset(), {})})
        digests = [d for (d,) in cache.conn.execute("SELECT digest FROM coverage_facts")]
    assert digests == ["0" * 40]


def test_a_file_unreadable_before_or_during_parsing_is_reported_not_cached(
    project: Path,
) -> None:
    (project / "src" / "broken.py").write_text("def broken(:\n")
    data = read_data([project / ".coverage.lines"])
    extra = coverage.CoverageData(no_disk=True)
    extra.add_lines(
        {str(project / "src" / "broken.py"): [1], str(project / "src" / "gone.py"): [1]}
    )
    data.update(extra)
    cache = DictCache()
    result = analyse(data, coverage_for(project), project, cache=cache)
    assert result.unreadable == ("src/broken.py", "src/gone.py")
    assert len(cache.entries) == 2


def test_paths_are_made_relative_through_symlinked_directories(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "m.py").write_text("")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "src").symlink_to(tmp_path / "real")
    (tmp_path / "root" / "link.py").symlink_to(tmp_path / "root" / "src" / "m.py")
    relative = measured.RootRelative(tmp_path / "root")
    assert relative(str(tmp_path / "root" / "src" / "m.py")) is None  # outside, as resolve()
    assert relative(str(tmp_path / "root" / "link.py")) is None
    assert relative(str(tmp_path / "root" / "x" / ".." / "n.py")) == "n.py"
    assert relative("rel/m.py") == "rel/m.py"


def test_many_files_parsed_on_two_processes_give_the_same_facts(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(static, "PARALLEL_FROM", 2)
    (project / "src" / "broken.py").write_text("def broken(:\n")
    paths = [project / "src" / name for name in ("cart.py", "broken.py", "same.py", "gone.py")]
    settings = ParseSettings.of(coverage_for(project))
    serial = static.parse_many(paths, settings, with_arcs=True)
    parallel = static.parse_many(paths, settings, with_arcs=True, workers=2)
    assert parallel == serial
    assert sorted(p.name for p in parallel) == ["cart.py", "same.py"]
