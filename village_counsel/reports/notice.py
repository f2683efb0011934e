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
from .mask import mask_id, mask_name, mask_text
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


def notice_story(store: Store, exercise: Record, step_key: str | None = None) -> tuple[list[Flowable], str]:
    data = exercise.data
    item = load_catalog().item(data.get("item", ""))
    if item is None:
        raise NotFound(f"权力清单中没有事项“{data.get('item')}”")
    village = store.find(exercise.village_id or "")
    village_name = village.get("name") if village else ""
    spec, step = publicity_step(item, data, step_key)
    applicant = data.get("applicant")
    subject = mask_text(data.get("subject"), [applicant])
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
    if applicant or data.get("applicant_id"):
        pairs += [
            ("申请人", mask_name(applicant) or "—"),
            ("身份证号", mask_id(data.get("applicant_id")) or "—"),
        ]
    if data.get("amount"):
        pairs.append(("金额（元）", fmt_money(data.get("amount"))))
    pairs += [
        ("公示地点", step.get("place") or "村务公开栏"),
        ("公示期限", f"{start or '    '} 至 {end or '    '}"),
    ]
    story.append(kv_table(pairs))
    if step.get("content"):
        story += [para("公示内容", "h2"), para(mask_text(step.get("content"), [applicant]), "body")]
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
                detail.append(f"公示至 {rec['end_date']}")
            rows.append([s.name, rec.get("date") or "—", "；".join(detail) or "—"])
        story += [
            para("已履行的程序", "h2"),
            table(["程序", "日期", "情况"], rows, [1.6, 1, 4], text_cols=(0, 2)),
        ]
    story.append(Spacer(1, 10 * mm))
    story.append(
        KeepTogether(
            [
                para("监督电话：________________（村务监督委员会）", "body"),
                Spacer(1, 8 * mm),
                para(f"{village_name}村民委员会（盖章）", "right"),
                para(_cn_date(start) if start else "    年    月    日", "right"),
            ]
        )
    )
    return story, f"{title}：{subject}"


def notice_warnings(exercise: Record, step_key: str | None = None) -> list[str]:
    """The legality review's findings on the publicity a notice posts (too short, its end not recorded,
    decided before it ended): said to whoever prints it, never on the notice itself."""
    from ..powers import review

    item = load_catalog().item(exercise.get("item", ""))
    if item is None:
        return []
    spec, _ = publicity_step(item, exercise.data, step_key)
    return [
        f.message
        for f in review(exercise)
        if f.code in ("publicity_too_short", "publicity_end_missing")
        and f.step == spec.key
        # (a decision's finding is on the step taken too early; it names the publicity it cut short)
        or f.code == "decided_during_publicity"
        and f"“{spec.name}”公示期满" in f.message
    ]


def notice_pdf(
    store: Store, exercise: Record, out: str | os.PathLike[str] | None = None, *, step: str | None = None
) -> bytes:
    """The notice of ``exercise`` as a PDF (written to ``out`` when given)."""
    story, title = notice_story(store, exercise, step)
    village = store.find(exercise.village_id or "")
    label = f"{village.get('name') if village else ''} · 公示 {exercise.get('number') or ''}"
    return build_pdf(story, label=label, title=title, out=out)
