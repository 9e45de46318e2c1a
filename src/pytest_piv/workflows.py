"""The GitHub Actions caller workflow that ``piv ci init`` writes (pure text).

``ci/piv-caller.yml`` in this repository is this text with placeholders; a test keeps the
two the same.
"""

from __future__ import annotations

import re
from typing import NamedTuple

DEFAULT_REPO = "OWNER/pytest-piv"
PLACEHOLDER_SHA = "0" * 40
CALLER_PATH = ".github/workflows/piv-ci.yml"
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_SHA = re.compile(r"[0-9a-f]{40}\Z")


class CallerSettings(NamedTuple):
    repo: str = DEFAULT_REPO
    sha: str = PLACEHOLDER_SHA
    label: str = "replace with the pytest-piv commit you trust (piv ci init --ref SHA)"
    python_versions: str = '["3.12"]'
    shards: int = 2
    branch: str = "main"


def check_repo(repo: str) -> str | None:
    return None if _REPO.match(repo) else f"--repo {repo!r}: expected OWNER/NAME"


def check_sha(sha: str) -> str | None:
    return None if _SHA.match(sha) else f"--ref {sha!r}: expected a full 40-hex commit id"


def caller_workflow(settings: CallerSettings) -> str:
    """The caller workflow, pinned to ``settings.sha`` of ``settings.repo``."""
    return f"""\
# pytest-piv in CI: validation, sharded tests with combined coverage, benchmarks against
# the base branch, and Red-Green-Refactor verified commit by commit. Written by
# `piv ci init`; change the inputs below, keep the pin a full commit SHA.
name: piv

on:
  pull_request:
  push:
    branches: [{settings.branch}]

permissions: {{}}

concurrency:
  group: piv-${{{{ github.ref }}}}
  cancel-in-progress: true

jobs:
  piv:
    uses: {settings.repo}/.github/workflows/piv.yml@{settings.sha} # {settings.label}
    permissions:
      contents: read
    with:
      python-versions: '{settings.python_versions}'
      shards: {settings.shards}
      validate-preset: standard
      coverage: true
      bench-ab: false
      profile: none
      verify-rgr: true
"""
