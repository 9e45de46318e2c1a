"""The built-in steps (ruff, the quality gates, pytest, bench A/B) and custom commands.

Each step is a function of the shared :class:`~pytest_piv.validate.project.Project` and
its time budget, returning a :class:`~pytest_piv.validate.runner.StepResult`. The tools
run with the project's own configuration; piv adds only flags that shape their output.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from functools import partial

from pytest_piv import vcs
from pytest_piv.paths import matches_any
from pytest_piv.rgr.reach import Reach, changed_functions, module_level_changes, select_files
from pytest_piv.tools import ToolResult, run_tool
from pytest_piv.validate.findings import (
    Finding,
    parse_generic,
    parse_pytest,
    parse_ruff_format,
    parse_ruff_json,
)
from pytest_piv.validate.gates import Measure, file_measures, graph_measures, new_violations
from pytest_piv.validate.gates_baseline import not_recorded, read_baseline
from pytest_piv.validate.imports import link, parse_modules
from pytest_piv.validate.mypy_step import project_mypy, scoped_mypy
from pytest_piv.validate.project import Project, tool_command
from pytest_piv.validate.reach_map import recorded_reach
from pytest_piv.validate.runner import StepCall, StepResult, judged
from pytest_piv.validate.settings import CustomStep
from pytest_piv.values import counted

RUFF_SUFFIXES = (".py", ".pyi", ".ipynb")
#: files whose change can affect any test: the import graph cannot say which
UNTRACEABLE = frozenset({"conftest.py", "pyproject.toml", "setup.cfg", "pytest.ini", "tox.ini"})


def _since(started: float) -> float:
    return time.perf_counter() - started


def _overran(name: str, result: ToolResult, budget: float, started: float) -> StepResult:
    return StepResult(name, "timeout", _since(started), (), f"over its budget of {budget:g}s")


def _ruff_files(project: Project) -> list[str]:
    target = project.target
    return ["."] if target.all_files else [f for f in target.files if f.endswith(RUFF_SUFFIXES)]


def _scope(files: list[str]) -> str:
    if files == ["."]:
        return "all files"
    return f"{len(files)} file{'' if len(files) == 1 else 's'}"


def _tool_error(result: ToolResult) -> str:
    """The exit code and the line that says why: the first naming an error, else the last."""
    lines = [line.strip() for line in (result.stderr or result.stdout).strip().splitlines()]
    errors = [line for line in lines if "error" in line.lower()]
    why = errors[0] if errors else lines[-1] if lines else "no output"
    return f"exited {result.returncode}: {why}"


def ruff_check(project: Project, budget: float) -> StepResult:
    started = time.perf_counter()
    files = _ruff_files(project)
    if not files:
        return StepResult("ruff-check", "skip", 0.0, (), "no Python file selected")
    command, _ = tool_command("ruff", project.target.python)
    argv = [command, "check", "--output-format=json", "--force-exclude", "--", *files]
    result = run_tool(argv, cwd=project.target.root, timeout=budget)
    if result.timed_out:
        return _overran("ruff-check", result, budget, started)
    findings = parse_ruff_json(result.stdout, project.target.root)
    if result.returncode not in (0, 1) or (result.returncode == 1 and not findings):
        return StepResult("ruff-check", "fail", _since(started), (), _tool_error(result))
    verdict = judged(bool(findings))
    return StepResult("ruff-check", verdict, _since(started), tuple(findings), _scope(files))


def ruff_format(project: Project, budget: float) -> StepResult:
    started = time.perf_counter()
    files = _ruff_files(project)
    if not files:
        return StepResult("ruff-format", "skip", 0.0, (), "no Python file selected")
    command, _ = tool_command("ruff", project.target.python)
    argv = [command, "format", "--check", "--force-exclude", "--", *files]
    result = run_tool(argv, cwd=project.target.root, timeout=budget)
    if result.timed_out:
        return _overran("ruff-format", result, budget, started)
    findings = parse_ruff_format(result.stdout, project.target.root)
    if result.returncode not in (0, 1) or (result.returncode == 1 and not findings):
        return StepResult("ruff-format", "fail", _since(started), (), _tool_error(result))
    verdict = judged(bool(findings))
    return StepResult("ruff-format", verdict, _since(started), tuple(findings), _scope(files))


def project_measures(project: Project) -> list[Measure]:
    """Every quality-gate violation of the whole project, as the baseline records them."""
    gates = project.target.settings.gates
    found = [m for f, text in project.sources.items() for m in file_measures(f, text, gates)]
    return found + graph_measures(project.graph, None, gates)


def _head_baseline(project: Project, selected: list[str]) -> list[Measure]:
    """The violations the selected files had at the base commit, and HEAD's import graph."""
    target = project.target
    gates = target.settings.gates
    changed = [*selected, *(f for f in target.deleted if f.endswith(".py"))]
    old = vcs.head_texts(target.root, changed, target.base)
    baseline = [
        m for f, text in old.items() if text is not None for m in file_measures(f, text, gates)
    ]
    # HEAD's graph: the same modules, the changed files' imports as they were at HEAD
    old_modules = {m: e for m, e in project.modules.items() if e.path not in old}
    old_texts = {p: t for p, t in old.items() if t is not None}
    for module, entry in parse_modules(old_texts, project.has_init).items():
        old_modules.setdefault(module, entry)
    return baseline + graph_measures(link(old_modules), None, gates)


