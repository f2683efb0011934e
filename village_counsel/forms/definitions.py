"""The forms of every record kind."""

from __future__ import annotations

from typing import Any

from .. import vocab
from .base import Field, Form


def _not_before(other: str, other_label: str):
    def check(value: Any, values: dict[str, Any]) -> str | None:
        start = values.get(other)
        if start and value and str(value) < str(start):
            return f"不能早于{other_label}"
        return None

    check.not_before = other  # type: ignore[attr-defined]  # (read by sync.fastlines)
    return check


def month_check(value: Any, values: dict[str, Any]) -> str | None:
    text = str(value)
    if (
        len(text) == 7
        and text.isascii()
        and text[4] == "-"
        and text[:4].isdigit()
        and text[5:].isdigit()
        and 1 <= int(text[5:]) <= 12
    ):
        return None
    return "月份应为 YYYY-MM，例如 2026-11"


VILLAGE = Form(
    "village",
    "村（社区）",
    (
        Field("name", "村名", required=True, max_length=40, column=True),
        Field(
            "code",
            "统计用区划代码",
            max_length=12,
            help="12 位：县 6 + 乡镇 3 + 村 3；从名单中选村时自动填写",
        ),
        Field("township", "乡镇（街道）", max_length=40, column=True),
        Field("county", "县（市、区）", max_length=40, column=True),
        Field("judicial_office", "司法所", max_length=40),
        Field("secretary", "党组织书记", max_length=20, personal=True),
        Field("director", "村委会主任", max_length=20, personal=True),
        Field("households", "户数", "int", min=0, max=100000),
        Field("population", "人口", "int", min=0, max=1000000),
        # printed on papers: the 公示's 监督人 and 监督电话, the case number's committee
        Field("supervisor", "村务监督委员会主任（监督人）", max_length=20),
        Field("supervision_phone", "监督电话", "phone", help="印在公示单上（村务监督委员会）"),
        Field("committee", "人民调解委员会", max_length=40, help="如 上张村人民调解委员会；留空按村名"),
        Field(
            "committee_short",
            "调委会简称（案号用）",
            max_length=10,
            help="案号（2026）上张人调字第 1 号中的“上张”；留空取村名去掉“村”。同一调委会的各村共用一个案号序列",
        ),
    ),
    date_field=None,
)

PROFILE = Form(
    "profile",
    "法律顾问",
    (
        Field("name", "姓名", required=True, max_length=20, column=True),
        Field("firm", "执业机构", max_length=60, column=True),
        Field("license_no", "执业证号", max_length=30),
        Field("phone", "联系电话", "phone", personal=True),
        Field("judicial_office", "司法所", max_length=40),
        Field("term_start", "聘任起始", "date"),
        Field("term_end", "聘任终止", "date", validator=_not_before("term_start", "聘任起始")),
    ),
    date_field=None,
)

SESSION = Form(
    "session",
    "村民说事",
    (
        Field("number", "编号", max_length=40, column=True, help="如 说事-2026-11-01；留空自动编号"),
        Field("date", "日期", "date", required=True, column=True),
        Field("format", "形式", "choice", required=True, choices=vocab.SESSION_FORMATS, column=True),
        Field("venue", "地点", max_length=60, column=True),
        Field("host", "主持人", max_length=20, column=True),
        Field("attendance", "参加人员", "counts", help="按身份填写人数"),
        Field("notes", "法律顾问记录", "longtext", max_length=5000),
    ),
)

MATTER = Form(
    "matter",
    "说事事项",
    (
        Field("date", "提出日期", "date", required=True, column=True),
        Field("raiser", "提出人", required=True, max_length=20, column=True, personal=True),
        Field("raiser_phone", "提出人电话", "phone", personal=True),
        Field("content", "事项内容", "longtext", required=True, max_length=2000, column=True),
        Field("category", "类别", "choice", required=True, choices=vocab.CATEGORIES, column=True),
        Field("legal_aspect", "涉法事项", "bool"),
        # 议事
        Field("discussion", "议事情况", "longtext", max_length=3000),
        Field("route", "处理方式", "choice", choices=vocab.ROUTES, column=True),
        Field("reject_reason", "不予采纳理由", "longtext", max_length=1000),
        # 办事
        Field("responsible", "责任人", max_length=20, column=True),
        Field("deadline", "办理期限", "date", column=True, validator=_not_before("date", "提出日期")),
        Field("result", "办理结果", "longtext", max_length=3000),
        Field("feedback_date", "反馈日期", "date", validator=_not_before("date", "提出日期")),
        # 评事
        Field("evaluation", "群众评价", "choice", choices=vocab.EVALUATIONS, column=True),
        Field("evaluation_note", "评价意见", "longtext", max_length=1000),
    ),
)

