"""The main window: navigation between the pages, the global shortcuts, one change hub."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..errors import CounselError
from ..history import undo_last
from ..store import Changes, Store
from ..villages import get_profile
from .checklist_page import ChecklistPage
from .common import Hub, VillageCombo, fit_to_screen, heading
from .dashboard import DashboardPage
from .editors import ServiceDialog, open_record
from .pages import MattersPage, PowersPage
from .search_dialog import SearchDialog
from .settings_page import SettingsPage

log = logging.getLogger(__name__)

PAGES = ("工作台", "村民说事", "小微权力", "工作清单", "报表", "同步", "设置")


class PlaceholderPage(QWidget):
    """Shown for a page whose module is not installed yet."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title))
        label = QLabel(text)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addStretch(1)


def _report_page(store: Store, hub: Hub) -> QWidget:
    try:
        from .report_page import ReportPage
    except ImportError:
        return PlaceholderPage("报表", "月度报表（村与司法所）将在这里生成与打印。")
    return ReportPage(store, hub=hub)


def _sync_page(store: Store) -> QWidget:
    try:
        from .sync_page import SyncPage
    except ImportError:
        return PlaceholderPage("同步", "通过文件与司法所或其他设备交换数据（导出、导入）将在这里进行。")
    return SyncPage(store)


class MainWindow(QMainWindow):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.hub = Hub(self)
        self._undone: object = None  # store.last_operation right after this window's last undo
        self.setWindowTitle("村法律顾问助手")
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(150)
        self.nav.setIconSize(QSize(0, 0))
        font = self.nav.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.nav.setFont(font)
        self.nav.setSpacing(4)
        for n, name in enumerate(PAGES):
            item = QListWidgetItem(name)
            item.setToolTip(f"Ctrl+{n + 1}")
            item.setSizeHint(QSize(140, self.nav.fontMetrics().height() + 20))
            self.nav.addItem(item)
        self.stack = QStackedWidget()
        self.dashboard = DashboardPage(store, self.hub, self.open_record)
        self.matters = MattersPage(store, self.hub, self.open_record)
        self.powers = PowersPage(store, self.hub, self.open_record)
        self.checklist = ChecklistPage(store, self.hub, self.open_record)
        self.reports = _report_page(store, self.hub)
        self.sync = _sync_page(store)
        self.settings = SettingsPage(store, self.hub)
        self.pages = [
            self.dashboard,
            self.matters,
            self.powers,
            self.checklist,
            self.reports,
            self.sync,
            self.settings,
        ]
        for page in self.pages:
            self.stack.addWidget(page)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)
        self._shortcuts()
        self.hub.changed.connect(self.on_changed)
        self.update_status()
        fit_to_screen(self, 1366, 768)

    def _shortcuts(self) -> None:
        def add(keys: QKeySequence | str, slot) -> None:  # noqa: ANN001
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)

        add(QKeySequence.StandardKey.New, self.new_record)
        add(QKeySequence.StandardKey.Find, self.open_search)
        add("Ctrl+L", self.quick_entry)
        add(QKeySequence.StandardKey.Undo, self.undo)
        for n in range(len(PAGES)):
            add(f"Ctrl+{n + 1}", lambda n=n: self.nav.setCurrentRow(n))

    # --- slots -----------------------------------------------------------------------------------------------

    def on_changed(self, changes: Changes) -> None:
        if "profile" in changes.kinds or "village" in changes.kinds:
            self.update_status()

    def update_status(self) -> None:
        profile = get_profile(self.store)
        who = (
            f"法律顾问：{profile['name']}" + (f"（{profile.get('firm')}）" if profile.get("firm") else "")
            if profile
            else ""
        )
        self.statusBar().showMessage(
            f"{who}　数据：{self.store.path or '内存'}　　Ctrl+N 新建　Ctrl+F 搜索　Ctrl+L 记一笔服务台账　Ctrl+Z 撤销"
        )

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(PAGES.index(name))

    def new_record(self) -> None:
        page = self.stack.currentWidget()
        if hasattr(page, "new_record"):
            page.new_record()
        else:
            self.show_page("村民说事")
            self.matters.new_record()

    def open_search(self) -> None:
        SearchDialog(self.store, self.open_record, self).exec()

    def quick_entry(self) -> None:
        # the village the page in view is filtered on, if any (else the last quick entry's)
        combo = getattr(self.stack.currentWidget(), "village", None)
        village_id = combo.village_id() if isinstance(combo, VillageCombo) else None
        dialog = ServiceDialog(self.store, quick=True, village_id=village_id, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.hub.emit_changes(dialog.changes)
            self.statusBar().showMessage("已记入服务台账。", 4000)

    def undo(self) -> None:
        """Ctrl+Z: undo the last change made in this window (again: redo it)."""
        # the last operation is this window's own undo (nothing saved since): this Ctrl+Z redoes
        redo = self.store.last_operation is not None and self.store.last_operation == self._undone
        try:
            changes = undo_last(self.store)
        except CounselError as exc:
            self.statusBar().showMessage(str(exc), 5000)
            return
        self._undone = None if redo else self.store.last_operation
        self.hub.emit_changes(changes)
        if redo:
            text = f"已恢复刚才撤销的修改（{len(changes.ids)} 条记录）；再按 Ctrl+Z 撤销。"
        else:
            text = f"已撤销上一次修改（{len(changes.ids)} 条记录）；再按 Ctrl+Z 恢复。"
        self.statusBar().showMessage(text, 6000)

    def open_record(self, kind: str, record_id: str) -> None:
        open_record(self, self.store, self.hub, kind, record_id)
