"""The domain's fixed vocabularies (DOMAIN.md). Chinese terms are the stored values."""

from __future__ import annotations

STAGES = ("说事", "议事", "办事", "评事")
STAGE_STATUS = {"说事": "待议事", "议事": "办理中", "办事": "待评议", "评事": "已办结"}

SESSION_FORMATS = ("固定日集中说", "党员联户上门说", "现场说", "线上说")
ATTENDEE_ROLES = ("村民代表", "党员", "村民", "村两委干部", "联村干部", "法律顾问", "村务监督委员会")
CATEGORIES = ("村庄建设", "经济发展", "社会稳定", "党群关系", "廉洁建设")

ROUTE_VILLAGE = "村内办理"
ROUTE_TOWNSHIP = "上报乡镇"
ROUTE_DECISION = "转五议决策"
ROUTE_MEDIATION = "转调解"
ROUTE_REJECT = "不予采纳"
ROUTES = (ROUTE_VILLAGE, ROUTE_TOWNSHIP, ROUTE_DECISION, ROUTE_MEDIATION, ROUTE_REJECT)

EVALUATIONS = ("满意", "基本满意", "不满意")
SATISFIED = ("满意", "基本满意")

# Service log (DOMAIN.md §3): duty kinds are the checklist duties' codes' names.
TOPICS = ("婚姻家庭", "继承", "土地承包", "宅基地", "劳动", "合同", "侵权", "其他")
CHANNELS = ("现场", "电话", "微信")
REVIEW_DOC_TYPES = ("村规民约", "合同", "重大决策", "其他文件")
REVIEW_OUTCOMES = ("通过", "建议修改", "不予通过")

DISPUTE_TYPES = (
    "婚姻家庭",
    "邻里",
    "房屋宅基地",
    "合同",
    "生产经营",
    "损害赔偿",
    "山林土地",
    "征地拆迁",
    "环境污染",
    "劳动争议",
    "消费",
    "医疗",
    "道路交通事故",
    "物业",
    "其他",
)
CASE_SOURCES = ("当事人申请", "主动调解", "受委托移送")
CASE_REFERRED = "受委托移送"
REFERRERS = ("公安", "法院", "政府部门")  # who referred a 受委托移送 case (Zhejiang statistics)
PERFORMANCE = ("已履行", "正在履行", "未履行", "无需履行")
CASE_FORMS = ("书面", "口头")
MEDIATION_OUTCOMES = ("调解成功", "调解不成", "终止")

EXERCISE_TRIGGERS = ("村民建议", "两委提出", "上级交办")
EXERCISE_STATUSES = ("进行中", "已完成", "已终止")

# Matter category → the mediation dispute type it most likely is, for "enter once".
CATEGORY_TO_DISPUTE = {
    "村庄建设": "邻里",
    "经济发展": "生产经营",
    "社会稳定": "邻里",
    "党群关系": "其他",
    "廉洁建设": "其他",
}
