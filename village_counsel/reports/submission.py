"""报送: an advisor submits a village's month to the 司法所 (DOMAIN.md §7).

A submission is a synced record (kind ``submission``) holding the figures the month's report printed
then and the SHA-256 of that PDF. Its id comes from the village and the month, so a month is submitted
once, on whatever device. A submitted month is frozen: its report prints the figures as submitted — the
village's records as they stood at the submission, read from the revisions every store keeps — and, after
them, 报送后补录: each figure that has changed since and the records entered or changed after it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .. import days
from ..backfill import LateEntry, late_entries
from ..errors import RuleError
from ..store import KINDS, Record, Store, month_of
from ..villages import list_villages, village_labels

# Submission ids: the same village and month give the same id on every device.
NAMESPACE = uuid.UUID("6f1c8f3e-5b7a-4c8e-9a51-2d0c6f4b7e21")


def submission_id(village_id: str, month: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"submission/{village_id}/{month}"))


def key_figures(sec: Any) -> dict[str, str]:
    """The figures a village-month's report prints, as printed (the ones a 司法所 reconciles)."""
    from .pdf import fmt_money, fmt_num, fmt_rate

    f, m, s = sec.matters, sec.mediation, sec.services
    return {
        "说事（场）": str(f.sessions),
        "提出事项": str(f.raised),
        "已办结": str(f.closed),
        "逾期未办": str(f.overdue),
        "逾期办结": str(f.handled_late),
        "涉法事项": str(f.legal),
        "办结率": fmt_rate(f.closure_rate),
        "已评议": str(f.evaluated),
        "满意率": fmt_rate(f.satisfaction_rate),
        "小微权力办理（件）": str(sum(r.exercises for r in sec.power)),
        "小微权力本月启动（件）": str(sum(r.started for r in sec.power)),
        "审查发现问题（处）": str(sec.findings),
        "公示异议（件次）": str(sec.objections),
        "受理纠纷（件）": str(m.received),
        "调解成功（件）": str(m.success),
        "调解不成（件）": str(m.failed),
        "终止调解（件）": str(m.terminated),
        "正在调解（件）": str(m.pending),
        "调解成功率": fmt_rate(m.success_rate),
        "涉及金额（元）": fmt_money(m.amount),
        "书面协议（件）": str(m.written),
        "口头协议（件）": str(m.oral),
        "防止民转刑（件）": str(m.criminal_cases),
        "防止民转刑（人）": str(m.criminal_people),
        "防止群体性上访（件）": str(m.petition_cases),
        "防止群体性上访（人）": str(m.petition_people),
        "驻村服务（次）": str(s.onsite_visits),
        "在村服务（天）": str(s.days),
        "现场服务（小时）": fmt_num(s.hours),
        "服务点值班（次）": str(s.duty_shifts),
        "走访（次）": str(s.home_visits),
        "法律咨询（次）": str(s.consultations),
        "合法性审查（件）": str(s.reviews),
        "普法讲座（场）": str(s.lectures),
        "法律援助转介（件）": str(s.legal_aid),
        "台账记录（条）": str(s.entries),
        "清单应完成（次）": str(sec.checklist_required),
        "清单已完成（次）": str(sec.checklist_done),
        "清单完成率": fmt_rate(sec.checklist_rate),
        "补录（条）": str(len(sec.late)),
    }


# The mediation figures a submission holds: (label, attribute, is money)
_MEDIATION = (
    ("受理纠纷（件）", "received", False),
    ("调解成功（件）", "success", False),
    ("调解不成（件）", "failed", False),
    ("终止调解（件）", "terminated", False),
    ("涉及金额（元）", "amount", True),
    ("书面协议（件）", "written", False),
    ("口头协议（件）", "oral", False),
    ("防止民转刑（件）", "criminal_cases", False),
    ("防止民转刑（人）", "criminal_people", False),
    ("防止群体性上访（件）", "petition_cases", False),
    ("防止群体性上访（人）", "petition_people", False),
)


