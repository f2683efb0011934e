"""设置: the data folder, the advisor's profile, the villages served."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..errors import CounselError, RuleError, ValidationError
from ..forms import form_for
from ..store import Changes, Store
from ..township import set_store_township, store_township
from ..villages import (
    create_village,
    delete_village,
    get_profile,
    list_villages,
    set_profile,
    village_by_code,
    why_not_delete,
)
from .common import Hub, confirm, heading, report_error
from .editors import VillageDialog
from .form_editor import FormEditor
from .models import Column, RecordTableModel, field_column
from .village_picker import PickTownshipDialog, PickVillagesDialog


class SettingsPage(QWidget):
    def __init__(self, store: Store, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.hub = store, hub
        folder = store.path.parent if store.path else None
        data_box = QGroupBox("数据文件夹")
        dl = QHBoxLayout(data_box)
        where = QVBoxLayout()
        self.folder_label = QLabel(str(folder) if folder else "（内存中，未保存到磁盘）")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.addWidget(self.folder_label)
        self.file_label = QLabel(f"数据文件：{store.path.name}" if store.path else "")
        self.file_label.setStyleSheet("color:#555")
        self.file_label.setVisible(store.path is not None)
        where.addWidget(self.file_label)
        if store.path:
            for label in (self.folder_label, self.file_label):
                label.setToolTip(str(store.path))
        dl.addLayout(where, 1)
        self.open_folder = QPushButton("打开文件夹")
        self.open_folder.setEnabled(folder is not None)
        self.open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
        dl.addWidget(self.open_folder)
        profile_box = QGroupBox("法律顾问信息")
        pl = QVBoxLayout(profile_box)
        profile = get_profile(store)
        self.profile = FormEditor(form_for("profile"), values=profile.data if profile else {})
        save = QPushButton("保存顾问信息")
        save.clicked.connect(self.save_profile)
        self.profile_note = QLabel()
        pl.addWidget(self.profile)
        row = QHBoxLayout()
        row.addWidget(save)
        row.addWidget(self.profile_note, 1)
        pl.addLayout(row)
        village_box = QGroupBox("服务的村（社区）")
        vl = QVBoxLayout(village_box)
        # The name as every other list shows it: two villages of one name told apart.
        name = Column("村名", lambda r, names: names.get(r.id) or r.get("name") or "", "name")
        columns = [name] + [
            field_column("village", n) for n in ("code", "township", "county", "secretary", "households")
        ]
        self.villages = RecordTableModel(store, "village", columns, parent=self)
        self.villages.sort_key, self.villages.descending = "name", False
        self.villages.reload()
        self.village_view = QTableView()
        self.village_view.setModel(self.villages)
        self.village_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.village_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # the whole name: for same-name villages the part that tells them apart is at its end
        self.village_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.village_view.verticalHeader().hide()
        self.village_view.doubleClicked.connect(lambda index: self.edit_village(index.row()))
        buttons = QHBoxLayout()
        pick = QPushButton("从名单添加…")
        pick.setObjectName("pick_villages")
        pick.setToolTip("按县、乡镇从统计用区划代码名单中勾选村（可多选）")
        pick.clicked.connect(self.pick_villages)
        buttons.addWidget(pick)
        add = QPushButton("添加村")
        add.setToolTip("名单中没有的村：按名称添加")
        add.clicked.connect(self.add_village)
        edit = QPushButton("编辑所选")
        edit.clicked.connect(lambda: self.edit_village(self.village_view.currentIndex().row()))
        remove = QPushButton("删除所选")
        remove.setToolTip("只能删除还没有任何记录的村（例如添加错了的村）")
        remove.clicked.connect(lambda: self.delete_village(self.village_view.currentIndex().row()))
        buttons.addWidget(add)
        buttons.addWidget(edit)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        vl.addWidget(self.village_view, 1)
        vl.addLayout(buttons)
        town_box = QGroupBox("司法所所在乡镇（街道）")
        tl = QHBoxLayout(town_box)
        self.township_label = QLabel()
        self.township_label.setWordWrap(True)
        tl.addWidget(self.township_label, 1)
        choose_town = QPushButton("选择乡镇…")
        choose_town.setObjectName("choose_township")
        choose_town.clicked.connect(self.choose_township)
        tl.addWidget(choose_town)
        self.show_township()
        left = QVBoxLayout()
        left.addWidget(data_box)
        left.addWidget(profile_box)
        left.addWidget(town_box)
        left.addStretch(1)
        columns_row = QHBoxLayout()
        columns_row.addLayout(left, 1)
        columns_row.addWidget(village_box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("设置"))
        layout.addLayout(columns_row, 1)
        hub.changed.connect(self.on_changed)

    def on_changed(self, changes: Changes) -> None:
        if "village" in changes.kinds:
            self.villages.reload()

    def save_profile(self) -> None:
        self.profile.clear_errors()
        try:
            record = set_profile(self.store, self.profile.values())
        except ValidationError as exc:
            self.profile.show_general(self.profile.show_errors(exc.errors))
            self.profile_note.setText("未保存：请改正标红的内容。")
            return
        except CounselError as exc:
            report_error(self, exc)
            return
        self.profile_note.setText("已保存。")
        self.hub.emit_changes(record)

    def show_township(self) -> None:
        town = store_township(self.store)
        self.township_label.setText(
            f"本机的月报默认只含{town.label}的村，审核栏为{town.office}。"
            if town
            else "未选择（法律顾问的电脑不必选；司法所选定后，月报默认只含本乡镇的村）"
        )

    def choose_township(self) -> None:
        town = store_township(self.store)
        code = town.code if town and town.code else ""
        dialog = PickTownshipDialog(self, county=code[:6], township=code)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            set_store_township(self.store, dialog.picker.township_code())
        except CounselError as exc:
            report_error(self, exc)
            return
        self.show_township()

    def pick_villages(self) -> None:
        """Add the villages ticked in the national list (each once: one already here is left as it is)."""
        first = next((v.get("code") for v in list_villages(self.store) if v.get("code")), "") or ""
        dialog = PickVillagesDialog(self, county=first[:6])
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.add_codes(dialog.picker.codes())

    def add_codes(self, codes: list[str]) -> Changes:
        changes = Changes()
        problems = []
        for code in codes:
            if village_by_code(self.store, code) is not None:
                continue
            try:
                changes.add(create_village(self.store, {"code": code}))
            except ValidationError as exc:
                problems.append(f"{code}：{'；'.join(exc.errors.values())}")
        if changes:
            self.hub.emit_changes(changes)
        if problems:
            report_error(self, CounselError("\n".join(problems)))
        return changes

    def new_record(self) -> None:  # Ctrl+N here adds a village
        self.add_village()

    def add_village(self) -> None:
        dialog = VillageDialog(self.store, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.hub.emit_changes(dialog.changes)

    def delete_village(self, row: int) -> None:
        record = self.villages.record(row)
        if record is None:
            return
        reason = why_not_delete(self.store, record.id)
        if reason:  # said before asking, not after
            report_error(self, RuleError(reason))
            return
        if not confirm(self, "删除村", f"确定删除“{record.get('name')}”？删除后同步时也会通知其他设备。"):
            return
        try:
            deleted = delete_village(self.store, record.id)
        except CounselError as exc:
            report_error(self, exc)
            return
        self.hub.emit_changes(deleted)

    def edit_village(self, row: int) -> None:
        record = self.villages.record(row)
        if record is None:
            return
        dialog = VillageDialog(self.store, record, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.hub.emit_changes(dialog.changes)
