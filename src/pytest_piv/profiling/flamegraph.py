"""A self-contained SVG flame graph of collapsed stacks (no scripts, no external assets).

py-spy writes one output format per run; the run keeps speedscope JSON (to re-analyse and
to open in speedscope) and this module draws the SVG from the same samples.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape

from pytest_piv.profiling.cpu import Function

WIDTH = 1200.0
ROW = 17
FONT = 11
#: frames narrower than this many pixels are not drawn
MIN_WIDTH = 0.3


@dataclass
class _Node:
    weight: float = 0.0
    children: dict[Function, _Node] = field(default_factory=dict)


def _tree(stacks: Mapping[tuple[Function, ...], float]) -> _Node:
    root = _Node()
    for stack, weight in stacks.items():
        node = root
        node.weight += weight
        for function in stack:
            node = node.children.setdefault(function, _Node())
            node.weight += weight
    return root


def _depth(node: _Node) -> int:
    return 1 + max((_depth(c) for c in node.children.values()), default=0)


def _colour(name: str) -> str:
    digest = hashlib.blake2s(name.encode(), digest_size=3).digest()
    return f"rgb({205 + digest[0] % 50},{80 + digest[1] % 140},{digest[2] % 60})"


def render_svg(stacks: Mapping[tuple[Function, ...], float], title: str) -> str:
    """The flame graph (outermost frames at the bottom) of ``stacks`` as an SVG document."""
    root = _tree(stacks)
    depth = _depth(root)
    height = (depth + 2) * ROW
    total = root.weight or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0f}" height="{height}" '
        f'viewBox="0 0 {WIDTH:.0f} {height}" font-family="monospace" font-size="{FONT}">',
        f'<rect width="100%" height="100%" fill="#f8f8f8"/>'
        f'<text x="4" y="{ROW - 4}">{escape(title)}</text>',
    ]

    def draw(node: _Node, label: str, tip: str, x: float, level: int) -> None:
        width = node.weight / total * WIDTH
        if width < MIN_WIDTH:
            return
        y = height - (level + 1) * ROW
        share = node.weight / total * 100
        parts.append(
            f"<g><title>{escape(tip)} ({node.weight:.2f} s, {share:.1f}%)</title>"
            f'<rect x="{x:.2f}" y="{y}" width="{width:.2f}" height="{ROW - 1}" '
            f'fill="{_colour(label)}" rx="2"/>'
        )
        chars = int((width - 4) / (FONT * 0.6))
        if chars >= 3:
            text = label if len(label) <= chars else label[: chars - 2] + ".."
            parts.append(f'<text x="{x + 2:.2f}" y="{y + ROW - 5}">{escape(text)}</text>')
        parts.append("</g>")
        child_x = x
        for (name, file), child in sorted(node.children.items()):
            draw(child, name, f"{name} ({file})", child_x, level + 1)
            child_x += child.weight / total * WIDTH

    draw(root, "all", "all samples", 0.0, 0)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
