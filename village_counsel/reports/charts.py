"""Charts for printed reports (ReportLab graphics): matters by stage, checklist completion by village."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from .. import vocab
from .pdf import FONT, WIDTH, register_font

STAGE_COLOURS = [colors.HexColor(c) for c in ("#9AA5B1", "#E0A33B", "#4C86C6", "#4AA36C")]
BAR = colors.HexColor("#4C86C6")


def _title(drawing: Drawing, text: str, width: float, height: float) -> None:
    drawing.add(String(width / 2, height - 12, text, fontName=FONT, fontSize=10, textAnchor="middle"))


def nice_step(top: float, ticks: int = 5) -> int:
    """An axis step of 1, 2 or 5 times a power of ten giving about ``ticks`` ticks up to ``top``."""
    raw = max(top / ticks, 1)
    power = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def two_lines(name: str) -> str:
    """A category label on two lines: "上张村（西周镇 1a2b3c4d）" → "上张村" over "西周镇 1a2b3c4d", so
    same-name villages (told apart by township or id) do not run into each other under a bar group."""
    head, sep, rest = name.partition("（")
    return f"{head}\n{rest.rstrip('）')}" if sep else name


def stages_chart(
    series: Sequence[tuple[str, dict[str, int]]], *, title: str = "说事事项所处阶段", width: float = WIDTH
) -> Drawing:
    """Grouped bars: one group per name in ``series`` (a village, or 合计), one bar per stage."""
    register_font()
    height = (62 if len(series) > 1 else 48) * mm
    d = Drawing(width, height, initialFontName=FONT)
    _title(d, title, width, height)
    chart = VerticalBarChart()
    names = [two_lines(name) if len(series) <= 8 else name for name, _ in series]
    bottom = 34 if any("\n" in n for n in names) else 24
    chart.x, chart.y = 34, bottom
    chart.width, chart.height = width - 34 - 120, height - bottom - 22
    chart.data = [[s.get(stage, 0) for _, s in series] for stage in vocab.STAGES]
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8 if len(series) <= 8 else 6
    if len(series) > 8:
        chart.categoryAxis.labels.angle = 30
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    top = max([max(row) for row in chart.data if row] + [1])
    step = nice_step(top)
    chart.valueAxis.valueStep = step
    chart.valueAxis.valueMax = (top // step + 1) * step
    chart.groupSpacing = 6
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    for n, colour in enumerate(STAGE_COLOURS):
        chart.bars[n].fillColor = colour
        chart.bars[n].strokeColor = None
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 105, height - 30
    legend.fontName = FONT
    legend.fontSize = 8
    legend.alignment = "left"
    legend.columnMaximum = len(STAGE_COLOURS)
    legend.colorNamePairs = list(
        zip(STAGE_COLOURS, [f"{s}（{vocab.STAGE_STATUS[s]}）" for s in vocab.STAGES], strict=True)
    )
    legend.dx = legend.dy = 7
    legend.deltay = 11
    d.add(legend)
    return d


def completion_chart(rates: Sequence[tuple[str, float | None]], *, width: float = WIDTH) -> Drawing:
    """Checklist completion per village as horizontal bars (0–100%); with many villages, how many
    villages fall in each band instead, which stays readable at 400 villages."""
    register_font()
    if len(rates) > 24:
        return _completion_bands(rates, width)
    row_h = 13
    height = max(40 * mm, len(rates) * row_h + 48)
    d = Drawing(width, height, initialFontName=FONT)
    _title(d, "工作清单完成率（按村）", width, height)
    chart = HorizontalBarChart()
    # room on the left for the longest village name (a same-name village carries its township and id)
    left = min(width * 0.4, max([70.0] + [stringWidth(n, FONT, 8) + 8 for n, _ in rates]))
    chart.x, chart.y = left, 22
    chart.width, chart.height = width - left - 30, height - 22 - 22
    chart.data = [[round((r or 0) * 100, 1) for _, r in reversed(rates)]]
    chart.categoryAxis.categoryNames = [name for name, _ in reversed(rates)]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%.0f%%"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    d.add(chart)
    return d


BANDS = ((0, 0.6, "60%以下"), (0.6, 0.8, "60%–80%"), (0.8, 1.0, "80%–100%"), (1.0, 9.0, "全部完成"))


def _completion_bands(rates: Sequence[tuple[str, float | None]], width: float) -> Drawing:
    height = 55 * mm
    d = Drawing(width, height, initialFontName=FONT)
    _title(d, f"工作清单完成率分布（{len(rates)} 个村）", width, height)
    counts = [sum(1 for _, r in rates if lo <= (r or 0) < hi) for lo, hi, _ in BANDS]
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 22
    chart.width, chart.height = width - 80, height - 22 - 24
    chart.data = [counts]
    chart.categoryAxis.categoryNames = [label for *_, label in BANDS]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(counts + [1]) * 1.2
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d 个村"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    d.add(chart)
    return d
