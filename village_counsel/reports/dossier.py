"""The 一事一档 page of one 说事 matter or one mediation case: everything recorded about it, its stages and
its revision history, people masked, with signature lines — the sheet inspectors file per village."""

from __future__ import annotations

import os
from datetime import date, datetime

from reportlab.platypus import Flowable, Spacer

from .. import days, matters
from ..clock import parse_rev
from ..store import Record, Store
from .lookup import matter_number
from .mask import mask_name, mask_names, mask_phone, mask_text
from .pdf import build_pdf, fmt_money, kv_table, para, signature_block, table


def _village_name(store: Store, record: Record) -> str:
    village = store.find(record.village_id or "")
    return village.get("name") if village is not None else "—"


def _rev_time(rev: str) -> str | None:
    """The wall-clock part of a hybrid-clock revision (milliseconds, then a counter), local time."""
    try:
        ms, _ = parse_rev(rev)
        return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return None


def _history(store: Store, record: Record, describe) -> Flowable:
    rows = []
    for n, rev in enumerate(store.history(record.id), start=1):
        when = _rev_time(rev.rev) or (rev.updated_at.replace("T", " ")[:16] if rev.updated_at else "—")
        rows.append([n, when, "删除" if rev.deleted else describe(rev.data), rev.origin[:8]])
    return table(["次序", "记录时间", "内容", "设备"], rows, [0.5, 1.6, 4, 1], text_cols=(2,))


def matter_story(store: Store, matter: Record, *, today: date | None = None) -> tuple[list[Flowable], str]:
    data = matter.data
    today = today or days.today()
    session = store.find(data.get("session_id") or "")
    names = [
        data.get("raiser"),
        data.get("responsible"),
        session.get("host") if session else None,
        *(e.get("responsible") for e in data.get("events", []) if isinstance(e, dict)),
    ]
    number = matter_number(store, matter)
    village = _village_name(store, matter)
    overdue = matters.is_overdue(matter, today)
    story: list[Flowable] = [
        para(f"{village}村民说事事项档案", "title"),
        para(f"一事一档　编号 {number}", "subtitle"),
        kv_table(
            [
                ("村（社区）", village),
                ("事项编号", number),
                ("说事会", f"{session.get('number')}（{session.get('date')}）" if session else "—"),
                ("说事形式", session.get("format") if session else "—"),
                ("说事地点", session.get("venue") if session else "—"),
                ("主持人", mask_name(session.get("host")) if session else "—"),
                ("提出人", mask_name(data.get("raiser"))),
                ("联系电话", mask_phone(data.get("raiser_phone")) or "—"),
                ("类别", data.get("category")),
                ("涉法事项", "是" if data.get("legal_aspect") else "否"),
                ("当前状态", matters.status_label(matter) + ("（逾期）" if overdue else "")),
                ("处理方式", data.get("route") or "—"),
                ("责任人", mask_name(data.get("responsible")) or "—"),
                ("办理期限", data.get("deadline") or "—"),
            ]
        ),
        para("事项内容", "h2"),
        para(mask_text(data.get("content"), names), "body"),
        para("办理经过", "h2"),
    ]
    rows = []
    for event in data.get("events", []):
        stage = event.get("stage")
        if stage == "说事":
            text = f"{mask_name(data.get('raiser'))}提出"
        elif stage == "议事":
            text = f"处理方式：{event.get('route') or '—'}"
            # an earlier round of a reopened matter keeps its details in its events (matters._keep_round)
            if event.get("responsible"):
                text += f"，责任人：{mask_name(event['responsible'])}"
            if event.get("deadline"):
                text += f"，办理期限：{event['deadline']}"
            if event.get("discussion"):
                text += f"。议事情况：{mask_text(event['discussion'], names)}"
            if event.get("reject_reason"):
                text += f"。不予采纳理由：{mask_text(event['reject_reason'], names)}"
        elif stage == "办事":
            text = "办理完毕并向提出人反馈"
            if event.get("result"):
                text += f"。办理结果：{mask_text(event['result'], names)}"
        else:
            text = f"群众评价：{event.get('evaluation') or '—'}" + (
                "，事项重新打开" if event.get("reopened") else ""
            )
        rows.append([stage, event.get("date") or "—", text])
    story.append(table(["阶段", "日期", "情况"], rows, [0.8, 1, 5], text_cols=(2,)))
    details = [
        ("议事情况", data.get("discussion")),
        ("不予采纳理由", data.get("reject_reason")),
        ("办理结果", data.get("result")),
        ("反馈日期", data.get("feedback_date")),
        ("评价意见", data.get("evaluation_note")),
    ]
    for evaluation in data.get("evaluations", []):
        details.append(
            (
                f"评议（{evaluation.get('date')}）",
                f"{evaluation.get('evaluation')}"
                + (f"：{evaluation['note']}" if evaluation.get("note") else ""),
            )
        )
    for key, label in (("mediation_id", "转人民调解"), ("exercise_id", "转五议决策")):
        linked = store.find(data.get(key) or "")
        if linked is not None and not linked.deleted:
            ref = (
                linked.get("number")
                or (  # a mediation case has no number: its date and kind of dispute
                    f"{linked.get('date') or ''} {linked.get('dispute_type') or ''}纠纷调解".strip()
                    if linked.kind == "service_entry"
                    else linked.id[:8]
                )
            )
            status = linked.get("status") or linked.get("outcome") or "办理中"
            details.append((label, f"{ref}（{status}）"))
    rows = [[label, mask_text(value, names)] for label, value in details if value]
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
    story.append(para(f"归档日期：{today.isoformat()}　　本页个人信息已作脱敏处理。", "small"))
    return story, f"{village}说事事项档案 {number}"


