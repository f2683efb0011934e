"""First run: who the advisor is and which villages they serve — or demo data to look around."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
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
from ..villages import create_village, set_profile
from .common import heading
from .form_editor import ERROR_STYLE, FormEditor
from .ops import run_op


def _load_demo(path: str) -> object:
    from ..demo import run_demo

    with Store(path) as own:  # a background operation opens its own connection
        return run_demo(own, villages=3, months=2)


class WelcomeDialog(QDialog):
    """Asks for the advisor's name, firm and villages; or loads demo data."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("欢迎使用村法律顾问助手")
        self.resize(720, 500)
        intro = QLabel(
            "第一次使用，请填写您的基本信息和服务的村。以后可在“设置”中修改。\n"
            "所有数据只保存在本机，不需要联网。"
        )
        intro.setWordWrap(True)
        self.profile = FormEditor(form_for("profile"), ("name", "firm", "phone", "judicial_office"))
        self.villages = QPlainTextEdit()
        self.villages.setObjectName("villages")
        self.villages.setPlaceholderText("每行一个村，可写“村名 乡镇”，例如：\n上张村 西周镇\n东门村 石浦镇")
        self.villages.setTabChangesFocus(True)
        self.villages.setFixedHeight(120)
        self.villages_error = QLabel()
        self.villages_error.setStyleSheet(ERROR_STYLE)
        self.villages_error.hide()
        start = QPushButton("开始使用")
        start.setDefault(True)
        start.clicked.connect(self.on_start)
        self.demo_button = QPushButton("先载入演示数据看看")
        self.demo_button.clicked.connect(self.on_demo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(start)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("欢迎使用村法律顾问助手"))
        layout.addWidget(intro)
        layout.addWidget(self.profile)
        label = QLabel("服务的村（社区）＊：")
        label.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(label)
        layout.addWidget(self.villages)
        layout.addWidget(self.villages_error)
        layout.addStretch(1)
        layout.addLayout(buttons)

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
        village_problems = [] if rows else ["请至少填写一个村"]
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
