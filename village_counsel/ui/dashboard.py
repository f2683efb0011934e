"""工作台: the month's figures and charts for one village or all, from the same core queries the monthly
report prints (matters.figures, powers.findings_by_exercise, checklist.progress). Clicking a figure or a
bar lists the records behind it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from .. import checklist, days, matters, powers, search, vocab
from ..store import Record, Store
from .common import (
    FiguresPage,
    Hub,
    MonthCombo,
    VillageCombo,
    fit_to_screen,
    heading,
    month_label,
    this_month,
)

Opener = Callable[[str, str], None]


class RecordsDialog(QDialog):
    """The records behind a figure; double-click opens one."""

    def __init__(
        self, title: str, records: list[Record], opener: Opener, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        fit_to_screen(self, 760, 520)
        self.list = QListWidget()
        for r in records:
            item = QListWidgetItem(f"{search.title(r)}　{search.detail(r)}")
            item.setData(256, (r.kind, r.id))
            if r.kind == "matter" and matters.is_overdue(r):
                item.setForeground(QColor("#c62828"))
            self.list.addItem(item)
        self.list.itemActivated.connect(lambda item: opener(*item.data(256)))
        self.list.itemDoubleClicked.connect(lambda item: opener(*item.data(256)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{title}：共 {len(records)} 条（双击打开）"))
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)


class Tile(QFrame):
    """One figure: a big number and its label; clickable when records stand behind it."""

    clicked = Signal()

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.value = QLabel("—")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        self.value.setFont(font)
        self.label = QLabel(label)
        self.note = QLabel()
        self.note.setStyleSheet("color:#555")
        self.note.setWordWrap(True)  # (eight tiles side by side still fit a 1024-pixel-wide screen)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.value)
        layout.addWidget(self.note)

    def set(self, value: str, note: str = "", alert: bool = False) -> None:
        self.value.setText(value)
        self.value.setStyleSheet("color:#c62828" if alert else "")
        self.note.setText(note)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802, ANN001
        self.clicked.emit()
        super().mouseReleaseEvent(event)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


# Chart category labels longer than this are cut by the axis: these duties get a short label (the full
# name is in the bar's tooltip).
LABEL_CHARS = 7
SHORT_DUTY_NAMES = {
    "station": "服务点值班",
    "survey": "调查与服务计划",
    "consultation": "法律咨询",
    "legal_aid": "法律援助转介",
    "mediation": "纠纷调解",
}


def short_label(name: str, code: str = "") -> str:
    """A category label that fits the chart axis."""
    if code in SHORT_DUTY_NAMES:
        return SHORT_DUTY_NAMES[code]
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def count_scale(top: float) -> tuple[int, int]:
    """(axis maximum, tick count) for a count axis: whole-number ticks on a 1-2-5 step, at most 5 steps,
    the maximum at least 1."""
    top = max(math.ceil(top), 1)
    step = 1
    while True:
        for factor in (1, 2, 5):
            n = math.ceil(top / (step * factor))
            if n <= 5:
                return n * step * factor, n + 1
        step *= 10


def count_axis(top: float) -> QValueAxis:
    """A value axis for counts: 0 to a round maximum, one label per whole step, printed as integers."""
    high, ticks = count_scale(top)
    axis = QValueAxis()
    axis.setRange(0, high)
    axis.setTickCount(ticks)
    axis.setMinorTickCount(0)
    axis.setLabelFormat("%d")
    return axis


def _tooltips(bars: QBarSet, texts: Sequence[str]) -> None:
    """Show ``texts[i]`` while the mouse is over bar i (the full name behind a short axis label)."""

    def hovered(status: bool, index: int) -> None:
        if status and 0 <= index < len(texts):
            QToolTip.showText(QCursor.pos(), texts[index])
        else:
            QToolTip.hideText()

    bars.hovered.connect(hovered)


class DashboardPage(FiguresPage):
    def __init__(self, store: Store, hub: Hub, opener: Opener, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.hub, self.opener = store, hub, opener
        self.month = MonthCombo(store, all_label=None)
        self.village = VillageCombo(store)
        bar = QHBoxLayout()
        bar.addWidget(heading("工作台"))
        bar.addSpacing(16)
        bar.addWidget(QLabel("月份："))
        bar.addWidget(self.month)
        bar.addWidget(QLabel("村："))
        bar.addWidget(self.village)
        bar.addStretch(1)
        hint = QLabel("点击数字或图中的柱查看明细")
        hint.setStyleSheet("color:#555")
        hint.setMinimumWidth(1)  # gives way when the window is narrow
        hint.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        bar.addWidget(hint)
        self.tiles: dict[str, Tile] = {}
        grid = QGridLayout()
        specs = [
            ("sessions", "说事会"),
            ("raised", "提出事项"),
            ("closed", "已办结"),
            ("overdue", "逾期事项"),
            ("exercises", "小微权力行使"),
            ("findings", "审查发现"),
            ("entries", "服务台账"),
            ("duties", "定期职责完成"),
        ]
        for n, (key, label) in enumerate(specs):
            tile = Tile(label)
            tile.setObjectName(f"tile_{key}")
            tile.clicked.connect(lambda k=key: self.show_records(k))
            self.tiles[key] = tile
            grid.addWidget(tile, 0, n)
        self.stage_view = self._chart_view()
        self.findings_view = self._chart_view()
        self.duties_view = self._chart_view()
        charts = QHBoxLayout()
        for view in (self.stage_view, self.findings_view, self.duties_view):
            charts.addWidget(view, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(grid)
        layout.addLayout(charts, 1)
        self.month.currentIndexChanged.connect(self.refresh)
        self.village.currentIndexChanged.connect(self.refresh)
        hub.changed.connect(self.on_changed)
        self.refresh()

    def _chart_view(self) -> QChartView:
        view = QChartView()
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(260)
        return view

    # --- figures ---------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._dirty = False
        month = self.month.month() or this_month()
        village_id = self.village.village_id()
        self.figures = matters.figures(self.store, month, village_id)
        self.findings = powers.findings_by_exercise(self.store, village_id, month)
        self.progress = checklist.progress(self.store, month, village_id)
        f = self.figures
        self.tiles["sessions"].set(str(f.sessions))
        self.tiles["raised"].set(str(f.raised), f"涉法 {f.legal} 件")
        self.tiles["closed"].set(
            str(f.closed), f"办结率 {_pct(f.closure_rate)}　满意率 {_pct(f.satisfaction_rate)}"
        )
        late = f"另逾期办结 {f.handled_late} 件" if f.handled_late else "超过办理期限未办结"
        self.tiles["overdue"].set(str(f.overdue), late, alert=bool(f.overdue))
        found = sum(len(x) for _, x in self.findings)
        self.tiles["exercises"].set(str(len(self.findings)))
        self.tiles["findings"].set(
            str(found), f"涉及 {sum(1 for _, x in self.findings if x)} 项行使", alert=bool(found)
        )
        # the month's entries, as the list behind the tile shows them (the duties' progress also counts a
        # quarter's or a year's entries, and a weekly duty's last week running into the next month)
        self.tiles["entries"].set(str(len(checklist.entries(self.store, month, village_id))))
        # a duty with nothing required (no village yet) is not "complete": leave it out of the count
        regular = [p for p in self.progress if p.required]
        done = sum(1 for p in regular if p.complete)
        self.tiles["duties"].set(
            f"{done}/{len(regular)}", "逾期 " + str(sum(1 for p in regular if p.overdue))
        )
        title = f"{month_label(month)}　{self.village.currentText()}"
        self._stage_chart(title)
        self._findings_chart()
        self._duties_chart()

    def _font(self, chart: QChart) -> None:
        font = QFont(self.font())
        chart.setFont(font)
        title = QFont(font)
        title.setBold(True)
        chart.setTitleFont(title)
        chart.legend().setFont(font)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)

    def _stage_chart(self, title: str) -> None:
        chart = QChart()
        self._font(chart)
        chart.setTitle("事项所处阶段")
        bars = QBarSet("事项")
        by_stage = self.figures.by_stage or {}
        for stage in vocab.STAGES:
            bars.append(by_stage.get(stage, 0))
        bars.clicked.connect(lambda i: self.show_records("stage", vocab.STAGES[i]))
        series = QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        chart.addSeries(series)
        self._axes(
            chart, series, [vocab.STAGE_STATUS[s] for s in vocab.STAGES], max(by_stage.values() or [0])
        )
        chart.legend().hide()
        self.stage_view.setChart(chart)

    def _findings_chart(self) -> None:
        chart = QChart()
        self._font(chart)
        chart.setTitle("合规审查发现（按类型）")
        counts: dict[str, int] = {}
        for _, found in self.findings:
            for f in found:
                counts[f.code] = counts.get(f.code, 0) + 1
        codes = list(powers.Finding.LABELS)
        bars = QBarSet("发现")
        for code in codes:
            bars.append(counts.get(code, 0))
        bars.setColor(QColor("#c62828"))
        bars.clicked.connect(lambda i: self.show_records("finding", codes[i]))
        _tooltips(bars, [f"{powers.Finding.LABELS[c]}：{counts.get(c, 0)} 项" for c in codes])
        series = QHorizontalBarSeries()
        series.append(bars)
        chart.addSeries(series)
        axis_y = QBarCategoryAxis()
        axis_y.append([powers.Finding.LABELS[c] for c in codes])
        axis_x = count_axis(max(counts.values() or [0]))
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_y)
        series.attachAxis(axis_x)
        chart.legend().hide()
        self.findings_view.setChart(chart)

    def _duties_chart(self) -> None:
        chart = QChart()
        self._font(chart)
        chart.setTitle("工作清单：应完成与已完成")
        # a duty with nothing required (no village yet) is not "complete": leave it out of the count
        regular = [p for p in self.progress if p.required]
        required, done = QBarSet("应完成"), QBarSet("已完成")
        for p in regular:
            required.append(p.required or 0)
            done.append(p.met)  # (summed over villages: each village's share at most)
        done.setColor(QColor("#2e7d32"))
        required.setColor(QColor("#90a4ae"))
        for s in (required, done):
            s.clicked.connect(lambda i: self.show_records("duty", regular[i].duty.name))
        series = QHorizontalBarSeries()
        series.append(required)
        series.append(done)
        chart.addSeries(series)
        axis_y = QBarCategoryAxis()
        axis_y.append([short_label(p.duty.name, p.duty.code) for p in regular])
        full = [
            f"{p.duty.name}：应完成 {p.required}，已完成 {p.met}"
            + ("" if p.met == p.done else f"（共记 {p.done} 次，有的村超出、有的村未完成）")
            for p in regular
        ]
        _tooltips(required, full)
        _tooltips(done, full)
        axis_x = count_axis(max([p.required or 0 for p in regular] + [p.done for p in regular] + [0]))
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_y)
        series.attachAxis(axis_x)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.duties_view.setChart(chart)

    def _axes(self, chart: QChart, series: QBarSeries, categories: list[str], top: int) -> None:
        axis_x = QBarCategoryAxis()
        axis_x.append(categories)
        axis_y = count_axis(top)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)

    # --- the records behind a figure ------------------------------------------------------------------------------

    def records_for(self, key: str, arg: str | None = None) -> tuple[str, list[Record]]:
        month = self.month.month() or this_month()
        village_id = self.village.village_id()
        on = days.as_of(month)  # as the month stood at its end (today, while it runs)
        month_matters = lambda: matters.as_of_views(  # noqa: E731
            self.store.list("matter", village_id=village_id, month=month), on
        )
        if key == "sessions":
            return "说事会", self.store.list("session", village_id=village_id, month=month)
        if key == "raised":
            return "提出事项", month_matters()
        if key == "closed":
            return "已办结事项", [m for m in month_matters() if matters.is_closed(m)]
        if key == "overdue":
            return "逾期事项", [m for m in month_matters() if matters.is_overdue(m, on)]
        if key == "stage":
            label = vocab.STAGE_STATUS.get(arg or "", arg)
            return f"状态：{label}", [m for m in month_matters() if matters.status_stage(m) == arg]
        if key == "exercises":
            return "小微权力行使", [e for e, _ in self.findings]
        if key == "findings":
            return "有审查发现的行使记录", [e for e, f in self.findings if f]
        if key == "finding":
            return f"审查发现：{powers.Finding.LABELS.get(arg or '', arg)}", [
                e for e, f in self.findings if any(x.code == arg for x in f)
            ]
        if key == "duty":  # what the duty's bar counts: its quarter, year or weeks, not only the month
            return f"服务台账：{arg}", checklist.counted_entries(self.store, month, village_id, arg or "")
        if key == "entries":
            return "服务台账", checklist.entries(self.store, month, village_id)
        if key == "duties":  # the entries that count for the duties with a frequency, in their periods
            regular = [p.duty.name for p in self.progress if p.required]
            found = [
                e for name in regular for e in checklist.counted_entries(self.store, month, village_id, name)
            ]
            return "定期职责的服务台账", sorted(found, key=lambda e: str(e.get("date") or ""), reverse=True)
        return "", []

    def show_records(self, key: str, arg: str | None = None) -> None:
        title, records = self.records_for(key, arg)
        RecordsDialog(title, records, self.opener, self).exec()
