"""``piv init``: what adopting pytest-piv changes in a project, file by file.

It detects the layout (``src/`` or flat, pytest's test paths, an existing coverage
configuration) and plans the edits: ``[tool.piv]`` in ``pyproject.toml`` (through
tomlkit, so comments and formatting stay), the piv hooks merged into
``.pre-commit-config.yaml`` (through ruamel.yaml's round-trip mode), ``.piv/`` in
``.gitignore`` and the CI caller workflow. Anything already there is left alone, so a
second run plans nothing. Nothing is written here: :func:`plan` returns the changes.
"""

from __future__ import annotations

import configparser
import io
import re
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

import tomlkit
from ruamel.yaml import YAML

from pytest_piv.config import DEFAULT_TEST_GLOBS
from pytest_piv.errors import UsageError
from pytest_piv.workflows import CALLER_PATH, CallerSettings, caller_workflow

#: the hooks `piv init` adds to .pre-commit-config.yaml: the ones this project publishes
#: (.pre-commit-hooks.yaml), as `repo: local` hooks run by the piv installed in the project
PIV_HOOKS: tuple[dict[str, object], ...] = (
    {
        "id": "piv-validate",
        "name": "piv validate",
        "entry": "piv validate",
        "language": "system",
        "types_or": ["python", "pyi"],
        "require_serial": True,
        "stages": ["pre-commit"],
    },
    {
        "id": "piv-rgr",
        "name": "piv RGR commit gate",
        "entry": "piv hooks rgr",
        "language": "system",
        "pass_filenames": False,
        "always_run": True,
        "stages": ["pre-commit"],
    },
    {
        "id": "piv-commit-msg",
        "name": "piv commit message",
        "entry": "piv hooks commit-msg",
        "language": "system",
        "stages": ["commit-msg"],
    },
)
NOT_SOURCE_DIRS = frozenset(
    {"tests", "test", "docs", "doc", "examples", "benchmarks", "scripts", "build", "dist"}
)
NOT_SOURCE_FILES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py"})


class Layout(NamedTuple):
    source: tuple[str, ...]
    tests: tuple[str, ...]
    testpaths: tuple[str, ...]
    fail_under: float | None  # from an existing coverage configuration
    coverage_configured: bool


class FileChange(NamedTuple):
    path: str
    before: str | None
    after: str
    why: str


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc}); nothing changed") from None


def _ini(path: Path, section: str, key: str) -> str | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    return parser.get(section, key, fallback=None)


