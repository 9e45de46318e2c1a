"""The pytest entry point of pytest-piv (placeholder until the foundation lands)."""
