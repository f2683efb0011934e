"""Editors generated from the forms in ``village_counsel.forms``: one widget per field, by its type;
errors marked at the field with the core's Chinese message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from .. import vocab
from ..forms.base import Field, Form

ERROR_STYLE = "color: #c62828;"
BAD_STYLE = "border: 2px solid #c62828;"
NONE_LABEL = "（未选）"


class DateEdit(QWidget):
    """A date typed as 2026-11-05 (or picked from a calendar); empty means no date."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = QLineEdit()
        self.line.setPlaceholderText("年-月-日，如 2026-11-05")
        self.line.textChanged.connect(self.changed)
        button = QToolButton()
        button.setText("…")
        button.setToolTip("从日历选择")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        self.calendar = QCalendarWidget()
        self.calendar.clicked.connect(self._picked)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        button.setMenu(menu)
        self.button = button
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.line, 1)
        row.addWidget(button)
        self.setFocusProxy(self.line)

    def _picked(self, qdate: QDate) -> None:
        self.line.setText(qdate.toString("yyyy-MM-dd"))
        self.button.menu().hide()

    def text(self) -> str:
        return self.line.text().strip()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming)
        self.line.setText(text or "")
        try:
            d = date.fromisoformat(text)
        except (TypeError, ValueError):
            return
        self.calendar.setSelectedDate(QDate(d.year, d.month, d.day))


