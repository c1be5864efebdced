"""The severity chart: bars in proportion, every count also written as text."""

from __future__ import annotations

from reports.view.chart import COUNT_W, LABEL_W, WIDTH, severity_chart
from reports.view.sections import Count


def test_bars_are_proportional_and_a_single_finding_is_still_visible() -> None:
    counts = tuple(
        Count(key=k, label=k.capitalize(), count=n)
        for k, n in [("critical", 0), ("high", 2000), ("medium", 1000), ("low", 1), ("info", 0)]
    )
    chart = severity_chart(counts)
    widths = {b.key: b.width for b in chart.bars}
    assert widths["high"] == WIDTH - LABEL_W - COUNT_W and widths["medium"] == widths["high"] // 2
    assert widths["critical"] == widths["info"] == 0 and widths["low"] == 3
    assert chart.summary == "Open findings by severity: Critical 0, High 2,000, Medium 1,000, Low 1, Info 0"
    assert [b.y for b in chart.bars] == sorted(b.y for b in chart.bars)


def test_no_findings_draws_no_bars() -> None:
    chart = severity_chart(tuple(Count(key=k, label=k, count=0) for k in ("high", "low")))
    assert all(b.width == 0 for b in chart.bars)
