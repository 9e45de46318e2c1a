"""From coverage.py data to :class:`FileCoverage`: read, combine shards, analyse.

This is the one module that knows coverage.py's data API. It reads the user's coverage
configuration (``[tool.coverage.*]``, ``.coveragerc``) through a ``coverage.Coverage``
object so that exclusions such as ``# pragma: no cover`` count as they do in
``coverage report``.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import coverage
from coverage.exceptions import CoverageException, CoverageWarning, DataError
from coverage.files import PathAliases
from coverage.results import analysis_from_file_reporter

from pytest_piv.coverage.model import FileCoverage
from pytest_piv.coverage.static import (
    FactsCache,
    FactsReporter,
    ParseSettings,
    parse_many,
    settings_key,
)
from pytest_piv.errors import PivError, UsageError
from pytest_piv.vcs import blob_digest


class CoverageDataError(PivError):
    """A coverage data file is missing, unreadable or cannot be combined."""


@dataclass(frozen=True)
class Measurement:
    """The analysed files of one coverage data set, and what could not be analysed."""

    files: tuple[FileCoverage, ...]
    has_branches: bool
    unreadable: tuple[str, ...] = ()
    outside: int = 0
    #: every measured file (of Python source), and how many are not the project's source
    measured: int = 0
    not_source: int = 0
    #: one measured path outside the root, to name in a message
    outside_example: str | None = None
    parse_settings: ParseSettings | None = None


@contextlib.contextmanager
def coverage_warnings(sink: list[str]) -> Iterator[None]:
    """Collect coverage.py's warnings in ``sink`` instead of issuing them.

    A ``CoverageWarning`` raised from piv's own calls into coverage.py would be an
    exception under ``filterwarnings = error`` and crash the run; the gate reports it as
    a note instead. Other warnings pass through unchanged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CoverageWarning)
        yield
    for warning in caught:
        if issubclass(warning.category, CoverageWarning):
            message = str(warning.message)
            if message not in sink:
                sink.append(message)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )


def coverage_for(
    root: Path, data_file: Path | None = None, *, in_memory: bool = False
) -> coverage.Coverage:
    """A ``Coverage`` object with the project's coverage configuration.

    coverage.py looks for its configuration in the current directory; run from elsewhere,
    the root's ``.coveragerc`` is named explicitly when there is one. ``in_memory`` keeps
    the data off disk (for a tracer whose data is written elsewhere).
    """
    config_file: str | bool = True
    if Path.cwd().resolve() != root.resolve() and (root / ".coveragerc").is_file():
        config_file = str(root / ".coveragerc")
    if in_memory:
        return coverage.Coverage(data_file=None, config_file=config_file)
    if data_file is not None:
        return coverage.Coverage(data_file=str(data_file), config_file=config_file)
    return coverage.Coverage(config_file=config_file)


def aliases_for(
    cov: coverage.Coverage,
    root: Path,
    remaps: Iterable[tuple[str, Sequence[str]]] = (),
) -> PathAliases:
    """Path aliases from coverage's ``[paths]`` and piv's ``paths`` / ``--remap``."""
    aliases = PathAliases(relative=bool(cov.get_option("run:relative_files")))
    configured = cov.get_option("paths")
    pairs: list[tuple[str, Sequence[str]]] = []
    if isinstance(configured, dict):
        for values in configured.values():
            if isinstance(values, list) and values:
                pairs.append((str(values[0]), [str(v) for v in values[1:]]))
    pairs.extend(remaps)
    for canonical, patterns in pairs:
        result = canonical if Path(canonical).is_absolute() else str(root / canonical)
        if canonical.endswith(("/", "\\")) and not result.endswith(("/", "\\")):
            result += "/"
        for pattern in patterns:
            try:
                aliases.add(pattern, result)
            except re.error as exc:
                raise UsageError(
                    f"coverage path alias {pattern!r} (for {canonical!r}): expected a valid "
                    f"glob ({exc.msg})"
                ) from None
    return aliases


def read_data(
    paths: Sequence[Path],
    aliases: PathAliases | None = None,
) -> coverage.CoverageData:
    """One in-memory data set from one or more data files, paths remapped."""
    combined = coverage.CoverageData(no_disk=True)
    for path in paths:
        if not path.is_file():
            raise CoverageDataError(f"coverage data file {path} does not exist")
        shard = coverage.CoverageData(basename=str(path))
        try:
            shard.read()
            combined.update(shard, map_path=aliases.map if aliases is not None else None)
        except DataError as exc:
            raise CoverageDataError(f"{path}: cannot combine this coverage data ({exc})") from None
        except CoverageException as exc:
            raise CoverageDataError(f"{path}: not a coverage data file ({exc})") from None
        finally:
            shard.close()
    return combined


def relative_path(filename: str, root: Path) -> str | None:
    """``filename`` relative to ``root`` with ``/`` separators, or ``None`` if outside."""
    return RootRelative(root)(filename)


