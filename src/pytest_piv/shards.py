"""Splitting a test suite into CI shards of about equal duration (pure).

Each test file goes to the shard with the least total so far, longest first (the greedy
LPT rule, within 4/3 of the best split). A file's weight is its recorded duration when
there is one (a JSON object of node id or file -> seconds, such as pytest's
``--durations-path`` style reports or ``piv ci durations``), else its size in bytes scaled
to the recorded ones, so a first run without durations is still balanced by size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def file_durations(durations: Mapping[str, float]) -> dict[str, float]:
    """Seconds per test file, from seconds per node id (``path::test``) or per file."""
    per_file: dict[str, float] = {}
    for key, seconds in durations.items():
        path = key.split("::", 1)[0]
        per_file[path] = per_file.get(path, 0.0) + max(0.0, float(seconds))
    return per_file


def weights(
    files: Sequence[str], sizes: Mapping[str, int], durations: Mapping[str, float]
) -> dict[str, float]:
    """The weight of each file: its recorded seconds, else its size at the median rate."""
    known = {f: durations[f] for f in files if f in durations}
    rates = sorted(known[f] / sizes[f] for f in known if sizes.get(f))
    rate = rates[len(rates) // 2] if rates else 1.0
    return {f: known[f] if f in known else sizes.get(f, 0) * rate for f in files}


def split(weighted: Mapping[str, float], total: int) -> list[list[str]]:
    """*total* shards of the files in *weighted*, each sorted, balanced by weight."""
    if total < 1:
        raise ValueError("a split needs at least one shard")
    shards: list[list[str]] = [[] for _ in range(total)]
    loads = [0.0] * total
    for path in sorted(weighted, key=lambda p: (-weighted[p], p)):
        lightest = min(range(total), key=lambda i: (loads[i], len(shards[i]), i))
        shards[lightest].append(path)
        loads[lightest] += weighted[path]
    return [sorted(s) for s in shards]
