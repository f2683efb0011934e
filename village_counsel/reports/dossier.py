"""The 一事一档 page of one 说事 matter or one mediation case: everything recorded about it, its stages and
its revision history, people masked, with signature lines — the sheet inspectors file per village."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from typing import Any

from reportlab.platypus import Flowable, Spacer

from .. import days, matters
from ..cases import case_number, committee_name
from ..clock import parse_rev
from ..store import Record, Store
from .lookup import matter_number
from .mask import NameMasker, mask_id, mask_name, mask_names, mask_phone, mask_text, party_names
from .pdf import build_pdf, cn_date, fmt_money, kv_table, para, signature_block, table


def _village_name(store: Store, record: Record) -> str:
    village = store.find(record.village_id or "")
    return village.get("name") if village is not None else "—"


def _rev_time(rev: str) -> str | None:
    """The wall-clock part of a hybrid-clock revision (milliseconds, then a counter), local time, as
    formal papers write it (2026年11月5日 14:30)."""
    try:
        ms, _ = parse_rev(rev)
        when = datetime.fromtimestamp(ms / 1000)
    except (OverflowError, OSError, ValueError):
        return None
    return f"{cn_date(when.date())} {when:%H:%M}"


def _who_recorded(store: Store) -> dict[str, str]:
    """Device id → the advisor whose laptop it is (the profile made there), so that no hex id is printed."""
    return {p.origin: p.get("name") or "法律顾问" for p in store.list("profile", order="id")}


def _history(store: Store, record: Record, describe) -> Flowable:
    rows = []
    who = _who_recorded(store)
    for n, rev in enumerate(store.history(record.id), start=1):
        when = _rev_time(rev.rev) or (cn_date(rev.updated_at) if rev.updated_at else "—")
        device = who.get(rev.origin) or ("本机" if rev.origin == store.device_id else "其他设备")
        rows.append([n, when, "删除" if rev.deleted else describe(rev.data), device])
    return table(["次序", "记录时间", "内容", "记录人"], rows, [0.5, 1.6, 4, 1], text_cols=(1, 2, 3))


def matter_story(
    store: Store, matter: Record, *, today: date | None = None, archive: bool = False
) -> tuple[list[Flowable], str]:
    data = matter.data
    today = today or days.today()
    session = store.find(data.get("session_id") or "")
    village_record = store.find(matter.village_id or "")
    officials = [village_record.get("secretary"), village_record.get("director")] if village_record else []
    host = session.get("host") if session else None
    names = [
        data.get("raiser"),
        data.get("responsible"),
        host if host not in officials else None,
        *(e.get("responsible") for e in data.get("events", []) if isinstance(e, dict)),
    ]
    shown = _Shown(archive, [*names, *party_names(store, matter.village_id)], officials)
    number = matter_number(store, matter)
    village = _village_name(store, matter)
    overdue = matters.is_overdue(matter, today)
    story: list[Flowable] = [para("内部存档", "stamp")] if archive else []
    story += [
        para(f"{village}村民说事事项档案", "title"),
        para(f"一事一档　编号 {number}", "subtitle"),
        kv_table(
            [
                ("村（社区）", village),
                ("事项编号", number),
                ("说事会", f"{session.get('number')}（{cn_date(session.get('date'))}）" if session else "—"),
                ("说事形式", session.get("format") if session else "—"),
                ("说事地点", session.get("venue") if session else "—"),
                ("主持人", shown.name(session.get("host")) if session else "—"),
                ("提出人", shown.name(data.get("raiser"))),
                ("联系电话", shown.phone(data.get("raiser_phone")) or "—"),
                ("类别", data.get("category")),
                ("涉法事项", "是" if data.get("legal_aspect") else "否"),
                ("当前状态", matters.status_label(matter) + ("（逾期）" if overdue else "")),
                ("处理方式", data.get("route") or "—"),
                ("责任人", shown.name(data.get("responsible")) or "—"),
                ("办理期限", cn_date(data.get("deadline"))),
            ]
        ),
        para("事项内容", "h2"),
        para(shown.text(data.get("content")), "body"),
        para("办理经过", "h2"),
    ]
    rows = []
    for event in data.get("events", []):
        stage = event.get("stage")
        if stage == "说事":
            text = f"{shown.name(data.get('raiser'))}提出"
        elif stage == "议事":
            text = f"处理方式：{event.get('route') or '—'}"
            # an earlier round of a reopened matter keeps its details in its events (matters._keep_round)
            if event.get("responsible"):
                text += f"，责任人：{shown.name(event['responsible'])}"
            if event.get("deadline"):
                text += f"，办理期限：{cn_date(event['deadline'])}"
            if event.get("discussion"):
                text += f"。议事情况：{shown.text(event['discussion'])}"
            if event.get("reject_reason"):
                text += f"。不予采纳理由：{shown.text(event['reject_reason'])}"
        elif stage == "办事":
            text = "办理完毕并向提出人反馈"
            if event.get("result"):
                text += f"。办理结果：{shown.text(event['result'])}"
        else:
            text = f"群众评价：{event.get('evaluation') or '—'}" + (
                "，事项重新打开" if event.get("reopened") else ""
            )
        rows.append([stage, cn_date(event.get("date")), text])
    story.append(table(["阶段", "日期", "情况"], rows, [0.8, 1.3, 5], text_cols=(1, 2)))
    details = [
        ("议事情况", data.get("discussion")),
        ("不予采纳理由", data.get("reject_reason")),
        ("办理结果", data.get("result")),
        ("反馈日期", cn_date(data.get("feedback_date")) if data.get("feedback_date") else None),
        ("评价意见", data.get("evaluation_note")),
    ]
    for evaluation in data.get("evaluations", []):
        details.append(
            (
                f"评议（{cn_date(evaluation.get('date'))}）",
                f"{evaluation.get('evaluation')}"
                + (f"：{evaluation['note']}" if evaluation.get("note") else ""),
            )
        )
    for key, label in (("mediation_id", "转人民调解"), ("exercise_id", "转五议决策")):
        linked = store.find(data.get(key) or "")
        if linked is not None and not linked.deleted:
            ref = (
                case_number(store, linked)
                if linked.kind == "service_entry"
                else linked.get("number") or f"{cn_date(linked.get('date'))}启动"
            )
            status = linked.get("status") or linked.get("outcome") or "办理中"
            details.append((label, f"{ref}（{status}）"))
    rows = [[label, shown.text(value)] for label, value in details if value]
    if rows:
        story += [para("议事、办事与评事", "h2"), table(["项目", "内容"], rows, [1.3, 5.5], text_cols=(0, 1))]

    def describe(rev: dict) -> str:
        return f"阶段：{rev.get('stage')}" + (f"，处理方式：{rev['route']}" if rev.get("route") else "")

    story += [para("修改记录", "h2"), _history(store, matter, describe)]
    story.append(
        signature_block(
            [
                ("经办人", "签名：\n\n日期：    年   月   日"),
                ("法律顾问", "签名：\n\n日期：    年   月   日"),
                ("村委会（盖章）", f"{village}村民委员会\n\n日期：    年   月   日"),
            ]
        )
    )
    story.append(para(shown.footer(today), "small"))
    return story, f"{village}说事事项档案 {number}" + ("（内部存档）" if archive else "")


class _Shown:
    """How a paper shows people: masked (the default), or in full on the office's archive copy."""

    def __init__(self, archive: bool, names: list[Any], officials: list[Any] = ()) -> None:
        self.archive = archive
        self.masker = NameMasker(names, officials)
        self.officials = [o for o in officials if o]

    def name(self, value: Any) -> str:
        return str(value or "") if self.archive else mask_name(value, self.officials)

    def names(self, value: Any) -> str:
        return str(value or "") if self.archive else mask_names(value, self.officials)

    def phone(self, value: Any) -> str:
        return str(value or "") if self.archive else mask_phone(value)

    def id_card(self, value: Any) -> str:
        return str(value or "") if self.archive else mask_id(value)

    def text(self, value: Any) -> str:
        return str(value or "") if self.archive else mask_text(value, known=self.masker)

    def footer(self, today: date) -> str:
        if self.archive:
            return f"归档日期：{cn_date(today)}　　内部存档：本卷载有当事人完整个人信息，仅供存档，不得张贴或外传。"
        return f"归档日期：{cn_date(today)}　　本页个人信息已作脱敏处理。"


