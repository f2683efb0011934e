"""Small pieces every page uses: the change hub, village and month pickers, messages."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QWidget

from .. import search
from ..days import month_label, this_month
from ..errors import CounselError
from ..store import Changes, Store
from ..villages import list_villages, village_labels
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
        villages = list_villages(self.store)
        labels = village_labels(villages)  # two villages of one name (from two advisors) stay apart
        for v in villages:
            self.addItem(labels[v.id], v.id)
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


# Room a window manager takes around a window (title bar, borders) beyond the size we set.
FRAME_WIDTH, FRAME_HEIGHT = 16, 48


def available_geometry(widget: QWidget) -> QRect:
    """The part of the widget's screen not taken by task bars and docks."""
    owner = widget.parentWidget() or widget  # a dialog not yet shown opens on its parent's screen
    screen = owner.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 728)


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize a dialog to ``width`` × ``height``, but never larger than its screen's free area (a
    1366×768 laptop with a task bar leaves about 1350×680 for a dialog with its title bar)."""
    free = available_geometry(widget)
    widget.resize(min(width, free.width() - FRAME_WIDTH), min(height, free.height() - FRAME_HEIGHT))


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


class FiguresPage(QWidget):
    """A page of figures for a month and a village (``self.month``, ``self.village``): recomputed when a
    watched kind of record changed, and only when the page is seen, not on every write elsewhere."""

    WATCHED: frozenset[str] | None = None  # kinds whose changes matter; None: every kind
    month: MonthCombo
    village: VillageCombo
    _dirty = False

    def on_changed(self, changes: Changes) -> None:
        if "village" in changes.kinds:
            self.village.reload()
        if self.WATCHED is None or changes.kinds & (self.WATCHED | {"village"}):
            self.month.reload()
            self._dirty = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802, ANN001
        if self._dirty:
            self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:  # pragma: no cover - every page has its own
        raise NotImplementedError
