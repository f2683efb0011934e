"""A list of records of one kind: filters (village, month, status) above a sortable lazy table."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .. import matters, search
from ..errors import RuleError
from ..store import Changes, Record, Store
from .common import Hub, MonthCombo, VillageCombo, confirm, report_error
from .models import RecordTableModel

STATUS_LABELS = {"service_entry": "服务类型", "session": "形式"}


class RecordList(QWidget):
    """Emits ``opened(kind, id)`` on double-click or Enter; Delete asks, then tombstones."""

    opened = Signal(str, str)
    selection_changed = Signal()

    def __init__(self, store: Store, hub: Hub, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.hub, self.kind = store, hub, kind
        self.model = RecordTableModel(store, kind, parent=self)
        self.village = VillageCombo(store)
        self.month = MonthCombo(store)
        self.status = QComboBox()
        self.status.addItem("全部", None)
        for label in search.status_filters(kind):
            self.status.addItem(label, label)
        self.count = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(QLabel("村："))
        bar.addWidget(self.village)
        bar.addWidget(QLabel("月份："))
        bar.addWidget(self.month)
        bar.addWidget(QLabel(STATUS_LABELS.get(kind, "状态") + "："))
        bar.addWidget(self.status)
        bar.addStretch(1)
        bar.addWidget(self.count)
        self.export_button = QPushButton("导出 Excel…")
        self.export_button.setObjectName("export_table")
        self.export_button.setToolTip("把列表中的记录（按当前筛选）导出为 Excel 表格（.xlsx）或 .csv")
        self.export_button.clicked.connect(self.on_export_clicked)
        bar.addWidget(self.export_button)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.model.sort_marks = True
        self.view.horizontalHeader().setSortIndicator(self._date_column(), Qt.SortOrder.DescendingOrder)
        self.view.setSortingEnabled(True)
        # the model marks the order in the header text (see RecordTableModel.headerData)
        self.view.horizontalHeader().setSortIndicatorShown(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._size_columns()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        # wiring
        self.village.currentIndexChanged.connect(self.on_filter_changed)
        self.month.currentIndexChanged.connect(self.on_filter_changed)
        self.status.currentIndexChanged.connect(self.on_filter_changed)
        self.view.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.view.activated.connect(lambda index: self.open_row(index.row()))
        self.view.selectionModel().selectionChanged.connect(self.selection_changed)
        self.model.modelReset.connect(self._update_count)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.view)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.delete_current)
        hub.changed.connect(self.on_changed)
        self._update_count()

    def _date_column(self) -> int:
        return next((n for n, c in enumerate(self.model.columns) if c.sort == "date"), 0)

    def _size_columns(self) -> None:
        fm = self.fontMetrics()
        pad = 24
        for n, col in enumerate(self.model.columns):
            if col.sort in ("content", "subject"):
                text = "中" * 18
            elif col.sort in ("date", "deadline", "feedback_date"):
                text = "2026-11-05"
            elif col.sort == "item":
                text = "中" * 11
            elif col.sort == "number":  # a session's 说事-2026-11-01, an exercise's P01-2026-001
                text = "说事-2026-11-01"
            elif col.sort in ("village", "route", "stage", "duty", "format", "venue"):
                text = "中" * 6
            else:
                text = "中" * max(3, len(col.label))
            self.view.setColumnWidth(n, fm.horizontalAdvance(text) + pad)

    def _update_count(self) -> None:
        self.count.setText(f"共 {self.model.rowCount()} 条")

    def shown_records(self) -> list[Record]:
        """The records the list shows, in its order (filters and sort as they are)."""
        ids = list(self.model.ids)
        found: dict[str, Record] = {}
        for start in range(0, len(ids), 500):
            found.update(search.fetch(self.store, ids[start : start + 500]))
        return [r for r in (found.get(i) for i in ids) if r is not None and not r.deleted]

    def export_to(self, path: str) -> int:
        """Write the rows the list shows to ``path`` (.xlsx or .csv): the same core function as the
        command line's ``table``. Returns the number of rows."""
        from ..tables import LEDGER_OF_KIND, export_table

        return export_table(self.store, LEDGER_OF_KIND[self.kind], self.shown_records(), path)

    def on_export_clicked(self) -> None:
        from ..tables import LEDGER_OF_KIND, LEDGERS

        title = LEDGERS[LEDGER_OF_KIND[self.kind]][2]
        target, chosen = QFileDialog.getSaveFileName(
            self, "导出 Excel", str(Path.home() / f"{title}.xlsx"), "Excel 表格 (*.xlsx);;CSV 文件 (*.csv)"
        )
        if not target:
            return
        if Path(target).suffix.lower() not in (".xlsx", ".csv"):
            target += ".csv" if "csv" in chosen else ".xlsx"
        try:
            rows = self.export_to(target)
        except Exception as exc:
            report_error(self, exc)
            return
        self.count.setText(f"共 {self.model.rowCount()} 条 · 已导出 {rows} 行到 {Path(target).name}")

    # --- slots ---------------------------------------------------------------------------------------------------

    def on_filter_changed(self) -> None:
        self.model.set_filter(
            village_id=self.village.village_id(), month=self.month.month(), status=self.status.currentData()
        )
        self.selection_changed.emit()

    def set_filters(
        self, village_id: str | None = None, month: str | None = None, status: str | None = None
    ) -> None:
        for combo, value in ((self.village, village_id), (self.month, month)):
            combo.blockSignals(True)
            if value is None:
                combo.setCurrentIndex(0)
            elif isinstance(combo, VillageCombo):
                combo.set_village(value)
            else:
                combo.set_month(value)
            combo.blockSignals(False)
        self.status.blockSignals(True)
        self.status.setCurrentIndex(max(self.status.findData(status), 0) if status else 0)
        self.status.blockSignals(False)
        self.on_filter_changed()

    def on_changed(self, changes: Changes) -> None:
        if "village" in changes.kinds:
            self.village.reload()
        if self.kind in changes.kinds or "village" in changes.kinds:
            self.month.reload()
            self.refresh()

    def refresh(self) -> None:
        current = self.current_record()
        self.model.reload()
        if current is not None:
            self.select_id(current.id)

    def select_id(self, record_id: str) -> None:
        row = self.model.row_of(record_id)
        if row >= 0:
            self.view.selectRow(row)
            self.view.scrollTo(self.model.index(row, 0))

    def current_record(self) -> Record | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.model.ids):
            self.opened.emit(self.kind, self.model.ids[row])

    def delete_current(self) -> None:
        record = self.current_record()
        if record is None:
            return
        also = ""
        if (
            record.kind == "session"
        ):  # its matters first (matters.delete_session); its attendance goes with it
            inside = matters.session_matters(self.store, record.id)
            if inside:
                report_error(
                    self,
                    RuleError(
                        f"说事会中还有 {len(inside)} 个事项。请先在“说事事项”中删除这些事项，再删除说事会。"
                    ),
                )
                return
            if record.get("service_id"):
                also = "\n法律顾问的参会台账将一并删除（可用 Ctrl+Z 撤销）。"
        if not confirm(
            self,
            "删除记录",
            f"确定删除“{search.title(record)}”？{also}\n删除的记录保留在历史中，同步时也会通知其他设备。",
        ):
            return
        try:
            if record.kind == "session":
                deleted: object = matters.delete_session(self.store, record.id)
            else:
                deleted = self.store.delete(record.kind, record.id)
        except Exception as exc:
            report_error(self, exc)
            return
        self.hub.emit_changes(deleted)
