"""How verdicts read in the terminal: nothing undecided looks like a pass."""

from __future__ import annotations

from pytest_piv.baselines.verdicts import Comparison, Estimate, Summary, Verdict
from pytest_piv.report.bench import terminal_lines

SIDE = Summary(1e-3, 1.1e-3, 100)


def comparison(verdict: Verdict, reason: str = "", settle: str = "") -> Comparison:
    estimate = Estimate(1.02, 0.8, 1.3, 0.1, 4, 0.1)
    return Comparison("t.py::test_x", verdict, 0.1, SIDE, SIDE, estimate, reason, settle=settle)


UNDECIDED = comparison(
    Verdict.INCONCLUSIVE,
    "too noisy to gate: change +2.0% [-20.0%, +30.0%] is uncertain",
    settle="piv bench ab --base HEAD",
)


def test_an_inconclusive_verdict_is_never_shown_in_green() -> None:
    lines = terminal_lines([comparison(Verdict.UNCHANGED), UNDECIDED], machine="m")
    assert not lines[0].markup.get("green")
    assert lines[0].markup.get("yellow")
    assert terminal_lines([comparison(Verdict.UNCHANGED)], machine="m")[0].markup == {"green": True}


def test_an_inconclusive_verdict_that_fails_the_run_is_red() -> None:
    lines = terminal_lines([UNDECIDED], machine="m", inconclusive="fail")
    assert lines[0].markup.get("red")
    assert any(line.text.startswith("  inconclusive (fails the run): ") for line in lines)


def test_the_reason_and_what_would_settle_it_show_at_default_and_quiet_verbosity() -> None:
    for verbosity in (0, -1):
        text = "\n".join(
            line.text for line in terminal_lines([UNDECIDED], machine="m", verbosity=verbosity)
        )
        assert "inconclusive: t.py::test_x too noisy to gate: change +2.0%" in text
        assert "(to settle it: piv bench ab --base HEAD)" in text


def test_without_comparisons_the_headline_does_not_count_zero_benchmarks() -> None:
    lines = terminal_lines([], machine="-", notes=["benchmarks ran with --benchmark-disable"])
    assert lines[0].text == "piv bench: nothing measured"
    assert not lines[0].markup.get("green")
