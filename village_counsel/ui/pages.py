"""The record pages: 村民说事 and 小微权力 (lists, actions, the catalogue browser)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .. import matters
from ..catalog import load_catalog
from ..store import Changes, Record, Store
from .common import Hub, heading
from .editors import SessionDialog, advance_matter
from .exercise_editor import ExerciseDialog, item_description
from .record_list import RecordList

Opener = Callable[[str, str], None]


def record_printer(page: Any) -> Any:
    """The page's :class:`RecordPrinter`, made on first use: the report module (QtPdf, printing) is
    loaded only when someone prints, as the main window does for the 报表 page."""
    if page._printer is None:
        from .report_page import RecordPrinter

        page._printer = RecordPrinter(page.store, page)
    return page._printer


def _shrinkable(label: QLabel) -> None:
    """A hint that gives way (cut off, its whole text in the tooltip) when the window is narrow: the
    page then fits a 1024-pixel-wide screen."""
    label.setMinimumWidth(1)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    label.setToolTip(label.text())


class MattersPage(QWidget):
    """村民说事: matters and sessions; new session with its matters; stage actions on the chosen matter."""

    def __init__(self, store: Store, hub: Hub, opener: Opener, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.hub, self.opener = store, hub, opener
        self.matters = RecordList(store, hub, "matter")
        self.sessions = RecordList(store, hub, "session")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.matters, "说事事项")
        self.tabs.addTab(self.sessions, "说事会")
        new = QPushButton("新建说事会 (Ctrl+N)")
        new.clicked.connect(self.new_record)
        self.action_buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        bar.addWidget(heading("村民说事"))
        bar.addSpacing(16)
        bar.addWidget(new)
        for action, label in matters.ACTION_LABELS.items():
            button = QPushButton(f"{label}…")
            button.setObjectName(f"action_{action}")
            button.setToolTip(f"对所选事项{label}")
            button.clicked.connect(lambda _=False, a=action: self.run_action(a))
            self.action_buttons[action] = button
            bar.addWidget(button)
        open_button = QPushButton("打开")
        open_button.clicked.connect(self.open_current)
        bar.addWidget(open_button)
        self._printer: Any = None
        self.print_button = QPushButton("打印…")
        self.print_button.setToolTip("打印所选事项的一事一档页（PDF，个人信息脱敏）")
        self.print_button.clicked.connect(self.print_current)
        bar.addWidget(self.print_button)
        bar.addStretch(1)
        note = QLabel("红色：已逾期　双击打开　Delete 删除")
        note.setStyleSheet("color:#555")
        _shrinkable(note)
        bar.addWidget(note)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)
        self.matters.opened.connect(opener)
        self.sessions.opened.connect(opener)
        self.matters.selection_changed.connect(self.update_actions)
        self.tabs.currentChanged.connect(self.update_actions)
        hub.changed.connect(self.on_changed)
        self.update_actions()

    def on_changed(self, changes: Changes) -> None:
        self.update_actions()

    def update_actions(self) -> None:
        record = self.matters.current_record() if self.tabs.currentWidget() is self.matters else None
        allowed = matters.allowed_actions(record) if record is not None else []
        for action, button in self.action_buttons.items():
            button.setEnabled(action in allowed)
        self.print_button.setEnabled(record is not None)

    def print_current(self) -> None:
        """The 一事一档 page of the chosen matter, generated in the background, then saved or opened."""
        record = self.matters.current_record() if self.tabs.currentWidget() is self.matters else None
        if record is not None:
            record_printer(self).print_record("record", record, "一事一档")

    def run_action(self, action: str) -> None:
        record = self.matters.current_record()
        if record is None:
            return
        advance_matter(self, self.store, self.hub, record, action, self.opener)
        self.update_actions()

    def open_current(self) -> None:
        current = self.tabs.currentWidget()
        assert isinstance(current, RecordList)
        record = current.current_record()
        if record is not None:
            self.opener(record.kind, record.id)

    def new_record(self) -> None:
        dialog = SessionDialog(
            self.store, village_id=self.matters.village.village_id(), parent=self, opener=self.opener
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.hub.emit_changes(dialog.changes)


class PowersPage(QWidget):
    """小微权力: the exercises, and the catalogue (each item's steps and publicity periods)."""

    def __init__(self, store: Store, hub: Hub, opener: Opener, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.hub, self.opener = store, hub, opener
        self.exercises = RecordList(store, hub, "power_exercise")
        self.exercises.opened.connect(opener)
        catalog = load_catalog()
        self.items = QListWidget()
        for item in catalog.items.values():
            entry = QListWidgetItem(f"{item.code} {item.name}")
            entry.setData(256, item.code)
            self.items.addItem(entry)
        self.item_text = QTextBrowser()
        self.items.currentRowChanged.connect(self.on_item_selected)
        use = QPushButton("按此事项新建行使记录")
        use.clicked.connect(
            lambda: self.new_record(self.items.currentItem().data(256) if self.items.currentItem() else None)
        )
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.item_text, 1)
        rl.addWidget(use)
        browser = QSplitter()
        browser.addWidget(self.items)
        browser.addWidget(right)
        browser.setSizes([420, 700])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.exercises, "行使记录")
        self.tabs.addTab(browser, "权力清单")
        new = QPushButton("新建行使记录 (Ctrl+N)")
        new.clicked.connect(lambda: self.new_record())
        self._printer: Any = None
        self.print_button = QPushButton("打印…")
        self.print_button.setToolTip("打印所选行使记录的公示单（PDF，可直接张贴，个人信息脱敏）")
        self.print_button.clicked.connect(self.print_current)
        bar = QHBoxLayout()
        bar.addWidget(heading("小微权力"))
        bar.addSpacing(16)
        bar.addWidget(new)
        bar.addWidget(self.print_button)
        bar.addStretch(1)
        note = QLabel("“审查发现”列为合规问题数　双击打开")
        note.setStyleSheet("color:#555")
        _shrinkable(note)
        bar.addWidget(note)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)
        self.items.setCurrentRow(0)
        self.exercises.selection_changed.connect(self.update_actions)
        self.tabs.currentChanged.connect(self.update_actions)
        hub.changed.connect(self.on_changed)
        self.update_actions()

    def on_changed(self, changes: Changes) -> None:
        self.update_actions()

    def current_exercise(self) -> Record | None:
        return self.exercises.current_record() if self.tabs.currentWidget() is self.exercises else None

    def update_actions(self) -> None:
        self.print_button.setEnabled(self.current_exercise() is not None)

    def print_current(self) -> None:
        """The 公示 notice of the chosen exercise, generated in the background, then saved or opened."""
        record = self.current_exercise()
        if record is not None:
            record_printer(self).print_record("notice", record, "公示")

    def on_item_selected(self, row: int) -> None:
        entry = self.items.item(row)
        if entry is None:
            return
        item = load_catalog().item(entry.data(256))
        if item is not None:
            self.item_text.setHtml(item_description(item))

    def new_record(self, item: str | None = None) -> None:
        dialog = ExerciseDialog(
            self.store,
            village_id=self.exercises.village.village_id(),
            item=item,
            parent=self,
            opener=self.opener,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.hub.emit_changes(dialog.changes)
