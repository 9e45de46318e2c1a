"""Text from stored or imported data made inert before any renderer prints it.

Failure messages, node ids, file names and benchmark names come from files a project (or
a crafted import) controls. A raw ESC, OSC, BEL, backspace, carriage return or newline in
them could recolour or clear the terminal, set its window title, or forge a ``piv:``
line. :func:`printable` is the one place that makes such text inert: every control
character becomes a visible escape (``\\x1b``, ``\\n``), and every renderer (terminal,
Markdown, the CLI) passes stored text through it. JSON escapes by itself.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: C0 controls, DEL and C1 controls, plus the bidirectional overrides and isolates that
#: reorder what a terminal or a browser shows ("Trojan source")
_CONTROL = [*range(0x20), 0x7F, *range(0x80, 0xA0)]
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]


def _escape(code: int) -> str:
    char = chr(code)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TABLE = {code: _escape(code) for code in (*_CONTROL, *_BIDI)}


def printable(text: object) -> str:
    """``text`` with every control character replaced by a visible escape (one line)."""
    return str(text).translate(_TABLE)


def markdown_code(text: object) -> str:
    """``text`` as an inline Markdown code span that cannot break out of its table cell."""
    inner = printable(text).replace("|", "\\|")
    longest = 0
    run = 0
    for char in inner:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if inner.startswith("`") or inner.endswith("`") else ""
    return f"{fence}{pad}{inner}{pad}{fence}"


def markdown_text(text: object) -> str:
    """``text`` as plain Markdown: inert control characters, no table break, no HTML."""
    inner = printable(text).replace("|", "\\|")
    return inner.replace("<", "&lt;").replace(">", "&gt;")
