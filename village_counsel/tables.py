"""Every ledger (台账) as a spreadsheet: matters, exercises, services, cases, sessions — .xlsx (dates as
dates, amounts as numbers) or .csv (UTF-8 with a BOM, so Excel reads the Chinese).

The first column is the number printed on the record's papers (a matter's 说事-2026-11-01-2, an
exercise's P10-2026-003, a case's （2026）上张人调字第 3 号); headers are Chinese. The command line and
the window's 导出 Excel call :func:`export_table` alike."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from . import paths
from .cases import CaseNumbers
from .catalog import load_catalog
from .errors import CounselError
from .store import Record, Store
from .villages import village_names

MEDIATION_DUTY = "矛盾纠纷调解"
SUFFIXES = (".xlsx", ".csv")
# ledger → (record kind, where, sheet title)
LEDGERS: dict[str, tuple[str, str, str]] = {
    "matters": ("matter", "", "说事事项台账"),
    "exercises": ("power_exercise", "", "小微权力运行台账"),
    "services": ("service_entry", "", "法律服务台账"),
    "cases": ("service_entry", f"json_extract(data, '$.duty') = '{MEDIATION_DUTY}'", "人民调解案件台账"),
    "sessions": ("session", "", "村民说事会台账"),
}
# the list a window page shows → its ledger
LEDGER_OF_KIND = {
    "matter": "matters",
    "power_exercise": "exercises",
    "service_entry": "services",
    "session": "sessions",
}


class TableError(CounselError):
    """A spreadsheet could not be made (an unknown ledger or file type)."""


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _num(value: Any) -> float | int | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def _names(rows: Any) -> str:
    return "、".join(str(p.get("name")) for p in rows or [] if isinstance(p, dict) and p.get("name"))


class _Context:
    """What the columns look up once for many rows: village names, case numbers, matter positions."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.villages = village_names(store)
        self.case_numbers = CaseNumbers(store)
        self.catalog = load_catalog()
        self._sessions: dict[str, tuple[str, dict[str, int]]] = {}

    def village(self, record: Record) -> str:
        return self.villages.get(record.village_id or "", "")

    def matter_number(self, matter: Record) -> str:
        from .matters import session_matters

        sid = matter.get("session_id") or ""
        if sid not in self._sessions:
            session = self.store.find(sid) if sid else None
            if session is None or session.deleted:
                self._sessions[sid] = ("", {})
            else:
                ids = {m.id: n for n, m in enumerate(session_matters(self.store, sid), start=1)}
                self._sessions[sid] = (session.get("number") or "", ids)
        number, positions = self._sessions[sid]
        return f"{number}-{positions[matter.id]}" if number and matter.id in positions else ""


Column = tuple[str, Callable[[Record, _Context], Any]]


def _matter_columns() -> list[Column]:
    from .matters import status_label

    return [
        ("编号", lambda r, c: c.matter_number(r)),
        ("村（社区）", lambda r, c: c.village(r)),
        ("提出日期", lambda r, c: _day(r.get("date"))),
        ("提出人", lambda r, c: r.get("raiser")),
        ("事项内容", lambda r, c: r.get("content")),
        ("类别", lambda r, c: r.get("category")),
        ("涉法事项", lambda r, c: "是" if r.get("legal_aspect") else "否"),
        ("状态", lambda r, c: status_label(r)),
        ("处理方式", lambda r, c: r.get("route")),
        ("责任人", lambda r, c: r.get("responsible")),
        ("办理期限", lambda r, c: _day(r.get("deadline"))),
        ("办理结果", lambda r, c: r.get("result")),
        ("反馈日期", lambda r, c: _day(r.get("feedback_date"))),
        ("群众评价", lambda r, c: r.get("evaluation")),
    ]


def _exercise_columns() -> list[Column]:
    from .powers import review

    def item_name(r: Record, c: _Context) -> str:
        item = c.catalog.item(r.get("item") or "")
        return item.name if item else r.get("item") or ""

    return [
        ("编号", lambda r, c: r.get("number")),
        ("村（社区）", lambda r, c: c.village(r)),
        ("权力事项", item_name),
        ("启动日期", lambda r, c: _day(r.get("date"))),
        ("启动方式", lambda r, c: r.get("trigger")),
        ("事由", lambda r, c: r.get("subject")),
        ("申请人", lambda r, c: r.get("applicant")),
        ("金额（元）", lambda r, c: _num(r.get("amount"))),
        ("状态", lambda r, c: r.get("status")),
        ("审查发现（处）", lambda r, c: len(review(r))),
        ("乡镇备案日期", lambda r, c: _day(r.get("filing_date"))),
        ("归档号", lambda r, c: r.get("archive_ref")),
    ]


def _service_columns() -> list[Column]:
    return [
        ("编号（案号）", lambda r, c: c.case_numbers(r) if r.get("duty") == MEDIATION_DUTY else ""),
        ("村（社区）", lambda r, c: c.village(r)),
        ("日期", lambda r, c: _day(r.get("date"))),
        ("服务类型", lambda r, c: r.get("duty")),
        ("方式", lambda r, c: r.get("channel")),
        ("时长（小时）", lambda r, c: _num(r.get("hours"))),
        ("服务人数", lambda r, c: _num(r.get("people"))),
        ("走访户数", lambda r, c: _num(r.get("households"))),
        ("服务对象", lambda r, c: r.get("names")),
        ("主题", lambda r, c: r.get("topic")),
        ("内容", lambda r, c: r.get("content")),
        ("结果", lambda r, c: r.get("result")),
        ("矛盾纠纷排查（次）", lambda r, c: _num(r.get("screenings"))),
        ("排查发现纠纷（件）", lambda r, c: _num(r.get("disputes_found"))),
    ]