def mediation_as_submitted(sub: Record, computed: Any) -> Any:
    """A submitted month's mediation figures as it reported them (for the 上月 and 去年同期 columns of a
    later report); a figure the submission does not hold stays as computed."""
    from dataclasses import replace

    figures = sub.get("figures") or {}
    out = replace(computed)
    for label, attr, money in _MEDIATION:
        text = figures.get(label)
        if text is None:
            continue
        try:
            setattr(out, attr, float(text.replace(",", "")) if money else int(text))
        except ValueError:
            continue
    return out


def find_submission(store: Store, village_id: str, month: str) -> Record | None:
    record = store.find(submission_id(village_id, month))
    if record is None or record.deleted or record.kind != "submission":
        return None
    return record


def submissions(store: Store, month: str | None = None) -> list[Record]:
    return store.list(
        "submission",
        where="json_extract(data, '$.month') = ?" if month else "",
        params=[month] if month else [],
        order="json_extract(data, '$.month'), village_id",
    )


def store_as_of(store: Store, village_id: str, before_rev: str) -> Store:
    """An in-memory store holding one village's records (and every advisor profile) as they stood just
    before ``before_rev``, read from the revisions the store keeps."""
    # the village's records (found through the records' (kind, village_id, …) index), then their revisions
    # through the revisions' (id, rev, origin) key
    rows = store.select(
        "SELECT id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted, data"
        " FROM revisions WHERE id IN (SELECT id FROM records WHERE kind IN ("
        + ",".join("?" * len(KINDS))
        + ") AND village_id = ? UNION SELECT id FROM records WHERE kind = 'profile')"
        " AND rev < ? ORDER BY id, rev, origin",
        [*KINDS, village_id, before_rev],
    )
    latest: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        latest[row[0]] = row
    snap = Store(memory=True)
    from ..jsontext import loads_strict

    with snap.db.atomic():
        snap.db.conn.executemany(
            "INSERT INTO records (id, kind, village_id, rev, origin, base_rev, base_origin, updated_at,"
            " deleted, data, month) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(*row, month_of(loads_strict(row[9]))) for row in latest.values()],
        )
    return snap


@dataclass
class Submitted:
    """What a report of a submitted village-month adds: the submission, the figures that changed since
    (label, submitted, now) and the records entered or changed after it."""

    record: Record
    changed: list[tuple[str, str, str]] = field(default_factory=list)
    after: list[LateEntry] = field(default_factory=list)
    recomputed_differs: bool = False  # the records as of then no longer give the submitted figures

    @property
    def submitted_at(self) -> str:
        return str(self.record.get("submitted_at") or "")


def frozen_section(store: Store, month: str, village: Record, current: Any, sub: Record, **kw: Any) -> Any:
    """The section a submitted month prints: ``current`` when its figures are still the submitted ones,
    else the village's records as they stood at the submission. Either way it carries :class:`Submitted`."""
    from .figures import section

    submitted = dict(sub.get("figures") or {})
    now = key_figures(current)
    info = Submitted(sub)
    # in the order the report prints them (a stored record's keys come back sorted)
    info.changed = [(k, submitted[k], v) for k, v in now.items() if k in submitted and submitted[k] != v]
    info.after = late_entries(store, month, village.id, since_ms=days.rev_ms(sub.rev))
    if not info.changed:
        current.submitted = info
        return current
    snap = store_as_of(store, village.id, sub.rev)
    try:
        frozen = section(snap, month, snap.get("village", village.id), **kw)
        frozen.label, frozen.advisor = current.label, current.advisor
        # the 补录 counted at submission are the ones entered before it
        frozen.late = [e for e in current.late if e.record.rev < sub.rev]
    finally:
        snap.close()
    info.recomputed_differs = key_figures(frozen) != submitted
    frozen.submitted = info
    return frozen


