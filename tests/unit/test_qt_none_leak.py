"""Guard against the PySide6 6.12.0 leak on Python 3.11 (DESIGN.md "Known ground"): every call of a Qt method
that returns nothing dropped one reference to ``None``, and after ~5,000 calls the interpreter aborted with
"Fatal Python error: none_dealloc". 20,000 such calls must leave ``None``'s reference count where it was."""

from __future__ import annotations

import sys

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel

CALLS = 20_000


def test_void_qt_calls_do_not_leak_none(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for n in range(CALLS // 4):
        label.setText(f"第 {n} 次")
        label.setEnabled(n % 2 == 0)
        label.resize(QSize(100 + n % 7, 20))
        label.setToolTip("")
    after = sys.getrefcount(None)
    # the leak lost one reference per call (20,000 here); ordinary interpreter noise is far below 500
    assert before - after < 500, f"None lost {before - after} references in {CALLS} void Qt calls"
    assert label.text() == f"第 {CALLS // 4 - 1} 次"