class RootRelative:
    """:func:`relative_path` for many files: each directory is resolved only once.

    ``Path.resolve()`` checks every component of a path for symlinks; measured files
    share a few directories, so those are resolved once and a file is only checked for
    being a symlink itself.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.resolved_root = root.resolve()
        self._dirs: dict[Path, Path] = {}

    def __call__(self, filename: str) -> str | None:
        path = Path(filename)
        if not path.is_absolute():
            path = self.root / path
        parent = self._dirs.get(path.parent)
        if parent is None:
            parent = self._dirs[path.parent] = path.parent.resolve()
        resolved = parent / path.name
        if path.name in ("", ".", "..") or resolved.is_symlink():
            resolved = path.resolve()
        try:
            return resolved.relative_to(self.resolved_root).as_posix()
        except ValueError:
            return None


@dataclass(frozen=True)
class _Source:
    filename: str  # as recorded in the data
    rel: str
    path: Path  # the file to read, resolved
    digest: str


def _digest(path: Path) -> str:
    return blob_digest(path.read_bytes())


def _unchanged(path: Path, digest: str) -> bool:
    """Whether ``path`` still has content ``digest`` (it may change while it is parsed)."""
    try:
        return _digest(path) == digest
    except OSError:
        return False


def analyse(
    data: coverage.CoverageData,
    cov: coverage.Coverage,
    root: Path,
    keep: Callable[[str], bool] = lambda path: True,
    *,
    cache: FactsCache | None = None,
    workers: int = 1,
    c_tokens: bool = True,
) -> Measurement:
    """Statements, missing lines and branches of every measured source file in ``root``.

    coverage.py's static analysis of each file comes from ``cache`` when it holds the
    file's content under the same parse settings; the rest are parsed (on ``workers``
    processes when there are many) and added to it.
    """
    has_arcs = data.has_arcs()
    settings = ParseSettings.of(cov, c_tokens=c_tokens)
    key = settings_key(settings)
    unreadable: list[str] = []
    outside = measured = not_source = 0
    outside_example: str | None = None
    relative = RootRelative(root)
    sources: list[_Source] = []
    for filename in sorted(data.measured_files()):
        if data.file_tracer(filename):
            continue
        measured += 1
        rel = relative(filename)
        if rel is None:
            outside += 1
            outside_example = outside_example or filename
            continue
        if not keep(rel):
            not_source += 1
            continue
        path = relative.resolved_root / rel
        try:
            sources.append(_Source(filename, rel, path, _digest(path)))
        except OSError:
            unreadable.append(rel)
    known = cache.get(key, (s.digest for s in sources), with_arcs=has_arcs) if cache else {}
    to_parse = {s.digest: s.path for s in sources if s.digest not in known}
    by_path = parse_many(list(to_parse.values()), settings, with_arcs=has_arcs, workers=workers)
    parsed = {d: by_path[p] for d, p in to_parse.items() if p in by_path}
    if cache is not None:
        cache.put(key, {d: f for d, f in parsed.items() if _unchanged(to_parse[d], d)})
    files: list[FileCoverage] = []
    for source in sources:
        facts = known.get(source.digest) or parsed.get(source.digest)
        if facts is None:
            unreadable.append(source.rel)
            continue
        reporter = FactsReporter(source.filename, facts)
        analysis = analysis_from_file_reporter(data, 0, reporter, source.filename)
        missing_arcs: tuple[tuple[int, int], ...] = ()
        branches = 0
        if has_arcs:
            branches = analysis.numbers.n_branches
            missing_arcs = tuple(
                sorted(
                    (start, destination)
                    for start, destinations in analysis.missing_branch_arcs().items()
                    for destination in destinations
                )
            )
        files.append(
            FileCoverage(
                path=source.rel,
                statements=frozenset(analysis.statements),
                missing=frozenset(analysis.missing),
                branches=branches,
                missing_arcs=missing_arcs,
            )
        )
    return Measurement(
        tuple(files),
        has_arcs,
        tuple(sorted(unreadable)),
        outside,
        measured=measured,
        not_source=not_source,
        outside_example=outside_example,
        parse_settings=settings,
    )


def nothing_judged(measurement: Measurement, root: Path) -> str | None:
    """Why a measurement holds no file to judge, or ``None`` when it holds some."""
    if measurement.files:
        return None
    count = measurement.measured
    if count == 0:
        return (
            "the coverage data holds no measured file, so nothing can be judged "
            "(coverage.py: No data to report) (hint: do the tests import the code under "
            "[tool.piv] source, and do [tool.coverage.run] source / include name it?)"
        )
    if measurement.outside == count:
        return (
            f"none of the {count} measured files is inside {root}: the data was recorded "
            f"in another checkout (such as {measurement.outside_example}) (hint: "
            "--remap 'src/=/that/checkout/src/' or [tool.piv.coverage] paths maps them here)"
        )
    return (
        f"none of the {count} measured files is a source file of this project "
        f"({measurement.not_source} are tests or excluded, {measurement.outside} outside "
        f"{root}) (hint: [tool.piv] source lists the source globs; `piv coverage files` "
        "lists the measured paths)"
    )


def unjudgeable(measurement: Measurement) -> str | None:
    """Why some measured files cannot be judged (gone, unreadable, unparsable), or None."""
    if not measurement.unreadable:
        return None
    shown = ", ".join(measurement.unreadable[:5])
    more = len(measurement.unreadable) - 5
    return (
        f"{len(measurement.unreadable)} measured files cannot be judged: they no longer "
        f"exist, cannot be read or do not parse: {shown}"
        + (f" and {more} more" if more > 0 else "")
        + " (hint: run the tests again to measure the files as they are now)"
    )
