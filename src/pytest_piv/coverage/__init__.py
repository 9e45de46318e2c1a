"""The coverage gate's functional core: thresholds, per-rule numbers, ratchet, diff coverage.

Nothing here imports pytest or click, so the plugin and the ``piv coverage`` commands reach
the same verdicts for the same reasons.
"""
