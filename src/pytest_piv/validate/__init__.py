"""``piv validate``: validation steps, presets, the import graph, quality gates, a runner.

A pure domain package: it imports neither pytest nor click and writes nothing to the
terminal. External tools run through :func:`pytest_piv.tools.run_tool`; git questions go
through :mod:`pytest_piv.vcs`.
"""
