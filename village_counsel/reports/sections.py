"""The sections of a monthly report (DOMAIN.md §4 items 1–12) and one village's whole story; the
township layout in :mod:`.monthly` reuses them. Personal data is masked throughout."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from .. import days, vocab
from .. import matters as matters_mod
from ..backfill import KIND_WORDS
from ..days import month_label
from .charts import stages_chart
from .figures import MediationFigures, MonthReport, Section
from .mask import mask_name, mask_names, mask_text
from .pdf import (
    PageLabel,
    cn_date,
    cn_dates_in,
    fmt_money,
    fmt_num,
    fmt_rate,
    kv_table,
    para,
    signature_block,
    table,
)

CN_NUM = "一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二 (section numbers up to 99)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_NUM[tens - 1] + "十")
    return head + (CN_NUM[ones - 1] if ones else "")


def short_date(day: str | None, year: int) -> str:
    """A date in a month's list: 11月17日, with its year when it is not the report's (2025年11月17日)."""
    return cn_date(day, year=year)


def _distinct(values: list[Any]) -> str:
    seen = [v for i, v in enumerate(values) if v and v not in values[:i]]
    return "、".join(seen) or "—"


def _office(report: MonthReport, sec: Section | None) -> str:
    """A village's own 司法所 in its section (as the village's record says, else as its advisor's profile
    does); the report's (one, or the list) otherwise."""
    if report.scope is not None:  # a township's report: every box names its one office
        return report.judicial_office
    if sec is not None:
        own = sec.village.get("judicial_office") if sec.village is not None else None
        own = own or (sec.advisor or {}).get("judicial_office")
        if own:
            return str(own)
    return report.judicial_office


def header_block(report: MonthReport, sec: Section | None) -> Flowable:
    """The report's head (DOMAIN.md §4 item 1). A village's section names that village's advisor; the
    township head names every advisor (one profile per advisor's laptop in a township store)."""
    villages = [s.name for s in report.sections]
    served = "、".join(villages[:12]) + (f" 等 {len(villages)} 个村" if len(villages) > 12 else "")
    towns = report.townships
    township = "、".join(towns[:3]) + (f" 等 {len(towns)} 个乡镇（街道）" if len(towns) > 3 else "") or "—"
    advisors = [sec.advisor] if sec is not None else [a for a, _ in report.advisors]
    several = len(advisors) > 1
    pairs = [
        (
            "乡镇（街道）",
            township if sec is None else (sec.village.get("township") if sec.village else township),
        ),
        ("司法所", _office(report, sec) or "—"),
        ("报告月份", month_heading(report.month, report.today)),
        ("报告日期", cn_date(report.today)),
        ("法律顾问", _distinct([a.get("name") for a in advisors])),
        ("执业机构", _distinct([a.get("firm") for a in advisors])),
        ("服务村（社区）", sec.name if sec is not None and sec.village is not None else served),
        ("执业证号", "见下表" if several else _distinct([a.get("license_no") for a in advisors])),
    ]
    return kv_table(pairs)


def advisors_table(report: MonthReport) -> list[Flowable]:
    """The township's advisors, each with the villages it serves (only when there are several)."""
    advisors = report.advisors
    if len(advisors) < 2:
        return []
    rows = [
        [
            a.get("name") or "—",
            a.get("firm") or "—",
            a.get("license_no") or "—",
            "、".join(v[:20]) + (f" 等 {len(v)} 个村" if len(v) > 20 else ""),
        ]
        for a, v in advisors
    ]
    return [
        Spacer(1, 2 * mm),
        table(["法律顾问", "执业机构", "执业证号", "服务村"], rows, [1, 1.8, 1.5, 3], text_cols=(0, 1, 3)),
    ]


def month_heading(month: str, today: Any) -> str:
    """2026年11月, or, while the month runs, 2026年11月（截至11月20日）: the day its figures count to."""
    on = days.as_of(month, today)
    if on < days.month_end(month):
        return f"{month_label(month)}（截至{on.month}月{on.day}日）"
    return month_label(month)


def heading(n: int, text: str) -> Flowable:
    return para(f"{cn_number(n)}、{text}", "h1")


# --- the sections of DOMAIN.md §4 ---------------------------------------------------------------------------


