"""导出 Excel on every list of the window: the rows the list shows, through the command line's function."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.conftest import TODAY
from village_counsel.demo import run_demo
from village_counsel.ui.main_window import MainWindow
from village_counsel.ui.record_list import RecordList

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_every_list_exports_the_rows_it_shows(store, qtbot, tmp_path, no_modal):
    run_demo(store, seed=3, villages=2, months=2, today=TODAY)
    window = MainWindow(store)
    qtbot.addWidget(window)
    lists = window.findChildren(RecordList)
    assert {rl.kind for rl in lists} >= {"matter", "session", "power_exercise", "service_entry"}
    for n, rl in enumerate(lists):
        rl.set_filters(month="2026-10")  # a filter narrows the list: the export follows it
        assert rl.model.rowCount() < len(rl.store.list(rl.model.kind))
        shown = rl.model.rowCount()
        assert shown and rl.export_button.text() == "导出 Excel…"
        out = tmp_path / f"{n}.xlsx"
        assert rl.export_to(str(out)) == shown
        rows = list(load_workbook(out).active.iter_rows(min_row=2, values_only=True))
        assert len(rows) == shown, rl.kind
        (tmp_path / f"{n}.csv").write_bytes(b"")
        assert rl.export_to(str(tmp_path / f"{n}.csv")) == shown
