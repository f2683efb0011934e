"""The structure of the record fields that are not form fields (a matter's stage and history, an
exercise's steps): checked on import, so a foreign file cannot store what the program cannot read."""

from __future__ import annotations

from datetime import date
from typing import Any

from . import vocab
from .errors import ValidationError
from .forms.base import is_clean, is_iso_date, validate
from .forms.definitions import EXERCISE_STEP, PARTY

_LINKS = {
    "village": ("merged_into",),
    "session": ("service_id",),
    "matter": ("session_id", "mediation_id", "exercise_id"),
    "power_exercise": ("matter_id",),
    "service_entry": ("matter_id", "session_id"),
}


MAX_FIGURES = 200  # figures of one submitted month


def _is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if is_iso_date(value):  # the usual form, cached
        return True
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _rows(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def shape_problem(kind: str, data: dict[str, Any]) -> str | None:
    """A Chinese description of the first structural problem, or None. (The import's fast path,
    sync/fastlines.py, types the same rules for the lines it takes: change both together;
    tests/unit/test_fastlines.py checks that they agree.)"""
    for key in _LINKS.get(kind, ()):
        link = data.get(key)
        if link is not None and not (isinstance(link, str) and 0 < len(link) <= 64):
            return f"关联字段 {key} 无效"
    if kind == "matter":
        if data.get("stage") not in vocab.STAGES:
            return "事项阶段无效"
        events = data.get("events", [])
        if not _rows(events) or not all(
            e.get("stage") in vocab.STAGES and _is_date(e.get("date")) for e in events
        ):
            return "事项经过（events）格式无效"
        evaluations = data.get("evaluations", [])
        if not _rows(evaluations) or not all(
            e.get("evaluation") in vocab.EVALUATIONS and _is_date(e.get("date")) for e in evaluations
        ):
            return "评价记录格式无效"
        reopened = data.get("reopened", 0)
        if reopened is not None and (
            not isinstance(reopened, int) or isinstance(reopened, bool) or reopened < 0
        ):
            return "重新打开次数无效"
    if kind == "power_exercise":
        steps = data.get("steps") or []
        if not _rows(steps):
            return "办理步骤格式无效"
        for step in steps:
            if is_clean(EXERCISE_STEP, step):  # the usual case, and much cheaper to establish
                continue
            try:
                validate(EXERCISE_STEP, step)
            except ValidationError as exc:
                return f"办理步骤无效：{exc}"
    if kind == "power_exercise":
        from .notices import shape_problem as notice_problem

        problem = notice_problem(data)
        if problem:
            return problem
    if kind == "service_entry":
        for key, label in (("applicants", "申请人"), ("respondents", "被申请人")):
            rows = data.get(key) or []
            if not _rows(rows):
                return f"{label}格式无效"
            for row in rows:
                if is_clean(PARTY, row):
                    continue
                try:
                    validate(PARTY, row)
                except ValidationError as exc:
                    return f"{label}无效：{exc}"
        seq = data.get("case_seq")
        if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 1):
            return "案号序号无效"
    if kind == "submission":
        figures = data.get("figures")
        if not (
            isinstance(figures, dict)
            and 0 < len(figures) <= MAX_FIGURES
            and all(
                isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= 40 and len(v) <= 40
                for k, v in figures.items()
            )
        ):
            return "报送数据格式无效"
    if kind == "monthly_note":
        month = data.get("month")
        if not (isinstance(month, str) and _is_date(f"{month}-01")):
            return "月份无效"
    return None
