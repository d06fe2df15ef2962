"""The IVR flow as a picture: Graphviz DOT source built from a loaded flow, rendered by `dot`.

Every node is drawn with its id and kind, every way out of it as an arrow: a menu's keys (with
the category a key files the call under), `repeat`, and the fallbacks (after too many wrong keys,
nothing found). Nodes the check finds unreachable or without a way out are drawn in red.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hotline.ivr.model import (
    Flow,
    Hangup,
    Lookup,
    Menu,
    Node,
    Say,
    SetLanguage,
    Transfer,
    Voicemail,
)
from hotline.ivr.validate import Findings, edges

# How `ivr diagram` and the /ivr page say what to do when Graphviz is missing.
INSTALL_HINT = "Graphviz's `dot` is not installed: install it with `sudo apt-get install graphviz`"
RENDER_TIMEOUT_S = 30

# (kind shown under the id, Graphviz shape) per node type.
_KINDS: dict[type, tuple[str, str]] = {
    Menu: ("menu", "box"),
    Say: ("say", "box"),
    SetLanguage: ("language", "box"),
    Lookup: ("lookup", "parallelogram"),
    Transfer: ("transfer to the volunteer on duty", "doubleoctagon"),
    Voicemail: ("voicemail", "note"),
    Hangup: ("hang up", "octagon"),
}


class DotMissing(RuntimeError):
    """Graphviz's dot program is not installed."""


def quoted(text: str) -> str:
    """`text` as a DOT double-quoted string (a label or an id), whatever it contains."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _kind(node: Node) -> tuple[str, str]:
    kind, shape = _KINDS.get(type(node), ("node", "box"))
    if isinstance(node, SetLanguage):
        kind = f"language: {node.language}"
    elif isinstance(node, Lookup):
        kind = f"lookup {node.lookup} by {node.by}"
    return kind, shape


def _arrows(node: Node) -> list[tuple[str, str, bool]]:
    """(target, label, is_fallback) for each way out of `node`."""
    if isinstance(node, Menu):
        out = []
        for key, option in node.options.items():
            label = f"{key}: repeat" if option.action == "repeat" else key
            if option.category:
                label += f" · {option.category}"
            if option.only_for:
                label += f" (only {', '.join(sorted(option.only_for))})"
            out.append((option.goto or node.id, label, False))
        if node.on_exhausted is not None:
            out.append((node.on_exhausted, f"{node.max_attempts} wrong or no keys", True))
        return out
    fallbacks = {"not_found": "nothing found", "on_exhausted": "too many tries"}
    return [(target, fallbacks.get(how, ""), how in fallbacks) for how, target in edges(node)]


def to_dot(flow: Flow, found: Findings | None = None) -> str:
    """The DOT source of the flow's picture; nodes in `found`'s findings are drawn in red."""
    flagged = set(found.unreachable + found.dead_ends) if found is not None else set()
    lines = [
        f"digraph {quoted(flow.id)} {{",
        "  rankdir=LR;",
        '  graph [fontname="Noto Sans CJK SC", fontsize=11];',
        '  node [fontname="Noto Sans CJK SC", fontsize=11, style=filled, fillcolor="#ffffff"];',
        '  edge [fontname="Noto Sans CJK SC", fontsize=10];',
        '  "(start)" [shape=circle, label="", width=0.2, fillcolor="#333333"];',
        f'  "(start)" -> {quoted(flow.start)};',
    ]
    for node_id, node in flow.nodes.items():
        kind, shape = _kind(node)
        colour = ', color="#c0392b", fillcolor="#fdecea"' if node_id in flagged else ""
        label = quoted(node_id + "\n" + kind)
        lines.append(f"  {quoted(node_id)} [shape={shape}, label={label}{colour}];")
    for node_id, node in flow.nodes.items():
        for target, label, fallback in _arrows(node):
            style = ", style=dashed" if fallback else ""
            arrow = f"{quoted(node_id)} -> {quoted(target)}"
            lines.append(f"  {arrow} [label={quoted(label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_path() -> str | None:
    """Where Graphviz's dot program is, or None if it is not installed."""
    return shutil.which("dot")


def render_svg(dot_source: str) -> str:
    """Render DOT source to SVG with Graphviz's dot; DotMissing if it is not installed."""
    dot = dot_path()
    if dot is None:
        raise DotMissing(INSTALL_HINT)
    done = subprocess.run(  # noqa: S603  (our own DOT, on stdin; no shell)
        [dot, "-Tsvg"],
        input=dot_source,
        capture_output=True,
        text=True,
        timeout=RENDER_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.strip()}")
    return done.stdout


def write_svg(flow: Flow, found: Findings, out: Path) -> None:
    """Write the flow's picture as SVG to `out`."""
    out.write_text(render_svg(to_dot(flow, found)), encoding="utf-8")
