"""The 小微权力 exercise editor: the item's steps one row each, the compliance findings beside them,
recomputed by ``powers.review`` as each step is entered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import days, powers, vocab
from ..catalog import PowerItem, Step, load_catalog
from ..errors import ValidationError
from ..forms import form_for, validate
from ..forms.base import Field, Form
from ..forms.definitions import EXERCISE_STEP
from ..notices import RECIPIENT_KEYS, RECIPIENT_LABELS
from ..store import Changes, Record, Store
from .common import confirm, fit_to_screen
from .editors import RecordDialog, _village_row
from .form_editor import ERROR_STYLE, FormEditor, RowsEdit

# the header in two columns (a break before "subject") and the closing fields in three, so the dialog
# fits a 1366×768 screen with the steps table at full width
HEAD_FIELDS = (
    "item",
    "number",
    "date",
    "trigger",
    "status",
    "subject",
    "amount",
    "applicant",
    "applicant_id",
)
HEAD_BREAKS = ("subject",)
TAIL_FIELDS = (
    "filing_date",
    "filing_ref",
    "archive_ref",
    "supervision_opinion",
    "advisor_opinion",
    "reviewed_on",  # the review's day: a 合法性审查 of that month
    "result",
)
TAIL_BREAKS = ("supervision_opinion", "result")
PERSONAL_FIELDS = ("applicant", "applicant_id")  # asked only for items that need them (DOMAIN.md §6)
STEP_COLUMNS = (
    "date",
    "end_date",
    "place",
    "meeting",
    "expected",
    "present",
    "votes_for",
    "votes_against",
    "votes_abstain",
    "content",
    "objections",
    "handling",
)
DISABLED = QColor("#eeeeee")


def step_column_usable(spec: Step, name: str) -> bool:
    """Whether a column means anything for a step; the others are greyed and never hold a value."""
    if name in ("end_date", "place"):
        return spec.is_publicity
    if name in ("expected", "present"):
        return spec.meeting
    if name.startswith("votes_"):
        return spec.vote
    return True


def _valid_date(text: Any) -> bool:
    try:
        date.fromisoformat(str(text))
    except ValueError:
        return False
    return True


def item_description(item: PowerItem) -> str:
    """The steps of a catalogue item in words, for the catalogue browser."""
    lines = [f"<h3>{item.code} {item.name}</h3><p>{item.kind_label}</p><ol>"]
    for s in item.steps:
        extra = []
        if s.is_publicity:
            extra.append(f"公示不少于 {s.publicity_days} 天" if s.publicity_days else "张榜公开")
        if s.meeting:
            extra.append("会议")
        if s.vote:
            extra.append("表决")
        if s.min_amount:
            extra.append(f"金额达 {s.min_amount:,.0f} 元时必经")
        name = s.name
        if (
            extra and name.endswith("）") and "（" in name
        ):  # 两委联席会议审议（5万元以上）: one pair of brackets
            head, _, inside = name[:-1].rpartition("（")
            name, extra = head, [inside, *extra]
        lines.append(f"<li>{name}{'（' + '，'.join(extra) + '）' if extra else ''}</li>")
    lines.append("</ol>")
    if item.tender_threshold:
        lines.append(f"<p>金额达 {item.tender_threshold:,.0f} 元须公开招投标。</p>")
    if item.note:
        lines.append(f"<p style='color:#555'>{item.note}</p>")
    return "".join(lines)


class ExerciseDialog(RecordDialog):
    """Record an exercise step by step; the findings list updates live."""

    def __init__(
        self,
        store: Store,
        exercise: Record | None = None,
        *,
        village_id: str | None = None,
        item: str | None = None,
        parent: QWidget | None = None,
        opener: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__("小微权力行使记录" if exercise else "新建小微权力行使记录", parent)
        self.store, self.exercise, self.opener = store, exercise, opener
        self.catalog = load_catalog()
        fit_to_screen(self, 1300, 680)
        data: dict[str, Any] = (
            dict(exercise.data)
            if exercise
            else {"date": days.today().isoformat(), "item": item or powers.DECISION_ITEM, "status": "进行中"}
        )
        self.extra = {
            k: v for k, v in data.items() if k not in {f.name for f in form_for("power_exercise").fields}
        }
        row, self.village = _village_row(
            store, exercise.village_id if exercise else village_id, exercise is None
        )
        form = form_for("power_exercise")
        items = [(f"{i.code} {i.name}", i.code) for i in self.catalog.items.values()]
        self.head = FormEditor(
            form, HEAD_FIELDS, values=data, choices={"item": items}, column_breaks=HEAD_BREAKS
        )
        self.tail = FormEditor(form, TAIL_FIELDS, values=data, column_breaks=TAIL_BREAKS)
        self.steps = QTableWidget(0, len(STEP_COLUMNS))
        self.steps.setHorizontalHeaderLabels([EXERCISE_STEP.field(c).label for c in STEP_COLUMNS])
        self.steps.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.steps.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # the free width (or the lack of it) is shared by the text columns, so all twelve columns stay in
        # view from a 1366×768 laptop down to a ~1100-pixel-wide dialog
        for col, name in enumerate(STEP_COLUMNS):
            if EXERCISE_STEP.field(name).type == "longtext":
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self._size_step_columns()
        # the header and five steps without scrolling; more rows scroll inside the table
        self.steps.setMinimumHeight(self.steps.verticalHeader().defaultSectionSize() * 6 + 4)
        self.findings = QListWidget()
        self.findings.setObjectName("findings")
        self.findings.setWordWrap(True)
        # as tall as the header beside it, no taller: the height is the steps table's
        self.findings.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.findings.setMinimumHeight(self.fontMetrics().height() * 3)
        self.findings_title = QLabel()
        review = QVBoxLayout()
        review.setContentsMargins(0, 0, 0, 0)
        review.addWidget(self.findings_title)
        review.addWidget(self.findings, 1)
        if exercise is not None and exercise.get("matter_id") and opener is not None:
            link = QPushButton("来自说事事项 →")
            link.setObjectName("link_matter")
            link.clicked.connect(lambda: opener("matter", exercise["matter_id"]))
            review.addWidget(link)
        self.review_box = QWidget()
        self.review_box.setLayout(review)
        self.review_box.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 20)
        top = QHBoxLayout()
        top.addWidget(self.head, 3)
        top.addWidget(self.review_box, 2)
        self.body_layout.addWidget(row)
        self.body_layout.addLayout(top)
        steps_bar = QHBoxLayout()
        steps_bar.addWidget(QLabel("<b>办理步骤</b>（按实际发生填写日期；公示步骤另填截止日期和地点）"))
        steps_bar.addStretch(1)
        # what the item's 公示 shows (a 宅基地 application's household, a subsidy's recipients)
        self.notice_button = QPushButton("公示内容…")
        self.notice_button.setObjectName("notice_content")
        self.notice_button.clicked.connect(self.edit_notice)
        steps_bar.addWidget(self.notice_button)
        self.body_layout.addLayout(steps_bar)
        self.body_layout.addWidget(self.steps, 1)
        self.body_layout.addWidget(self.tail)
        # the item whose steps the table shows, one key a row: the rows are read by these keys, never by
        # the keys of an item just chosen in the combo
        self._item_code: str | None = None
        self._row_keys: list[str] = []
        # per step, stored values the table has no editable cell for (a column greyed for that step): kept
        # out of sight and saved back unchanged, so opening and saving an exercise never loses them
        self._hidden: dict[str, dict[str, Any]] = {}
        self._filling = False
        self.head.widget("item").currentIndexChanged.connect(self.on_item_changed)  # type: ignore[attr-defined]
        self.head.changed.connect(self.update_findings)
        self.steps.itemChanged.connect(lambda _item: self.update_findings())
        self.on_item_changed(steps=data.get("steps", []))

    def edit_notice(self) -> None:
        """Enter what the item's notice shows; it is saved with the exercise (and checked then)."""
        item = self.item()
        if item is None:
            return
        dialog = NoticeContentDialog(
            item, self.extra.get("notice") or {}, self.extra.get("recipients") or [], self
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.extra["notice"], self.extra["recipients"] = dialog.values()

    def _size_step_columns(self) -> None:
        """Each column as wide as its header or a typical value, whichever is wider: all twelve fit."""
        fm = self.fontMetrics()
        samples = {"date": "2026-11-05", "end_date": "2026-11-05", "meeting": "中" * 4, "place": "中" * 5}
        for col, name in enumerate(STEP_COLUMNS):
            sample = samples.get(name, "中" * 7 if EXERCISE_STEP.field(name).type == "longtext" else "00")
            label = EXERCISE_STEP.field(name).label
            self.steps.setColumnWidth(
                col, max(fm.horizontalAdvance(sample), fm.horizontalAdvance(label)) + 20
            )

    # --- steps -------------------------------------------------------------------------------------------------

    def item(self) -> PowerItem | None:
        code = self.head.values().get("item")
        return self.catalog.item(code) if code else None

    def on_item_changed(self, *_args: Any, steps: list[dict[str, Any]] | None = None) -> None:
        """Show the chosen item's steps. What was entered moves only to a step of the same key; if the new
        item would lose anything entered, ask first, and on "no" go back to the previous item."""
        item = self.item()
        if steps is None:
            steps = self.step_values(include_invalid=True)
            lost = self._lost_steps(steps, item)
            if lost and not confirm(
                self,
                "更换权力事项",
                f"更换权力事项会清除已填写的 {len(lost)} 个步骤（{'、'.join(lost)}），是否继续？",
            ):
                self._restore_item()
                return
        values = self.head.values()
        self.head.widget("item").setToolTip(f"{item.code} {item.name}" if item else "")
        self.notice_button.setEnabled(bool(item and (item.notice or item.recipients)))
        for name in PERSONAL_FIELDS:
            # an item that needs no applicant never asks for one; a value already there stays visible
            # (and can be cleared) rather than being kept out of sight
            self.head.set_visible(name, bool(item and item.personal_id) or bool(values.get(name)))
        self._filling = True
        self.steps.setRowCount(0)
        self._item_code = item.code if item else None
        self._row_keys = [s.key for s in item.steps] if item else []
        self._hidden = {}
        if item is not None:
            by_key = {s["key"]: s for s in steps}
            for spec in item.steps:
                hidden = {
                    k: v
                    for k, v in by_key.get(spec.key, {}).items()
                    if k != "key" and (k not in STEP_COLUMNS or not step_column_usable(spec, k))
                }
                if hidden:
                    self._hidden[spec.key] = hidden
            self.steps.setRowCount(len(item.steps))
            self.steps.setVerticalHeaderLabels([f"{n + 1}. {s.name}" for n, s in enumerate(item.steps)])
            for r, spec in enumerate(item.steps):
                known = by_key.get(spec.key, {})
                for c, name in enumerate(STEP_COLUMNS):
                    if step_column_usable(spec, name):
                        value = known.get(name)
                        cell = QTableWidgetItem("" if value is None else str(value))
                    else:
                        cell = QTableWidgetItem()
                        cell.setFlags(Qt.ItemFlag.NoItemFlags)
                        cell.setBackground(DISABLED)
                    self.steps.setItem(r, c, cell)
        self._filling = False
        self.update_findings()

    def _lost_steps(self, steps: list[dict[str, Any]], item: PowerItem | None) -> list[str]:
        """Names of the entered steps that ``item`` has no step of the same key for."""
        old = self.catalog.item(self._item_code) if self._item_code else None
        lost = []
        for step in steps:
            if item is None or item.step(step["key"]) is None:
                spec = old.step(step["key"]) if old else None
                lost.append(spec.name if spec else step["key"])
        return lost

    def _restore_item(self) -> None:
        """Put the item choice back on the item the table shows, changing nothing else."""
        combo = self.head.widget("item")
        combo.blockSignals(True)  # type: ignore[attr-defined]
        combo.setCurrentIndex(combo.findData(self._item_code))  # type: ignore[attr-defined]
        combo.blockSignals(False)  # type: ignore[attr-defined]
        self.update_findings()  # the findings were computed for the refused item as the combo changed

    def step_values(self, *, include_invalid: bool = False) -> list[dict[str, Any]]:
        """The entered steps, read by the keys of the rows shown (whatever the item combo says now)."""
        out = []
        for r, key in enumerate(self._row_keys):
            if r >= self.steps.rowCount():
                break
            step: dict[str, Any] = {"key": key, **self._hidden.get(key, {})}
            for c, name in enumerate(STEP_COLUMNS):
                cell = self.steps.item(r, c)
                if cell is None or cell.flags() == Qt.ItemFlag.NoItemFlags:
                    continue
                text = cell.text().strip()
                if text:
                    step[name] = text
            if len(step) > 1 and (include_invalid or step.get("date")):
                out.append(step)
        return out

    def values(self) -> dict[str, Any]:
        return {
            **self.extra,
            **self.head.values(),
            **self.tail.values(),
            "steps": self.step_values(include_invalid=True),
        }

    # --- the live review ----------------------------------------------------------------------------------------

    def update_findings(self) -> None:
        if self._filling:
            return
        values = self.values()
        steps = []
        for s in values["steps"]:  # review only what parses; the save reports the rest at the field
            if not _valid_date(s.get("date")):
                continue
            if s.get("end_date") and not _valid_date(s["end_date"]):
                s = {k: v for k, v in s.items() if k != "end_date"}
            steps.append(s)
        try:
            amount = float(str(values.get("amount") or 0).replace(",", ""))
        except ValueError:
            amount = 0.0
        day = values.get("date") if _valid_date(values.get("date")) else days.today().isoformat()
        found = powers.review({**values, "steps": steps, "amount": amount, "date": day}, catalog=self.catalog)
        self.findings.clear()
        self.findings_title.setText(
            f"<b>合法性审查：{len(found)} 项发现</b>" if found else "<b>合法性审查：未发现问题</b>"
        )
        for f in found:
            entry = QListWidgetItem(f"【{f.label}】{f.message}")
            entry.setForeground(QColor("#c62828"))
            self.findings.addItem(entry)
        if not found:
            self.findings.addItem(QListWidgetItem("已登记的步骤符合清单要求。"))

    # --- saving ------------------------------------------------------------------------------------------------

    def save(self) -> Changes:
        values = self.values()
        village_id = self.village.village_id()
        if not village_id:
            raise ValidationError({"村": "请先在“设置”中添加村"})
        self.check_all(values)
        if self.exercise is None:
            record = powers.create_exercise(self.store, village_id, values)
        else:
            record = powers.update_exercise(self.store, self.exercise.id, values)
        self.saved = record
        changes = Changes().add(record)
        if record.get("matter_id"):
            changes.kinds.add("matter")
        return changes

    def check_all(self, values: dict[str, Any]) -> None:
        """Every problem at once — the header's and each step's — before the core checks again."""
        errors: dict[str, str] = {}
        try:
            validate(form_for("power_exercise"), {k: v for k, v in values.items() if k != "steps"})
        except ValidationError as exc:
            errors.update(exc.errors)
        item = self.item()
        for step in values["steps"]:
            spec = item.step(step["key"]) if item else None
            try:
                validate(EXERCISE_STEP, step)
            except ValidationError as exc:
                name = spec.name if spec else step["key"]
                errors.update({f"{name}·{EXERCISE_STEP.labels.get(k, k)}": v for k, v in exc.errors.items()})
        if errors:
            raise ValidationError(errors, form_for("power_exercise").labels)

    def show_validation(self, exc: ValidationError) -> None:
        for r in range(self.steps.rowCount()):
            for c in range(self.steps.columnCount()):
                cell = self.steps.item(r, c)
                if cell is not None and cell.flags() != Qt.ItemFlag.NoItemFlags:
                    cell.setBackground(QColor("white"))
        item = self.item()
        names = {s.name: n for n, s in enumerate(item.steps)} if item else {}
        labels = {EXERCISE_STEP.field(c).label: n for n, c in enumerate(STEP_COLUMNS)}
        other: list[tuple[str, str]] = []
        head = {k: v for k, v in exc.errors.items() if k in self.head.errors}
        tail = {k: v for k, v in exc.errors.items() if k in self.tail.errors}
        self.head.show_errors(head)
        self.tail.show_errors(tail)
        for key, message in exc.errors.items():
            if key in head or key in tail:
                continue
            step_name, _, label = key.partition("·")
            if step_name in names and label in labels:
                cell = self.steps.item(names[step_name], labels[label])
                if cell is not None:
                    cell.setBackground(QColor("#ffcdd2"))
            other.append((key, message))
        if other:
            self.show_message(other)
        elif not head and not tail:
            self.show_message(str(exc))
        self.message.setStyleSheet(ERROR_STYLE)


__all__ = ["ExerciseDialog", "item_description", "vocab"]


class RecipientsEdit(RowsEdit):
    COLUMNS = tuple((k, RECIPIENT_LABELS[k]) for k in RECIPIENT_KEYS)


class NoticeContentDialog(QDialog):
    """The content a 公示 notice of ``item`` shows: its declared lines, and its recipients and amounts."""

    def __init__(
        self, item: PowerItem, notice: dict[str, Any], recipients: list[Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"公示内容 · {item.name}")
        self.item = item
        fields = tuple(
            Field(f.key, f.label, "longtext" if f.type == "longtext" else "text", max_length=2000)
            for f in item.notice
        )
        self.editor = FormEditor(Form("notice", "公示内容", fields, date_field=None), values=notice)
        layout = QVBoxLayout(self)
        hint = QLabel("公示单按此打印：写明姓名，不写身份证号、电话和银行账号（公示单上一律不印）。")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addWidget(self.editor)
        self.recipients: RecipientsEdit | None = None
        if item.recipients:
            layout.addWidget(QLabel("<b>名单及金额</b>"))
            self.recipients = RecipientsEdit()
            self.recipients.set_value(recipients)
            self.recipients.table.setMaximumHeight(220)
            layout.addWidget(self.recipients)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_to_screen(self, 620, 520)

    def values(self) -> tuple[dict[str, Any], list[dict[str, str]]]:
        notice = {k: v for k, v in self.editor.values().items() if v not in (None, "")}
        return notice, self.recipients.value() if self.recipients is not None else []
