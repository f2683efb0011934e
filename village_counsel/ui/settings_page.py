"""设置: the data folder, the advisor's profile, the villages served."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .. import backup
from ..errors import CounselError, RuleError, ValidationError
from ..forms import form_for
from ..names import escaped
from ..store import KINDS, Changes, Store
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
from .ops import run_op
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
        backup_box = QGroupBox("备份与恢复")
        bl = QVBoxLayout(backup_box)
        brow = QHBoxLayout()
        self.backup_button = QPushButton("备份到…")
        self.backup_button.setToolTip("把数据另存一份（例如 U 盘）；程序也会自动轮换备份")
        self.backup_button.clicked.connect(self.on_backup_clicked)
        self.restore_button = QPushButton("从备份恢复…")
        self.restore_button.setToolTip("先显示备份的日期、村和记录数，确认后恢复；恢复前自动备份当前数据")
        self.restore_button.clicked.connect(self.on_restore_clicked)
        for button in (self.backup_button, self.restore_button):
            button.setEnabled(folder is not None)
            brow.addWidget(button)
        brow.addStretch(1)
        bl.addLayout(brow)
        self.backup_note = QLabel(backup.KEY_ADVICE)
        self.backup_note.setWordWrap(True)
        self.backup_note.setStyleSheet("color:#555")
        bl.addWidget(self.backup_note)
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
        left.addWidget(backup_box)
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

    # --- backup and restore --------------------------------------------------------------------------------

    def on_backup_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "备份到", "village-counsel.backup.db", "数据备份 (*.db);;所有文件 (*)"
        )
        if path:
            self.backup_to(Path(path))

    def backup_to(self, path: Path) -> None:
        def done(made: Path) -> None:
            self.backup_note.setText(f"已备份到 {escaped(str(made))}。{backup.KEY_ADVICE}")

        run_op(self, lambda: backup.backup_to(self.store, path), on_done=done, label="正在备份…")

    def on_restore_clicked(self) -> None:
        start = str(backup.backup_dir(self.store)) if self.store.path else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "选择要恢复的备份", start, "数据备份 (*.db);;所有文件 (*)"
        )
        if path:
            self.restore_from(Path(path))

    def restore_from(self, path: Path) -> None:
        """Show what the backup holds and ask; then restore it in the background (the device stays this one)."""
        assert self.store.path is not None
        try:
            summary = backup.describe_backup(path)
        except CounselError as exc:
            report_error(self, exc)
            return
        villages = "、".join(escaped(v, 30) for v in summary.villages[:8]) + (
            "等" if len(summary.villages) > 8 else ""
        )
        question = (
            f"备份：{escaped(path.name)}\n日期：{summary.made_at:%Y年%m月%d日 %H:%M}\n"
            f"村（社区）：{villages or '无'}（共 {len(summary.villages)} 个）\n记录：{summary.records} 条\n"
            f"{summary.trust_note()}\n\n"
            "恢复后，当前数据换成这份备份的内容（恢复前会自动备份当前数据；本机的设备身份不变）。确定恢复？"
        )
        if not confirm(self, "从备份恢复", question):
            return
        store_path = self.store.path

        def done(safety: Path) -> None:
            self.store.last_operation = None  # Ctrl+Z must not reach into the restored revisions
            self.backup_note.setText(f"已从备份恢复；恢复前的数据已备份到 {escaped(str(safety))}。")
            self.villages.reload()
            self.hub.emit_changes(Changes(kinds=set(KINDS)))

        run_op(self, lambda: backup.restore(store_path, path), on_done=done, label="正在恢复…", modal=True)