def _presence(sec: Section) -> list[Flowable]:
    s = sec.services
    rows = [
        [
            s.onsite_visits,
            s.days,
            fmt_num(s.hours),
            s.duty_shifts,
            s.home_visits,
            s.households,
            s.visit_people,
            s.sessions_attended,
            s.entries,
        ]
    ]
    header = [
        "驻村服务（次）",
        "在村服务（天）",
        "现场服务（小时）",
        "服务点值班（次）",
        "走访（次）",
        "走访户数",
        "走访人数",
        "参与说事（次）",
        "台账记录（条）",
    ]
    return [
        table(header, rows, [1] * 9),
        para("在村服务天数和现场服务小时只计方式为“现场”的台账记录（未注明方式的不计）。", "small"),
    ]


def _consultations(sec: Section) -> list[Flowable]:
    s = sec.services
    out: list[Flowable] = [
        para(f"本月接待法律咨询 {s.consultations} 次，{s.consultation_people} 人次。", "body")
    ]
    channels = list(s.by_channel)
    out.append(
        table(
            ["咨询方式", *channels, "合计"],
            [["次数", *[s.by_channel[c] for c in channels], s.consultations]],
            [1.4] + [1] * (len(channels) + 1),
        )
    )
    out.append(Spacer(1, 2 * mm))
    topics = list(s.by_topic)
    out.append(
        table(
            ["咨询主题", *topics, "合计"],
            [["次数", *[s.by_topic[t] for t in topics], s.consultations]],
            [1.4] + [1] * (len(topics) + 1),
        )
    )
    return out


def _reviews(sec: Section) -> list[Flowable]:
    s = sec.services
    outcomes = list(vocab.REVIEW_OUTCOMES)
    extra = sorted({o for row in s.reviews_by_type.values() for o in row} - set(outcomes))
    outcomes += extra
    rows = [
        [doc, *[row.get(o, 0) for o in outcomes], sum(row.values())] for doc, row in s.reviews_by_type.items()
    ]
    rows.append(
        ["合计", *[sum(r.get(o, 0) for r in s.reviews_by_type.values()) for o in outcomes], s.reviews]
    )
    return [table(["文件类型", *outcomes, "合计"], rows, [1.6] + [1] * (len(outcomes) + 1), total_row=True)]


def _mediation_summary(
    cur: MediationFigures, prev: MediationFigures, last_year: MediationFigures
) -> Flowable:
    def change(a: float, b: float) -> str:
        if not b:
            return "—" if not a else "新增"
        return "持平" if a == b else f"{(a - b) / b * 100:+.0f}%"

    counted: list[tuple[str, Any]] = [
        ("排查（次）", lambda f: f.screenings),
        ("排查发现纠纷（件）", lambda f: f.disputes_found),
        ("受理（件）", lambda f: f.received),
        ("调处（件）", lambda f: f.mediated),
        ("其中：调解成功（件）", lambda f: f.success),
        ("　　　调解不成（件）", lambda f: f.failed),
        ("终止调解（件）", lambda f: f.terminated),
        ("正在调解（件）", lambda f: f.pending),
    ]
    rates: list[tuple[str, Any]] = [
        ("调解成功率", lambda f: f.success_rate),
        ("调处率", lambda f: f.mediation_rate),
    ]
    pairs: list[tuple[str, Any]] = [
        ("涉及金额（元）", None),
        ("书面协议 / 口头协议（件）", lambda f: f"{f.written} / {f.oral}"),
        ("防止民转刑（件 / 人）", lambda f: f"{f.criminal_cases} / {f.criminal_people}"),
        ("防止群体性上访（件 / 人）", lambda f: f"{f.petition_cases} / {f.petition_people}"),
        ("防止自杀（件 / 人）", lambda f: f"{f.suicide_cases} / {f.suicide_people}"),
    ]
    rows: list[list[Any]] = []
    for label, get in counted:
        a, b, c = get(cur), get(prev), get(last_year)
        rows.append([label, a, b, c, change(a, b), change(a, c)])
    for label, get in rates:
        rows.append([label, fmt_rate(get(cur)), fmt_rate(get(prev)), fmt_rate(get(last_year)), "", ""])
    for label, get in pairs:
        if get is None:
            a, b, c = cur.amount, prev.amount, last_year.amount
            rows.append([label, fmt_money(a), fmt_money(b), fmt_money(c), change(a, b), change(a, c)])
        else:
            rows.append([label, get(cur), get(prev), get(last_year), "", ""])
    header = [
        "项目",
        f"本月（{month_label(cur.month)}）",
        f"上月（{month_label(prev.month)}）",
        f"去年同期（{month_label(last_year.month)}）",
        "环比",
        "同比",
    ]
    return table(header, rows, [2.2, 1.4, 1.4, 1.5, 0.8, 0.8], text_cols=(0,))


