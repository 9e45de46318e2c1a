"""``piv verify``: Red-Green-Refactor proven from git history, commit by commit.

The judging is the ledger's own: each commit of the range is replayed as one
``pytest --piv`` run in a git worktree outside the user's tree, against a ledger that
saw the commits before it. This package plans the replay (:mod:`.plan`), reads conventional
commit subjects (:mod:`.commits`), runs it (:mod:`.replay`) and turns the runs into a
report (:mod:`.judge`). Only :mod:`.replay` starts processes.
"""
