"""Small pieces every page uses: the change hub, village and month pickers, messages."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QWidget

from .. import search
from ..errors import CounselError
from ..store import Changes, Store
from ..villages import list_villages
from .ops import show_error


class Hub(QObject):
    """One signal for every write: each page refreshes only when its kinds changed."""

    changed = Signal(object)  # Changes

    def emit_changes(self, *records_or_changes: object) -> None:
        changes = Changes()
        for item in records_or_changes:
            if isinstance(item, Changes):
                changes.merge(item)
            elif item is not None:
                changes.add(item)  # type: ignore[arg-type]
        if changes:
            self.changed.emit(changes)


def this_month() -> str:
    return date.today().isoformat()[:7]


def month_label(month: str) -> str:
    return f"{month[:4]}年{int(month[5:7])}月"


class VillageCombo(QComboBox):
    """Pick a village; with ``all_label`` the first entry means every village (value None)."""

    def __init__(self, store: Store, all_label: str | None = "全部村", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.all_label = store, all_label
        self.setMinimumContentsLength(8)
        self.reload()

    def reload(self) -> None:
        current = self.currentData()
        self.blockSignals(True)
        self.clear()
        if self.all_label:
            self.addItem(self.all_label, None)
        for v in list_villages(self.store):
            self.addItem(v["name"], v.id)
        index = self.findData(current) if current else -1
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)

    def village_id(self) -> str | None:
        return self.currentData()

    def set_village(self, village_id: str | None) -> None:
        index = self.findData(village_id)
        if index >= 0:
            self.setCurrentIndex(index)


class MonthCombo(QComboBox):
    """Pick a month among those with records (and the current one); optionally "all months"."""

    def __init__(
        self, store: Store, all_label: str | None = "全部月份", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store, self.all_label = store, all_label
        self.reload()

    def reload(self) -> None:
        current = self.currentData()
        self.blockSignals(True)
        self.clear()
        if self.all_label:
            self.addItem(self.all_label, None)
        months = sorted(set(search.months(self.store)) | {this_month()}, reverse=True)
        for m in months:
            self.addItem(month_label(m), m)
        if current:
            self.setCurrentIndex(max(self.findData(current), 0))
        elif not self.all_label:
            self.setCurrentIndex(max(self.findData(this_month()), 0))
        self.blockSignals(False)

    def month(self) -> str | None:
        return self.currentData()

    def set_month(self, month: str | None) -> None:
        index = self.findData(month)
        if index < 0 and month:
            self.addItem(month_label(month), month)
            index = self.count() - 1
        if index >= 0:
            self.setCurrentIndex(index)


def heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.35)
    font.setBold(True)
    label.setFont(font)
    return label


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    )
    return answer == QMessageBox.StandardButton.Yes


def report_error(parent: QWidget | None, exc: BaseException) -> None:
    """A Chinese message for the user's problem; a bug is logged with its traceback."""
    show_error(parent, exc, "操作未完成" if isinstance(exc, CounselError) else "程序错误")
