from __future__ import annotations

from fractions import Fraction

from pytest_piv.coverage.diff import judge_diff, parse_unified_diff
from pytest_piv.coverage.model import FileCoverage, Ratio

DIFF = """\
diff --git a/src/a.py b/src/a.py
index 1..2 100644
--- a/src/a.py
+++ b/src/a.py
@@ -3 +3,2 @@ def f():
-    return 1
+    x = 2
+    return x
@@ -10,2 +11,0 @@ def g():
-    pass
-    pass
@@ -20,0 +20 @@
+    y = 3
diff --git a/src/gone.py b/src/gone.py
deleted file mode 100644
--- a/src/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
diff --git a/src/new.py b/src/new.py
new file mode 100644
--- /dev/null
+++ b/src/new.py
@@ -0,0 +1,3 @@
+a = 1
+b = 2
+c = 3
"""


def test_a_zero_context_diff_gives_added_and_changed_lines_per_new_path() -> None:
    assert parse_unified_diff(DIFF) == {
        "src/a.py": frozenset({3, 4, 20}),
        "src/new.py": frozenset({1, 2, 3}),
    }


def test_diff_coverage_counts_changed_statements_and_lists_each_uncovered_one() -> None:
    files = [
        FileCoverage("src/a.py", frozenset({1, 3, 4, 20}), frozenset({20})),
        FileCoverage("src/new.py", frozenset({1, 2, 3}), frozenset()),
    ]
    changed = {
        "src/a.py": frozenset({2, 3, 4, 20}),  # line 2 is not a statement
        "src/new.py": frozenset({1, 2, 3}),
        "src/other.py": frozenset({1}),
        "README.md": frozenset({1}),
    }
    verdict = judge_diff(changed, files, Fraction(90), "origin/main")
    assert verdict.lines == Ratio(5, 6)
    assert verdict.uncovered == (("src/a.py", (20,)),)
    assert verdict.unmeasured == ("src/other.py",)
    assert verdict.failed
    assert not judge_diff(changed, files, Fraction(80), "origin/main").failed
    assert not judge_diff(changed, files, None, "origin/main").failed
