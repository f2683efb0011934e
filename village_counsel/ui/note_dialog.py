"""月度风险与计划: the ``monthly_note`` of one village and month (its 风险隐患与重大事项 and 下月工作计划,
printed in the monthly report), opened from the 报表 page. At most one note per village and month."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from ..errors import ValidationError
from ..forms import form_for
from ..notes import NOTE_FIELDS, monthly_notes, note_values, save_monthly_note
from ..store import Changes, Store
from .common import fit_to_screen, month_label
from .editors import RecordDialog
from .form_editor import FormEditor


class MonthlyNoteDialog(RecordDialog):
    """Edit the 风险隐患与重大事项 and 下月工作计划 of one village's month."""

    def __init__(
        self, store: Store, village_id: str, month: str, village_name: str, parent: QWidget | None = None
    ) -> None:
        self.notes = monthly_notes(store, village_id, month)
        super().__init__(
            f"{'修改' if self.notes else '填写'}月度风险与计划：{village_name} {month_label(month)}",
            parent,
            scroll=False,
        )
        self.store, self.village_id, self.month = store, village_id, month
        intro = QLabel(
            f"<b>{village_name}</b> · {month_label(month)}　"
            "以下内容印在该村本月月报的“风险隐患与重大事项”和“下月工作计划”两节。"
        )
        intro.setWordWrap(True)
        self.body_layout.addWidget(intro)
        if len(self.notes) > 1:
            merged = QLabel(
                f"本月原有 {len(self.notes)} 份说明（来自不同设备或早期版本），已合并显示；保存后合为一份。"
            )
            merged.setWordWrap(True)
            merged.setStyleSheet("color:#8a6d00")
            self.body_layout.addWidget(merged)
        self.editor = FormEditor(form_for("monthly_note"), NOTE_FIELDS, values=note_values(self.notes))
        for name in NOTE_FIELDS:
            self.editor.widget(name).setFixedHeight(150)
        self.body_layout.addWidget(self.editor)
        hint = QLabel(
            "可写多行，每项最多 5000 字。月报中的电话、身份证号会自动脱敏，姓名不会：请勿写入村民姓名。"
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color:#555")
        self.body_layout.addWidget(hint)
        self.body_layout.addStretch(1)
        self.save_button.setDefault(True)
        fit_to_screen(self, 720, 520)
        self.editor.widget("risks").setFocus()

    def save(self) -> Changes:
        self.editor.clear_errors()
        changes = save_monthly_note(self.store, self.village_id, self.month, self.editor.values())
        self.saved = monthly_notes(self.store, self.village_id, self.month)[-1]
        return changes

    def show_validation(self, exc: ValidationError) -> None:
        other = self.editor.show_errors(exc.errors)
        if other:
            self.show_message("请改正以下内容：\n" + "\n".join(f"· {m}" for m in other))


__all__ = ["MonthlyNoteDialog"]
