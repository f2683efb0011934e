"""UI fixtures: a store with a village and a profile; dialogs driven without a modal loop."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from village_counsel.villages import create_village, set_profile


@pytest.fixture
def ui_store(store):
    set_profile(store, {"name": "王律师", "firm": "象山丹城律师事务所"})
    create_village(store, {"name": "上张村", "township": "西周镇"})
    create_village(store, {"name": "东门村", "township": "石浦镇"})
    return store


@pytest.fixture
def village_ids(ui_store):
    from village_counsel.villages import list_villages

    return {v["name"]: v.id for v in list_villages(ui_store)}


@pytest.fixture
def no_modal(monkeypatch):
    """Make ``exec()`` of every dialog class in ``handlers`` call a handler instead of blocking.

    Register ``handlers[ClassName] = fn(dialog) -> result``; other dialogs are rejected."""
    handlers: dict[str, object] = {}
    seen: list[QDialog] = []

    def fake_exec(self):  # noqa: ANN001
        seen.append(self)
        handler = handlers.get(type(self).__name__)
        if handler is None:
            return QDialog.DialogCode.Rejected
        return handler(self)

    monkeypatch.setattr(QDialog, "exec", fake_exec)
    handlers["__seen__"] = seen
    return handlers


def set_text(editor, name, value):
    """Type into a generated editor's field whatever its widget."""
    from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit

    from village_counsel.ui.form_editor import DateEdit

    w = editor.widget(name)
    if isinstance(w, QComboBox):
        index = w.findData(value)
        assert index >= 0, f"{value!r} not a choice of {name}"
        w.setCurrentIndex(index)
    elif isinstance(w, QPlainTextEdit):
        w.setPlainText(value)
    elif isinstance(w, QCheckBox):
        w.setChecked(bool(value))
    elif isinstance(w, DateEdit | QLineEdit):
        w.setText(value)
    else:
        raise AssertionError(type(w))
