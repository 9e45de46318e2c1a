"""Profiling: py-spy and memray backends, hotspot tables, memory and import-time budgets.

Pure domain code: nothing here imports pytest or click or writes to a terminal.
"""
