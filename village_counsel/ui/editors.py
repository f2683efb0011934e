"""Editor dialogs: 说事会 with its matters, a matter's stage actions, the service log, villages.
Each save is one core call (one transaction): invalid input is marked at the field, nothing is saved."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import checklist, days, matters, search, vocab
from ..catalog import load_catalog
from ..errors import CounselError, ValidationError
from ..forms import form_for
from ..forms.base import Field, Form, validate
from ..store import Changes, Record, Store
from ..villages import create_village, update_village
from .common import Hub, VillageCombo, fit_to_screen, report_error
from .form_editor import ERROR_STYLE, FormEditor

log = logging.getLogger(__name__)

# --- the base dialog -------------------------------------------------------------------------------------------


DISCARD_QUESTION = "放弃未保存的修改？"
DISCARD_BUTTON = "放弃修改"
KEEP_EDITING_BUTTON = "继续编辑"
_NOT_SHOWN = object()  # no snapshot yet: the dialog has not been shown


class RecordDialog(QDialog):
    """A dialog with a body and 保存 (Ctrl+S) / 取消. ``save`` returns what changed or raises.

    取消, Esc and the window's close button ask before throwing away changes made since the dialog was
    shown: what a save would store (:meth:`current_values`) is compared with a snapshot taken then."""

    def __init__(self, title: str, parent: QWidget | None = None, *, scroll: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.hide()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("保存 (Ctrl+S)", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.on_save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.on_save)
        layout = QVBoxLayout(self)
        if scroll:
            area = QScrollArea()
            area.setWidgetResizable(True)
            area.setWidget(self.body)
            layout.addWidget(area, 1)
        else:
            layout.addWidget(self.body, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.changes = Changes()
        self.saved: Record | None = None
        self._start: Any = _NOT_SHOWN
        self._closing = False

    def save(self) -> Changes:  # pragma: no cover - overridden
        raise NotImplementedError

    # --- leaving without saving ------------------------------------------------------------------------------

    def current_values(self) -> Any:
        """What a save would store, as plain data to compare: the dialog's own ``values()`` where it has
        one (the exercise editor), else every form editor's values; with the village chosen. A dialog with
        further inputs (the session's matter rows) adds them."""
        own = getattr(self, "values", None)
        parts: list[Any] = [own()] if callable(own) else [e.values() for e in self.findChildren(FormEditor)]
        parts += [combo.village_id() for combo in self.findChildren(VillageCombo)]
        return parts

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._start is _NOT_SHOWN:  # once filled in by the constructor and whoever opened the dialog
            self._start = self.current_values()

    def has_unsaved_changes(self) -> bool:
        if self._start is _NOT_SHOWN:
            return False
        try:
            return self.current_values() != self._start
        except Exception:  # a bug reading the values: ask rather than lose work
            log.exception("could not compare the dialog's values")
            return True

    def confirm_discard(self) -> bool:
        """Ask whether to throw away the changes; 继续编辑 is the default (Enter and Esc keep editing)."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.windowTitle())
        box.setText(DISCARD_QUESTION)
        discard = box.addButton(DISCARD_BUTTON, QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(KEEP_EDITING_BUTTON, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is discard

    def reject(self) -> None:
        """取消 and Esc: close at once when nothing changed, else ask first."""
        if not self._closing and self.has_unsaved_changes() and not self.confirm_discard():
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        # The window's close button (a spontaneous event) asks like 取消; a close() from the program
        # (shutting down, tests) does not wait for an answer. QDialog's own closeEvent then rejects.
        if event.spontaneous() and self.has_unsaved_changes() and not self.confirm_discard():
            event.ignore()
            return
        self._closing = True
        try:
            super().closeEvent(event)
        finally:
            self._closing = False

    def show_validation(self, exc: ValidationError) -> None:
        """Mark fields; messages for fields not on an editor go below the body."""
        self.show_message(list(exc.errors.items()))

    def show_message(self, items: list[tuple[str, str]] | str) -> None:
        if isinstance(items, str):
            self.message.setText(items)
        else:
            self.message.setText("请改正以下内容：\n" + "\n".join(f"· {k}：{v}" for k, v in items))
        self.message.show()

    def on_save(self) -> None:
        self.message.hide()
        try:
            self.changes = self.save()
        except ValidationError as exc:
            self.show_validation(exc)
            return
        except CounselError as exc:
            self.show_message(str(exc))
            return
        except Exception as exc:  # a bug: logged, the user sees a short message; nothing half-saved
            report_error(self, exc)
            return
        self.accept()


def _editor_errors(editor: FormEditor, exc: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """Put ``exc``'s errors on ``editor``'s fields; return the rest as (label, message)."""
    own = {
        k[len(prefix) :]: v
        for k, v in exc.errors.items()
        if k.startswith(prefix) and k[len(prefix) :] in editor.errors
    }
    editor.show_errors(own)
    return [(editor.form.labels.get(k, k), v) for k, v in exc.errors.items() if k[len(prefix) :] not in own]


def _village_row(store: Store, village_id: str | None, editable: bool) -> tuple[QWidget, VillageCombo]:
    combo = VillageCombo(store, all_label=None)
    if village_id:
        combo.set_village(village_id)
    combo.setEnabled(editable)
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(QLabel("村＊："))
    lay.addWidget(combo)
    lay.addStretch(1)
    return row, combo


# --- 说事会 with its matters -------------------------------------------------------------------------------------

MATTER_ROW_FIELDS = ("raiser", "content", "category", "legal_aspect", "raiser_phone")


class SessionDialog(RecordDialog):
    """A 说事会 and its matters in one editor; new matters are saved with the session, all or nothing."""

    def __init__(
        self,
        store: Store,
        session: Record | None = None,
        *,
        village_id: str | None = None,
        parent: QWidget | None = None,
        opener: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__("编辑说事会" if session else "新建说事会", parent)
        self.store, self.session, self.opener = store, session, opener
        fit_to_screen(self, 980, 680)
        row, self.village = _village_row(
            store, session.village_id if session else village_id, session is None
        )
        self.body_layout.addWidget(row)
        self.editor = FormEditor(
            form_for("session"),
            values=session.data
            if session
            else {"date": days.today().isoformat(), "format": vocab.SESSION_FORMATS[0]},
        )
        self.body_layout.addWidget(self.editor)
        self.body_layout.addWidget(QLabel("<b>说事事项</b>（每行一件；提出人、内容、类别必填）"))
        self.existing = matters.session_matters(store, session.id) if session else []
        if self.existing:
            box = QVBoxLayout()
            for m in self.existing:
                link = QPushButton(
                    f"{m.get('raiser', '')}：{m.get('content', '')[:40]} — {matters.status_label(m)}"
                )
                link.setFlat(True)
                link.setStyleSheet("text-align: left; color: #1565c0;")
                link.clicked.connect(lambda _=False, mid=m.id: self.opener and self.opener("matter", mid))
                box.addWidget(link)
            self.body_layout.addLayout(box)
        form = form_for("matter")
        self.table = QTableWidget(0, len(MATTER_ROW_FIELDS))
        self.table.setHorizontalHeaderLabels(
            [form.field(n).label + ("＊" if form.field(n).required else "") for n in MATTER_ROW_FIELDS]
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 110)
        self.table.setColumnWidth(2, 130)
        self.table.setColumnWidth(3, 80)
        self.table.setColumnWidth(4, 140)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.table.setMinimumHeight(200)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.body_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        add = QPushButton("添加事项")
        add.clicked.connect(self.add_row)
        remove = QPushButton("移除所选新事项")
        remove.clicked.connect(
            lambda: self.table.removeRow(self.table.currentRow()) if self.table.currentRow() >= 0 else None
        )
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        self.body_layout.addLayout(buttons)
        if session is None:
            self.add_row()

    def add_row(self, values: dict[str, Any] | None = None) -> int:
        values = values or {}
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, name in enumerate(MATTER_ROW_FIELDS):
            if name == "category":
                combo = QComboBox()
                combo.addItem("（未选）", None)
                for c in vocab.CATEGORIES:
                    combo.addItem(c, c)
                if values.get(name):
                    combo.setCurrentIndex(combo.findData(values[name]))
                self.table.setCellWidget(row, col, combo)
            elif name == "legal_aspect":
                check = QCheckBox("涉法")
                check.setChecked(bool(values.get(name)))
                self.table.setCellWidget(row, col, check)
            else:
                self.table.setItem(row, col, QTableWidgetItem(str(values.get(name) or "")))
        return row

    def matter_rows(self) -> list[dict[str, Any]]:
        rows = []
        for row in range(self.table.rowCount()):
            values: dict[str, Any] = {}
            for col, name in enumerate(MATTER_ROW_FIELDS):
                widget = self.table.cellWidget(row, col)
                if isinstance(widget, QComboBox):
                    values[name] = widget.currentData()
                elif isinstance(widget, QCheckBox):
                    values[name] = widget.isChecked()
                else:
                    item = self.table.item(row, col)
                    values[name] = (item.text().strip() if item else "") or None
            if any(v for k, v in values.items() if k != "legal_aspect") or values.get("legal_aspect"):
                rows.append(values)
        return rows

    def current_values(self) -> Any:
        return [*super().current_values(), self.matter_rows()]

    def save(self) -> Changes:
        self.editor.clear_errors()
        values = self.editor.values()
        rows = self.matter_rows()
        village_id = self.village.village_id()
        if not village_id:
            raise ValidationError({"村": "请先在“设置”中添加村"})
        changes = Changes()
        if self.session is None:
            session, created = matters.create_session(self.store, village_id, values, rows)
        else:
            with self.store.transaction():
                session = matters.update_session(self.store, self.session.id, values)
                created = [matters.add_matter(self.store, self.session.id, r) for r in rows]
        self.saved = session
        changes.add(session)
        for m in created:
            changes.add(m)
        return changes

    def show_validation(self, exc: ValidationError) -> None:
        form = form_for("matter")
        matter_errors = [(k, v) for k, v in exc.errors.items() if k.startswith("事项")]
        for k, _v in matter_errors:  # "事项2·content": mark the cell
            try:
                n, name = k[2:].split("·", 1)
                row, col = int(n) - 1, MATTER_ROW_FIELDS.index(name)
            except ValueError:
                continue
            item = self.table.item(row, col)
            if item is not None:
                item.setBackground(Qt.GlobalColor.yellow)
            widget = self.table.cellWidget(row, col)
            if widget is not None:
                widget.setStyleSheet("border: 2px solid #c62828;")
        own = {k: v for k, v in exc.errors.items() if not k.startswith("事项")}
        other = [(k, v) for k, v in own.items() if k not in self.editor.errors]
        self.editor.show_errors({k: v for k, v in own.items() if k in self.editor.errors})
        readable = []
        for k, v in matter_errors:
            n, _, name = k[2:].partition("·")
            readable.append((f"第 {n} 件事项·{form.labels.get(name, name)}", v))
        if other or readable:
            self.show_message([*other, *readable])


# --- a matter: its details, stage actions and links --------------------------------------------------------------

STAGE_FIELDS: dict[str, list[str | Field]] = {
    "deliberate": [
        Field("decided_on", "议事日期", "date", required=True),
        "discussion",
        "route",
        "responsible",
        "deadline",
        "reject_reason",
    ],
    "handle": ["result", "feedback_date"],
    "evaluate": [Field("evaluated_on", "评事日期", "date", required=True), "evaluation", "evaluation_note"],
}
STAGE_REQUIRED = {
    "deliberate": ("discussion", "route"),
    "handle": ("result", "feedback_date"),
    "evaluate": ("evaluation",),
}
_EXTRA_DATES = Form(
    "stage", "阶段", (Field("decided_on", "议事日期", "date"), Field("evaluated_on", "评事日期", "date"))
)


class StageDialog(RecordDialog):
    """议事 / 办事 / 评事 of one matter, with the fields that stage needs."""

    def __init__(self, store: Store, matter: Record, action: str, parent: QWidget | None = None) -> None:
        super().__init__(f"{matters.ACTION_LABELS[action]}：{matter.get('content', '')[:20]}", parent)
        self.store, self.matter, self.action = store, matter, action
        fit_to_screen(self, 760, 600)
        summary = QLabel(
            f"<b>{escape(str(matter.get('raiser', '')))}</b> 提出（{matter.get('date', '')}，"
            f"{matter.get('category', '')}）：{escape(str(matter.get('content', '')))}"
        )
        summary.setWordWrap(True)
        summary.setTextFormat(Qt.TextFormat.RichText)
        self.body_layout.addWidget(summary)
        today = days.today().isoformat()
        start = {"decided_on": today, "evaluated_on": today, "feedback_date": today}
        self.editor = FormEditor(
            form_for("matter"),
            STAGE_FIELDS[action],
            values={**matter.data, **start},
            required=STAGE_REQUIRED[action],
        )
        self.body_layout.addWidget(self.editor)
        self.body_layout.addStretch(1)
        if action == "deliberate":
            self.hint = QLabel()
            self.hint.setWordWrap(True)
            self.body_layout.addWidget(self.hint)
            self.editor.widget("route").currentIndexChanged.connect(self.on_route_changed)  # type: ignore[attr-defined]
            self.on_route_changed()

    def on_route_changed(self) -> None:
        route = self.editor.values().get("route")
        self.editor.set_visible("responsible", route in (vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP))
        self.editor.set_visible("deadline", route in (vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP))
        self.editor.set_visible("reject_reason", route == vocab.ROUTE_REJECT)
        hints = {
            vocab.ROUTE_MEDIATION: "保存后自动建立一条人民调解台账（已填好当事人和事由），并打开供补充。",
            vocab.ROUTE_DECISION: "保存后自动建立一项“村级重大事项决策（五议决策法）”记录，并打开供逐步登记。",
            vocab.ROUTE_VILLAGE: "办理期限留空则为议事日期后 7 天。",
            vocab.ROUTE_TOWNSHIP: "办理期限留空则为议事日期后 7 天。",
        }
        self.hint.setText(hints.get(route, ""))

    def save(self) -> Changes:
        values = self.editor.values()
        dates = {k: v for k, v in values.items() if k in ("decided_on", "evaluated_on")}
        validate(_EXTRA_DATES, dates, required=list(dates))
        values = {
            k: v
            for k, v in values.items()
            if not (k in ("responsible", "deadline", "reject_reason") and self.editor.rows[k][1].isHidden())
        }
        if self.action == "deliberate":
            record, changes = matters.deliberate(self.store, self.matter.id, values)
        elif self.action == "handle":
            record = matters.handle(self.store, self.matter.id, values)
            changes = Changes().add(record)
        else:
            record = matters.evaluate(self.store, self.matter.id, values)
            changes = Changes().add(record)
        self.saved = record
        return changes

    def show_validation(self, exc: ValidationError) -> None:
        other = _editor_errors(self.editor, exc)
        if other:
            self.show_message(other)


class MatterDialog(QDialog):
    """One matter: what was raised, its stages so far, the actions now allowed and its links."""

    def __init__(
        self,
        store: Store,
        hub: Hub,
        matter_id: str,
        opener: Callable[[str, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.hub, self.matter_id, self.opener = store, hub, matter_id, opener
        self.setWindowTitle("说事事项")
        fit_to_screen(self, 760, 560)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(self.text)
        self.actions_row = QHBoxLayout()
        self.links_row = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(area, 1)
        layout.addLayout(self.links_row)
        layout.addLayout(self.actions_row)
        self.refresh()

    def refresh(self) -> None:
        m = self.store.get("matter", self.matter_id, include_deleted=True)
        self.matter = m
        labels = form_for("matter").labels
        lines = [f"<p style='font-size:large'><b>{escape(str(m.get('content', '')))}</b></p>"]
        overdue = matters.is_overdue(m)
        state = matters.status_label(m) + (
            "　<span style='color:#c62828'><b>已逾期</b></span>"
            if overdue
            else ("　<span style='color:#c62828'>逾期办结</span>" if matters.handled_late(m) else "")
        )
        lines.append(f"<p>状态：{state}{'（已删除）' if m.deleted else ''}</p><table cellpadding=3>")
        for key in (f.name for f in form_for("matter").fields if f.name != "content"):  # content: the title
            v = m.get(key)
            if v in (None, ""):
                continue
            if isinstance(v, bool):
                v = "是" if v else "否"
            lines.append(
                f"<tr><td align=right style='color:#555'>{labels[key]}：</td><td>{escape(str(v))}</td></tr>"
            )
        lines.append("</table><p><b>经过</b></p><ul>")
        for ev in m.get("events", []):
            extra = ev.get("route") or ev.get("evaluation") or ""
            lines.append(
                f"<li>{ev['date']} {ev['stage']} {extra}{'（重新打开）' if ev.get('reopened') else ''}</li>"
            )
        lines.append("</ul>")
        self.text.setText("".join(lines))
        for row in (self.actions_row, self.links_row):
            while row.count():
                item = row.takeAt(0)
                if item.widget():
                    item.widget().deleteLater()
        self.links_row.addWidget(QLabel("关联："))
        session = self.store.find(m.get("session_id", ""))
        if session is not None:
            self._link("说事会 " + search.title(session), "session", session.id)
        if m.get("mediation_id"):
            self._link("人民调解台账 →", "service_entry", m["mediation_id"])
        if m.get("exercise_id"):
            self._link("五议决策记录 →", "power_exercise", m["exercise_id"])
        # a reopened matter's earlier rounds keep their links in their events (matters._keep_round)
        earlier = [e for e in m.get("events", []) if isinstance(e, dict) and e.get("stage") == "议事"]
        for n, event in enumerate(earlier, start=1):
            for key, kind, label in (
                ("mediation_id", "service_entry", "人民调解台账"),
                ("exercise_id", "power_exercise", "五议决策记录"),
            ):
                if event.get(key) and event[key] != m.get(key):
                    self._link(f"第 {n} 轮{label} →", kind, event[key])
        self.links_row.addStretch(1)
        for action in matters.allowed_actions(m) if not m.deleted else []:
            button = QPushButton(f"{matters.ACTION_LABELS[action]}…")
            button.setObjectName(f"action_{action}")
            button.clicked.connect(lambda _=False, a=action: self.run_action(a))
            self.actions_row.addWidget(button)
        if not m.deleted:
            edit = QPushButton("修改…")
            edit.setObjectName("action_edit")
            edit.clicked.connect(self.edit)
            self.actions_row.addWidget(edit)
        if not matters.allowed_actions(m) and m.get("stage") == "议事":
            self.actions_row.addWidget(QLabel("等待关联记录办结后自动进入“办事”。"))
        self.actions_row.addStretch(1)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        self.actions_row.addWidget(close)

    def _link(self, text: str, kind: str, record_id: str) -> None:
        button = QPushButton(text)
        button.setObjectName(f"link_{kind}")
        button.clicked.connect(lambda: self.opener(kind, record_id))
        self.links_row.addWidget(button)

    def run_action(self, action: str) -> None:
        advance_matter(self, self.store, self.hub, self.matter, action, self.opener, after=self.refresh)

    def edit(self) -> None:
        dialog = MatterEditDialog(self.store, self.matter, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.hub.emit_changes(dialog.changes)
            self.refresh()


class MatterEditDialog(RecordDialog):
    """Correct what was recorded of a matter; its stage moves only through 议事 / 办事 / 评事."""

    def __init__(self, store: Store, matter: Record, parent: QWidget | None = None) -> None:
        super().__init__("修改说事事项", parent)
        self.store, self.matter = store, matter
        self.editor = FormEditor(form_for("matter"), matters.editable_fields(matter), values=matter.data)
        self.body_layout.addWidget(self.editor)
        fit_to_screen(self, 640, 560)

    def save(self) -> Changes:
        record = matters.update_matter(self.store, self.matter.id, self.editor.values())
        self.saved = record
        return Changes().add(record)

    def show_validation(self, exc: ValidationError) -> None:
        other = _editor_errors(self.editor, exc)
        if other:
            self.show_message(other)


def advance_matter(
    parent: QWidget,
    store: Store,
    hub: Hub,
    matter: Record,
    action: str,
    opener: Callable[[str, str], None],
    after: Callable[[], None] | None = None,
) -> Record | None:
    """Run a stage dialog; after 转调解 / 转五议决策 open the new, pre-filled linked record (enter once)."""
    dialog = StageDialog(store, matter, action, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    hub.emit_changes(dialog.changes)
    saved = dialog.saved
    if after is not None:
        after()
    if saved is not None and action == "deliberate":
        if saved.get("route") == vocab.ROUTE_MEDIATION and saved.get("mediation_id"):
            opener("service_entry", saved["mediation_id"])
        elif saved.get("route") == vocab.ROUTE_DECISION and saved.get("exercise_id"):
            opener("power_exercise", saved["exercise_id"])
        if after is not None:
            after()
    return saved


# --- the service log ------------------------------------------------------------------------------------------------

QUICK_FIELDS = ("date", "duty", "hours", "people", "topic", "content")
MEDIATION_FIELDS = (
    "dispute_type",
    "source",
    "referred_by",
    "case_form",
    "parties",
    "applicants",
    "respondents",
    "mediators",
    "amount",
    "outcome",
    "closed_on",  # 结案日期: the month the outcome counts in
    "prevented_criminal_cases",
    "prevented_criminal_people",
    "prevented_petition_cases",
    "prevented_petition_people",
    "prevented_suicide_cases",
    "prevented_suicide_people",
    "agreement",
    "performance",
    "follow_up",
    "visit_by",
    "visit_date",
    "visit_result",
    "papers",
)
VISIT_FIELDS = ("households",)  # 走访 counts households and people apart
REVIEW_FIELDS = ("doc_type", "review_outcome")


class ServiceDialog(RecordDialog):
    """A service-log entry. ``quick`` shows only the few fields of an everyday entry (Ctrl+L)."""

    last: dict[str, Any] = {}  # the village and duty of the previous quick entry, offered again

    def __init__(
        self,
        store: Store,
        entry: Record | None = None,
        *,
        quick: bool = False,
        village_id: str | None = None,
        duty: str | None = None,
        parent: QWidget | None = None,
        opener: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(
            "记一笔服务台账" if quick else ("服务台账" if entry else "新建服务台账"), parent, scroll=not quick
        )
        self.store, self.entry, self.quick, self.opener = store, entry, quick, opener
        fit_to_screen(self, 720, 420 if quick else 680)
        catalog = load_catalog()
        village_id = village_id or (entry.village_id if entry else self.last.get("village_id"))
        row, self.village = _village_row(store, village_id, entry is None)
        self.body_layout.addWidget(row)
        # the quick form shows a duty's required fields too when that duty is chosen (a mediation case's
        # dispute type and source, a review's document type): else it could not be saved
        fields = (
            [*QUICK_FIELDS, *checklist.DUTY_REQUIRED]
            if quick
            else [f.name for f in form_for("service_entry").fields]
        )
        values = (
            dict(entry.data)
            if entry
            else {
                "date": days.today().isoformat(),
                "duty": duty or self.last.get("duty") or catalog.duty_names[0],
                "hours": 1,
                "people": 1,
            }
        )
        self.editor = FormEditor(
            form_for("service_entry"),
            fields,
            values=values,
            choices={"duty": [(n, n) for n in catalog.duty_names]},
            # (shown only for the duty that requires them: starred, as they then are)
            required=checklist.DUTY_REQUIRED,
            single_line=("content",) if quick else (),
        )
        if entry is not None and entry.get("duty") == checklist.MEDIATION_DUTY:
            from ..cases import case_number

            number = QLabel(f"案号：{case_number(store, entry)}")
            number.setObjectName("case_number")
            number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.body_layout.addWidget(number)
        self.body_layout.addWidget(self.editor)
        if entry is not None and entry.get("matter_id") and opener is not None:
            link = QPushButton("来自说事事项 →")
            link.setObjectName("link_matter")
            link.clicked.connect(lambda: opener("matter", entry["matter_id"]))
            self.body_layout.addWidget(link)
        self.editor.widget("duty").currentIndexChanged.connect(self.on_duty_changed)  # type: ignore[attr-defined]
        self.on_duty_changed()
        if quick:
            hint = QLabel("回车保存，Esc 取消。需要填写调解或审查详情时，在“工作清单”中打开完整表单。")
            hint.setWordWrap(True)
            hint.setStyleSheet("color:#555")
            self.body_layout.addWidget(hint)
            self.save_button.setDefault(True)
            self.editor.widget("content").setFocus()
        self.body_layout.addStretch(1)

    def on_duty_changed(self) -> None:
        values = self.editor.values()
        duty = values.get("duty")
        needed = checklist.required_for(duty)
        if duty in checklist.PRESENCE_DUTIES and not values.get("channel"):  # (said, and changeable)
            combo = self.editor.widget("channel")
            combo.setCurrentIndex(max(combo.findData("现场"), 0))  # type: ignore[attr-defined]
        # 方式 is asked of every entry, required (starred) only where presence is claimed
        label = self.editor.rows["channel"][0]
        label.setText(
            form_for("service_entry").field("channel").label + ("＊" if "channel" in needed else "") + "："
        )
        if self.quick:  # only what this duty requires
            for name in checklist.DUTY_REQUIRED:
                self.editor.set_visible(name, name in needed)
            return
        for name in MEDIATION_FIELDS:
            self.editor.set_visible(name, duty == checklist.MEDIATION_DUTY)
        # a case recorded before 申请人 / 被申请人 were asked keeps its one line of 当事人 (shown only then)
        old_parties = bool(self.entry is not None and self.entry.get("parties"))
        self.editor.set_visible("parties", duty == checklist.MEDIATION_DUTY and old_parties)
        for name in REVIEW_FIELDS:
            self.editor.set_visible(name, duty == checklist.REVIEW_DUTY)
        for name in VISIT_FIELDS:
            self.editor.set_visible(name, duty == "走访")

    def save(self) -> Changes:
        values = self.editor.values()
        # what another duty's fields held (chosen, then the duty changed) is not this entry's
        duty = values.get("duty")
        other = [
            *(MEDIATION_FIELDS if duty != checklist.MEDIATION_DUTY else ()),
            *(REVIEW_FIELDS if duty != checklist.REVIEW_DUTY else ()),
            *(VISIT_FIELDS if duty != "走访" else ()),
        ]
        for name in other:
            if self.entry is not None and self.entry.get(name) not in (None, ""):
                values[name] = None  # (an edit merges into the stored data: clear it there)
            else:
                values.pop(name, None)
        village_id = self.village.village_id()
        if not village_id:
            raise ValidationError({"村": "请先在“设置”中添加村"})
        today = days.today().isoformat()
        if str(values.get("date") or "") > today and str(values.get("date") or "")[:4].isdigit():
            # the log records services given (a date typed a year off would count for a duty to come)
            raise ValidationError(
                {"date": f"不能晚于今天（{today}）：台账记录已经做过的服务"}, form_for("service_entry").labels
            )
        if self.entry is None:
            record = checklist.log_service(self.store, village_id, values)
        else:
            record = checklist.update_service(self.store, self.entry.id, values)
        ServiceDialog.last = {"village_id": village_id, "duty": values.get("duty")}
        self.saved = record
        changes = Changes().add(record)
        if record.get("matter_id"):
            changes.kinds.add("matter")
        return changes

    def show_validation(self, exc: ValidationError) -> None:
        other = _editor_errors(self.editor, exc)
        if other:
            self.show_message(other)


# --- villages and the profile -------------------------------------------------------------------------------------


class VillageDialog(RecordDialog):
    def __init__(self, store: Store, village: Record | None = None, parent: QWidget | None = None) -> None:
        super().__init__("编辑村" if village else "添加村", parent, scroll=False)
        self.store, self.village = store, village
        self.editor = FormEditor(form_for("village"), values=village.data if village else {})
        self.body_layout.addWidget(self.editor)
        fit_to_screen(self, 560, 480)

    def save(self) -> Changes:
        values = self.editor.values()
        record = (
            update_village(self.store, self.village.id, values)
            if self.village
            else create_village(self.store, values)
        )
        self.saved = record
        return Changes().add(record)

    def show_validation(self, exc: ValidationError) -> None:
        other = _editor_errors(self.editor, exc)
        if other:
            self.show_message(other)


def open_record(parent: QWidget, store: Store, hub: Hub, kind: str, record_id: str) -> None:
    """Open the editor of any record (search results, links, dashboard figures)."""
    from .exercise_editor import ExerciseDialog

    def opener(k: str, i: str) -> None:
        open_record(parent, store, hub, k, i)

    record = store.find(record_id)
    if record is None or record.deleted:
        report_error(parent, CounselError("该记录已被删除或不存在。"))
        return
    dialog: QDialog
    if kind == "matter":
        MatterDialog(store, hub, record_id, opener, parent).exec()
        return
    if kind == "session":
        dialog = SessionDialog(store, record, parent=parent, opener=opener)
    elif kind == "power_exercise":
        dialog = ExerciseDialog(store, record, parent=parent, opener=opener)
    elif kind == "service_entry":
        dialog = ServiceDialog(store, record, parent=parent, opener=opener)
    elif kind == "village":
        dialog = VillageDialog(store, record, parent=parent)
    else:
        return
    if dialog.exec() == QDialog.DialogCode.Accepted:
        hub.emit_changes(dialog.changes)  # type: ignore[attr-defined]
