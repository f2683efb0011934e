"""The main window (a first version: the full pages come with the desktop-window issue)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from ..stats import stats
from ..store import Store


class MainWindow(QMainWindow):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setWindowTitle("村法律顾问助手")
        data = stats(store)
        t = data["totals"]
        label = QLabel(
            f"数据目录：{store.path}\n村 {len(data['villages'])} 个；说事会 {t['sessions']}，事项 {t['matters']}，"
            f"小微权力 {t['power_exercises']}，服务台账 {t['checklist_entries']}"
        )
        label.setMargin(24)
        self.setCentralWidget(label)
        self.resize(1200, 760)