def submit_month(
    store: Store,
    month: str,
    villages: list[Record] | None = None,
    *,
    out_dir: str | Path | None = None,
    today: date | None = None,
) -> list[tuple[Record, Path | None]]:
    """报送: freeze ``month`` for each village (all of the store's by default): one submission record
    each, holding the report's figures and its PDF's SHA-256 (the PDF written to ``out_dir`` when given).
    Refused (RuleError, nothing written) for a month not yet ended or a village already submitted."""
    from .figures import month_report
    from .monthly import render

    today = today or days.today()
    if not days.month_over(month, today):
        raise RuleError(
            f"{days.month_label(month)}尚未结束（截至今天 {today.isoformat()}），月末之后才能报送"
        )
    villages = villages if villages is not None else list_villages(store)
    if not villages:
        raise RuleError("数据中还没有村，无法报送")
    labels = village_labels(list_villages(store))
    done = [v for v in villages if find_submission(store, v.id, month) is not None]
    if done:
        raise RuleError(
            f"{'、'.join(labels.get(v.id, v['name']) for v in done)}的{days.month_label(month)}已经报送过，"
            "不能重复报送（报送后的补录会列在该月月报的“报送后补录”中）"
        )
    prepared = []
    for village in villages:
        report = month_report(store, month, village, today=today)
        sec = report.sections[0]
        pdf = render(report)
        name = labels.get(village.id, village["name"])
        path = Path(out_dir) / f"{name}-{month}-报送.pdf" if out_dir is not None else None
        prepared.append((village, sec, pdf, path))
    out = []
    now = days.now_stamp()
    with store.transaction():
        for village, sec, pdf, path in prepared:
            record = store.put(
                "submission",
                {
                    "month": month,
                    "submitted_at": now,
                    "submitted_on": today.isoformat(),
                    "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
                    "advisor": (sec.advisor or {}).get("name"),
                    "figures": key_figures(sec),
                },
                id=submission_id(village.id, month),
                village_id=village.id,
            )
            out.append((record, path))
    for (_, _, pdf, path), _done in zip(prepared, out, strict=True):
        if path is not None:
            from .. import paths

            paths.write_atomic(path, pdf)
    return out


@dataclass
class MonthState:
    """One village's month as the 司法所 sees it: submitted (when), not submitted, or changed since."""

    village_id: str
    village: str
    month: str
    state: str  # submitted | not_submitted | changed
    submitted_at: str | None = None
    changes: int = 0  # records entered or changed after the submission

    @property
    def label(self) -> str:
        return {"submitted": "已报送", "not_submitted": "未报送", "changed": "报送后有补录"}[self.state]


def month_states(
    store: Store, months: list[str] | None = None, today: date | None = None
) -> list[MonthState]:
    """Per village and month, the submission state: the months given, else every ended month that has
    records or a submission (the last twelve at most)."""
    today = today or days.today()
    villages = list_villages(store)
    labels = village_labels(villages)
    subs = {(r.village_id, r.get("month")): r for r in submissions(store)}
    if months is None:
        held = {m for m in store.months() if days.month_over(m, today)}
        held |= {m for (_, m) in subs if m}
        months = sorted(held)[-12:]
    out = []
    for month in months:
        for village in villages:
            sub = subs.get((village.id, month))
            if sub is None:
                out.append(MonthState(village.id, labels[village.id], month, "not_submitted"))
                continue
            after = late_entries(store, month, village.id, since_ms=days.rev_ms(sub.rev))
            out.append(
                MonthState(
                    village.id,
                    labels[village.id],
                    month,
                    "changed" if after else "submitted",
                    str(sub.get("submitted_at") or "") or None,
                    len(after),
                )
            )
    return out


__all__ = [
    "MonthState",
    "Submitted",
    "find_submission",
    "frozen_section",
    "key_figures",
    "month_states",
    "submission_id",
    "submissions",
    "submit_month",
]