MEDIATION_FORMULAS = (
    "调处 = 调解成功 + 调解不成；调解成功率 = 调解成功 ÷ 调处；调处率 = 调处 ÷ 受理；"
    "终止调解不计入调处。排查、排查发现纠纷取自服务台账的“矛盾纠纷排查”记录。"
)


def mediation_block(sec: Section, *, cases: bool = True, names: Any = None) -> list[Flowable]:
    cur = sec.mediation
    out: list[Flowable] = [
        para(
            f"本月排查矛盾纠纷 {cur.screenings} 次，发现纠纷 {cur.disputes_found} 件；受理 {cur.received} 件，"
            f"调处 {cur.mediated} 件，其中调解成功 {cur.success} 件，调解成功率 {fmt_rate(cur.success_rate)}，"
            f"调处率 {fmt_rate(cur.mediation_rate)}；涉及金额 {fmt_money(cur.amount)} 元。",
            "body",
        ),
        Spacer(1, 1.5 * mm),
        _mediation_summary(cur, sec.mediation_last_month, sec.mediation_last_year),
        para(MEDIATION_FORMULAS, "small"),
        para("按纠纷类型（人民调解统计报表口径）", "h2"),
    ]
    types = list(cur.by_type.items())
    half = (len(types) + 1) // 2
    rows = []
    for i in range(half):
        left = types[i]
        right = types[i + half] if i + half < len(types) else None
        row = [left[0], left[1].received, left[1].success, fmt_money(left[1].amount)]
        row += (
            [right[0], right[1].received, right[1].success, fmt_money(right[1].amount)]
            if right
            else ["", "", "", ""]
        )
        rows.append(row)
    out.append(table(["纠纷类型", "受理", "成功", "金额（元）"] * 2, rows, [1.5, 0.7, 0.7, 1.1] * 2))
    out.append(para("按案件来源", "h2"))

    def source_row(label: str, r: Any) -> list[Any]:
        return [label, r.received, r.mediated, r.success, fmt_rate(r.success_rate), fmt_money(r.amount)]

    src_rows = []
    for src, r in cur.by_source.items():
        src_rows.append(source_row(src, r))
        if src == vocab.CASE_REFERRED:  # split by who referred it
            src_rows += [
                source_row(f"　其中：{who}" if n == 0 else f"　　　　{who}", rr)
                for n, (who, rr) in enumerate(cur.by_referrer.items())
            ]
    total = [
        "合计",
        cur.received,
        cur.mediated,
        cur.success,
        fmt_rate(cur.success_rate),
        fmt_money(cur.amount),
    ]
    src_rows.append(total)
    out.append(
        table(
            ["案件来源", "受理（件）", "调处（件）", "调解成功（件）", "成功率", "金额（元）"],
            src_rows,
            [1.8, 1, 1, 1, 1, 1.2],
            text_cols=(0,),
            total_row=True,
        )
    )
    if cases and cur.cases:
        from ..cases import CaseNumbers

        number = CaseNumbers(sec.store) if sec.store is not None else None
        out.append(para("本月调解案件", "h2"))
        year = int(sec.month[:4])
        listed = sorted(cur.cases, key=lambda c: number.parts(c)) if number else cur.cases
        rows = [
            [
                number(c) if number else n,
                short_date(c["date"], year),
                c.get("dispute_type") or "—",
                c.get("source") or "—",
                _case_parties(c, names),
                _clip(mask_text(c.get("content"), _party_names(c), known=names)),
                c.get("outcome") or "正在调解",
                fmt_money(c.get("amount")),
            ]
            for n, c in enumerate(listed, start=1)
        ]
        out.append(
            table(
                ["案号", "日期", "类型", "来源", "当事人", "纠纷情况", "结果", "金额"],
                rows,
                [1.3, 1.0, 0.9, 1.0, 1.2, 2.2, 0.9, 0.8],
                text_cols=(0, 2, 3, 4, 5, 6),
            )
        )
    return out


def _party_names(case: Any) -> list[Any]:
    people = [p.get("name") for key in ("applicants", "respondents") for p in case.get(key) or []]
    return [*people, case.get("parties"), case.get("names")]


