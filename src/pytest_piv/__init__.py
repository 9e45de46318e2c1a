"""pytest-piv: quality gates for the Plan-Implement-Validate loop."""

__version__ = "0.1.0.dev0"