# Fields each stage requires; route-specific ones are added by the matter service.
MATTER_STAGE_FIELDS = {
    "说事": ("raiser", "content", "category", "date"),
    "议事": ("discussion", "route"),
    "办事": ("result", "feedback_date"),
    "评事": ("evaluation",),
}

POWER_EXERCISE = Form(
    "power_exercise",
    "小微权力行使",
    (
        Field("item", "权力事项", required=True, column=True),
        Field("number", "编号", max_length=40, column=True),
        Field("date", "启动日期", "date", required=True, column=True),
        Field("trigger", "启动方式", "choice", choices=vocab.EXERCISE_TRIGGERS),
        Field("subject", "事由", "longtext", required=True, max_length=2000, column=True),
        Field("applicant", "申请人", max_length=20, personal=True),
        Field("applicant_id", "申请人身份证号", "idcard", personal=True),
        Field("amount", "金额（元）", "money", min=0, max=1e11, column=True),
        Field("steps", "办理步骤", "list"),
        Field("filing_date", "乡镇备案日期", "date"),
        Field("filing_ref", "备案文号", max_length=60),
        Field("supervision_opinion", "村务监督委员会意见", "longtext", max_length=2000),
        Field("advisor_opinion", "法律顾问意见", "longtext", max_length=2000),
        Field("reviewed_on", "审查日期", "date", help="法律顾问出具审查意见的日期；留空为填写意见的当天"),
        Field("result", "结果", "longtext", max_length=2000),
        Field("archive_ref", "归档号", max_length=60),
        Field("status", "状态", "choice", choices=vocab.EXERCISE_STATUSES, column=True),
    ),
)

# One step of an exercise (rows of POWER_EXERCISE.steps).
EXERCISE_STEP = Form(
    "exercise_step",
    "办理步骤",
    (
        Field("key", "步骤", required=True),
        Field("date", "日期", "date", required=True),
        Field("end_date", "公示截止", "date", validator=_not_before("date", "日期")),
        Field("meeting", "会议类型", max_length=30),
        Field("expected", "应到人数", "int", min=0, max=100000),
        Field("present", "实到人数", "int", min=0, max=100000),
        Field("votes_for", "赞成", "int", min=0, max=100000),
        Field("votes_against", "反对", "int", min=0, max=100000),
        Field("votes_abstain", "弃权", "int", min=0, max=100000),
        Field("content", "内容", "longtext", max_length=2000),
        Field("place", "地点", max_length=60),
        Field("objections", "异议情况", "longtext", max_length=1000),
        Field("handling", "异议处理", "longtext", max_length=1000),
    ),
)

# One party of a mediation case (rows of SERVICE_ENTRY.applicants / respondents): phone and ID optional.
PARTY = Form(
    "party",
    "当事人",
    (
        Field("name", "姓名", required=True, max_length=20, personal=True),
        Field("phone", "联系电话", "phone", personal=True),
        Field("id_card", "身份证号", "idcard", personal=True),
    ),
    date_field=None,
)

