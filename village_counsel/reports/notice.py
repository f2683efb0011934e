"""The 公示 notice of a power exercise, ready for the village notice board: personal data masked
(the 2023 Qiantang case of ID numbers on notice boards is why this is the default and only form)."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from ..catalog import PowerItem, load_catalog
from ..errors import NotFound
from ..store import Record, Store
from .mask import mask_text
from .pdf import build_pdf, fmt_money, kv_table, para, table


def _cn_date(day: str | None) -> str:
    if not day:
        return "    年  月  日"
    d = date.fromisoformat(day)
    return f"{d.year}年{d.month}月{d.day}日"


def publicity_step(
    item: PowerItem, data: dict[str, Any], key: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """The publicity step to post: ``key`` if given, else the latest one recorded, else the first one
    the item has (a notice prepared before it goes up, its dates filled in by hand)."""
    recorded = {s["key"]: s for s in data.get("steps", [])}
    publicity = [s for s in item.steps if s.is_publicity]
    if key:
        spec = item.step(key)
        if spec is None or not spec.is_publicity:
            names = "、".join(f"{s.key}（{s.name}）" for s in publicity) or "无"
            raise NotFound(f"“{item.name}”没有公示步骤“{key}”；可选：{names}")
        return spec, recorded.get(key, {})
    done = [s for s in publicity if s.key in recorded]
    if done:
        return done[-1], recorded[done[-1].key]
    if not publicity:
        raise NotFound(f"“{item.name}”的程序中没有公示步骤，无需张贴公示")
    return publicity[0], {}


def _plain(text: Any) -> str:
    """Free text for the notice board: names as they are (neighbours must know whom to object to), no ID,
    phone or bank-account number, masked or not (DOMAIN.md §6)."""
    return mask_text(text, drop_numbers=True)


def content_rows(item: PowerItem, data: dict[str, Any]) -> list[list[str]]:
    """The notice's content lines the exercise holds, in the item's order (label, text)."""
    notice = data.get("notice") or {}
    rows = []
    for f in item.notice:
        value = notice.get(f.key)
        if not value:
            continue
        if f.type == "money":
            try:
                value = fmt_money(float(value))
            except ValueError:
                pass
        rows.append([f.label, _plain(value)])
    return rows


def notice_story(store: Store, exercise: Record, step_key: str | None = None) -> tuple[list[Flowable], str]:
    data = exercise.data
    item = load_catalog().item(data.get("item", ""))
    if item is None:
        raise NotFound(f"权力清单中没有事项“{data.get('item')}”")
    village = store.find(exercise.village_id or "")
    village_name = village.get("name") if village else ""
    spec, step = publicity_step(item, data, step_key)
    applicant = data.get("applicant")
    subject = _plain(data.get("subject"))
    start, end = step.get("date"), step.get("end_date")
    if start and not end and spec.publicity_days:
        end = (date.fromisoformat(start) + timedelta(days=spec.publicity_days - 1)).isoformat()
    length = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1 if start and end else None
    title = f"{village_name}村务公示"
    story: list[Flowable] = [
        para(title, "title"),
        para(f"关于“{subject}”的{spec.name}", "subtitle"),
        para(
            f"根据小微权力清单“{item.name}”的办理程序，现将有关事项予以公示。"
            + (f"公示期为 {_cn_date(start)} 至 {_cn_date(end)}（共 {length} 天）。" if length else "")
            + "公示期间，村民如有异议，可向村务监督委员会或村民委员会书面或口头反映。",
            "notice",
        ),
        Spacer(1, 3 * mm),
    ]
    pairs = [
        ("事项", item.name),
        ("编号", data.get("number") or "—"),
        ("事由", subject),
        ("启动方式", data.get("trigger") or "—"),
    ]
    if applicant:
        pairs.append(("申请人", applicant))  # in full: a notice names whom it concerns, never a number
    if data.get("amount"):
        pairs.append(("金额（元）", fmt_money(data.get("amount"))))
    pairs += [
        ("公示地点", step.get("place") or "村务公开栏"),
        (
            "公示期限",
            f"{_cn_date(start)} 至 {_cn_date(end)}" if start else "    年  月  日 至     年  月  日",
        ),
    ]
    story.append(kv_table(pairs))
    rows = content_rows(item, data)
    if rows:
        story += [para("公示内容", "h2"), table(["项目", "内容"], rows, [1.6, 5.4], text_cols=(0, 1))]
    if step.get("content"):
        story += [para("公示内容" if not rows else "说明", "h2"), para(_plain(step.get("content")), "body")]
    recipients = [r for r in data.get("recipients") or [] if isinstance(r, dict)]
    if item.recipients or recipients:
        lines = [
            [
                n,
                _plain(r.get("name")),
                r.get("people") or "—",
                fmt_money(float(r["amount"])) if r.get("amount") else "—",
            ]
            for n, r in enumerate(recipients, start=1)
        ]
        total = sum(float(r.get("amount") or 0) for r in recipients)
        lines.append(
            [
                "合计",
                f"{len(recipients)} 户",
                sum(int(r.get("people") or 0) for r in recipients) or "—",
                fmt_money(total),
            ]
        )
        story += [
            para("名单及金额", "h2"),
            table(
                ["序号", "姓名", "家庭人口（人）", "金额（元）"],
                lines,
                [0.7, 2.4, 1.4, 1.6],
                text_cols=(1,),
                total_row=True,
            ),
        ]
    # the procedures carried out before this publicity, in the list's order and by their dates (what came
    # after it had not happened when it went up)
    before = item.steps[: next(n for n, s in enumerate(item.steps) if s.key == spec.key)]
    done = [
        (s, rec)
        for s in before
        for rec in data.get("steps", [])
        if rec["key"] == s.key and not (start and str(rec.get("date") or "") > start)
    ]
    if done:
        rows = []
        for s, rec in done:
            detail = []
            if rec.get("meeting"):
                detail.append(
                    f"{rec['meeting']}，应到 {rec.get('expected', '—')} 人，实到 {rec.get('present', '—')} 人"
                )
            if rec.get("votes_for") is not None:
                detail.append(
                    f"表决：赞成 {rec.get('votes_for', 0)}，反对 {rec.get('votes_against', 0)}，弃权 {rec.get('votes_abstain', 0)}"
                )
            if rec.get("end_date"):
                detail.append(f"公示至 {_cn_date(rec['end_date'])}")
            rows.append(
                [s.name, _cn_date(rec.get("date")) if rec.get("date") else "—", "；".join(detail) or "—"]
            )
        story += [
            para("已履行的程序", "h2"),
            table(["程序", "日期", "情况"], rows, [1.6, 1.3, 4], text_cols=(0, 1, 2)),
        ]
    supervisor = (village.get("supervisor") if village else None) or "________________"
    phone = (village.get("supervision_phone") if village else None) or "________________"
    story.append(Spacer(1, 10 * mm))
    story.append(
        KeepTogether(
            [
                para(f"监督人：{supervisor}　　监督电话：{phone}（村务监督委员会）", "body"),
                Spacer(1, 8 * mm),
                para(f"{village_name}村民委员会（盖章）", "right"),
                para(_cn_date(start) if start else "    年    月    日", "right"),
            ]
        )
    )
    return story, f"{title}：{subject}"


# What the legality review says before a notice is posted: its own publicity too short or its end not
# recorded, an earlier publicity cut short, steps out of order or missing before it.
WARNED = (
    "publicity_too_short",
    "publicity_end_missing",
    "decided_during_publicity",
    "out_of_order",
    "missing_step",
)


def notice_warnings(
    exercise: Record, step_key: str | None = None, village: Record | None = None
) -> list[str]:
    """The legality review's findings on the history a notice posts, each naming its rule (【公示期不足】…),
    and a 监督电话 not yet set for the village: said to whoever prints it, never on the notice itself."""
    from ..powers import review

    item = load_catalog().item(exercise.get("item", ""))
    if item is None:
        return []
    spec, _ = publicity_step(item, exercise.data, step_key)
    order = {s.key: n for n, s in enumerate(item.steps)}
    upto = order[spec.key]
    out = [
        f"【{f.label}】{f.message}"
        for f in review(exercise)
        if f.code in WARNED and f.step is not None and order.get(f.step, upto + 1) <= upto
    ]
    if village is not None and not village.get("supervision_phone"):
        out.append("【监督电话未设置】请在“设置”中为该村填写村务监督委员会的监督电话，否则公示单上为空白")
    return out


def notice_pdf(
    store: Store, exercise: Record, out: str | os.PathLike[str] | None = None, *, step: str | None = None
) -> bytes:
    """The notice of ``exercise`` as a PDF (written to ``out`` when given)."""
    story, title = notice_story(store, exercise, step)
    village = store.find(exercise.village_id or "")
    label = f"{village.get('name') if village else ''} · 公示 {exercise.get('number') or ''}"
    return build_pdf(story, label=label, title=title, out=out)