def _case_columns() -> list[Column]:
    return [
        ("案号", lambda r, c: c.case_numbers(r)),
        ("村（社区）", lambda r, c: c.village(r)),
        ("受理日期", lambda r, c: _day(r.get("date"))),
        ("纠纷类型", lambda r, c: r.get("dispute_type")),
        ("案件来源", lambda r, c: r.get("source")),
        ("移送单位", lambda r, c: r.get("referred_by")),
        ("申请人", lambda r, c: _names(r.get("applicants")) or r.get("parties")),
        ("被申请人", lambda r, c: _names(r.get("respondents"))),
        ("调解员", lambda r, c: r.get("mediators")),
        ("调解形式", lambda r, c: r.get("case_form")),
        ("涉及金额（元）", lambda r, c: _num(r.get("amount"))),
        ("调解结果", lambda r, c: r.get("outcome") or "正在调解"),
        ("结案日期", lambda r, c: _day(r.get("closed_on"))),
        ("协议内容", lambda r, c: r.get("agreement")),
        ("履行情况", lambda r, c: r.get("performance")),
        ("回访日期", lambda r, c: _day(r.get("visit_date"))),
        ("防止民转刑（件）", lambda r, c: _num(r.get("prevented_criminal_cases"))),
        ("防止群体性上访（件）", lambda r, c: _num(r.get("prevented_petition_cases"))),
        ("防止自杀（件）", lambda r, c: _num(r.get("prevented_suicide_cases"))),
    ]


def _session_columns() -> list[Column]:
    from .matters import session_matters

    return [
        ("编号", lambda r, c: r.get("number")),
        ("村（社区）", lambda r, c: c.village(r)),
        ("日期", lambda r, c: _day(r.get("date"))),
        ("形式", lambda r, c: r.get("format")),
        ("地点", lambda r, c: r.get("venue")),
        ("主持人", lambda r, c: r.get("host")),
        ("参加人数", lambda r, c: sum(int(v) for v in (r.get("attendance") or {}).values()) or None),
        ("事项数", lambda r, c: len(session_matters(c.store, r.id))),
    ]


COLUMNS: dict[str, Callable[[], list[Column]]] = {
    "matters": _matter_columns,
    "exercises": _exercise_columns,
    "services": _service_columns,
    "cases": _case_columns,
    "sessions": _session_columns,
}


def ledger_records(
    store: Store, ledger: str, *, month: str | None = None, village_id: str | None = None
) -> list[Record]:
    """The records of a ledger (of one month and one village when given), in date order."""
    if ledger not in LEDGERS:
        raise TableError(f"没有“{ledger}”台账；可选：{'、'.join(LEDGERS)}")
    kind, where, _ = LEDGERS[ledger]
    return store.list(kind, village_id=village_id, month=month, where=where)


def ledger_rows(store: Store, ledger: str, records: Iterable[Record]) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of ``records`` as ``ledger`` lays them out (values typed: dates, numbers)."""
    columns = COLUMNS[ledger]()
    context = _Context(store)
    rows = [[get(r, context) for _, get in columns] for r in records]
    return [name for name, _ in columns], rows


def _xlsx(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append([_cell_text(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8ECF2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for n, name in enumerate(header, start=1):
        column = [r[n - 1] for r in rows]
        letter = get_column_letter(n)
        if any(isinstance(v, date) for v in column):
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
            width = 12
        elif "金额" in name:
            for cell in sheet[letter][1:]:
                cell.number_format = "#,##0.00"
            width = 14
        else:
            longest = max([len(str(v)) for v in column if v is not None] + [len(name)])
            width = min(max(longest * 1.8, 8), 60)
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell_text(value: Any) -> Any:
    """A value for a cell: text without the control characters a spreadsheet refuses."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 32)
    return value


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row])
    return out.getvalue().encode("utf-8-sig")  # the BOM: Excel then reads it as UTF-8


def check_output(path: str | os.PathLike[str]) -> Path:
    out = Path(path).expanduser()
    if out.suffix.lower() not in SUFFIXES:
        raise TableError(f"输出文件应以 .xlsx 或 .csv 结尾，收到“{path}”")
    if out.is_dir():
        raise TableError(f"“{path}”是一个文件夹，请给出文件名")
    return out


def export_table(store: Store, ledger: str, records: Iterable[Record], path: str | os.PathLike[str]) -> int:
    """Write ``records`` as ``ledger``'s spreadsheet to ``path`` (.xlsx or .csv, written whole or not at
    all); returns the number of rows."""
    out = check_output(path)
    if ledger not in LEDGERS:
        raise TableError(f"没有“{ledger}”台账；可选：{'、'.join(LEDGERS)}")
    header, rows = ledger_rows(store, ledger, records)
    data = _xlsx(LEDGERS[ledger][2], header, rows) if out.suffix.lower() == ".xlsx" else _csv(header, rows)
    paths.write_atomic(out, data)
    return len(rows)


__all__ = [
    "LEDGERS",
    "LEDGER_OF_KIND",
    "TableError",
    "check_output",
    "export_table",
    "ledger_records",
    "ledger_rows",
]
