"""Which ``PIV_*`` environment variables pytest-piv reads, and a warning for any other.

A typo such as ``PIV_RGR_MOD`` would otherwise be ignored without a word; each unknown
``PIV_*`` variable gets one warning naming the closest known one (``difflib``). The pytest
plugin shows it as a ``PivWarning``, ``piv`` as a ``piv: warning:`` line on stderr.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from pytest_piv.config import BENCH_OVERRIDES, COVERAGE_OVERRIDES, OPTIONS
from pytest_piv.report.text import printable

#: ``PIV_*`` variables read elsewhere (not typos): the profile mode (parsed with
#: ``[tool.piv.profile]``), what piv passes to processes it starts (the A/B channel, the
#: profiler's parent and output, a checkpoint in progress, verify's re-run outcomes), and
#: the knobs of pytest-piv's own benchmark harness (``benchmarks/``)
INTERNAL_ENV = (
    "PIV_PROFILE",
    "PIV_AB_CHANNEL",
    "PIV_PROFILE_DIR",
    "PIV_PROFILE_PARENT",
    "PIV_PROFILE_REMEASURE",
    "PIV_PROFILE_REMEASURE_SESSION",
    "PIV_CHECKPOINT_RUNNING",
    "PIV_OUTCOMES_FILE",
    "PIV_BENCH_MODULES",
    "PIV_BENCH_WALL_ROUNDS",
)


def known_env() -> tuple[str, ...]:
    """Every ``PIV_*`` variable pytest-piv reads."""
    names = {o.env for o in OPTIONS if o.env}
    names |= {variable for _, variable, _, _ in COVERAGE_OVERRIDES}
    names |= {variable for _, variable, _ in BENCH_OVERRIDES}
    return tuple(sorted({*names, *INTERNAL_ENV}))


def unknown_env_warnings(env: Mapping[str, str]) -> list[str]:
    """One warning per ``PIV_*`` variable that is no setting, naming the closest one."""
    known = known_env()
    warnings = []
    for name in sorted(env):
        if not name.startswith("PIV_") or name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        warnings.append(f"{printable(name)} is not a pytest-piv setting{hint}")
    return warnings
