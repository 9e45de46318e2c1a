"""Benchmark baselines: machine fingerprints, statistics, verdicts, A/B runs.

Nothing here imports pytest or click; the plugin and the CLI call these functions and
reach the same verdicts for the same reasons.
"""