def _case_parties(case: Any, names: Any) -> str:
    """申请人 and 被申请人 masked (王*国 诉 李*), or a case's one line of 当事人 from before they were asked."""
    applicants = [mask_name(p.get("name")) for p in case.get("applicants") or []]
    respondents = [mask_name(p.get("name")) for p in case.get("respondents") or []]
    if applicants or respondents:
        return "、".join(applicants) + ("　与　" + "、".join(respondents) if respondents else "")
    return mask_names(case.get("parties")) or "—"


def _lectures_and_aid(sec: Section) -> list[Flowable]:
    s = sec.services
    return [
        table(
            ["普法讲座（场）", "听讲人数", "培育法律明白人（次）", "参训人数"],
            [[s.lectures, s.lecture_attendees, s.training, s.trainees]],
            [1, 1, 1, 1],
        )
    ]


def _legal_aid(sec: Section) -> list[Flowable]:
    s = sec.services
    return [para(f"本月转介法律援助 {s.legal_aid} 件，涉及 {s.legal_aid_people} 人。", "body")]


def _matter_row(n: int, m: Any, sec: Section, year: int) -> list[Any]:
    names = [m.get("raiser"), m.get("responsible")]
    return [
        n,
        short_date(m.get("date"), year),
        mask_name(m.get("raiser")) or "—",
        _clip(mask_text(m.get("content"), names, known=sec.masker)),
        m.get("category") or "—",
        matters_mod.status_label(m),
        m.get("route") or "—",
        mask_name(m.get("responsible"), sec.officials) or "—",
        short_date(m.get("deadline"), year),
        "逾期" if m.id in sec.overdue_ids else ("逾期办结" if m.id in sec.late_ids else ""),
    ]


LIST_TEXT_LIMIT = 160


def _clip(text: str, limit: int = LIST_TEXT_LIMIT) -> str:
    """A list cell keeps the first ``limit`` characters; the whole text is on the 一事一档 page."""
    return text if len(text) <= limit else text[:limit] + "……（全文见一事一档）"


MATTER_HEADER = [
    "序号",
    "提出日期",
    "提出人",
    "事项内容",
    "类别",
    "状态",
    "处理方式",
    "责任人",
    "办理期限",
    "逾期",
]
MATTER_WIDTHS = [0.45, 1.05, 0.65, 2.35, 0.8, 0.7, 0.85, 0.65, 1.05, 0.65]


def _sessions(sec: Section, *, chart: bool = True, lists: bool = True) -> list[Flowable]:
    f = sec.matters
    out: list[Flowable] = [
        table(
            [
                "说事（场）",
                "提出事项",
                "已办结",
                "逾期未办",
                "逾期办结",
                "涉法事项",
                "办结率",
                "已评议",
                "满意率",
            ],
            [
                [
                    f.sessions,
                    f.raised,
                    f.closed,
                    f.overdue,
                    f.handled_late,
                    f.legal,
                    fmt_rate(f.closure_rate),
                    f.evaluated,
                    fmt_rate(f.satisfaction_rate),
                ]
            ],
            [1] * 9,
        ),
        para(
            "各项按月末（本月未结束时为截至日）的状态统计；逾期未办 = 超过办理期限仍未办理，"
            "逾期办结 = 超过办理期限后才办理。"
            "办结率 = 已办结（评事为满意或基本满意）÷ 本月提出；满意率 = （满意 + 基本满意）÷ 评议次数。",
            "small",
        ),
    ]
    if chart and f.raised:
        out.append(Spacer(1, 3 * mm))
        out.append(stages_chart([(sec.name, f.by_stage or {})], title=f"{sec.name}本月事项所处阶段"))
    if not lists:
        return out
    year = int(sec.month[:4])
    if sec.matter_list:
        out.append(para("本月说事事项", "h2"))
        rows = [_matter_row(n, m, sec, year) for n, m in enumerate(sec.matter_list, start=1)]
        red = [("TEXTCOLOR", (9, i + 1), (9, i + 1), "#C0392B") for i, r in enumerate(rows) if r[9]]
        out.append(table(MATTER_HEADER, rows, MATTER_WIDTHS, text_cols=(3, 6), extra=red))
    if sec.carried:
        out.append(para(f"往月提出、尚未办结的事项（{len(sec.carried)} 项）", "h2"))
        rows = [_matter_row(n, m, sec, year) for n, m in enumerate(sec.carried, start=1)]
        red = [("TEXTCOLOR", (9, i + 1), (9, i + 1), "#C0392B") for i, r in enumerate(rows) if r[9]]
        out.append(table(MATTER_HEADER, rows, MATTER_WIDTHS, text_cols=(3, 6), extra=red))
    return out