SERVICE_ENTRY = Form(
    "service_entry",
    "服务台账",
    (
        Field("date", "日期", "date", required=True, column=True),
        Field("duty", "服务类型", required=True, column=True),
        Field("hours", "时长（小时）", "float", min=0, max=24, column=True),
        Field("people", "服务人数", "int", min=0, max=100000, column=True),
        Field("names", "服务对象", max_length=200, personal=True),
        Field("topic", "主题", "choice", choices=vocab.TOPICS, column=True),
        Field("channel", "方式", "choice", choices=vocab.CHANNELS),
        Field("content", "内容", "longtext", max_length=3000, column=True),
        Field("result", "结果", "longtext", max_length=2000),
        # reviews
        Field("doc_type", "审查文件类型", "choice", choices=vocab.REVIEW_DOC_TYPES),
        Field("review_outcome", "审查结论", "choice", choices=vocab.REVIEW_OUTCOMES),
        # mediation (national statistics form)
        Field("dispute_type", "纠纷类型", "choice", choices=vocab.DISPUTE_TYPES),
        Field("source", "案件来源", "choice", choices=vocab.CASE_SOURCES),
        Field("case_form", "调解形式", "choice", choices=vocab.CASE_FORMS),
        Field(
            "referred_by", "移送单位", "choice", choices=vocab.REFERRERS, help="受委托移送的案件：由谁移送"
        ),
        Field("parties", "当事人（旧）", max_length=200, personal=True),
        Field("applicants", "申请人", "list", personal=True),
        Field("respondents", "被申请人", "list", personal=True),
        Field("mediators", "调解员", max_length=60),
        Field("amount", "涉及金额（元）", "money", min=0, max=1e11),
        Field("outcome", "调解结果", "choice", choices=vocab.MEDIATION_OUTCOMES, column=True),
        Field(
            "closed_on",
            "结案日期",
            "date",
            validator=_not_before("date", "日期"),
            help="调解成功、不成或终止的日期；留空为登记结果的当天",
        ),
        Field("prevented_criminal_cases", "防止民转刑（件）", "int", min=0, max=1000),
        Field("prevented_criminal_people", "防止民转刑（人）", "int", min=0, max=100000),
        Field("prevented_petition_cases", "防止群体性上访（件）", "int", min=0, max=1000),
        Field("prevented_petition_people", "防止群体性上访（人）", "int", min=0, max=100000),
        Field("prevented_suicide_cases", "防止自杀（件）", "int", min=0, max=1000),
        Field("prevented_suicide_people", "防止自杀（人）", "int", min=0, max=100000),
        Field("agreement", "协议内容", "longtext", max_length=2000),
        Field("performance", "履行情况", "choice", choices=vocab.PERFORMANCE),
        Field("follow_up", "履行回访", "longtext", max_length=2000),
        Field("visit_by", "回访人", max_length=20),
        Field("visit_date", "回访日期", "date", validator=_not_before("date", "日期")),
        Field("visit_result", "回访结果", "longtext", max_length=1000),
        Field("papers", "卷内其他材料", "longtext", max_length=1000, help="每行一件，如 现场照片 3 张"),
        # 排查 (any entry that screened for disputes), 走访's households
        Field("screenings", "矛盾纠纷排查（次）", "int", min=0, max=1000),
        Field("disputes_found", "排查发现纠纷（件）", "int", min=0, max=10000),
        Field("households", "走访户数", "int", min=0, max=100000),
    ),
)

MONTHLY_NOTE = Form(
    "monthly_note",
    "月度风险与计划",
    (
        Field("month", "月份", required=True, max_length=7, validator=month_check),
        Field("date", "月初日期", "date", required=True),
        Field("risks", "风险隐患与重大事项", "longtext", max_length=5000),
        Field("plan", "下月工作计划", "longtext", max_length=5000),
    ),
)

# 报送: a village's month as submitted to the 司法所 (reports/submission.py); ``figures`` (label → the
# figure as printed) is checked by shapes.shape_problem.
SUBMISSION = Form(
    "submission",
    "月报报送",
    (
        Field("month", "月份", required=True, max_length=7, validator=month_check),
        Field("submitted_at", "报送时间", required=True, max_length=40),
        Field("submitted_on", "报送日期", "date"),
        Field("pdf_sha256", "月报 PDF 的 SHA-256", required=True, max_length=64),
        Field("advisor", "法律顾问", max_length=20),
    ),
    date_field=None,
)

FORMS: dict[str, Form] = {
    f.kind: f
    for f in (VILLAGE, PROFILE, SESSION, MATTER, POWER_EXERCISE, SERVICE_ENTRY, MONTHLY_NOTE, SUBMISSION)
}


def form_for(kind: str) -> Form:
    return FORMS[kind]
