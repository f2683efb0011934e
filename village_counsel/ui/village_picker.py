"""Picking villages from the national list (统计用区划代码, DOMAIN.md §7): county → township → village,
type to filter, several at once. Used by the welcome and by 设置; a village not in the list is typed by
name there instead."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import regions

DEFAULT_COUNTY = "330225"  # 象山县, where 村民说事 began


class PlacePicker(QWidget):
    """County and township combos; with ``villages``, the township's villages to tick below them."""

    changed = Signal()

    def __init__(self, villages: bool = True, parent: QWidget | None = None, *, county: str = "") -> None:
        super().__init__(parent)
        self.county = QComboBox()
        self.county.setObjectName("county")
        self.township = QComboBox()
        self.township.setObjectName("township")
        for place in regions.counties():
            city = regions.place(place.code[:4])
            self.county.addItem(f"{city.name if city else ''}{place.name}", place.code)
        self.county.setCurrentIndex(max(self.county.findData(county or DEFAULT_COUNTY), 0))
        row = QHBoxLayout()
        row.addWidget(QLabel("县（市、区）："))
        row.addWidget(self.county, 1)
        row.addWidget(QLabel("乡镇（街道）："))
        row.addWidget(self.township, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        self.filter: QLineEdit | None = None
        self.list: QListWidget | None = None
        if villages:
            self.filter = QLineEdit()
            self.filter.setObjectName("village_filter")
            self.filter.setPlaceholderText("输入村名的一部分筛选（在本县范围内查找），可勾选多个村")
            self.filter.setClearButtonEnabled(True)
            self.list = QListWidget()
            self.list.setObjectName("village_list")
            self.list.setMinimumHeight(120)
            layout.addWidget(self.filter)
            layout.addWidget(self.list, 1)
            self.filter.textChanged.connect(self.on_filter)
            self.list.itemChanged.connect(lambda _item: self.changed.emit())
        self._checked: set[str] = set()
        self.county.currentIndexChanged.connect(self.on_county)
        self.township.currentIndexChanged.connect(self.on_township)
        self.on_county()

    def on_county(self) -> None:
        self.township.blockSignals(True)
        self.township.clear()
        for place in regions.children(self.county.currentData() or ""):
            self.township.addItem(place.name, place.code)
        self.township.blockSignals(False)
        self.on_township()

    def on_township(self) -> None:
        if self.filter is not None and self.filter.text().strip():
            self.on_filter()
        else:
            self._fill(regions.children(self.township.currentData() or ""), with_township=False)
        self.changed.emit()

    def on_filter(self) -> None:
        text = self.filter.text().strip() if self.filter is not None else ""
        if not text:
            self._fill(regions.children(self.township.currentData() or ""), with_township=False)
            return
        self._fill(regions.search(text, self.county.currentData() or ""), with_township=True)

    def _fill(self, places: list[regions.Place], *, with_township: bool) -> None:
        if self.list is None:
            return
        self._remember()
        self.list.blockSignals(True)
        self.list.clear()
        for place in places:
            town = regions.township_of(place.code)
            text = f"{place.name}　{town.name if town and with_township else ''}　{place.code}"
            item = QListWidgetItem(text.replace("　　", "　"))
            item.setData(Qt.ItemDataRole.UserRole, place.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if place.code in self._checked else Qt.CheckState.Unchecked
            )
            self.list.addItem(item)
        self.list.blockSignals(False)

    def _remember(self) -> None:
        """Ticks survive changing the township or the filter."""
        if self.list is None:
            return
        for n in range(self.list.count()):
            item = self.list.item(n)
            code = item.data(Qt.ItemDataRole.UserRole)
            if item.checkState() == Qt.CheckState.Checked:
                self._checked.add(code)
            else:
                self._checked.discard(code)

    def set_checked(self, codes: list[str]) -> None:
        self._checked |= set(codes)
        if self.list is not None:
            for n in range(self.list.count()):
                item = self.list.item(n)
                if item.data(Qt.ItemDataRole.UserRole) in self._checked:
                    item.setCheckState(Qt.CheckState.Checked)

    def codes(self) -> list[str]:
        """The ticked villages' codes, in code order."""
        self._remember()
        return sorted(self._checked)

    def township_code(self) -> str | None:
        return self.township.currentData()


class PickVillagesDialog(QDialog):
    """设置 → 从名单添加村: tick villages of the list."""

    def __init__(self, parent: QWidget | None = None, *, county: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("从统计用区划代码名单添加村（社区）")
        self.resize(640, 480)
        self.picker = PlacePicker(parent=self, county=county)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("添加所选的村")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("选择县、乡镇，勾选服务的村（可多选）；名单中没有的村请用“添加村”按名称添加。")
        )
        layout.addWidget(self.picker, 1)
        layout.addWidget(buttons)


class PickTownshipDialog(QDialog):
    """设置 → 本机所在乡镇: the township an office store covers."""

    def __init__(self, parent: QWidget | None = None, *, county: str = "", township: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("选择本司法所所在乡镇（街道）")
        self.picker = PlacePicker(villages=False, parent=self, county=county)
        if township:
            self.picker.township.setCurrentIndex(max(self.picker.township.findData(township), 0))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("司法所的月报默认只包含本乡镇的村。"))
        layout.addWidget(self.picker)
        layout.addWidget(buttons)


__all__ = ["PickTownshipDialog", "PickVillagesDialog", "PlacePicker"]