def gate_violations(project: Project) -> tuple[list[Measure], str]:
    """The new quality-gate violations of the selected files, and what was not reported.

    With the committed baseline file (``[tool.piv.gates] baseline``), what it records is
    not reported; without it, what the same files had at the base commit.
    """
    target = project.target
    gates = target.settings.gates
    sources = project.sources
    selected = [f for f in target.files if f in sources]
    current = [m for f in selected for m in file_measures(f, sources[f], gates)]
    modules = None if target.all_files else {project.module_of(f) for f in selected}
    current += graph_measures(project.graph, modules, gates)
    recorded = None if gates.baseline is None else read_baseline(target.root / gates.baseline)
    if recorded is not None:
        fresh = not_recorded(current, recorded, str(gates.baseline))
        keys = {m.key for m in current}
        chosen = set(target.files) if not target.all_files else set(sources)
        fixed = sum(1 for k in recorded if k[1] in chosen and k not in keys)
        notes = [f"{len(current) - len(fresh)} recorded in {gates.baseline} not reported"]
        if fixed:
            notes.append(f"{fixed} fixed: 'piv gates baseline' shrinks the file")
        return fresh, ", ".join(notes)
    if not target.in_git:
        return current, ""
    before = {m.key: m.value for m in _head_baseline(project, selected)}
    fresh = new_violations(current, before, f"at {target.base}")
    old = len(current) - len(fresh)
    return fresh, f"{counted(old, 'existing violation')} not reported" if old else ""


def quality_gates(project: Project, budget: float) -> StepResult:
    started = time.perf_counter()
    if not project.target.files and not project.target.all_files:
        return StepResult("gates", "skip", 0.0, (), "no file selected")
    fresh, detail = gate_violations(project)
    findings = tuple(m.finding for m in fresh)
    return StepResult("gates", judged(bool(findings)), _since(started), findings, detail)


def affected_tests(project: Project) -> list[str] | None:
    """The test files a change can affect, from the import graph; None means all of them.

    A changed test file is affected; so is every test file that imports a changed module,
    directly or not. A change to a ``conftest.py``, to project configuration or to any file
    that is not a Python module of the project cannot be traced: all tests.
    """
    target = project.target
    roles = target.roles
    graph = project.graph
    changed_modules: set[str] = set()
    tests: set[str] = set()
    for path in (*target.files, *target.deleted):
        name = path.rsplit("/", 1)[-1]
        if name in UNTRACEABLE:
            return None
        if not path.endswith(".py"):
            if roles.role(path) is not None:
                return None
            continue
        if roles.role(path) == "test" and _is_test_module(name):
            tests.add(path)
        changed_modules.add(project.module_of(path))
    for module in graph.reverse_closure(changed_modules, None):
        path = graph.files[module]
        if roles.role(path) == "test" and _is_test_module(path.rsplit("/", 1)[-1]):
            tests.add(path)
    return sorted(t for t in tests if (target.root / t).is_file())


def reach_affected(project: Project, reach: Mapping[str, Reach]) -> list[str] | None:
    """The test files a change can affect, from each test's recorded reach (see
    :mod:`pytest_piv.rgr.reach`); None means all of them."""
    target = project.target
    roles = target.roles
    changed: dict[str, str | None] = {}
    for path in (*target.files, *target.deleted):
        role = roles.role(path)
        if role is not None or path.rsplit("/", 1)[-1] in UNTRACEABLE:
            changed[path] = role
    tests = [
        p
        for p in project.python_paths
        if roles.role(p) == "test" and _is_test_module(p.rsplit("/", 1)[-1])
    ]
    sources = [p for p, role in changed.items() if role == "source"]
    old = vcs.head_texts(target.root, sources, target.base)
    versions = {p: (old.get(p), project.sources.get(p)) for p in sources}
    files = select_files(
        tests, changed, reach, module_level_changes(versions), changed_functions(versions)
    )
    return None if files is None else [f for f in files if (target.root / f).is_file()]


