"""Charts drawn on the server as SVG geometry: the template turns these into <rect>, <line>
and <text> elements with a viewBox, so they scale to a phone and need no script."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 600
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 16, 44


@dataclass(frozen=True)
class Bar:
    """One bar: its box, the value it stands for and how it is labelled."""

    x: float
    y: float
    width: float
    height: float
    value: float
    label: str
    text: str
    css: str
    # Where its label and value text go.
    label_x: float
    label_y: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Tick:
    """A grid line of the value axis (horizontal for columns, vertical for rows)."""

    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    """A chart's canvas, bars, axis and, for shares, the target line."""

    width: float
    height: float
    bars: list[Bar]
    ticks: list[Tick]
    # The plot's box: x0..x1 across, y0..y1 down.
    x0: float
    x1: float
    y0: float
    y1: float
    horizontal: bool = False
    target: float | None = None
    target_at: float | None = None


def _nice_max(value: float) -> float:
    """A round top for a count axis: 1, 2 or 5 times a power of ten, at least `value` and 1."""
    magnitude = 1.0
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def columns(
    items: Sequence[tuple[str, float | None, str]],
    *,
    maximum: float | None = None,
    target: float | None = None,
) -> Chart:
    """Vertical bars of (label, value or None for no bar, value text); shares (0-100) when a
    target is given, else counts scaled to a round maximum."""
    top = (
        maximum if maximum is not None else _nice_max(max((v or 0 for _, v, _ in items), default=0))
    )
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM
    slot = (x1 - x0) / max(len(items), 1)
    bar_width = slot * 0.6

    def y_of(value: float) -> float:
        return round(y1 - (y1 - y0) * min(value, top) / top, 2)

    bars = []
    for index, (label, value, text) in enumerate(items):
        x = round(x0 + slot * index + (slot - bar_width) / 2, 2)
        middle = round(x + bar_width / 2, 2)
        if value is None:
            css, y, height = "bar none", float(y1), 0.0
        else:
            y = y_of(value)
            height = round(y1 - y, 2)
            css = "bar" if target is None else ("bar ok" if value >= target else "bar short")
        bars.append(
            Bar(
                x=x,
                y=y,
                width=round(bar_width, 2),
                height=height,
                value=-1.0 if value is None else round(value, 2),
                label=label,
                text=text,
                css=css,
                label_x=middle,
                label_y=y1 + 16,
                text_x=middle,
                text_y=max(y - 4, y0 + 10),
            )
        )
    ticks = [Tick(y_of(top * share / 4), _number(top * share / 4)) for share in range(5)]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        x0=x0,
        x1=x1,
        y0=y0,
        y1=y1,
        target=target,
        target_at=None if target is None else y_of(target),
    )


ROW_HEIGHT = 24
NAME_WIDTH = 130


def rows(items: Sequence[tuple[str, float | None, str]], *, target: float) -> Chart:
    """Horizontal bars of shares (0-100), one row per item (the per-community chart)."""
    x0, x1, y0 = NAME_WIDTH, WIDTH - 56, TOP
    y1 = y0 + ROW_HEIGHT * max(len(items), 1)

    def x_of(value: float) -> float:
        return round(x0 + (x1 - x0) * min(value, 100.0) / 100.0, 2)

    bars = []
    for index, (label, value, text) in enumerate(items):
        y = y0 + ROW_HEIGHT * index + 4
        width = 0.0 if value is None else round(x_of(value) - x0, 2)
        css = "bar none" if value is None else ("bar ok" if value >= target else "bar short")
        bars.append(
            Bar(
                x=x0,
                y=y,
                width=width,
                height=ROW_HEIGHT - 8,
                value=-1.0 if value is None else round(value, 2),
                label=label,
                text=text,
                css=css,
                label_x=x0 - 6,
                label_y=y + 12,
                text_x=x0 + width + 4,
                text_y=y + 12,
            )
        )
    ticks = [Tick(x_of(share), f"{share}%") for share in (0, 25, 50, 75, 100)]
    return Chart(
        width=WIDTH,
        height=y1 + BOTTOM // 2,
        bars=bars,
        ticks=ticks,
        x0=x0,
        x1=x1,
        y0=y0,
        y1=y1,
        horizontal=True,
        target=target,
        target_at=x_of(target),
    )


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
