"""`flask ivr diagram` and `ivr check`: the shipped flow as a picture naming every node and key,
a broken flow's findings, and one line when Graphviz is missing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from hotline.ivr.diagram import quoted, to_dot
from hotline.ivr.loader import load_flow
from hotline.ivr.model import Menu
from hotline.ivr.validate import findings
from hotline.settings import PROJECT_ROOT
from tests.web.test_ivr_page import broken_flow

MAIN_FLOW = PROJECT_ROOT / "ivr_flows" / "main.yaml"


def cli(app: Flask, *args: str) -> Result:
    with app.app_context():
        return app.test_cli_runner().invoke(args=["ivr", *args])


def svg_texts(svg: str) -> list[str]:
    """The text of every <text> element of an SVG (labels), unescaped."""
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    return [t.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") for t in texts]


def test_the_shipped_flow_is_drawn_with_every_node_key_and_category(
    app: Flask, tmp_path: Path
) -> None:
    out = tmp_path / "flow.svg"

    result = cli(app, "diagram", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{out}: flow 'main' version ")
    labels = svg_texts(out.read_text(encoding="utf-8"))
    flow = load_flow(MAIN_FLOW)
    for node_id in flow.nodes:
        assert node_id in labels
    menus = [node for node in flow.nodes.values() if isinstance(node, Menu)]
    for menu in menus:
        for key, option in menu.options.items():
            shown = [label for label in labels if label.split(" ")[0] in (key, f"{key}:")]
            assert shown, f"{menu.id}: key {key} is not drawn"
            if option.category:
                assert any(option.category in label for label in shown)
    assert any(label.endswith("wrong or no keys") for label in labels)  # the fallbacks


def test_check_prints_the_findings_of_a_good_flow(app: Flask) -> None:
    result = cli(app, "check", str(MAIN_FLOW))

    assert result.exit_code == 0, result.output
    version = load_flow(MAIN_FLOW).version
    assert result.output.splitlines() == [
        f"{MAIN_FLOW}: flow 'main' version {version}, {len(load_flow(MAIN_FLOW).nodes)} nodes;"
        " unreachable: none; dead ends: none; prompts missing a language: none",
        "ok",
    ]


def test_a_broken_flow_is_drawn_and_checked_with_its_findings(app: Flask, tmp_path: Path) -> None:
    path = broken_flow(tmp_path)
    out = tmp_path / "broken.svg"

    checked = cli(app, "check", str(path))
    drawn = cli(app, "diagram", "--flow", str(path), "--out", str(out))

    assert checked.exit_code == 1
    assert f"{path}: greeting: prompt has no 'en' text" in checked.output
    assert f"{path}: orphan: unreachable: nothing leads here from the start node" in checked.output
    assert checked.output.splitlines()[-1].endswith(
        "unreachable: orphan, orphan_loop; dead ends: orphan, orphan_loop;"
        " prompts missing a language: greeting prompt: en"
    )
    assert drawn.exit_code == 0, drawn.output
    svg = out.read_text(encoding="utf-8")
    # The findings' nodes are drawn in red.
    for node_id in ("orphan", "orphan_loop"):
        group = re.search(rf"<title>{node_id}</title>\s*<polygon[^>]*>", svg)
        assert group is not None and 'stroke="#c0392b"' in group.group(0)
    assert findings(load_flow(path)).dead_ends == ("orphan", "orphan_loop")


def test_without_graphviz_the_command_says_how_to_install_it_in_one_line(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert shutil.which("dot") is None

    result = cli(app, "diagram", "--out", str(tmp_path / "flow.svg"))

    assert result.exit_code == 1
    assert result.output == (
        "Error: Graphviz's `dot` is not installed:"
        " install it with `sudo apt-get install graphviz`\n"
    )
    assert not (tmp_path / "flow.svg").exists()


@pytest.mark.parametrize("label", ['say "hi"', "back\\slash", "line\nbreak", "<b>&amp;</b>"])
def test_labels_are_quoted_whatever_they_contain(label: str) -> None:
    dot = quoted(label)

    assert dot.startswith('"') and dot.endswith('"')
    inner = dot[1:-1]
    assert re.fullmatch(r'(?:[^"\\\n]|\\["\\n])*', inner)  # no bare quote, backslash, newline


def test_the_dot_source_starts_at_the_start_node() -> None:
    flow = load_flow(MAIN_FLOW)

    assert f'"(start)" -> {quoted(flow.start)};' in to_dot(flow)
