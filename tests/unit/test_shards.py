"""Balancing test files over CI shards."""

from __future__ import annotations

import pytest

from pytest_piv.shards import file_durations, split, weights


def test_durations_per_node_id_add_up_per_file() -> None:
    got = file_durations({"tests/a.py::t1": 1.5, "tests/a.py::t2[x]": 0.5, "tests/b.py": 2})
    assert got == {"tests/a.py": 2.0, "tests/b.py": 2.0}


def test_files_are_balanced_longest_first_over_the_lightest_shard() -> None:
    shards = split({"a": 5.0, "b": 4.0, "c": 3.0, "d": 2.0, "e": 2.0}, 2)
    assert shards == [["a", "d", "e"], ["b", "c"]]


def test_every_file_lands_in_exactly_one_shard() -> None:
    files = {f"t{i}": float(i % 7) for i in range(50)}
    shards = split(files, 4)
    assert sorted(f for s in shards for f in s) == sorted(files)


def test_a_file_without_a_recorded_duration_is_weighed_by_size_at_the_median_rate() -> None:
    got = weights(["a", "b", "new"], {"a": 100, "b": 300, "new": 200}, {"a": 1.0, "b": 6.0})
    assert got == {"a": 1.0, "b": 6.0, "new": 4.0}


def test_more_shards_than_files_leaves_some_empty() -> None:
    assert split({"a": 1.0}, 3) == [["a"], [], []]


def test_zero_shards_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one shard"):
        split({"a": 1.0}, 0)