def powers_block(sec: Section, *, details: bool = True) -> list[Flowable]:
    exercised = sum(r.exercises for r in sec.power)
    flagged = sum(1 for _, f in sec.exercises if f)
    started = sum(r.started for r in sec.power)
    out: list[Flowable] = [
        para(
            f"本月办理小微权力事项 {exercised} 件（其中本月启动 {started} 件，其余为往月启动、本月有办理步骤或审查），"
            f"经合法性审查发现程序问题 {sec.findings} 处（涉及 {flagged} 件），"
            f"公示期间收到异议 {sec.objections} 件次。",
            "body",
        )
    ]
    if sec.power:
        rows = [
            [r.name, r.exercises, r.completed, r.with_findings, r.findings, r.objections] for r in sec.power
        ]
        rows.append(
            ["合计", exercised, sum(r.completed for r in sec.power), flagged, sec.findings, sec.objections]
        )
        out.append(
            table(
                ["权力事项", "行使（件）", "已完成", "存在问题（件）", "问题（处）", "异议（件次）"],
                rows,
                [3.2, 1, 1, 1.1, 1, 1.1],
                text_cols=(0,),
                total_row=True,
            )
        )
    if details and flagged:
        out.append(para("审查发现的问题", "h2"))
        rows = []
        for e, found in sec.exercises:
            if not found:
                continue
            rows.append(
                [
                    e.get("number") or "—",
                    _clip(mask_text(e.get("subject"), [e.get("applicant")], known=sec.masker), 80),
                    e.get("status") or "—",
                    cn_dates_in("；".join(f"【{f.label}】{f.message}" for f in found)),
                ]
            )
        out.append(table(["编号", "事由", "状态", "问题"], rows, [1.2, 1.6, 0.6, 4.2], text_cols=(1, 3)))
    return out


def checklist_block(sec: Section) -> list[Flowable]:
    rows = []
    for p in sec.checklist:
        rows.append(
            [
                p.duty.name,
                p.duty.frequency_label,
                p.period,
                "按需" if p.required is None else p.required,
                # summed over villages, what one village did beyond its share does not count for another
                p.done if p.required is None or p.met == p.done else f"{p.met}（共 {p.done}）",
                "—" if p.required is None else p.due,
                "—" if p.required is None else p.overdue,
            ]
        )
    out: list[Flowable] = [
        para(
            f"有频次要求的职责应完成 {sec.checklist_required} 次，已完成 {sec.checklist_done} 次，完成率 {fmt_rate(sec.checklist_rate)}。",
            "body",
        ),
        table(
            ["职责", "频次", "考核周期", "应完成", "已完成", "尚需完成", "逾期未完成"],
            rows,
            [2.2, 1.1, 1.5, 0.8, 0.8, 0.9, 0.9],
            text_cols=(0, 2),
        ),
    ]
    due = [p for p in sec.checklist if p.required is not None and p.due]
    if due:
        out.append(
            para(
                "尚需完成：" + "；".join(f"{p.duty.name} {p.due} 次（{p.period}）" for p in due) + "。",
                "body",
            )
        )
    return out


def _notes(sec: Section, key: str, empty: str) -> list[Flowable]:
    texts = []
    for note in sec.notes:
        text = mask_text(note.get(key), known=sec.masker)
        if text:
            texts.append(text)
    if not texts:
        return [para(empty, "body")]
    return [para(t, "body") for t in texts]


def _late_what(record: Any, masker: Any = None) -> str:
    """A late record, named without personal data (the village's party names masked wherever they recur)."""
    d = record.data
    if record.kind == "session":
        return str(d.get("number") or "说事会")
    if record.kind == "matter":
        return _clip(mask_text(d.get("content"), [d.get("raiser"), d.get("responsible")], known=masker), 40)
    if record.kind == "power_exercise":
        subject = mask_text(d.get("subject"), [d.get("applicant")], known=masker)
        return f"{d.get('number') or ''} {_clip(subject, 30)}"
    content = mask_text(d.get("content"), [d.get("names"), d.get("parties")], known=masker)
    return f"{d.get('duty') or ''}：{_clip(content, 30)}"


