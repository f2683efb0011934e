"""First run: who the advisor is and which villages they serve — or a colleague's sync file to start
from, or demo data to look around."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import CounselError, ValidationError
from ..forms import form_for
from ..store import Store
from ..sync import ImportResult, import_paths
from ..villages import create_village, list_villages, set_profile, village_by_code, village_labels
from .common import heading
from .form_editor import ERROR_STYLE, FormEditor
from .ops import run_op, show_error
from .village_picker import PlacePicker

VILLAGES_REQUIRED = "服务的村（社区）＊：从名单中勾选（可多选）；名单中没有的村写在下面，每行一个："
VILLAGES_EXTRA = "另外服务的村（社区）（可不填，导入的村不必再选）："
PLACEHOLDER_REQUIRED = "名单中没有的村，每行一个，可写“村名 乡镇”，例如：\n上张村 西周镇\n东门村 石浦镇"
PLACEHOLDER_EXTRA = "如还服务文件以外、名单中没有的村，每行一个，可写“村名 乡镇”"


def _load_demo(path: str) -> object:
    from ..demo import run_demo

    with Store(path) as own:  # a background operation opens its own connection
        return run_demo(own, villages=3, months=2)


def _import(store_path: str, paths: list[Path], report: Callable[[int, int], None]) -> list[ImportResult]:
    """The 同步 page's import, in a connection of its own. The store is new, so a backup is made only
    when an earlier file of this welcome has already filled it."""
    with Store(store_path) as own:
        held = bool(own.select("SELECT count(*) FROM records")[0][0])

        def backup_first() -> None:
            if held:
                from ..backup import make_backup

                make_backup(own, "import")

        return import_paths(own, paths, progress=report, before_merge=backup_first, parallel=True)


class WelcomeDialog(QDialog):
    """Asks for the advisor's name, firm and villages; or starts from sync files (a second laptop, a
    司法所 clerk: the villages come from the files, only this device's profile is asked for); or loads
    demo data. ``imported`` carries the results of each import."""

    imported = Signal(object)  # list[ImportResult]

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("欢迎使用村法律顾问助手")
        self.resize(760, 640)
        intro = QLabel(
            "第一次使用，请填写您的基本信息和服务的村。以后可在“设置”中修改。\n"
            "所有数据只保存在本机，不需要联网。\n"
            "已有同事或司法所导出的同步文件（.zip）？点“从同步文件开始…”，村和记录都从文件导入，"
            "只需填写您自己的信息。"
        )
        intro.setWordWrap(True)
        self.profile = FormEditor(form_for("profile"), ("name", "firm", "phone", "judicial_office"))
        self.picker = PlacePicker(parent=self)  # county → township → villages of the national list
        self.picker.list.setFixedHeight(130)
        self.villages = QPlainTextEdit()  # the fallback: villages not in the list, typed by name
        self.villages.setObjectName("villages")
        self.villages.setPlaceholderText(PLACEHOLDER_REQUIRED)
        self.villages.setTabChangesFocus(True)
        self.villages.setFixedHeight(64)
        self.villages_error = QLabel()
        self.villages_error.setStyleSheet(ERROR_STYLE)
        self.villages_error.hide()
        self.import_note = QLabel()  # what the sync files brought in
        self.import_note.setObjectName("import_note")
        self.import_note.setWordWrap(True)
        self.import_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_note.hide()
        self.import_error = QLabel()  # why a file was refused
        self.import_error.setObjectName("import_error")
        self.import_error.setStyleSheet(ERROR_STYLE)
        self.import_error.setWordWrap(True)
        self.import_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_error.hide()
        self.start_button = QPushButton("开始使用")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.on_start)
        self.demo_button = QPushButton("先载入演示数据看看")
        self.demo_button.clicked.connect(self.on_demo)
        self.import_button = QPushButton("从同步文件开始…")
        self.import_button.setToolTip("导入同事或司法所导出的同步文件（.zip），村和记录都从文件来")
        self.import_button.clicked.connect(self.on_import_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.demo_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("欢迎使用村法律顾问助手"))
        layout.addWidget(intro)
        layout.addWidget(self.profile)
        layout.addWidget(self.import_note)
        layout.addWidget(self.import_error)
        self.villages_label = QLabel(VILLAGES_REQUIRED)
        self.villages_label.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.villages_label)
        layout.addWidget(self.picker)
        layout.addWidget(self.villages)
        layout.addWidget(self.villages_error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.show_imported()  # a file imported before the welcome was closed last time is still here

    def village_rows(self) -> list[dict[str, str]]:
        rows = []
        for line in self.villages.toPlainText().splitlines():
            parts = line.replace("，", " ").replace(",", " ").split()
            if parts:
                rows.append({"name": parts[0], **({"township": parts[1]} if len(parts) > 1 else {})})
        return rows

    def on_start(self) -> None:
        """Save the profile and the villages, all or nothing; every problem is shown at once."""
        self.profile.clear_errors()
        self.villages_error.hide()
        rows = self.village_rows()
        try:
            with self.store.transaction():  # all or nothing: any problem undoes what was written
                errors = self._save_all(rows)
                if errors:
                    raise ValidationError(errors)
        except ValidationError as exc:
            profile_errors = {k: v for k, v in exc.errors.items() if k != "villages"}
            self.profile.show_general(self.profile.show_errors(profile_errors))
            if "villages" in exc.errors:
                self.villages_error.setText(exc.errors["villages"])
                self.villages_error.show()
            return
        except CounselError as exc:
            self.villages_error.setText(str(exc))
            self.villages_error.show()
            return
        self.accept()

    def _save_all(self, rows: list[dict[str, str]]) -> dict[str, str]:
        """Write the profile and each village; return every problem found (field name → message), the
        villages' under ``villages``, one line per bad row."""
        errors: dict[str, str] = {}
        try:
            set_profile(self.store, self.profile.values())
        except ValidationError as exc:
            errors.update(exc.errors)
        # villages imported from a sync file count: then typing more is optional
        codes = self.picker.codes()
        village_problems = [] if rows or codes or list_villages(self.store) else ["请至少选择或填写一个村"]
        for code in codes:
            if village_by_code(self.store, code) is not None:
                continue  # already here (from a sync file): the same village, not a second one
            try:
                create_village(self.store, {"code": code})
            except ValidationError as exc:
                village_problems.append(f"{code}：{'；'.join(exc.errors.values())}")
        for n, row in enumerate(rows, start=1):
            try:
                create_village(self.store, row)
            except ValidationError as exc:
                village_problems.append(f"第 {n} 行：{'；'.join(exc.errors.values())}")
        if village_problems:
            errors["villages"] = "\n".join(village_problems)
        return errors

    def on_demo(self) -> None:
        self.demo_button.setEnabled(False)
        if self.store.path is None:
            from ..demo import run_demo

            run_demo(self.store, villages=3, months=2)
            self.accept()
            return
        run_op(
            self,
            lambda: _load_demo(str(self.store.path)),
            on_done=lambda _r: self.accept(),
            label="正在生成演示数据…",
        )

    # --- starting from sync files --------------------------------------------------------------------

    def on_import_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "选择同事或司法所导出的同步文件", "", "同步文件 (*.zip);;所有文件 (*)"
        )
        if files:
            self.import_files([Path(f) for f in files])

    def import_files(self, paths: list[Path]) -> None:
        """Import as the 同步 page does: on the background worker, the dialog waiting with a progress bar
        (a county's file takes seconds)."""
        self._set_busy(True)
        if self.store.path is None:  # an in-memory store (tests): no second connection to it
            self.on_imported(import_paths(self.store, paths))
            return
        store_path = str(self.store.path)
        run_op(
            self,
            lambda report: _import(store_path, paths, report),
            on_done=self.on_imported,
            on_error=self.on_import_failed,
            label="正在导入…",
            progress=True,
            modal=True,
        )

    def on_imported(self, results: list[ImportResult]) -> None:
        self._set_busy(False)
        problems = [r.summary() for r in results if not r.ok]
        if not results:
            problems.append("所选位置没有 .zip 同步文件")
        self.import_error.setText("\n".join(problems))
        self.import_error.setVisible(bool(problems))
        self.show_imported()
        self.imported.emit(results)

    def on_import_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        show_error(self, exc, "导入未完成")
        self.show_imported()

    def show_imported(self) -> None:
        """Say what the store now holds from the files; the village box becomes optional once villages
        came in, and demo data (which would mix with the real records) is no longer offered."""
        held = int(self.store.select("SELECT count(*) FROM records WHERE deleted = 0")[0][0])
        villages = list_villages(self.store)
        if held:
            labels = village_labels(villages)
            names = "、".join(labels[v.id] for v in villages) or "（文件中没有村）"
            self.import_note.setText(f"已从文件导入：{names}（{held} 条记录）")
        self.import_note.setVisible(bool(held))
        self.villages_label.setText(VILLAGES_EXTRA if villages else VILLAGES_REQUIRED)
        self.villages.setPlaceholderText(PLACEHOLDER_EXTRA if villages else PLACEHOLDER_REQUIRED)
        self.demo_button.setEnabled(not held)
        if villages:
            self.villages_error.hide()

    def _set_busy(self, busy: bool) -> None:
        for button in (self.import_button, self.start_button, self.demo_button):
            button.setEnabled(not busy)
