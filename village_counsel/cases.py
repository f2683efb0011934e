"""Mediation case numbers (案号): （2026）上张人调字第 12 号 — the committee's short name, the year the case
was received and its place in that committee's year, numbered without gaps.

A case keeps ``case_seq``, given when it is logged (one above the committee-year's highest), only to hold
its place: the printed number is its rank among the committee-year's cases in that order (cases from
before numbering, or two laptops that gave the same place, follow by date), so the series has no gap even
when a case is deleted or moved to another year."""

from __future__ import annotations

import re
from typing import Any

from .store import Record, Store

MEDIATION_DUTY = "矛盾纠纷调解"
CASE_NUMBER = re.compile(r"[（(]\s*(\d{4})\s*[）)]\s*(.+?)\s*人调字\s*第\s*(\d+)\s*号")


def committee_short(village: Record | dict[str, Any] | None) -> str:
    """The committee's short name in a case number: the village's 调委会简称, else its name without
    村 / 社区 / 居委会 at the end (上张村 → 上张)."""
    if village is None:
        return "本村"
    data = village.data if isinstance(village, Record) else village
    short = (data.get("committee_short") or "").strip()
    if short:
        return short
    name = str(data.get("name") or "").strip()
    for tail in ("村民委员会", "居民委员会", "居委会", "社区", "村"):
        if name.endswith(tail) and len(name) > len(tail):
            return name[: -len(tail)]
    return name or "本村"


def committee_name(village: Record | dict[str, Any] | None) -> str:
    """The committee's full name (上张村人民调解委员会 unless the village says otherwise)."""
    if village is None:
        return "人民调解委员会"
    data = village.data if isinstance(village, Record) else village
    return (data.get("committee") or "").strip() or f"{data.get('name') or ''}人民调解委员会"


def _committee_villages(store: Store, short: str) -> list[str]:
    return [v.id for v in store.list("village") if committee_short(v) == short]


def _series(store: Store, short: str, year: str) -> list[Record]:
    """The committee-year's cases in number order."""
    villages = _committee_villages(store, short)
    if not villages:
        return []
    marks = ",".join("?" * len(villages))
    cases = store.list(
        "service_entry",
        where=f"village_id IN ({marks}) AND json_extract(data, '$.duty') = ? "
        "AND substr(json_extract(data, '$.date'), 1, 4) = ?",
        params=[*villages, MEDIATION_DUTY, year],
    )
    big = 1 << 62
    return sorted(cases, key=lambda c: (c.get("case_seq") or big, c.get("date") or "", c.id))


def next_seq(store: Store, village_id: str, data: dict[str, Any], entry_id: str | None = None) -> int:
    """The place a case being logged takes in its committee-year: one above the highest so far."""
    short = committee_short(store.find(village_id))
    year = str(data.get("date") or "")[:4]
    seqs = [c.get("case_seq") or 0 for c in _series(store, short, year) if c.id != entry_id]
    return max([0, len(seqs), *seqs]) + 1


class CaseNumbers:
    """Case numbers looked up once per committee-year (a report names many cases)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._villages: dict[str, str] = {}
        self._ranks: dict[tuple[str, str], dict[str, int]] = {}

    def short(self, village_id: str | None) -> str:
        if village_id not in self._villages:
            self._villages[village_id or ""] = committee_short(self.store.find(village_id or ""))
        return self._villages[village_id or ""]

    def parts(self, case: Record) -> tuple[str, str, int]:
        short, year = self.short(case.village_id), str(case.get("date") or "")[:4]
        ranks = self._ranks.get((short, year))
        if ranks is None:
            ranks = {c.id: n for n, c in enumerate(_series(self.store, short, year), start=1)}
            self._ranks[(short, year)] = ranks
        return year, short, ranks.get(case.id, 0)

    def __call__(self, case: Record) -> str:
        year, short, n = self.parts(case)
        return f"（{year}）{short}人调字第 {n or '—'} 号"


def case_number(store: Store, case: Record) -> str:
    """The printed number of one case: （2026）上张人调字第 3 号."""
    return CaseNumbers(store)(case)


def find_by_number(store: Store, text: str) -> list[Record]:
    """The cases a typed case number names (brackets full- or half-width, spaces anywhere)."""
    m = CASE_NUMBER.search(text)
    if not m:
        return []
    year, short, n = m.group(1), m.group(2).strip(), int(m.group(3))
    series = _series(store, short, year)
    return [series[n - 1]] if 1 <= n <= len(series) else []


__all__ = [
    "CASE_NUMBER",
    "CaseNumbers",
    "case_number",
    "clean_parties",
    "committee_name",
    "committee_short",
    "find_by_number",
    "next_seq",
]


def clean_parties(values: dict[str, Any]) -> dict[str, Any]:
    """A case's 申请人 and 被申请人, each row validated (a name; phone and ID optional), empty rows left
    out; ValidationError names the row."""
    from .errors import ValidationError
    from .forms import form_for, validate
    from .forms.definitions import PARTY

    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in ("applicants", "respondents"):
        rows = values.get(key)
        if rows is None:
            continue
        if not isinstance(rows, list):
            errors[key] = "格式不对"
            continue
        kept = []
        for n, row in enumerate(rows, start=1):
            if not isinstance(row, dict) or not any(str(v or "").strip() for v in row.values()):
                continue
            try:
                clean = validate(PARTY, {k: row.get(k) for k in ("name", "phone", "id_card")})
            except ValidationError as exc:
                errors[key] = f"第 {n} 位：{exc}"
                continue
            kept.append({k: v for k, v in clean.items() if v not in (None, "")})
        out[key] = kept
    if errors:
        raise ValidationError(errors, form_for("service_entry").labels)
    return out