class CountsEdit(QWidget):
    """Attendance by role (a mapping role → count)."""

    changed = Signal()

    def __init__(self, roles: Sequence[str] = vocab.ATTENDEE_ROLES, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.spins: dict[str, QSpinBox] = {}
        for n, role in enumerate(roles):
            spin = QSpinBox()
            spin.setRange(0, 9999)
            spin.valueChanged.connect(self.changed)
            self.spins[role] = spin
            grid.addWidget(QLabel(role), n // 4, (n % 4) * 2)
            grid.addWidget(spin, n // 4, (n % 4) * 2 + 1)

    def value(self) -> dict[str, int]:
        return {k: s.value() for k, s in self.spins.items() if s.value()}

    def set_value(self, value: dict[str, int] | None) -> None:
        for k, s in self.spins.items():
            s.setValue(int((value or {}).get(k, 0) or 0))


class RowsEdit(QWidget):
    """Rows of a few text columns (a case's 申请人 or 被申请人: name, phone, ID); a blank row is always
    last, to type the next one in. Empty rows are left out of the value."""

    changed = Signal()
    COLUMNS = (("name", "姓名"), ("phone", "联系电话（可不填）"), ("id_card", "身份证号（可不填）"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([label for _, label in self.COLUMNS])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 110)
        self.table.setColumnWidth(1, 150)
        self.table.setMinimumHeight(90)
        self.table.setMaximumHeight(130)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        self.table.itemChanged.connect(self._on_item_changed)
        self._add_blank()

    def _add_blank(self) -> None:
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col in range(len(self.COLUMNS)):
            self.table.setItem(row, col, QTableWidgetItem(""))
        self.table.blockSignals(False)

    def _on_item_changed(self, _item: QTableWidgetItem) -> None:
        last = self.table.rowCount() - 1
        if any(
            (self.table.item(last, c) or QTableWidgetItem()).text().strip() for c in range(len(self.COLUMNS))
        ):
            self._add_blank()
        self.changed.emit()

    def value(self) -> list[dict[str, str]]:
        out = []
        for row in range(self.table.rowCount()):
            values = {
                key: (self.table.item(row, c) or QTableWidgetItem()).text().strip()
                for c, (key, _) in enumerate(self.COLUMNS)
            }
            if any(values.values()):
                out.append({k: v for k, v in values.items() if v})
        return out

    def set_value(self, rows: Any) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        self.table.blockSignals(False)
        for entry in rows if isinstance(rows, list) else []:
            if not isinstance(entry, dict):
                continue
            self._add_blank()
            row = self.table.rowCount() - 1
            self.table.blockSignals(True)
            for c, (key, _) in enumerate(self.COLUMNS):
                self.table.item(row, c).setText(str(entry.get(key) or ""))
            self.table.blockSignals(False)
        self._add_blank()


class FormEditor(QWidget):
    """Widgets for ``fields`` of ``form`` (all by default). ``choices`` turns a field into a drop-down
    of (label, value) pairs (e.g. the catalogue items); ``required`` adds situation-specific required
    fields (shown with a star); each field named in ``column_breaks`` starts a new column, side by side,
    to save height in a dialog that must fit a small screen."""

    changed = Signal()

    def __init__(
        self,
        form: Form,
        fields: Sequence[str | Field] | None = None,
        *,
        values: dict[str, Any] | None = None,
        required: Sequence[str] = (),
        choices: dict[str, Sequence[tuple[str, Any]]] | None = None,
        single_line: Sequence[str] = (),
        column_breaks: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.form = form
        self.single_line = set(single_line)  # long texts typed on one line (Enter saves the dialog)
        self.fields: list[Field] = []
        for f in fields if fields is not None else [f for f in form.fields if f.type != "list"]:
            self.fields.append(form.field(f) if isinstance(f, str) else f)
        self.choices = choices or {}
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.rows: dict[str, tuple[QLabel, QWidget]] = {}
        self.general = QLabel()
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        self.general.hide()
        columns = QHBoxLayout()
        columns.setContentsMargins(0, 0, 0, 0)
        layout = self._column(columns)
        needed = set(required)
        for f in self.fields:
            if f.name in column_breaks and layout.rowCount():
                layout = self._column(columns)
            widget = self._make(f)
            widget.setObjectName(f"field_{f.name}")
            if f.help:
                widget.setToolTip(f.help)
            error = QLabel()
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(widget)
            box.addWidget(error)
            label = QLabel(f.label + ("＊" if f.required or f.name in needed else "") + "：")
            layout.addRow(label, cell)
            self.widgets[f.name], self.errors[f.name] = widget, error
            self.rows[f.name] = (label, cell)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.general)
        outer.addLayout(columns)
        if values:
            self.set_values(values)

    @staticmethod
    def _column(columns: QHBoxLayout) -> QFormLayout:
        layout = QFormLayout()
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()  # a shorter column keeps its rows at the top
        column.addLayout(layout)
        column.addStretch(1)
        columns.addLayout(column, 1)
        return layout

    # --- widgets ---------------------------------------------------------------------------------------------

    def _make(self, f: Field) -> QWidget:
        if f.name in self.choices or f.type == "choice":
            combo = QComboBox()
            pairs = self.choices.get(f.name) or [(c, c) for c in f.choices]
            combo.addItem(NONE_LABEL, None)
            for label, value in pairs:
                combo.addItem(label, value)
            combo.currentIndexChanged.connect(self.changed)
            return combo
        if f.type == "longtext" and f.name not in self.single_line:
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(72)
            edit.textChanged.connect(self.changed)
            return edit
        if f.type == "bool":
            box = QCheckBox("是")
            box.toggled.connect(self.changed)
            return box
        if f.type == "date":
            d = DateEdit()
            d.changed.connect(self.changed)
            return d
        if f.type == "counts":
            c = CountsEdit()
            c.changed.connect(self.changed)
            return c
        if f.type == "list":  # (the lists an editor shows itself: a case's parties)
            rows = RowsEdit()
            rows.changed.connect(self.changed)
            return rows
        line = QLineEdit()
        if f.type in ("int", "float", "money"):
            line.setAlignment(Qt.AlignmentFlag.AlignRight)
            line.setMaximumWidth(180)
        if f.max_length:
            line.setMaxLength(f.max_length + 50)  # the core gives the message; this only stops pastes
        if f.help:
            line.setPlaceholderText(f.help)
        line.textChanged.connect(self.changed)
        return line

    def widget(self, name: str) -> QWidget:
        return self.widgets[name]

    def set_visible(self, name: str, visible: bool) -> None:
        label, cell = self.rows[name]
        label.setVisible(visible)
        cell.setVisible(visible)

    # --- values ----------------------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The entered values; empty fields are None (the core decides what is required)."""
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.widgets[f.name]
            if isinstance(w, QComboBox):
                value = w.currentData()
            elif isinstance(w, QPlainTextEdit):
                value = w.toPlainText().strip() or None
            elif isinstance(w, QCheckBox):
                value = w.isChecked()
            elif isinstance(w, DateEdit):
                value = w.text() or None
            elif isinstance(w, CountsEdit | RowsEdit):
                value = w.value()
            else:
                value = w.text().strip() or None  # type: ignore[attr-defined]
            out[f.name] = value
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        for f in self.fields:
            if f.name not in values:
                continue
            value = values[f.name]
            w = self.widgets[f.name]
            if isinstance(w, QComboBox):
                index = w.findData(value) if value is not None else 0
                if index < 0 and value is not None:
                    w.addItem(str(value), value)
                    index = w.count() - 1
                w.setCurrentIndex(index)
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText("" if value is None else str(value))
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, CountsEdit | RowsEdit):
                w.set_value(value)
            elif isinstance(w, DateEdit):
                w.setText("" if value is None else str(value))
            else:
                text = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
                w.setText(text)  # type: ignore[attr-defined]

    # --- errors ----------------------------------------------------------------------------------------------

    def clear_errors(self) -> None:
        for name, label in self.errors.items():
            label.hide()
            self.widgets[name].setStyleSheet("")
        self.general.hide()

    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Mark each bad field with its message; returns the messages of errors not on a field here."""
        self.clear_errors()
        other = []
        first: QWidget | None = None
        for name, message in errors.items():
            if name in self.errors:
                self.errors[name].setText(message)
                self.errors[name].show()
                self.widgets[name].setStyleSheet(BAD_STYLE)
                first = first or self.widgets[name]
            else:
                other.append(f"{self.form.labels.get(name, name)}：{message}")
        if first is not None:
            first.setFocus()
        return other

    def show_general(self, messages: Sequence[str]) -> None:
        if messages:
            self.general.setText("\n".join(messages))
            self.general.show()
