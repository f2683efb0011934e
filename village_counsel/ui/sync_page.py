"""同步: export to a folder (a USB stick), import chosen or dropped files, settle conflicts, see who synced.

Exports and imports run on the background worker with their own store connection; the page itself only
reads (and settles a conflict, a quick single write through the core)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .. import days
from ..errors import CounselError
from ..forms import FORMS
from ..store import Changes, Store
from ..sync import (
    Conflict,
    ExportResult,
    ImportResult,
    device_statuses,
    export_changes,
    import_paths,
    list_conflicts,
    own_status,
    read_office_key_file,
    resolve,
    village_statuses,
)
from ..sync.export import default_recipient
from ..sync.keys import advisor_names, office_key
from ..sync.status import local_time
from ..villages import village_names
from .common import heading, report_error
from .ops import run_op

log = logging.getLogger(__name__)

OFFICE_KEY_SETTING = "sync_office_key_file"


def _title(kind: str) -> str:
    form = FORMS.get(kind)
    return form.title if form else kind


def _describe(conflict: Conflict) -> str:
    data = conflict.current.data
    for key in ("number", "name", "subject", "content", "duty"):
        if data.get(key):
            return str(data[key])[:30]
    return str(data.get("date") or conflict.id[:8])


def _show(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict) and all(isinstance(v, int | float | str) for v in value.values()):
        return "，".join(f"{k} {v}" for k, v in value.items())[:300]  # 参加人员: 党员 3，村民代表 9
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):  # steps, events
        return "；".join(
            " ".join(str(x) for k, x in row.items() if k not in ("key",) and x not in (None, "", [], {}))
            for row in value
        )[:300]
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)[:300]
    return str(value)


# Keys that link a record to another (ids): not something to compare by eye.
_LINK_KEYS = {"service_id", "session_id", "matter_id", "mediation_id", "exercise_id"}


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    # fitted to their contents, an empty table's columns shrink to their two-character titles and run
    # together (文件结果新增…): every column keeps room for its title with a character's space either side
    em = header.fontMetrics().horizontalAdvance("中")
    widest = max(header.fontMetrics().horizontalAdvance(h) for h in headers)
    header.setMinimumSectionSize(max(5 * em, widest + 2 * em))
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))


class SyncPage(QWidget):
    """The 同步 page. ``changed`` carries what an import or a resolution changed."""

    changed = Signal(object)  # Changes

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.conflicts: list[Conflict] = []
        self.results: list[ImportResult] = []
        self.setAcceptDrops(True)

        # this device and export
        self.device_label = QLabel()
        self.device_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.full_check = QCheckBox("完整导出（全部记录）")
        self.office_label = QLabel()
        self.choose_office = QPushButton("加密给司法所…")
        self.clear_office = QPushButton("不加密")
        self.export_button = QPushButton("导出到文件夹…")
        self.export_button.setDefault(True)
        export_box = QGroupBox("本机与导出")
        el = QVBoxLayout(export_box)
        el.addWidget(self.device_label)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.full_check)
        row.addSpacing(24)
        row.addWidget(self.office_label, 1)
        row.addWidget(self.choose_office)
        row.addWidget(self.clear_office)
        el.addLayout(row)

        # import
        self.import_button = QPushButton("导入文件…")
        self.import_folder_button = QPushButton("导入文件夹…")
        drop_hint = QLabel("也可以把导出文件（.zip）拖到本页导入。")
        import_box = QGroupBox("导入")
        il = QHBoxLayout(import_box)
        il.addWidget(self.import_button)
        il.addWidget(self.import_folder_button)
        il.addWidget(drop_hint, 1)

        # results, conflicts, devices, villages
        self.results_table = _table(["文件", "结果", "新增", "更新", "未变", "冲突", "说明"])
        self.conflict_table = _table(["记录类型", "记录", "当前版本", "冲突版本"])
        self.compare_table = _table(["字段", "当前版本", "冲突版本"])
        self.keep_current = QPushButton("保留当前版本")
        self.keep_losing = QPushButton("保留冲突版本")
        conflict_panel = QWidget()
        cl = QVBoxLayout(conflict_panel)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.conflict_table)
        splitter.addWidget(self.compare_table)
        cl.addWidget(splitter, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_current)
        buttons.addWidget(self.keep_losing)
        cl.addLayout(buttons)
        self.device_table = _table(
            ["法律顾问（设备）", "公钥指纹", "文件数", "最新序号", "最近导入", "缺失的导出"]
        )
        self.village_table = _table(["村", "最近同步", "本月"])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.results_table, "导入结果")
        self.tabs.addTab(conflict_panel, "冲突")
        self.tabs.addTab(self.device_table, "各设备")
        self.tabs.addTab(self.village_table, "各村同步")
        self.submission_table = _table(["村", "月份", "报送", "报送时间", "报送后补录"])
        self.tabs.addTab(self.submission_table, "月报报送")

        layout = QVBoxLayout(self)
        layout.addWidget(heading("同步"))
        layout.addWidget(export_box)
        layout.addWidget(import_box)
        layout.addWidget(self.tabs, 1)

        self.export_button.clicked.connect(self.on_export_clicked)
        self.choose_office.clicked.connect(self.on_choose_office_clicked)
        self.clear_office.clicked.connect(self.on_clear_office_clicked)
        self.import_button.clicked.connect(self.on_import_clicked)
        self.import_folder_button.clicked.connect(self.on_import_folder_clicked)
        self.conflict_table.itemSelectionChanged.connect(self.on_conflict_selected)
        self.keep_current.clicked.connect(lambda: self.keep(losing=False))
        self.keep_losing.clicked.connect(lambda: self.keep(losing=True))
        self.refresh()

    # --- reading ---------------------------------------------------------------------------------------

    def refresh(self) -> None:
        own = own_status(self.store)
        office = office_key(self.store)
        lines = [
            f"本机设备编号：{own['device_id']}    公钥指纹：{own['fingerprint']}",
            (
                f"最近导出：第 {own['last_export_seq']} 号（{local_time(str(own['last_export_at'] or ''))}）；"
                if own["last_export_seq"]
                else "尚未导出过（第一次导出为完整导出）；"
            )
            + f"待导出修订 {own['pending']} 条",
        ]
        if office:
            lines.append(f"本机是司法所：{office.name}（司法所密钥指纹 {office.fingerprint}）")
        devices = device_statuses(self.store)
        missing = [d.missing_sentence() for d in devices if d.missing]
        if missing:
            lines.append(
                "；".join(missing[:5])
                + ("等" if len(missing) > 5 else "")
                + "（请对方补发，或做一次完整导出）"
            )
        self.device_label.setText("\n".join(lines))
        key_file = self.store.get_local(OFFICE_KEY_SETTING)
        trusted = default_recipient(self.store)
        if key_file:
            self.office_label.setText(f"加密给：{Path(key_file).name}")
        elif trusted is not None:
            self.office_label.setText(f"加密给：{trusted.name}（本机信任的司法所）")
        else:
            self.office_label.setText("不加密")
        self.clear_office.setEnabled(bool(key_file))
        self.refresh_conflicts()
        _fill(
            self.device_table,
            [
                [
                    d.name,
                    d.fingerprint,
                    str(d.files),
                    str(d.last_seq),
                    local_time(d.last_imported_at),
                    d.missing_text() or "无",
                ]
                for d in devices
            ],
        )
        for r, d in enumerate(devices):
            self.device_table.item(r, 0).setToolTip(f"设备编号 {d.device_id}")
        villages = village_statuses(self.store, days.today())
        _fill(
            self.village_table,
            [
                [
                    v.name,
                    local_time(v.last_sync, "从未"),
                    "已同步" if v.synced_this_month else "未同步",
                ]
                for v in villages
            ],
        )
        for r, v in enumerate(villages):
            if not v.synced_this_month:
                self.village_table.item(r, 2).setForeground(QColor("#b00020"))
        self.refresh_submissions()

    def refresh_submissions(self) -> None:
        """Per village and ended month: submitted (when), not submitted, changed after submission."""
        from ..reports.submission import month_states

        states = sorted(month_states(self.store), key=lambda m: (m.month, m.village), reverse=True)
        _fill(
            self.submission_table,
            [
                [
                    m.village,
                    days.month_label(m.month),
                    m.label,
                    local_time(m.submitted_at, "—"),
                    f"{m.changes} 条" if m.changes else "—",
                ]
                for m in states
            ],
        )
        for r, m in enumerate(states):
            if m.state != "submitted":
                self.submission_table.item(r, 2).setForeground(QColor("#b00020"))

    def _device(self, origin: str) -> str:
        if origin == self.store.device_id:
            return "本机"
        return advisor_names(self.store).get(origin) or f"设备 {origin}"

    def refresh_conflicts(self) -> None:
        self.conflicts = list_conflicts(self.store)
        every = village_names(self.store)  # (same-name villages told apart)
        names = {
            c.current.village_id: every[c.current.village_id]
            for c in self.conflicts
            if c.kind != "village" and c.current.village_id in every
        }
        _fill(
            self.conflict_table,
            [
                [
                    _title(c.kind),
                    _describe(c)
                    + (f"（{names[c.current.village_id]}）" if c.current.village_id in names else ""),
                    f"{local_time(c.current.updated_at)}（{self._device(c.current.origin)}）",
                    f"{local_time(c.losing.updated_at)}（{self._device(c.losing.origin)}）",
                ]
                for c in self.conflicts
            ],
        )
        self.tabs.setTabText(1, f"冲突（{len(self.conflicts)}）" if self.conflicts else "冲突")
        self.compare_table.setRowCount(0)
        self.keep_current.setEnabled(False)
        self.keep_losing.setEnabled(False)

    def selected_conflict(self) -> Conflict | None:
        rows = {i.row() for i in self.conflict_table.selectedItems()}
        return self.conflicts[min(rows)] if rows else None

    def on_conflict_selected(self) -> None:
        conflict = self.selected_conflict()
        self.keep_current.setEnabled(conflict is not None)
        self.keep_losing.setEnabled(conflict is not None)
        if conflict is None:
            self.compare_table.setRowCount(0)
            return
        form = FORMS.get(conflict.kind)
        labels = form.labels if form else {}
        current, losing = conflict.current, conflict.losing
        keys = [k for k in labels if k in current.data or k in losing.data]
        keys += sorted(k for k in {*current.data, *losing.data} if k not in labels and k not in _LINK_KEYS)
        rows = [["已删除", "是" if current.deleted else "否", "是" if losing.deleted else "否"]]
        rows += [[labels.get(k, k), _show(current.data.get(k)), _show(losing.data.get(k))] for k in keys]
        _fill(self.compare_table, rows)
        for r, row in enumerate(rows):
            if row[1] != row[2]:
                for c in (1, 2):
                    self.compare_table.item(r, c).setBackground(QColor("#fff3c4"))

    def keep(self, *, losing: bool) -> None:
        conflict = self.selected_conflict()
        if conflict is None:
            return
        version = conflict.losing if losing else conflict.current
        try:
            if conflict.quarantined:  # adopt the quarantined version, or keep the held one and drop it
                from ..sync.conflicts import adopt_quarantined, dismiss_quarantined

                if not losing:
                    dismiss_quarantined(self.store, conflict)
                    self.refresh()
                    return
                record = adopt_quarantined(self.store, conflict)
            else:
                record = resolve(self.store, conflict.id, (version.rev, version.origin))
        except CounselError as exc:
            report_error(self, exc)
            self.refresh_conflicts()
            return
        self.refresh()
        self._emit(Changes().add(record))

    # --- export ----------------------------------------------------------------------------------------

    def on_choose_office_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "选择司法所公钥文件", "", "司法所公钥 (*.json);;所有文件 (*)"
        )
        if not path:
            return
        try:
            key = read_office_key_file(path)
        except CounselError as exc:
            report_error(self, exc)
            return
        self.store.set_local(OFFICE_KEY_SETTING, path)
        self.refresh()
        self.office_label.setText(f"加密给：{key.name}（指纹 {key.fingerprint}）")

    def on_clear_office_clicked(self) -> None:
        self.store.set_local(OFFICE_KEY_SETTING, "")
        self.refresh()

    def on_export_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择导出到的文件夹（例如 U 盘）")
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path) -> None:
        """Export into ``folder`` under a name that says which device and which number it is."""
        key_file = self.store.get_local(OFFICE_KEY_SETTING)
        try:
            office = read_office_key_file(key_file) if key_file else None
        except CounselError as exc:
            report_error(self, exc)
            return
        seq = int(own_status(self.store)["last_export_seq"]) + 1  # type: ignore[call-overload]
        name = f"村法律顾问-{self.store.device_id}-{seq:04d}-{days.today():%Y%m%d}.zip"
        full = self.full_check.isChecked()
        path = self.store.path

        def job(report):  # noqa: ANN001, ANN202
            if path is None:
                return export_changes(self.store, folder / name, full=full, office=office, progress=report)
            with Store(path) as own:
                return export_changes(own, folder / name, full=full, office=office, progress=report)

        run_op(self, job, on_done=self.on_exported, on_error=self.on_failed, label="正在导出…", progress=True)

    def on_exported(self, result: ExportResult) -> None:
        self.refresh()
        sealed = f"，已加密给“{result.office.name}”" if result.office else ""
        self.results_table.insertRow(0)
        for c, text in enumerate(
            [
                result.path.name,
                "已导出",
                "",
                "",
                "",
                "",
                f"{result.revisions} 条修订{sealed} → {result.path.parent}",
            ]
        ):
            self.results_table.setItem(0, c, QTableWidgetItem(text))
        self.tabs.setCurrentIndex(0)

    # --- import ----------------------------------------------------------------------------------------

    def on_import_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "选择要导入的同步文件", "", "同步文件 (*.zip);;所有文件 (*)"
        )
        if files:
            self.import_files([Path(f) for f in files])

    def on_import_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择包含同步文件的文件夹")
        if folder:
            self.import_files([Path(folder)])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_files(paths)

    def import_files(self, paths: list[Path]) -> None:
        """Import on the background worker, in a connection of its own; a backup is made first."""
        store_path = self.store.path

        def job(report):  # noqa: ANN001, ANN202
            if store_path is None:
                return import_paths(self.store, paths, progress=report)
            with Store(store_path) as own:
                held = bool(own.select("SELECT count(*) FROM records")[0][0])

                def backup_first() -> None:  # only once a file has passed verification
                    if held:
                        from ..backup import make_backup

                        make_backup(own, "import")

                return import_paths(own, paths, progress=report, before_merge=backup_first, parallel=True)

        self.import_button.setEnabled(False)
        run_op(
            self,
            job,
            on_done=self.on_imported,
            on_error=self.on_failed,
            label="正在导入…",
            progress=True,
            modal=True,
        )

    def on_imported(self, results: list[ImportResult]) -> None:
        self.import_button.setEnabled(True)
        self.results = results
        rows = []
        for r in results:
            if not r.ok:
                rows.append([r.display, "已拒绝", "", "", "", "", r.reason])
            elif r.already:
                rows.append([r.display, "已导入过", "", "", "", "", "此文件以前已导入，无变化"])
            else:
                who = advisor_names(self.store).get(r.device_id) or f"设备 {r.device_id}"
                note = f"{who} 第 {r.seq} 号{'完整' if r.full else '增量'}导出"
                if r.quarantined:
                    note += f"；隔离 {r.quarantined} 条同号不同内容的修订（见冲突）"
                rows.append(
                    [
                        r.display,
                        "已导入",
                        str(r.new),
                        str(r.updated),
                        str(r.unchanged),
                        str(r.conflicts),
                        note,
                    ]
                )
        if not results:
            rows.append(["", "没有文件", "", "", "", "", "所选文件夹中没有 .zip 同步文件"])
        _fill(self.results_table, rows)
        for r, result in enumerate(results):
            if not result.ok:
                for c in range(self.results_table.columnCount()):
                    self.results_table.item(r, c).setForeground(QColor("#b00020"))
        self.tabs.setCurrentIndex(0)
        self.refresh()
        changes = Changes()
        for r in results:
            changes.merge(r.changes)
        self._emit(changes)

    def on_failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        report_error(self, exc)
        self.refresh()

    def _emit(self, changes: Changes) -> None:
        if not changes:
            return
        self.changed.emit(changes)
        hub = getattr(self.window(), "hub", None)
        if hub is not None:
            hub.emit_changes(changes)