def case_story(store: Store, case: Record, *, today: date | None = None) -> tuple[list[Flowable], str]:
    data = case.data
    today = today or days.today()
    names = [data.get("parties"), data.get("names")]
    village = _village_name(store, case)
    ref = case.id[:8]
    matter = store.find(data.get("matter_id") or "")
    prevented = []
    if data.get("prevented_criminal_cases"):
        prevented.append(
            f"防止民转刑 {data['prevented_criminal_cases']} 件 {data.get('prevented_criminal_people') or 0} 人"
        )
    if data.get("prevented_petition_cases"):
        prevented.append(
            f"防止群体性上访 {data['prevented_petition_cases']} 件 {data.get('prevented_petition_people') or 0} 人"
        )
    story: list[Flowable] = [
        para(f"{village}人民调解案件档案", "title"),
        para(f"一事一档　案件 {ref}", "subtitle"),
        kv_table(
            [
                ("村（社区）", village),
                ("案件编号", ref),
                ("受理日期", data.get("date")),
                ("结案日期", data.get("closed_on") or "—"),
                ("纠纷类型", data.get("dispute_type") or "—"),
                ("案件来源", data.get("source") or "—"),
                ("调解形式", data.get("case_form") or "—"),
                ("当事人", mask_names(data.get("parties")) or "—"),
                ("涉及金额（元）", fmt_money(data.get("amount"))),
                ("调解结果", data.get("outcome") or "正在调解"),
                ("预防效果", "；".join(prevented) or "—"),
                (
                    "关联说事事项",
                    matter_number(store, matter) if matter is not None and not matter.deleted else "—",
                ),
            ]
        ),
    ]
    for label, key in (
        ("纠纷情况", "content"),
        ("调解经过与结果", "result"),
        ("协议情况", "agreement"),
        ("履行回访", "follow_up"),
    ):
        story += [para(label, "h2"), para(mask_text(data.get(key), names) or "（未记录）", "body")]

    def describe(rev: dict) -> str:
        return f"调解结果：{rev.get('outcome') or '正在调解'}"

    story += [para("修改记录", "h2"), _history(store, case, describe)]
    story.append(
        signature_block(
            [
                ("调解员", "签名：\n\n日期：    年   月   日"),
                ("当事人", "签名（捺印）：\n\n日期：    年   月   日"),
                ("法律顾问", "签名：\n\n日期：    年   月   日"),
                ("村委会（盖章）", f"{village}村民委员会\n\n日期：    年   月   日"),
            ]
        )
    )
    story.append(para(f"归档日期：{today.isoformat()}　　本页个人信息已作脱敏处理。", "small"))
    return story, f"{village}人民调解案件档案 {ref}"


def record_pdf(
    store: Store, record: Record, out: str | os.PathLike[str] | None = None, *, today: date | None = None
) -> bytes:
    """The 一事一档 page of a matter or a mediation case as a PDF."""
    if record.kind == "matter":
        story, title = matter_story(store, record, today=today)
    else:
        story, title = case_story(store, record, today=today)
    label = f"{_village_name(store, record)} · 一事一档"
    return build_pdf([Spacer(1, 0), *story], label=label, title=title, out=out)


__all__ = ["case_story", "matter_story", "record_pdf"]
