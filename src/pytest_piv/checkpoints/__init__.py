"""Checkpoint commits that never lose a byte: snapshot, secret scan, commit, rollback, resume."""
