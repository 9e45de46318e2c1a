"""``[tool.piv.validate]`` and ``[tool.piv.gates]``: parsed and validated once.

A bad value is a :class:`~pytest_piv.errors.ConfigError` naming the table, the key, the
value and the expected form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pytest_piv.errors import ConfigError

VALIDATE = "[tool.piv.validate]"
GATES = "[tool.piv.gates]"

#: the steps piv knows without configuration
BUILTIN_STEPS = (
    "ruff-check",
    "ruff-format",
    "mypy",
    "mypy-project",
    "gates",
    "pytest",
    "pytest-all",
    "bench-ab",
)

BUILTIN_PRESETS: Mapping[str, tuple[str, ...]] = {
    "minimal": ("ruff-check", "ruff-format"),
    "standard": ("ruff-check", "ruff-format", "mypy", "gates", "pytest"),
    "comprehensive": ("ruff-check", "ruff-format", "mypy-project", "gates", "pytest-all"),
    "full": ("ruff-check", "ruff-format", "mypy-project", "gates", "pytest-all", "bench-ab"),
}

#: which conventional-commit types fit each RGR phase of the staged run
DEFAULT_COMMIT_TYPES: Mapping[str, tuple[str, ...]] = {
    "RED": ("test",),
    "GREEN": ("feat", "fix"),
    "REFACTOR": ("refactor",),
}


class GateSettings(NamedTuple):
    """``[tool.piv.gates]``: each limit, ``None`` when switched off (``false``)."""

    function_length: int | None = 50
    file_length: int | None = 500
    complexity: int | None = 10
    import_cycles: bool = True
    project_imports: int | None = 5
    #: the committed baseline of existing violations (relative to the root); ``None``
    #: (``false``): judge against the base commit's files instead
    baseline: str | None = "piv-gates-baseline.json"


class CustomStep(NamedTuple):
    """``[tool.piv.validate.steps.NAME]``: a command run on the selected files."""

    name: str
    command: tuple[str, ...]
    files: tuple[str, ...] = ("*.py",)
    budget: float | None = None


class ValidateSettings(NamedTuple):
    """Everything ``piv validate`` and the hooks were told."""

    preset: str = "standard"
    budget: float = 300.0
    budgets: Mapping[str, float] = {}
    jobs: int = 4
    importer_depth: int | None = 1
    #: errors in unchanged files are known old when only function bodies changed
    interface_rule: bool = True
    python: str | None = None
    base: str = "main"
    presets: Mapping[str, tuple[str, ...]] = BUILTIN_PRESETS
    steps: Mapping[str, CustomStep] = {}
    commit_types: Mapping[str, tuple[str, ...]] = DEFAULT_COMMIT_TYPES
    gates: GateSettings = GateSettings()

    def budget_of(self, step: str) -> float:
        custom = self.steps.get(step)
        if custom is not None and custom.budget is not None:
            return custom.budget
        return self.budgets.get(step, self.budget)

    def values(self) -> dict[str, object]:
        """The keys for ``piv config show``."""
        return {
            "validate.preset": self.preset,
            "validate.budget": self.budget,
            "validate.jobs": self.jobs,
            "validate.importer_depth": self.importer_depth,
            "validate.interface_rule": self.interface_rule,
            "validate.presets": {k: list(v) for k, v in self.presets.items()},
            "gates": self.gates._asdict(),
        }


def _fail(table: str, key: str, value: object, expected: str, origin: str) -> ConfigError:
    return ConfigError(f"{table} {key}", value, expected, origin)


def _positive(table: str, key: str, value: object, origin: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _fail(table, key, value, "a positive number of seconds", origin)
    return float(value)


def _limit(key: str, value: object, origin: str) -> int | None:
    if value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(GATES, key, value, "a positive whole number, or false to switch it off", origin)
    return value


def _names(table: str, key: str, value: object, origin: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(table, key, value, "a list of step names", origin)
    return tuple(value)


def parse_gates(table: Mapping[str, object], origin: str) -> GateSettings:
    known = GateSettings._fields
    values: dict[str, object] = {}
    for key, value in table.items():
        if key not in known:
            raise _fail(GATES, key, value, "one of the keys " + ", ".join(known), origin)
        if key == "import_cycles":
            if not isinstance(value, bool):
                raise _fail(GATES, key, value, "true or false", origin)
            values[key] = value
        elif key == "baseline":
            if value is not False and (not isinstance(value, str) or not value.strip()):
                expected = 'a file path relative to the root, e.g. "piv-gates-baseline.json",'
                raise _fail(GATES, key, value, f"{expected} or false", origin)
            values[key] = None if value is False else value
        else:
            values[key] = _limit(key, value, origin)
    return GateSettings(**values)  # type: ignore[arg-type]


def _custom_steps(table: object, origin: str) -> dict[str, CustomStep]:
    where = f"{VALIDATE} steps"
    if not isinstance(table, Mapping):
        raise ConfigError(where, table, "a table of [tool.piv.validate.steps.NAME]", origin)
    steps = {}
    for name, spec in table.items():
        sub = f"[tool.piv.validate.steps.{name}]"
        if name in BUILTIN_STEPS:
            raise ConfigError(sub, spec, "a name that is not a built-in step", origin)
        if not isinstance(spec, Mapping):
            raise ConfigError(sub, spec, "a table with command = [...]", origin)
        unknown = set(spec) - {"command", "files", "budget"}
        if unknown:
            key = sorted(unknown)[0]
            raise _fail(sub, key, spec[key], "one of the keys command, files, budget", origin)
        command = spec.get("command")
        if (
            not isinstance(command, list)
            or not command
            or not all(isinstance(c, str) for c in command)
        ):
            raise _fail(
                sub, "command", command, 'a list of strings, e.g. ["tool", "{files}"]', origin
            )
        files = spec.get("files", ["*.py"])
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise _fail(sub, "files", files, "a list of path globs", origin)
        budget = spec.get("budget")
        steps[name] = CustomStep(
            name,
            tuple(command),
            tuple(files),
            None if budget is None else _positive(sub, "budget", budget, origin),
        )
    return steps


def _presets(table: object, known_steps: set[str], origin: str) -> dict[str, tuple[str, ...]]:
    where = f"{VALIDATE} presets"
    if not isinstance(table, Mapping):
        raise ConfigError(
            where, table, "a table of preset = [steps] or {extends, add, remove}", origin
        )
    presets = dict(BUILTIN_PRESETS)
    for name, spec in table.items():
        key = f"presets.{name}"
        if isinstance(spec, list):
            steps = _names(VALIDATE, key, spec, origin)
        elif isinstance(spec, Mapping):
            unknown = set(spec) - {"extends", "add", "remove"}
            if unknown:
                bad = sorted(unknown)[0]
                raise _fail(VALIDATE, f"{key}.{bad}", spec[bad], "extends, add or remove", origin)
            parent = spec.get("extends", "standard")
            if parent not in presets:
                raise _fail(
                    VALIDATE, f"{key}.extends", parent, "one of " + ", ".join(presets), origin
                )
            add = _names(VALIDATE, f"{key}.add", spec.get("add", []), origin)
            remove = set(_names(VALIDATE, f"{key}.remove", spec.get("remove", []), origin))
            steps = tuple(s for s in (*presets[parent], *add) if s not in remove)
        else:
            raise _fail(VALIDATE, key, spec, "a list of steps or {extends, add, remove}", origin)
        for step in steps:
            if step not in known_steps:
                raise _fail(
                    VALIDATE, key, step, "built-in steps or [tool.piv.validate.steps.NAME]", origin
                )
        presets[name] = tuple(dict.fromkeys(steps))
    return presets


def _commit_types(table: object, origin: str) -> dict[str, tuple[str, ...]]:
    where = f"{VALIDATE} commit_types"
    if not isinstance(table, Mapping):
        raise ConfigError(where, table, "a table of PHASE = [types]", origin)
    result = dict(DEFAULT_COMMIT_TYPES)
    for phase, types in table.items():
        if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
            raise _fail(VALIDATE, f"commit_types.{phase}", types, "a list of commit types", origin)
        result[str(phase).upper()] = tuple(types)
    return result


_SCALARS = (
    "preset",
    "budget",
    "budgets",
    "jobs",
    "importer_depth",
    "interface_rule",
    "python",
    "base",
)
_TABLES = ("presets", "steps", "commit_types")


def parse_validate(
    table: Mapping[str, object], gates: Mapping[str, object], origin: str
) -> ValidateSettings:
    """``[tool.piv.validate]`` and ``[tool.piv.gates]`` into one frozen settings object."""
    for key, value in table.items():
        if key not in (*_SCALARS, *_TABLES):
            expected = "one of the keys " + ", ".join(sorted((*_SCALARS, *_TABLES)))
            raise _fail(VALIDATE, key, value, expected, origin)
    steps = _custom_steps(table.get("steps", {}), origin)
    presets = _presets(table.get("presets", {}), {*BUILTIN_STEPS, *steps}, origin)
    preset = table.get("preset", "standard")
    if preset not in presets:
        raise _fail(VALIDATE, "preset", preset, "one of " + ", ".join(presets), origin)
    budgets_raw = table.get("budgets", {})
    if not isinstance(budgets_raw, Mapping):
        raise _fail(VALIDATE, "budgets", budgets_raw, "a table of step = seconds", origin)
    budgets = {
        str(k): _positive(VALIDATE, f"budgets.{k}", v, origin) for k, v in budgets_raw.items()
    }
    jobs = table.get("jobs", 4)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise _fail(VALIDATE, "jobs", jobs, "a positive whole number", origin)
    depth = table.get("importer_depth", 1)
    if depth is not False and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise _fail(
            VALIDATE, "importer_depth", depth, "a whole number >= 0, or false for all", origin
        )
    interface_rule = table.get("interface_rule", True)
    if not isinstance(interface_rule, bool):
        raise _fail(VALIDATE, "interface_rule", interface_rule, "true or false", origin)
    python = table.get("python")
    if python is not None and (not isinstance(python, str) or not python):
        raise _fail(VALIDATE, "python", python, "the path of the project's interpreter", origin)
    base = table.get("base", "main")
    if not isinstance(base, str) or not base:
        raise _fail(VALIDATE, "base", base, "a git ref", origin)
    return ValidateSettings(
        preset=str(preset),
        budget=_positive(VALIDATE, "budget", table.get("budget", 300), origin),
        budgets=budgets,
        jobs=jobs,
        importer_depth=None if depth is False else int(depth),
        interface_rule=interface_rule,
        python=python,
        base=base,
        presets=presets,
        steps=steps,
        commit_types=_commit_types(table.get("commit_types", {}), origin),
        gates=parse_gates(gates, origin),
    )
