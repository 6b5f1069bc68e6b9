"""Geometry for server-rendered SVG charts: the template only draws the rectangles computed here."""

from dataclasses import dataclass

HEIGHT = 100
KINDS = ("done", "goal", "blocker")


@dataclass
class Segment:
    kind: str
    y: float
    height: float


@dataclass
class Column:
    x: float
    width: float
    label: str
    title: str
    segments: list


def stacked_columns(bars, *, width_per_bar: int = 10) -> list[Column]:
    """One column per day, stacked by kind, scaled so the busiest day fills the height."""
    top = max((bar.value for bar in bars), default=0) or 1
    columns = []
    for i, bar in enumerate(bars):
        y, segments = float(HEIGHT), []
        for kind in KINDS:
            height = HEIGHT * getattr(bar, kind) / top
            if height:
                y -= height
                segments.append(Segment(kind=kind, y=round(y, 2), height=round(height, 2)))
        title = f"{bar.label}: {bar.done} done, {bar.goal} goals, {bar.blocker} blockers"
        columns.append(
            Column(x=i * width_per_bar + 1, width=width_per_bar - 2, label=bar.label, title=title, segments=segments)
        )
    return columns
