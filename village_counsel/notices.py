"""The content of a 公示 notice, entered with a 小微权力 exercise (DOMAIN.md §2, §6): the lines its
catalogue item declares (a plan and its amount, a result, a 宅基地 application's household head, family
size, present housing, area and place) and, for subsidies and compensation, the recipients and amounts.

Stored on the exercise as ``notice`` (key → text) and ``recipients`` (rows of name, people, amount), all
as text: a notice prints them as entered, checked here."""

from __future__ import annotations

import re
from typing import Any

from .catalog import PowerItem
from .errors import ValidationError

TEXT_LIMIT = 2000
NAME_LIMIT = 20
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_INT = re.compile(r"[0-9]{1,7}")
_NUMBER = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
RECIPIENT_KEYS = ("name", "people", "amount")
RECIPIENT_LABELS = {"name": "姓名", "people": "家庭人口（人）", "amount": "金额（元）"}


def _number(text: str, kind: str) -> str:
    """A count or an amount as typed (1,200 / １２００ / 1200.50), kept as plain digits."""
    value = text.translate(_FULL_WIDTH).replace(",", "").strip()
    pattern = _INT if kind == "int" else _NUMBER
    if not pattern.fullmatch(value):
        raise ValueError("应为整数" if kind == "int" else "应为数字（最多两位小数）")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value.lstrip("0") or "0"


def clean_notice(item: PowerItem, values: dict[str, Any]) -> dict[str, Any]:
    """The exercise's ``notice`` and ``recipients`` checked against its item: only the lines the item
    declares, numbers where it says so, each recipient named. Raises ValidationError naming the line."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    raw = values.get("notice")
    if raw is not None:
        if not isinstance(raw, dict):
            raise ValidationError({"notice": "公示内容格式不对"})
        notice: dict[str, str] = {}
        for f in item.notice:
            text = str(raw.get(f.key) or "").strip()
            if not text:
                continue
            try:
                if f.type in ("int", "number", "money"):
                    text = _number(text, f.type)
                elif len(text) > TEXT_LIMIT:
                    raise ValueError(f"不能超过 {TEXT_LIMIT} 个字")
            except ValueError as exc:
                errors[f"公示内容·{f.label}"] = str(exc)
                continue
            notice[f.key] = text
        out["notice"] = notice
    rows = values.get("recipients")
    if rows is not None:
        if not isinstance(rows, list):
            raise ValidationError({"recipients": "名单格式不对"})
        kept = []
        for n, row in enumerate(rows, start=1):
            if not isinstance(row, dict) or not any(str(row.get(k) or "").strip() for k in RECIPIENT_KEYS):
                continue
            entry = {k: str(row.get(k) or "").strip() for k in RECIPIENT_KEYS}
            try:
                if not entry["name"]:
                    raise ValueError("姓名必须填写")
                if len(entry["name"]) > NAME_LIMIT:
                    raise ValueError(f"姓名不能超过 {NAME_LIMIT} 个字")
                if entry["people"]:
                    entry["people"] = _number(entry["people"], "int")
                if entry["amount"]:
                    entry["amount"] = _number(entry["amount"], "money")
            except ValueError as exc:
                errors[f"名单第 {n} 行"] = str(exc)
                continue
            kept.append({k: v for k, v in entry.items() if v})
        out["recipients"] = kept if item.recipients or kept else []
    if errors:
        raise ValidationError(errors)
    return out


def shape_problem(data: dict[str, Any]) -> str | None:
    """The structure a stored exercise's notice content must have (checked on import, like its steps)."""
    notice = data.get("notice")
    if notice is not None and not (
        isinstance(notice, dict)
        and all(
            isinstance(k, str) and 0 < len(k) <= 40 and isinstance(v, str) and 0 < len(v) <= TEXT_LIMIT
            for k, v in notice.items()
        )
    ):
        return "公示内容格式无效"
    rows = data.get("recipients")
    if rows is not None and not (
        isinstance(rows, list)
        and all(
            isinstance(r, dict)
            and isinstance(r.get("name"), str)
            and 0 < len(r["name"]) <= NAME_LIMIT
            and all(
                k in RECIPIENT_KEYS and isinstance(v, str) and 0 < len(v) <= NAME_LIMIT for k, v in r.items()
            )
            for r in rows
        )
    ):
        return "公示名单格式无效"
    return None


__all__ = ["RECIPIENT_KEYS", "RECIPIENT_LABELS", "clean_notice", "shape_problem"]
