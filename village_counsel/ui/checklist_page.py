"""工作清单: this month's duties (required / done / due per village) and the service log."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import checklist
from ..store import Store
from ..villages import list_villages, village_labels
from .common import FiguresPage, Hub, MonthCombo, VillageCombo, heading, this_month
from .editors import ServiceDialog
from .record_list import RecordList

Opener = Callable[[str, str], None]


FIXED_COLUMNS = ("职责", "频次", "考核周期", "待办", "逾期", "合计完成")


def progress_bar(p: checklist.DutyProgress, *, short: bool = False) -> QProgressBar:
    bar = QProgressBar()
    bar.setTextVisible(True)
    if p.required is None:
        bar.setRange(0, 1)
        bar.setValue(1 if p.done else 0)
        bar.setFormat(f"{p.done} 次" if short else f"已记 {p.done} 次（按需）")
    else:
        bar.setRange(0, max(p.required, 1))
        bar.setValue(min(p.met, p.required))
        # summed over villages, what one village did beyond its share does not count for another
        # (and a weekly duty week by week): what counts is ``met``; the entries beyond it are said aside
        extra = "" if p.met == p.done else (f"（{p.done}）" if short else f"（共记 {p.done} 次）")
        bar.setFormat(f"{p.met} / {p.required}{extra}")
        color = "#2e7d32" if p.complete else ("#c62828" if p.overdue else "#f9a825")
        bar.setStyleSheet(
            f"QProgressBar::chunk {{ background: {color}; }} QProgressBar {{ text-align: center; }}"
        )
    return bar


class ChecklistPage(FiguresPage):
    WATCHED = frozenset({"service_entry"})

    def __init__(self, store: Store, hub: Hub, opener: Opener, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.hub, self.opener = store, hub, opener
        self.month = MonthCombo(store, all_label=None)
        self.village = VillageCombo(store)
        log_button = QPushButton("记一笔 (Ctrl+L)")
        log_button.clicked.connect(self.quick_entry)
        full = QPushButton("新建完整台账 (Ctrl+N)")
        full.clicked.connect(self.new_record)
        bar = QHBoxLayout()
        bar.addWidget(heading("工作清单"))
        bar.addSpacing(16)
        bar.addWidget(QLabel("月份："))
        bar.addWidget(self.month)
        bar.addWidget(QLabel("村："))
        bar.addWidget(self.village)
        bar.addStretch(1)
        bar.addWidget(log_button)
        bar.addWidget(full)
        self.duties = QTableWidget(0, len(FIXED_COLUMNS))
        self.duties.setObjectName("duties")
        self.duties.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.duties.verticalHeader().hide()
        self.duties.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.duties.cellDoubleClicked.connect(self.on_duty_clicked)
        self.entries = RecordList(store, hub, "service_entry")
        self.entries.opened.connect(opener)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.duties)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.entries)
        split.setSizes([400, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.month.currentIndexChanged.connect(self.refresh)
        self.village.currentIndexChanged.connect(self.refresh)
        hub.changed.connect(self.on_changed)
        self.refresh()

    def refresh(self) -> None:
        self._dirty = False
        month = self.month.month() or this_month()
        village_id = self.village.village_id()
        rows = checklist.progress(self.store, month, village_id)
        self.rows = rows
        villages = list_villages(self.store) if village_id is None else []
        per_village = [
            {p.duty.code: p for p in checklist.progress(self.store, month, v.id)} for v in villages
        ]
        self.duties.clear()
        self.duties.setColumnCount(len(FIXED_COLUMNS) + len(villages))
        labels = village_labels(villages)
        self.duties.setHorizontalHeaderLabels([*FIXED_COLUMNS, *(labels[v.id] for v in villages)])
        self.duties.setRowCount(len(rows))
        for r, p in enumerate(rows):
            self.duties.setItem(r, 0, QTableWidgetItem(p.duty.name))
            self.duties.setItem(r, 1, QTableWidgetItem(p.duty.frequency_label))
            self.duties.setItem(r, 2, QTableWidgetItem(p.period))
            self.duties.setItem(r, 3, QTableWidgetItem(str(p.due) if p.required is not None else "—"))
            over = QTableWidgetItem(str(p.overdue) if p.overdue else "")
            over.setForeground(Qt.GlobalColor.red)
            self.duties.setItem(r, 4, over)
            self.duties.setCellWidget(r, 5, progress_bar(p))
            for c, per in enumerate(per_village):
                self.duties.setCellWidget(
                    r, len(FIXED_COLUMNS) + c, progress_bar(per[p.duty.code], short=True)
                )
        header = self.duties.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for c in range(len(villages)):
            header.setSectionResizeMode(len(FIXED_COLUMNS) + c, QHeaderView.ResizeMode.Interactive)
            self.duties.setColumnWidth(len(FIXED_COLUMNS) + c, 110)
        self.entries.set_filters(village_id, month)

    def on_duty_clicked(self, row: int, _col: int) -> None:
        if 0 <= row < len(self.rows):
            self.entries.status.setCurrentIndex(
                max(self.entries.status.findData(self.rows[row].duty.name), 0)
            )

    def quick_entry(self) -> None:
        dialog = ServiceDialog(
            self.store,
            quick=True,
            village_id=self.village.village_id() or ServiceDialog.last.get("village_id"),
            parent=self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.hub.emit_changes(dialog.changes)

    def new_record(self) -> None:
        dialog = ServiceDialog(
            self.store, village_id=self.village.village_id(), parent=self, opener=self.opener
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.hub.emit_changes(dialog.changes)
