"""Ctrl+F: search every kind at once; results grouped by kind, Enter or double-click opens one."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import search
from ..store import Store
from ..villages import list_villages, village_labels
from .common import MonthCombo, VillageCombo
from .ops import run_op

Opener = Callable[[str, str], None]


def _refresh_in_background(path: str) -> int:
    with Store(path) as own:  # a background operation opens its own connection
        return search.refresh(own)


class SearchDialog(QDialog):
    def __init__(self, store: Store, opener: Opener, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.opener = store, opener
        self.setWindowTitle("搜索")
        self.resize(900, 620)
        self.query = QLineEdit()
        self.query.setPlaceholderText("输入要找的字词，如“低保”“路灯”“王建国”（两个字即可）")
        self.query.setClearButtonEnabled(True)
        self.village = VillageCombo(store)
        self.month = MonthCombo(store)
        self.status = QLabel()
        self.status.setStyleSheet("color:#555")
        self.results = QTreeWidget()
        self.results.setHeaderLabels(["记录", "说明"])
        self.results.setColumnWidth(0, 460)
        self.results.setUniformRowHeights(True)
        bar = QHBoxLayout()
        bar.addWidget(self.query, 1)
        bar.addWidget(self.village)
        bar.addWidget(self.month)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self.timer.start())
        self.query.returnPressed.connect(self.on_return)
        self.village.currentIndexChanged.connect(self.run_search)
        self.month.currentIndexChanged.connect(self.run_search)
        self.results.itemActivated.connect(self.on_activated)
        self.indexing = False
        backlog = search.pending(store)
        if backlog > 2000 and store.path is not None:  # a first build over a large store: off the UI thread
            self.indexing = True
            self.status.setText(f"正在建立搜索索引（{backlog} 条修订）…")
            self.query.setEnabled(False)
            run_op(
                self,
                lambda: _refresh_in_background(str(store.path)),
                on_done=self.on_indexed,
                label="正在建立搜索索引…",
            )

    def on_indexed(self, _count: object) -> None:
        self.indexing = False
        self.query.setEnabled(True)
        self.query.setFocus()
        self.status.setText("索引已就绪。")
        self.run_search()

    def on_return(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.run_search()
        top = self.results.topLevelItem(0)
        if top is not None and top.childCount():
            self.results.setCurrentItem(top.child(0))
            self.results.setFocus()

    def done(self, result: int) -> None:
        self.timer.stop()
        super().done(result)

    def run_search(self) -> None:
        self.timer.stop()
        if self.indexing:
            return
        text = self.query.text().strip()
        self.results.clear()
        if not search.match_expression(text):
            self.status.setText("")
            return
        started = time.perf_counter()
        result = search.search(
            self.store, text, village_id=self.village.village_id(), month=self.month.month()
        )
        elapsed = (time.perf_counter() - started) * 1000
        self.last_result = result
        # across villages, each hit says which (two villages' P06-2026-004 look alike otherwise)
        villages = list_villages(self.store) if self.village.village_id() is None else []
        names = village_labels(villages) if len(villages) > 1 else {}
        for kind, hits in result.hits.items():
            count = result.counts.get(kind, len(hits))
            more = f"，显示最新 {len(hits)} 条" if count > len(hits) else ""
            group = QTreeWidgetItem([f"{search.KIND_LABELS[kind]}（{count} 条{more}）"])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for hit in hits:
                where = names.get(hit.village_id or "")
                item = QTreeWidgetItem([hit.title, " · ".join(t for t in (where, hit.detail) if t)])
                item.setData(0, Qt.ItemDataRole.UserRole, (hit.kind, hit.id))
                group.addChild(item)
            self.results.addTopLevelItem(group)
            group.setExpanded(True)
        self.status.setText(
            f"找到 {result.total} 条（{elapsed:.0f} 毫秒）"
            if result.total
            else "没有找到。两个字以上更准确；可去掉村或月份的限制再试。"
        )

    def on_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        target = item.data(0, Qt.ItemDataRole.UserRole)
        if target:
            self.opener(*target)
            self.run_search()