def _late_table(entries: list[Any], year: int, masker: Any = None) -> Flowable:
    rows = [
        [
            n,
            KIND_WORDS.get(e.record.kind, e.record.kind),
            _late_what(e.record, masker),
            short_date(e.record.get("date"), year),
            short_date(e.entered.isoformat(), year),
            e.what,
        ]
        for n, e in enumerate(entries, start=1)
    ]
    return table(
        ["序号", "类型", "记录", "记录日期", "录入日期", "情况"],
        rows,
        [0.5, 0.9, 3.4, 0.9, 0.9, 0.7],
        text_cols=(2,),
    )


def backfill_block(sec: Section) -> list[Flowable]:
    """补录 (work of the month entered after it ended) and, for a submitted month, 报送后补录: never silent."""
    year = int(sec.month[:4])
    out: list[Flowable] = []
    if sec.late:
        out.append(
            para(
                f"本月有 {len(sec.late)} 条记录在月末之后才录入或修改（补录，按录入时间判断），已计入以上各项：",
                "body",
            )
        )
        out.append(_late_table(sec.late, year, sec.masker))
    else:
        out.append(para("本月没有月末之后补录的记录。", "body"))
    info = sec.submitted
    if info is None:
        out.append(para("本月尚未报送司法所。", "body"))
        return out
    out.append(
        para(
            f"本月已于 {days.local_stamp(info.submitted_at)} 报送司法所（月报 PDF 的 SHA-256："
            f"{info.record.get('pdf_sha256')}）。以上为报送时的数据。",
            "body",
        )
    )
    out.append(para("报送后补录", "h2"))
    if info.recomputed_differs:
        out.append(
            para(
                "注意：按报送时的记录重新计算，与报送数不一致（程序版本的统计口径有变化）；以报送数为准。",
                "body",
            )
        )
    if not info.changed and not info.after:
        out.append(para("报送后没有补录或修改。", "body"))
        return out
    if info.changed:
        out.append(para("报送后数字有变化的项目：", "body"))
        out.append(
            table(
                ["项目", "报送数", "现数"],
                [[k, a, b] for k, a, b in info.changed],
                [2.4, 1, 1],
                text_cols=(0,),
            )
        )
    if info.after:
        out.append(para(f"报送后录入或修改的记录 {len(info.after)} 条：", "body"))
        out.append(_late_table(info.after, year, sec.masker))
    return out


def village_story(report: MonthReport, sec: Section) -> list[Flowable]:
    """One village's section (its own header and sign-off)."""
    story: list[Flowable] = [
        PageLabel(f"{sec.name} · {month_label(sec.month)}"),
        para(f"{sec.name}法律顾问工作月报", "title"),
        para(month_heading(sec.month, report.today), "subtitle"),
        header_block(report, sec),
    ]
    parts = [
        ("驻村服务情况", _presence(sec)),
        ("法律咨询", _consultations(sec)),
        ("合法性审查", _reviews(sec)),
        ("人民调解", mediation_block(sec, names=sec.masker)),
        ("普法宣传与法律明白人培育", _lectures_and_aid(sec)),
        ("法律援助转介", _legal_aid(sec)),
        ("村民说事", _sessions(sec)),
        ("小微权力运行与合法性审查", powers_block(sec)),
        ("工作清单完成情况", checklist_block(sec)),
        ("风险隐患与重大事项", _notes(sec, "risks", "本月未报告风险隐患与重大事项。")),
        ("下月工作计划", _notes(sec, "plan", "（未填写）")),
    ]
    if sec.on is not None and sec.on >= days.month_end(sec.month):  # an ended month: 补录 and 报送
        parts.append(("补录与报送", backfill_block(sec)))
    for n, (title, flowables) in enumerate(parts, start=1):
        story.append(CondPageBreak(30 * mm))
        story.append(KeepTogether([heading(n, title), flowables[0]]))
        story.extend(flowables[1:])
    story.append(signature_block(sign_off(report, sec)))
    return story


def sign_off(report: MonthReport, sec: Section | None) -> list[tuple[str, str]]:
    """The signature boxes of a village's section (``sec``) or of the township summary (None)."""
    if sec is not None:
        advisor = sec.advisor.get("name") or ""
    else:
        advisor = "、".join(a.get("name") for a, _ in report.advisors if a.get("name"))
    parties = [("法律顾问", f"签名：{advisor}\n\n日期：    年   月   日")]
    if sec is not None:
        village = sec.village["name"] if sec.village is not None else sec.name
        parties.append(("村委会（盖章）", f"{village}村民委员会\n\n日期：    年   月   日"))
    parties.append(
        ("司法所审核（盖章）", f"{_office(report, sec)}\n审核意见：\n审核人：\n日期：    年   月   日")
    )
    return parties