def _testpaths(root: Path, pyproject: dict[str, Any]) -> tuple[str, ...]:
    ini = pyproject.get("tool", {}).get("pytest", {}).get("ini_options", {})
    value: object = ini.get("testpaths") if isinstance(ini, dict) else None
    for name, section in (
        ("pytest.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
        ("tox.ini", "pytest"),
    ):
        if value is None and (root / name).is_file():
            value = _ini(root / name, section, "testpaths")
    if isinstance(value, str):
        value = value.split()
    if isinstance(value, list) and value:
        return tuple(str(v).strip("/") for v in value if str(v).strip("/") not in ("", "."))
    return tuple(d for d in ("tests", "test") if (root / d).is_dir())


def _source(root: Path, testpaths: tuple[str, ...]) -> tuple[str, ...]:
    if (root / "src").is_dir():
        return ("src/**/*.py",)
    skip = NOT_SOURCE_DIRS | {t.split("/")[0] for t in testpaths}
    globs = [
        f"{d.name}/**/*.py"
        for d in sorted(root.iterdir())
        if d.is_dir()
        and not d.name.startswith(".")
        and d.name not in skip
        and (d / "__init__.py").is_file()
    ]
    globs += [
        f.name
        for f in sorted(root.glob("*.py"))
        if f.name not in NOT_SOURCE_FILES and not f.name.startswith("test")
    ]
    return tuple(globs) or ("**/*.py",)


def _fail_under(root: Path, pyproject: dict[str, Any]) -> tuple[bool, float | None]:
    coverage = pyproject.get("tool", {}).get("coverage")
    if isinstance(coverage, dict):
        report = coverage.get("report", {})
        value = report.get("fail_under") if isinstance(report, dict) else None
        return True, float(value) if isinstance(value, int | float) else None
    for name, section in (
        (".coveragerc", "report"),
        ("setup.cfg", "coverage:report"),
        ("tox.ini", "coverage:report"),
    ):
        if (root / name).is_file():
            text = _ini(root / name, section, "fail_under")
            if name == ".coveragerc" or text is not None:
                try:
                    return True, float(text) if text is not None else None
                except ValueError:
                    return True, None
    return False, None


def detect_layout(root: Path) -> Layout:
    path = root / "pyproject.toml"
    pyproject = _read_toml(path) if path.is_file() else {}
    testpaths = _testpaths(root, pyproject)
    tests = (*DEFAULT_TEST_GLOBS, *(f"{t}/**/*.py" for t in testpaths))
    configured, fail_under = _fail_under(root, pyproject)
    return Layout(_source(root, testpaths), tests, testpaths, fail_under, configured)


def _piv_table(layout: Layout) -> tomlkit.items.Table:
    piv = tomlkit.table()
    piv.add(tomlkit.comment("pytest-piv: written by `piv init`; see its README for every key"))
    piv.add("source", list(layout.source))
    if layout.testpaths:
        piv.add("tests", list(layout.tests))
    rgr = tomlkit.table()
    rgr.add("mode", "enforce")
    rgr.add("policy", "standard")
    piv.add("rgr", rgr)
    if layout.coverage_configured:
        cov = tomlkit.table()
        cov.add("fail_under", layout.fail_under if layout.fail_under is not None else 80)
        piv.add("coverage", cov)
    return piv


def _pyproject(root: Path, layout: Layout) -> FileChange | None:
    path = root / "pyproject.toml"
    before = path.read_text(encoding="utf-8") if path.is_file() else None
    doc = tomlkit.parse(before or "")
    tool = doc.get("tool")
    if tool is not None and "piv" in tool:
        return None
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        doc.add("tool", tool)
    tool.add("piv", _piv_table(layout))
    return FileChange("pyproject.toml", before, tomlkit.dumps(doc), "[tool.piv] for this layout")


def _gitignore(root: Path) -> FileChange | None:
    path = root / ".gitignore"
    before = path.read_text(encoding="utf-8") if path.is_file() else None
    lines = {line.strip() for line in (before or "").splitlines()}
    if lines & {".piv", ".piv/", "/.piv", "/.piv/"}:
        return None
    text = before or ""
    if text and not text.endswith("\n"):
        text += "\n"
    return FileChange(".gitignore", before, text + ".piv/\n", "keep piv's store out of git")


_DASH = re.compile(r"^( *)-( +)\S")


def _yaml(text: str | None) -> YAML:
    """A round-trip YAML that writes with the indentation *text* uses."""
    offset, content = 0, 2
    for line in (text or "").splitlines():
        if hit := _DASH.match(line):
            offset, content = len(hit[1]), len(hit[1]) + 1 + len(hit[2])
            break
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=max(2, content - offset), sequence=content, offset=offset)
    return yaml


def _dump(yaml: YAML, doc: object) -> str:
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _pre_commit(root: Path) -> FileChange | None:
    path = root / ".pre-commit-config.yaml"
    before = path.read_text(encoding="utf-8") if path.is_file() else None
    yaml = _yaml(before)
    try:
        doc = yaml.load(before) if before else None
    except Exception as exc:  # ruamel raises many error types for bad YAML
        raise UsageError(f"{path}: not valid YAML ({exc}); nothing changed") from None
    if doc is None:
        doc = yaml.load("repos: []\n")
    repos = doc.get("repos") if hasattr(doc, "get") else None
    if repos is None:
        raise UsageError(f"{path}: expected a mapping with a `repos` list; nothing changed")
    ids = {
        str(hook.get("id"))
        for repo in repos
        if hasattr(repo, "get")
        for hook in (repo.get("hooks") or [])
        if hasattr(hook, "get")
    }
    missing = [dict(h) for h in PIV_HOOKS if h["id"] not in ids]
    if not missing:
        return None
    if before and _dump(yaml, yaml.load(before)) != before:
        raise UsageError(
            f"{path}: its formatting would not survive a rewrite, so it is left as it is "
            "(hint: add the piv hooks by hand: see docs/ci.md)"
        )
    repos.append({"repo": "local", "hooks": missing})
    return FileChange(".pre-commit-config.yaml", before, _dump(yaml, doc), "the piv hooks")


def _caller(root: Path, settings: CallerSettings) -> FileChange | None:
    if (root / CALLER_PATH).exists():
        return None
    return FileChange(CALLER_PATH, None, caller_workflow(settings), "the CI caller workflow")


def plan(root: Path, settings: CallerSettings | None = None) -> list[FileChange]:
    """Every change adopting piv needs in *root* (none for a project already adopted)."""
    settings = settings or CallerSettings()
    layout = detect_layout(root)
    changes = (
        _pyproject(root, layout),
        _gitignore(root),
        _pre_commit(root),
        _caller(root, settings),
    )
    return [c for c in changes if c is not None]
