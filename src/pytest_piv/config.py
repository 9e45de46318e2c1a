"""The one frozen configuration of pytest-piv, parsed once.

Precedence, lowest first: built-in defaults < ``[tool.piv]`` in ``pyproject.toml`` <
``PIV_*`` environment variables < ``--piv-*`` command-line flags. Every value is validated
when it is read; a bad one raises :class:`~pytest_piv.errors.ConfigError` naming the key,
the value, where it came from and the expected form. The pytest plugin and the ``piv`` CLI
both call :func:`load_config`, so they always agree.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from pytest_piv.baselines.settings import BenchSettings, parse_bench_table
from pytest_piv.checkpoints.settings import CheckpointSettings, parse_checkpoint_table
from pytest_piv.coverage.settings import (
    CoverageSettings,
    parse_coverage_table,
    parse_percent,
    parse_ref,
)
from pytest_piv.errors import ConfigError
from pytest_piv.paths import FileRoles, glob_problem, inside
from pytest_piv.profiling.settings import ProfileSettings, parse_profile_table
from pytest_piv.report.text import printable
from pytest_piv.validate.settings import ValidateSettings, parse_validate
from pytest_piv.values import parse_flag

RgrMode = Literal["enforce", "warn", "off"]
RgrPolicy = Literal["strict", "standard", "lenient"]
RgrReach = Literal["off", "record", "select"]

DEFAULT_TEST_GLOBS = ("test_*.py", "*_test.py", "conftest.py")
DEFAULT_EXCLUDE = (".*/**", "venv/**", "build/**", "dist/**", "node_modules/**")
DEFAULT_DB = ".piv/piv.db"
#: the default of PivConfig.origins: empty, read-only
EMPTY_ORIGINS: Mapping[str, str] = MappingProxyType({})


class RgrConfig(NamedTuple):
    """``[tool.piv.rgr]``: how Red-Green-Refactor ordering is judged."""

    mode: RgrMode = "enforce"
    policy: RgrPolicy = "standard"
    coverage: bool = False
    #: the warm-start snapshot and the listing cache beside the store
    cache: bool = True
    #: per-test reach (the source files each test runs): off, record it, or also select
    #: the tests a change can affect by it (``piv verify`` turns this on; see docs/reach.md)
    reach: RgrReach = "off"


class PivConfig(NamedTuple):
    """Everything pytest-piv was told, resolved once."""

    root: Path
    tests: tuple[str, ...]
    source: tuple[str, ...]
    exclude: tuple[str, ...]
    db: Path
    rgr: RgrConfig = RgrConfig()
    coverage: CoverageSettings = CoverageSettings()
    bench: BenchSettings = BenchSettings()
    validate: ValidateSettings = ValidateSettings()
    origins: Mapping[str, str] = EMPTY_ORIGINS
    profile: ProfileSettings = ProfileSettings()
    checkpoint: CheckpointSettings = CheckpointSettings()

    @property
    def roles(self) -> FileRoles:
        return FileRoles(tests=self.tests, source=self.source, exclude=self.exclude)

    def values(self) -> dict[str, object]:
        """Every key with its resolved value, for ``piv config show``."""
        return {
            "tests": list(self.tests),
            "source": list(self.source),
            "exclude": list(self.exclude),
            "db": str(self.db),
            "rgr.mode": self.rgr.mode,
            "rgr.policy": self.rgr.policy,
            "rgr.coverage": self.rgr.coverage,
            "rgr.cache": self.rgr.cache,
            "rgr.reach": self.rgr.reach,
            **coverage_values(self.coverage),
            **self.bench.values(),
            **self.validate.values(),
            **self.profile.values(),
            **{f"checkpoint.{key}": value for key, value in self.checkpoint._asdict().items()},
        }


# -- value parsers: each takes a TOML value or a string from env/flags -----------------


class _Why(ValueError):
    """A parser's reason, added to the expected form in the error message."""