def _is_test_module(name: str) -> bool:
    return name.startswith("test_") or name.endswith("_test.py")


_PIV_LINE = re.compile(r"^piv: .*$", re.MULTILINE)


def _pytest(project: Project, budget: float, name: str, files: list[str]) -> StepResult:
    started = time.perf_counter()
    target = project.target
    # -p piv: the plugin even where addopts say -p no:piv or autoloading is off
    argv = [target.python, "-m", "pytest", "-p", "piv", "--piv", "-q", "-rfE", *files]
    result = run_tool(argv, cwd=target.root, timeout=budget)
    if result.timed_out:
        return _overran(name, result, budget, started)
    findings = tuple(parse_pytest(result.stdout))
    phase = _PIV_LINE.findall(result.stdout)
    detail = phase[-1] if phase else f"{len(files) or 'all'} test files"
    # a RED run fails its new tests on purpose: the phase line says they fail as expected
    red = result.returncode == 1 and detail.startswith("piv: RED")
    if result.returncode in (0, 5) or red:
        return StepResult(name, "pass", _since(started), () if red else findings, detail)
    if not findings:
        detail = f"pytest {_tool_error(result)}"
    return StepResult(name, "fail", _since(started), findings, detail)


def pytest_affected(project: Project, budget: float) -> StepResult:
    if not project.target.files and not project.target.deleted and not project.target.all_files:
        return StepResult("pytest", "skip", 0.0, (), "no file selected")
    target = project.target
    if target.all_files:
        return _pytest(project, budget, "pytest", [])
    roles = target.roles
    reach = recorded_reach(target.root, target.db, lambda p: roles.role(p) == "source")
    files = reach_affected(project, reach) if reach else affected_tests(project)
    if files == []:
        what = "reaches" if reach else "imports"
        return StepResult("pytest", "skip", 0.0, (), f"no test {what} the changed files")
    return _pytest(project, budget, "pytest", files or [])


def pytest_all(project: Project, budget: float) -> StepResult:
    return _pytest(project, budget, "pytest-all", [])


def bench_ab(project: Project, budget: float) -> StepResult:
    started = time.perf_counter()
    target = project.target
    argv = [target.python, "-m", "pytest_piv", "bench", "ab", "--base", target.settings.base]
    result = run_tool(argv, cwd=target.root, timeout=budget)
    if result.timed_out:
        return _overran("bench-ab", result, budget, started)
    last = (result.stdout or result.stderr).strip().splitlines()
    verdict = judged(result.returncode != 0)
    return StepResult("bench-ab", verdict, _since(started), (), last[-1] if last else "")


def custom(step: CustomStep, project: Project, budget: float) -> StepResult:
    """A ``[tool.piv.validate.steps.NAME]`` command; ``{files}`` expands to the matching files."""
    started = time.perf_counter()
    target = project.target
    files = [f for f in target.files if matches_any(f, step.files)]
    wants_files = "{files}" in step.command
    if wants_files and not files:
        return StepResult(step.name, "skip", 0.0, (), "no matching file selected")
    argv: list[str] = []
    for part in step.command:
        argv.extend(files if part == "{files}" else [part])
    result = run_tool(argv, cwd=target.root, timeout=budget)
    if result.timed_out:
        return _overran(step.name, result, budget, started)
    findings = tuple(parse_generic(result.stdout + "\n" + result.stderr, target.root))
    if result.returncode == 0:
        return StepResult(step.name, "pass", _since(started), findings)
    detail = "" if findings else _tool_error(result)
    return StepResult(step.name, "fail", _since(started), findings, detail)


BUILTIN: Mapping[str, Callable[[Project, float], StepResult]] = {
    "ruff-check": ruff_check,
    "ruff-format": ruff_format,
    "mypy": scoped_mypy,
    "mypy-project": project_mypy,
    "gates": quality_gates,
    "pytest": pytest_affected,
    "pytest-all": pytest_all,
    "bench-ab": bench_ab,
}

#: the steps that read the project's modules (their graph is built before they start)
NEEDS_GRAPH = frozenset({"mypy", "gates", "pytest"})


def plan(project: Project, preset: str) -> list[StepCall]:
    """The steps of ``preset``, each with its budget, ready for the runner."""
    settings = project.target.settings
    names = settings.presets[preset]
    if NEEDS_GRAPH & set(names):
        _ = project.graph
    calls: list[StepCall] = []
    for name in names:
        if name in settings.steps:
            function: Callable[[float], StepResult] = partial(custom, settings.steps[name], project)
        else:
            function = partial(BUILTIN[name], project)
        calls.append((name, settings.budget_of(name), function))
    return calls


def all_findings(results: list[StepResult]) -> list[Finding]:
    return [f for r in results for f in r.findings]