def _parties(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(role, party) of a case: its 申请人 and 被申请人, or, for a case recorded before they were asked,
    the 当事人 its one line named."""
    out = [("申请人", p) for p in data.get("applicants") or [] if isinstance(p, dict)]
    out += [("被申请人", p) for p in data.get("respondents") or [] if isinstance(p, dict)]
    if not out and data.get("parties"):
        out = [("当事人", {"name": n}) for n in re.split(r"[、，,；;\s]+", data["parties"]) if n]
    return out


def _papers(data: dict[str, Any]) -> list[list[Any]]:
    """The case file's index (卷内目录): the papers its record makes, and the other papers it lists."""
    source = data.get("source")
    first = (
        "人民调解申请书"
        if source == "当事人申请"
        else f"移送函（{data.get('referred_by') or '移送单位'}）"
        if source == "受委托移送"
        else "人民调解受理登记表"
    )
    agreement = "人民调解协议书" if data.get("case_form") == "书面" else "口头调解协议登记表"
    visited = data.get("visit_date") or data.get("visit_result") or data.get("follow_up")
    rows = [
        (first, data.get("date"), True),
        ("纠纷事实及调查记录", data.get("date"), bool(data.get("content"))),
        ("人民调解记录", data.get("closed_on"), bool(data.get("result") or data.get("outcome"))),
        (agreement, data.get("closed_on"), bool(data.get("agreement"))),
        ("履行情况及回访记录", data.get("visit_date"), bool(visited)),
    ]
    rows += [
        (line.strip(), None, True) for line in str(data.get("papers") or "").splitlines() if line.strip()
    ]
    rows.append(("卷宗修改记录", None, True))
    return [
        [n, title, cn_date(day) if day else "—", "在卷" if present else "未录入"]
        for n, (title, day, present) in enumerate(rows, start=1)
    ]


def case_story(
    store: Store, case: Record, *, today: date | None = None, archive: bool = False
) -> tuple[list[Flowable], str]:
    """The case file (调解卷宗) of one mediation case: its number, parties, committee and mediators, facts,
    agreement, 履行 and 回访, and the index of its papers. ``archive``: the office's copy, unmasked and
    marked 内部存档."""
    data = case.data
    today = today or days.today()
    village_record = store.find(case.village_id or "")
    village = _village_name(store, case)
    number = case_number(store, case)
    parties = _parties(data)
    shown = _Shown(
        archive,
        [p.get("name") for _, p in parties] + [data.get("names"), *party_names(store, case.village_id)],
        [village_record.get("secretary"), village_record.get("director")] if village_record else [],
    )
    matter = store.find(data.get("matter_id") or "")
    prevented = [
        f"{label} {data[cases_key]} 件 {data.get(people_key) or 0} 人"
        for label, cases_key, people_key in (
            ("防止民转刑", "prevented_criminal_cases", "prevented_criminal_people"),
            ("防止群体性上访", "prevented_petition_cases", "prevented_petition_people"),
            ("防止自杀", "prevented_suicide_cases", "prevented_suicide_people"),
        )
        if data.get(cases_key)
    ]
    source = data.get("source") or "—"
    if source == "受委托移送" and data.get("referred_by"):
        source += f"（{data['referred_by']}）"
    story: list[Flowable] = []
    if archive:
        story.append(para("内部存档", "stamp"))
    story += [
        para(f"{committee_name(village_record)}调解卷宗", "title"),
        para(f"案号　{number}", "subtitle"),
        kv_table(
            [
                ("调解委员会", committee_name(village_record)),
                ("案号", number),
                ("村（社区）", village),
                ("调解员", data.get("mediators") or "—"),
                ("受理日期", cn_date(data.get("date"))),
                ("结案日期", cn_date(data.get("closed_on")) if data.get("closed_on") else "—"),
                ("纠纷类型", data.get("dispute_type") or "—"),
                ("案件来源", source),
                ("调解形式", data.get("case_form") or "—"),
                ("涉及金额（元）", fmt_money(data.get("amount"))),
                ("调解结果", data.get("outcome") or "正在调解"),
                ("履行情况", data.get("performance") or "—"),
                ("预防效果", "；".join(prevented) or "—"),
                (
                    "关联说事事项",
                    matter_number(store, matter) if matter is not None and not matter.deleted else "—",
                ),
            ]
        ),
        para("当事人", "h2"),
        table(
            ["身份", "姓名", "联系电话", "身份证号"],
            [
                [
                    role,
                    shown.name(p.get("name")),
                    shown.phone(p.get("phone")) or "—",
                    shown.id_card(p.get("id_card")) or "—",
                ]
                for role, p in parties
            ]
            or [["—", "（未记录）", "—", "—"]],
            [1, 1.6, 1.6, 2.4],
            text_cols=(1,),
        ),
    ]
    for label, key in (
        ("纠纷事实", "content"),
        ("调解经过与结果", "result"),
        ("协议内容", "agreement"),
        ("履行情况", "follow_up"),
    ):
        story += [para(label, "h2"), para(shown.text(data.get(key)) or "（未记录）", "body")]
    story += [
        para("回访", "h2"),
        table(
            ["回访人", "回访日期", "回访结果"],
            [
                [
                    data.get("visit_by") or "—",
                    cn_date(data.get("visit_date")) if data.get("visit_date") else "—",
                    shown.text(data.get("visit_result")) or "（未回访）",
                ]
            ],
            [1.2, 1.4, 4.4],
            text_cols=(0, 2),
        ),
        para("卷内目录", "h2"),
        table(["序号", "材料名称", "日期", "备注"], _papers(data), [0.6, 3.4, 1.6, 1], text_cols=(1,)),
    ]

    def describe(rev: dict) -> str:
        return f"调解结果：{rev.get('outcome') or '正在调解'}"

    story += [para("修改记录", "h2"), _history(store, case, describe)]
    story.append(
        signature_block(
            [
                ("调解员", "签名：\n\n日期：    年   月   日"),
                ("当事人", "签名（捺印）：\n\n日期：    年   月   日"),
                ("法律顾问", "签名：\n\n日期：    年   月   日"),
                ("调解委员会（盖章）", f"{committee_name(village_record)}\n\n日期：    年   月   日"),
            ]
        )
    )
    story.append(para(shown.footer(today), "small"))
    return story, f"{committee_name(village_record)}调解卷宗 {number}" + ("（内部存档）" if archive else "")


def record_pdf(
    store: Store,
    record: Record,
    out: str | os.PathLike[str] | None = None,
    *,
    today: date | None = None,
    archive: bool = False,
) -> bytes:
    """The 一事一档 page of a matter or a mediation case as a PDF (``archive``: the office's unmasked copy,
    marked 内部存档)."""
    if record.kind == "matter":
        story, title = matter_story(store, record, today=today, archive=archive)
    else:
        story, title = case_story(store, record, today=today, archive=archive)
    label = f"{_village_name(store, record)} · 一事一档" + (" · 内部存档" if archive else "")
    return build_pdf([Spacer(1, 0), *story], label=label, title=title, out=out)


__all__ = ["case_story", "matter_story", "record_pdf"]