def _globs(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError
    if not items or not all(isinstance(v, str) and v for v in items):
        raise ValueError
    for item in items:
        problem = glob_problem(item)
        if problem:
            raise _Why(problem)
    return tuple(items)


def _path(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    if any(not ch.isprintable() and ch != " " for ch in value):
        raise _Why("a path has no control characters")
    return value


def _choice(*choices: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if not isinstance(value, str) or value.lower() not in choices:
            raise ValueError
        return value.lower()

    return parse


def _quoted(*choices: str) -> str:
    return "one of " + ", ".join(f'"{c}"' for c in choices)


class Option(NamedTuple):
    """One configuration key: how to parse it and where else it can be set."""

    key: str
    parse: Callable[[object], object]
    expected: str
    env: str | None = None
    flag: str | None = None


OPTIONS: tuple[Option, ...] = (
    Option("tests", _globs, "a list of path globs", "PIV_TESTS", "piv_tests"),
    Option("source", _globs, "a list of path globs", "PIV_SOURCE", "piv_source"),
    Option("exclude", _globs, "a list of path globs", "PIV_EXCLUDE", None),
    Option("db", _path, "a file path", "PIV_DB", "piv_db"),
    Option(
        "rgr.mode",
        _choice("enforce", "warn", "off"),
        _quoted("enforce", "warn", "off"),
        "PIV_RGR_MODE",
        "piv_rgr_mode",
    ),
    Option(
        "rgr.policy",
        _choice("strict", "standard", "lenient"),
        _quoted("strict", "standard", "lenient"),
        "PIV_RGR_POLICY",
        "piv_rgr_policy",
    ),
    Option("rgr.coverage", parse_flag, "true or false", "PIV_RGR_COVERAGE", "piv_rgr_coverage"),
    Option("rgr.cache", parse_flag, "true or false", "PIV_RGR_CACHE", None),
    Option(
        "rgr.reach",
        _choice("off", "record", "select"),
        _quoted("off", "record", "select"),
        "PIV_RGR_REACH",
        "piv_rgr_reach",
    ),
)
OPTIONS_BY_KEY = {o.key: o for o in OPTIONS}
TABLES = {o.key.split(".")[0] for o in OPTIONS if "." in o.key}
#: the tables with a parser of their own, read before the flat keys
OWN_TABLES = ("bench", "checkpoint", "coverage", "gates", "profile", "validate")


def _table_name(dotted: str) -> str:
    return "[tool.piv]" if "." not in dotted else f"[tool.piv.{dotted.rsplit('.', 1)[0]}]"


def _display_key(key: str) -> str:
    table, _, leaf = key.rpartition(".")
    return f"[tool.piv.{table}] {leaf}" if table else f"[tool.piv] {key}"


def _flatten(table: Mapping[str, Any], origin: str) -> dict[str, object]:
    """``{"rgr": {"mode": "warn"}}`` -> ``{"rgr.mode": "warn"}``, refusing unknown keys."""
    flat: dict[str, object] = {}
    for name, value in table.items():
        if name in TABLES:
            if not isinstance(value, Mapping):
                raise ConfigError(f"[tool.piv] {name}", value, "a table", origin)
            for leaf, leaf_value in value.items():
                key = f"{name}.{leaf}"
                if key not in OPTIONS_BY_KEY:
                    known = sorted(k.split(".")[1] for k in OPTIONS_BY_KEY if k.startswith(name))
                    raise ConfigError(
                        _display_key(key), leaf_value, "one of the keys " + ", ".join(known), origin
                    )
                flat[key] = leaf_value
        elif name in OPTIONS_BY_KEY:
            flat[name] = value
        else:
            known = sorted({k.split(".")[0] for k in OPTIONS_BY_KEY} | set(OWN_TABLES))
            raise ConfigError(
                f"[tool.piv] {name}", value, "one of the keys " + ", ".join(known), origin
            )
    return flat


def read_pyproject(root: Path) -> tuple[dict[str, Any], str]:
    """The ``[tool.piv]`` table of ``root/pyproject.toml`` (empty when absent)."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}, "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "<file>", f"valid TOML ({exc})", "pyproject.toml") from None
    tool = data.get("tool", {})
    piv = tool.get("piv", {}) if isinstance(tool, dict) else {}
    if not isinstance(piv, dict):
        raise ConfigError("[tool] piv", piv, "a table", "pyproject.toml")
    return piv, "pyproject.toml"


def default_layout(root: Path, testpaths: Sequence[str] = ()) -> dict[str, object]:
    """Defaults that fit a ``src/`` or flat layout and pytest's ``testpaths``."""
    tests = list(DEFAULT_TEST_GLOBS)
    for tp in testpaths:
        clean = tp.strip("/").replace("\\", "/")
        if clean and clean != ".":
            tests.append(f"{clean}/**/*.py")
    if not testpaths:  # then a top-level tests/ or test/ holds tests (its __init__.py too)
        tests.extend(f"{d}/**/*.py" for d in ("tests", "test") if (root / d).is_dir())
    source = ("src/**/*.py",) if (root / "src").is_dir() else ("**/*.py",)
    return {
        "tests": tuple(tests),
        "source": source,
        "exclude": DEFAULT_EXCLUDE,
        "db": DEFAULT_DB,
        "rgr.mode": "enforce",
        "rgr.policy": "standard",
        "rgr.coverage": False,
        "rgr.cache": True,
        "rgr.reach": "off",
    }


#: ``[tool.piv.bench]`` keys that can also come from the environment or a flag.
BENCH_OVERRIDES = (
    ("mode", "PIV_BENCH_MODE", "piv_bench_mode"),
    ("threshold", "PIV_BENCH_THRESHOLD", "piv_bench_threshold"),
    ("machine", "PIV_BENCH_MACHINE", "piv_bench_machine"),
    ("inconclusive", "PIV_BENCH_INCONCLUSIVE", "piv_bench_inconclusive"),
    ("escalation_budget", "PIV_BENCH_ESCALATION_BUDGET", "piv_bench_escalation_budget"),
)


def _bench_settings(
    table: object, env: Mapping[str, str], flags: Mapping[str, object]
) -> tuple[BenchSettings, dict[str, str]]:
    """``[tool.piv.bench]`` < ``PIV_BENCH_*`` < ``--piv-bench-*``, each layer validated."""
    if table is None:
        table = {}
    if not isinstance(table, Mapping):
        raise ConfigError("[tool.piv] bench", table, "a table", "pyproject.toml")
    settings = parse_bench_table(table, "pyproject.toml")
    origins = {f"bench.{key}": "pyproject.toml" for key in table}
    for key, var, flag in BENCH_OVERRIDES:
        layers = [
            (env.get(var), f"env {var}"),
            (flags.get(flag), "flag --" + flag.replace("_", "-")),
        ]
        for value, origin in layers:
            if value is not None:
                parsed = parse_bench_table({key: value}, origin)
                settings = settings._replace(**{key: getattr(parsed, key)})
                origins[f"bench.{key}"] = origin
    return settings, origins


def _profile_settings(
    table: object, env: Mapping[str, str], flags: Mapping[str, object]
) -> tuple[ProfileSettings, dict[str, str]]:
    """``[tool.piv.profile]`` < ``PIV_PROFILE`` < ``--piv-profile`` (the mode only)."""
    if table is None:
        table = {}
    if not isinstance(table, Mapping):
        raise ConfigError("[tool.piv] profile", table, "a table", "pyproject.toml")
    settings = parse_profile_table(table, "pyproject.toml")
    origins = {f"profile.{key}": "pyproject.toml" for key in table}
    for value, origin in (
        (env.get("PIV_PROFILE"), "env PIV_PROFILE"),
        (flags.get("piv_profile"), "flag --piv-profile"),
    ):
        if value is not None:
            try:
                mode = parse_profile_table({"mode": value}, origin).mode
            except ConfigError:
                raise ConfigError(
                    "profile.mode", value, 'one of "off", "cpu", "mem", "both"', origin
                ) from None
            settings = settings._replace(mode=mode)
            origins["profile.mode"] = origin
    return settings, origins


def load_config(
    root: Path,
    *,
    pyproject: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, object] | None = None,
    testpaths: Sequence[str] = (),
) -> PivConfig:
    """Resolve the configuration; ``pyproject=None`` reads ``root/pyproject.toml``."""
    if pyproject is None:
        pyproject, _ = read_pyproject(root)
    env = env or {}
    flags = flags or {}
    raw: dict[str, object] = dict(default_layout(root, testpaths))
    origins = dict.fromkeys(raw, "default")

    pyproject = dict(pyproject)
    coverage_table = pyproject.pop("coverage", {})
    if not isinstance(coverage_table, Mapping):
        raise ConfigError("[tool.piv] coverage", coverage_table, "a table", "pyproject.toml")
    coverage = parse_coverage_table(coverage_table, "pyproject.toml")
    coverage = _coverage_overrides(coverage, env, flags, origins)
    bench, bench_origins = _bench_settings(pyproject.pop("bench", None), env, flags)
    validate_table, gates_table = pyproject.pop("validate", {}), pyproject.pop("gates", {})
    validate = _validate_settings(validate_table, gates_table)
    origins.update({f"validate.{key}": "pyproject.toml" for key in validate_table})
    origins.update({"gates": "pyproject.toml"} if gates_table else {})
    profile, profile_origins = _profile_settings(pyproject.pop("profile", None), env, flags)
    checkpoint_table = pyproject.pop("checkpoint", {})
    if not isinstance(checkpoint_table, Mapping):
        raise ConfigError("[tool.piv] checkpoint", checkpoint_table, "a table", "pyproject.toml")
    checkpoint = parse_checkpoint_table(checkpoint_table, "pyproject.toml")
    origins.update({f"checkpoint.{key}": "pyproject.toml" for key in checkpoint_table})

    for key, value in _flatten(pyproject, "pyproject.toml").items():
        raw[key] = _parse(OPTIONS_BY_KEY[key], value, "pyproject.toml")
        origins[key] = "pyproject.toml"
    for option in OPTIONS:
        if option.env and option.env in env:
            origin = f"env {option.env}"
            raw[option.key] = _parse(option, env[option.env], origin)
            origins[option.key] = origin
        if option.flag and flags.get(option.flag) is not None:
            origin = "flag --" + option.flag.replace("_", "-")
            raw[option.key] = _parse(option, flags[option.flag], origin)
            origins[option.key] = origin

    db = Path(str(raw["db"]))
    if not origins["db"].startswith("env "):
        _confine(root, "db", raw["db"], origins["db"])
    for name, value in (
        ("json", coverage.json_report),
        ("markdown", coverage.markdown_report),
        ("baseline", coverage.baseline),
    ):
        if value:
            origin = "pyproject.toml" if name in coverage_table else "default"
            _confine(root, f"[tool.piv.coverage] {name}", value, origin)
    return PivConfig(
        root=root,
        tests=_globs(raw["tests"]),
        source=_globs(raw["source"]),
        exclude=_globs(raw["exclude"]),
        db=db if db.is_absolute() else root / db,
        rgr=RgrConfig(
            mode=raw["rgr.mode"],  # type: ignore[arg-type]
            policy=raw["rgr.policy"],  # type: ignore[arg-type]
            coverage=bool(raw["rgr.coverage"]),
            cache=bool(raw["rgr.cache"]),
            reach=raw["rgr.reach"],  # type: ignore[arg-type]
        ),
        coverage=coverage,
        bench=bench,
        validate=validate,
        origins={**origins, **bench_origins, **profile_origins},
        profile=profile,
        checkpoint=checkpoint,
    )


def _validate_settings(table: object, gates: object) -> ValidateSettings:
    """``[tool.piv.validate]`` and ``[tool.piv.gates]`` (``piv validate`` and the hooks)."""
    for name, value in (("validate", table), ("gates", gates)):
        if not isinstance(value, Mapping):
            raise ConfigError(f"[tool.piv] {name}", value, "a table", "pyproject.toml")
    return parse_validate(table, gates, "pyproject.toml")  # type: ignore[arg-type]


def _parse(option: Option, value: object, origin: str) -> object:
    try:
        return option.parse(value)
    except ValueError as exc:
        name = _display_key(option.key) if origin == "pyproject.toml" else option.key
        expected = f"{option.expected} ({exc})" if isinstance(exc, _Why) else option.expected
        raise ConfigError(name, value, expected, origin) from None


#: what a path from the project's own files must be (``PIV_DB`` alone may lead out)
INSIDE = "a path inside the project root (an absolute path, '..' or a symlink must not lead out"


def _confine(root: Path, key: str, value: object, origin: str) -> None:
    """Refuse an output path that leads out of the project: a cloned repository's
    ``pyproject.toml`` (or ``addopts``) must not make pytest-piv write elsewhere."""
    if inside(root, str(value)) is None:
        name = _display_key(key) if origin == "pyproject.toml" and "]" not in key else key
        resolved = printable((root / str(value)).resolve())
        raise ConfigError(name, value, f"{INSIDE}; it resolves to {resolved})", origin)


# -- [tool.piv.coverage]: parsed by the coverage gate, a few keys overridable -----------

COVERAGE_OVERRIDES: tuple[tuple[str, str, str, Callable[[object], object]], ...] = (
    # (settings field, env variable, flag dest, parser)
    ("fail_under", "PIV_COV_FAIL_UNDER", "piv_cov_fail_under", parse_percent),
    ("diff_fail_under", "PIV_DIFF_FAIL_UNDER", "piv_diff_fail_under", parse_percent),
    ("diff_base", "PIV_DIFF_BASE", "piv_diff_base", parse_ref),
)


def _coverage_overrides(
    settings: CoverageSettings,
    env: Mapping[str, str],
    flags: Mapping[str, object],
    origins: dict[str, str],
) -> CoverageSettings:
    changes: dict[str, object] = {}
    for name, variable, flag, parse in COVERAGE_OVERRIDES:
        key = f"coverage.{name}"
        sources: list[tuple[str, object]] = [
            (f"env {variable}", env.get(variable)),
            ("flag --" + flag.replace("_", "-"), flags.get(flag)),
        ]
        for origin, value in sources:
            if value is None:
                continue
            try:
                changes[name] = parse(value)
            except (ValueError, ZeroDivisionError) as exc:
                expected = (
                    "a number from 0 to 100" if parse is parse_percent else f"a git ref ({exc})"
                )
                raise ConfigError(key, value, expected, origin) from None
            origins[key] = origin
    return settings._replace(**changes) if changes else settings  # type: ignore[arg-type]


def coverage_values(settings: CoverageSettings) -> dict[str, object]:
    """The coverage keys for ``piv config show``."""

    def number(value: object) -> object:
        return None if value is None else float(value)  # type: ignore[arg-type]

    return {
        "coverage.enabled": settings.enabled,
        "coverage.fail_under": number(settings.fail_under),
        "coverage.branch": settings.measure_branches,
        "coverage.rules": [r.name for r in settings.rules],
        "coverage.ratchet": settings.ratchet,
        "coverage.baseline": settings.baseline,
        "coverage.diff_base": settings.diff_base,
        "coverage.diff_fail_under": number(settings.diff_fail_under),
        "coverage.parser": settings.parser,
    }
