import json

import pytest

from pytest_piv.baselines.exchange import BaselineEntry, BaselineFile, dumps, loads, thin
from pytest_piv.baselines.machine import Fingerprint
from pytest_piv.errors import UsageError

PRINT = Fingerprint({"cpu": "x", "python": "CPython 3.11"})


def test_an_export_is_sorted_json_that_reads_back_to_the_same_baseline() -> None:
    baseline = BaselineFile(
        "ci",
        PRINT,
        (
            BaselineEntry("t.py::test_b", 3, (3.0, 1.0, 2.0)),
            BaselineEntry("t.py::test_a", 1, (5.0,)),
        ),
    )
    text = dumps(baseline)
    assert list(json.loads(text)["benchmarks"]) == ["t.py::test_a", "t.py::test_b"]
    assert text == dumps(loads(text, "f.json"))
    back = loads(text, "f.json")
    assert back.machine == "ci"
    assert back.fingerprint == PRINT
    assert back.entries[1] == BaselineEntry("t.py::test_b", 3, (1.0, 2.0, 3.0))


def test_thinning_keeps_the_extremes_and_evenly_spaced_order_statistics() -> None:
    thinned = thin([float(i) for i in range(10_000)], limit=5)
    assert thinned == (0.0, 2500.0, 5000.0, 7499.0, 9999.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "invalid JSON"),
        ('{"format": "other"}', '"format" is not "pytest-piv-bench-baseline"'),
        ('{"format": "pytest-piv-bench-baseline", "version": 9}', "version 9 is not 1"),
        (
            '{"format": "pytest-piv-bench-baseline", "version": 1, "machine": "m",'
            ' "fingerprint": {}, "benchmarks": {"t": {"rounds": 1, "samples": [-1]}}}',
            "benchmark 't' needs positive timings",
        ),
    ],
)
def test_a_malformed_file_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(
        UsageError, match=r"^base\.json: not a pytest-piv benchmark baseline"
    ) as info:
        loads(text, "base.json")
    assert message in str(info.value)
