"""The printed monthly report (DOMAIN.md §4): one village's month, or a township's (summary row per
village, charts, then every village's section). Personal data is masked throughout."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Spacer

from .. import days
from ..days import month_label
from .charts import completion_chart, stages_chart
from .figures import MonthReport, month_report, stage_counts
from .pdf import PageLabel, PrintError, build_pdf, fmt_rate, para, signature_block, table
from .sections import (
    advisors_table,
    checklist_block,
    cn_number,
    header_block,
    heading,
    mediation_block,
    month_heading,
    powers_block,
    sign_off,
    village_story,
)


def submission_mark(report: MonthReport, sec: Any) -> str:
    """A village's row in the township summary says whether its month was submitted (报送)."""
    if not days.month_over(report.month, report.today):
        return "—"
    if sec.village is None:
        done = sum(1 for s in report.sections if s.submitted is not None)
        return f"{done}/{len(report.sections)}"
    if sec.submitted is None:
        return "未报送"
    return "有补录" if sec.submitted.changed or sec.submitted.after else "已报送"


def _summary_rows(report: MonthReport) -> list[list[Any]]:
    rows = []
    for s in [*report.sections, report.total]:
        assert s is not None
        f = s.matters
        rows.append(
            [
                "合计" if s.village is None else s.name,
                f.sessions,
                f.raised,
                f.closed,
                f.overdue,
                fmt_rate(f.closure_rate),
                fmt_rate(f.satisfaction_rate),
                sum(r.exercises for r in s.power),
                s.findings,
                s.mediation.received,
                s.mediation.success,
                s.services.consultations,
                s.services.days,
                s.services.lectures,
                s.services.legal_aid,
                fmt_rate(s.checklist_rate),
                submission_mark(report, s),
            ]
        )
    return rows


def _unsubmitted(report: MonthReport) -> list[Flowable]:
    if not days.month_over(report.month, report.today):
        return []
    missing = [s.name for s in report.sections if s.submitted is None]
    if not missing:
        return [para("各村本月月报均已报送。", "small")]
    shown = "、".join(missing[:30]) + (f" 等 {len(missing)} 个村" if len(missing) > 30 else "")
    return [para(f"未报送本月月报的村：{shown}（其数字为司法所按现有记录计算，供核对）。", "small")]


def township_story(report: MonthReport) -> list[Flowable]:
    assert report.total is not None
    total = report.total
    name = "、".join(report.townships[:3]) + ("等" if len(report.townships) > 3 else "")
    story: list[Flowable] = [
        PageLabel(f"{name or '各村'}汇总 · {month_label(report.month)}"),
        para(f"{name}村法律顾问工作月报（汇总）", "title"),
        para(f"{month_heading(report.month, report.today)}　共 {len(report.sections)} 个村", "subtitle"),
        header_block(report, None),
        *advisors_table(report),
        heading(1, "各村主要数据"),
        table(
            [
                "村",
                "说事（场）",
                "事项",
                "办结",
                "逾期",
                "办结率",
                "满意率",
                "小微权力",
                "问题（处）",
                "调解受理",
                "调解成功",
                "咨询",
                "在村（天）",
                "普法（场）",
                "法援转介",
                "清单完成率",
                "报送",
            ],
            _summary_rows(report),
            [1.6, 0.8, 0.7, 0.7, 0.7, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.7, 0.8, 0.8, 0.8, 1.0, 0.8],
            text_cols=(0,),
            total_row=True,
            extra=[
                ("TEXTCOLOR", (16, i + 1), (16, i + 1), "#C0392B")  # the 报送 column
                for i, s in enumerate(report.sections)
                if submission_mark(report, s) in ("未报送", "有补录")
            ],
        ),
        *_unsubmitted(report),
        heading(2, "图表"),
    ]
    if len(report.sections) <= 12:
        series = [(s.name, s.matters.by_stage or {}) for s in report.sections]
        series.append(("合计", stage_counts(report.sections)))
    else:
        series = [("全部村", stage_counts(report.sections))]
    story.append(
        stages_chart(series, title="说事事项所处阶段（按村）" if len(series) > 1 else "说事事项所处阶段")
    )
    story.append(Spacer(1, 4 * mm))
    story.append(completion_chart([(s.name, s.checklist_rate) for s in report.sections]))
    story.append(CondPageBreak(60 * mm))
    story.append(heading(3, "人民调解（全部村合计）"))
    story.extend(mediation_block(total, cases=False))
    story.append(CondPageBreak(40 * mm))
    story.append(heading(4, "小微权力（全部村合计）"))
    story.extend(powers_block(total, details=False))
    story.append(CondPageBreak(40 * mm))
    story.append(heading(5, "工作清单（全部村合计）"))
    story.extend(checklist_block(total))
    story.append(signature_block(sign_off(report, None)))
    return story


def render(report: MonthReport, out: str | os.PathLike[str] | None = None) -> bytes:
    """The PDF of a month's report (written to ``out`` when given)."""
    label_month = month_label(report.month)
    if report.township:
        story = township_story(report)
        for sec in report.sections:
            story.append(PageBreak())
            story.extend(village_story(report, sec))
        title = f"村法律顾问工作月报（汇总）{label_month}"
        label = f"汇总 · {label_month}"
    else:
        sec = report.sections[0] if report.sections else None
        if sec is None:
            raise PrintError("数据中还没有村，无法生成月报。")
        story = village_story(report, sec)
        title = f"{sec.name}法律顾问工作月报 {label_month}"
        label = f"{sec.name} · {label_month}"
    return build_pdf(story, label=label, title=title, out=out)


def monthly_pdf(
    store: Any,
    month: str,
    village: Any = None,
    out: str | os.PathLike[str] | None = None,
    *,
    today: date | None = None,
    progress: Any = None,
) -> bytes:
    """Figures and layout in one call: the monthly report of ``month`` (one village or all)."""
    return render(month_report(store, month, village, today=today, progress=progress), out)


__all__ = ["cn_number", "monthly_pdf", "render", "township_story", "village_story"]
