"""The severity chart: bar geometry computed here, so the template only draws (inline SVG, no script)."""

from __future__ import annotations

from dataclasses import dataclass

from reports.view.sections import Count

WIDTH = 560  # the SVG's viewBox; it scales to the page
LABEL_W = 92  # room for the severity name left of the bars
COUNT_W = 64  # room for the number right of the longest bar
ROW_H = 28
BAR_H = 18


@dataclass(frozen=True, slots=True, kw_only=True)
class Bar:
    key: str  # severity: the CSS class that colours it
    label: str
    count: int
    y: int
    width: int  # 0 for none; at least 3 px for one finding so it is visible
    text_x: int  # where the number goes


@dataclass(frozen=True, slots=True, kw_only=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    summary: str  # the same facts as text, for screen readers and the SVG's <title>


def severity_chart(severities: tuple[Count, ...]) -> Chart:
    top = max((c.count for c in severities), default=0)
    room = WIDTH - LABEL_W - COUNT_W
    bars = []
    for i, c in enumerate(severities):
        width = 0 if not c.count else max(3, round(room * c.count / top))
        bars.append(
            Bar(
                key=c.key,
                label=c.label,
                count=c.count,
                y=i * ROW_H + (ROW_H - BAR_H) // 2,
                width=width,
                text_x=LABEL_W + width + 8,
            )
        )
    summary = "Open findings by severity: " + ", ".join(f"{c.label} {c.count:,}" for c in severities)
    return Chart(width=WIDTH, height=ROW_H * len(severities), bars=tuple(bars), summary=summary)
