"""Every ledger as a spreadsheet: the number printed on the papers first, Chinese headers, dates as dates
and amounts as numbers in .xlsx, UTF-8 with a BOM in .csv; bad input leaves no file."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import TODAY
from village_counsel.cases import case_number
from village_counsel.demo import run_demo
from village_counsel.reports.lookup import matter_number
from village_counsel.store import Store
from village_counsel.tables import LEDGERS, TableError, export_table, ledger_records

MONTH = "2026-10"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    s = Store(tmp_path_factory.mktemp("demo") / "store.db")
    run_demo(s, seed=7, villages=2, months=3, today=TODAY)
    yield s
    s.close()


@pytest.mark.parametrize("ledger", list(LEDGERS))
def test_each_ledger_as_xlsx_and_csv(demo, tmp_path, ledger):
    records = ledger_records(demo, ledger, month=MONTH)
    assert records
    assert export_table(demo, ledger, records, tmp_path / "t.xlsx") == len(records)
    sheet = load_workbook(tmp_path / "t.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == len(records) + 1
    header = rows[0]
    assert header[0] in ("编号", "案号", "编号（案号）") and header[1] == "村（社区）"
    dates = [n for n, h in enumerate(header) if h.endswith("日期") or h == "日期"]
    assert dates and all(isinstance(r[dates[0]], date | None) for r in rows[1:])
    assert any(isinstance(r[dates[0]], date) for r in rows[1:])
    for n, h in enumerate(header):
        if "金额" in h:
            assert all(r[n] is None or isinstance(r[n], int | float) for r in rows[1:])
    export_table(demo, ledger, records, tmp_path / "t.csv")
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0] == list(header) and len(lines) == len(records) + 1


def test_the_first_column_is_the_number_on_the_papers(demo, tmp_path):
    cases = ledger_records(demo, "cases")
    export_table(demo, "cases", cases, tmp_path / "c.xlsx")
    first = [r[0] for r in load_workbook(tmp_path / "c.xlsx").active.iter_rows(min_row=2, values_only=True)]
    assert first == [case_number(demo, c) for c in cases]
    matters = ledger_records(demo, "matters", month=MONTH)
    export_table(demo, "matters", matters, tmp_path / "m.xlsx")
    first = [r[0] for r in load_workbook(tmp_path / "m.xlsx").active.iter_rows(min_row=2, values_only=True)]
    assert first == [matter_number(demo, m) for m in matters]
    exercises = ledger_records(demo, "exercises", month=MONTH)
    export_table(demo, "exercises", exercises, tmp_path / "e.csv")
    lines = list(csv.reader(io.StringIO((tmp_path / "e.csv").read_text("utf-8-sig"))))
    assert [row[0] for row in lines[1:]] == [e["number"] for e in exercises]


def test_text_that_would_break_a_sheet_is_kept_readable(store, village, tmp_path):
    from village_counsel import checklist

    entry = checklist.log_service(
        store, village.id, {"date": "2026-10-03", "duty": "法律咨询", "content": "第一行", "people": 1}
    )
    # a control character, which forms refuse now, as a store written before may still hold it
    entry = store.put(
        entry.kind,
        {**entry.data, "content": "第一行\n第二行😀\x07响铃"},
        id=entry.id,
        village_id=entry.village_id,
    )
    export_table(store, "services", [entry], tmp_path / "s.xlsx")
    (row,) = load_workbook(tmp_path / "s.xlsx").active.iter_rows(min_row=2, values_only=True)
    assert "第一行\n第二行😀响铃" in row


def test_bad_output_leaves_no_file(store, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(TableError, match=".xlsx 或 .csv"):
        export_table(store, "cases", [], out / "t.txt")
    with pytest.raises(TableError, match="没有"):
        export_table(store, "nothing", [], out / "t.xlsx")
    assert list(out.iterdir()) == []
