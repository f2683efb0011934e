"""Realistic demo data: Ningbo villages, 说事 sessions, power exercises and the advisor's service log.

With an empty store it creates ``villages`` villages and fills the ``months`` months ending with the
current one; otherwise it continues every village already in the store (imported ones included) for the
``months`` months after the latest month that has records, advancing open matters and exercises.
The same seed on the same store gives the same records: ids come from a generator seeded with the seed,
the device and the store's fingerprint, and revisions from the simulated dates."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from . import checklist, days, matters, powers, regions, vocab
from .catalog import load_catalog
from .store import Record, Store
from .villages import create_village, get_profile, list_villages, set_profile

SURNAMES = "王陈李张周林徐胡杨俞应邬蒋竺史袁郑叶孙朱吴葛钱童鲍毛翁严".replace("", " ").split()
GIVEN = [
    "建国",
    "海波",
    "志明",
    "国华",
    "秀英",
    "美娟",
    "伟",
    "静",
    "军",
    "丽萍",
    "小芬",
    "阿根",
    "阿花",
    "德明",
    "春燕",
    "雪芬",
    "明华",
    "亚萍",
    "金龙",
    "彩凤",
    "家豪",
    "晓东",
    "永康",
    "文娟",
    "桂英",
    "荣根",
    "素珍",
    "国庆",
    "红霞",
    "立新",
]
MATTER_TEXTS = {
    "村庄建设": [
        "村东{p}路段路灯损坏多日，夜间出行不便，要求尽快修复",
        "{p}自然村饮用水水压不足，高峰时段断水",
        "{p}溪堤岸有塌方隐患，汛期前需要加固",
        "村内垃圾分类桶点设置不合理，{p}附近气味大",
        "{p}通往农田的机耕路坑洼积水，农机无法通行",
        "老年活动室屋顶漏雨，希望修缮",
    ],
    "经济发展": [
        "{p}片区土地流转租金多年未调整，村民要求重新协商",
        "希望村里引进民宿项目带动{p}旅游",
        "村集体厂房出租到期，{p}村民关心续租方式与租金",
        "村级工程用工优先本村劳动力的问题",
        "{p}茶园统一经营收益分配方式不清楚",
    ],
    "社会稳定": [
        "{p}两户因宅基地界址发生争执，要求村里出面调解",
        "邻居在{p}搭建违章棚屋影响采光通风",
        "{p}承包山林边界不清，两户村民多次争吵",
        "外来务工人员拖欠房租引发纠纷",
        "{p}养殖场异味和污水影响周边住户",
        "征地补偿款分配中{p}出嫁女权益问题",
    ],
    "党群关系": [
        "希望党员联户走访更加经常，及时听取{p}群众意见",
        "村务公开栏信息更新不及时，{p}村民看不到最新财务",
        "村民代表会议通知太晚，{p}部分代表无法参加",
    ],
    "廉洁建设": [
        "村里{p}工程项目的结算情况希望公开",
        "村干部报酬标准和发放情况要求公开",
        "{p}物资采购是否经过比价，村民有疑问",
    ],
}
PLACE_WORDS = ["后山", "祠堂", "村口", "东岸", "西坪", "下岙", "小桥头", "老街", "新村", "文化礼堂"]
CONSULT_TOPICS = {
    "婚姻家庭": "离婚财产分割及子女抚养问题",
    "继承": "父母房产继承及兄弟姐妹份额",
    "土地承包": "土地承包经营权流转合同条款",
    "宅基地": "宅基地使用权确权与翻建审批",
    "劳动": "工地务工被拖欠工资如何维权",
    "合同": "民间借贷借条的效力",
    "侵权": "邻居家狗咬伤人的赔偿责任",
    "其他": "征信异议及网络诈骗防范",
}


@dataclass
class DemoResult:
    villages: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)


class _Gen:
    def __init__(self, store: Store, rng: random.Random, today: date) -> None:
        self.store, self.rng, self.today = store, rng, today
        # details added later (case parties, numbers typed in free text) draw from their own generator,
        # seeded from the main one without advancing it: the rest of a seed's demo stays as it was
        self.detail = random.Random(str(rng.getstate()[1][1:9]))
        self.limit = date.max  # no record is dated after this (today, when filling the months up to now)
        self.catalog = load_catalog()
        self.result = DemoResult()

    # --- small helpers ---
    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def phone(self) -> str:
        return "1" + self.rng.choice("3589") + "".join(self.rng.choice("0123456789") for _ in range(9))

    def id_card(self) -> str:
        region = self.rng.choice(["330225", "330226", "330283", "330212"])
        birth = date(1950, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 50))
        body = f"{region}{birth:%Y%m%d}{self.rng.randrange(0, 1000):03d}"
        total = sum(
            int(c) * w
            for c, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True)
        )
        return body + "10X98765432"[total % 11]

    def typed_phone(self) -> str:
        """A phone number as people type it in free text: 13912345678, 139-1234-5678, 139 1234 5678,
        +86 13912345678."""
        d = self.phone()
        form = self.detail.randrange(4)
        return [d, f"{d[:3]}-{d[3:7]}-{d[7:]}", f"{d[:3]} {d[3:7]} {d[7:]}", f"+86 {d}"][form]

    def typed_id(self) -> str:
        """An ID-card number as people type it: whole, or grouped 6-8-4 by spaces or dashes."""
        d = self.id_card()
        form = self.detail.randrange(3)
        return [d, f"{d[:6]} {d[6:14]} {d[14:]}", f"{d[:6]}-{d[6:14]}-{d[14:]}"][form]

    def party(self, with_numbers: bool) -> dict[str, str]:
        out = {"name": self.detail.choice(SURNAMES) + self.detail.choice(GIVEN)}
        if with_numbers:
            out["phone"] = "1" + self.detail.choice("3589") + "".join(self.detail.choices("0123456789", k=9))
            if self.detail.random() < 0.5:
                out["id_card"] = self.id_card()
        return out

    def case_details(self, village: Record, values: dict) -> dict:
        """A mediation case's parties, mediators and referral, its facts naming a party with a number
        typed in the text (so every printed page exercises the masking)."""
        det = self.detail
        applicants = [self.party(det.random() < 0.7)]
        respondents = [self.party(det.random() < 0.5) for _ in range(det.choice([1, 1, 2]))]
        first = applicants[0]["name"]
        out = {
            "applicants": applicants,
            "respondents": respondents,
            "mediators": f"{village.get('director') or '调委会主任'}、{det.choice(SURNAMES)}{det.choice(GIVEN)}",
            "content": f"申请人{first}（电话 {self.typed_phone()}）称与{respondents[0]['name']}"
            f"因{det.choice(['宅基地边界', '通行道路', '借款归还', '房屋漏水', '赔偿数额'])}发生纠纷，请求调解。",
        }
        if values.get("source") == "受委托移送":
            out["referred_by"] = det.choice(["公安", "法院", "政府部门"])
        if values.get("outcome") == "调解成功":
            out["performance"] = det.choice(["已履行", "已履行", "正在履行"])
            out["visit_by"] = det.choice(SURNAMES) + det.choice(GIVEN)
            out["visit_result"] = f"协议已履行，{first}表示满意"
            closed = date.fromisoformat(values.get("closed_on") or values["date"])
            visit = min(closed + timedelta(days=det.randint(7, 30)), self.limit, self.today)
            if visit >= closed:
                out["visit_date"] = visit.isoformat()
            if det.random() < 0.03:
                out["prevented_suicide_cases"], out["prevented_suicide_people"] = 1, 1
        return out

    def notice_content(self, item, values: dict) -> dict:
        """What the item's 公示 shows (a 宅基地 application's household, a subsidy's recipients), with a
        phone number typed into the text now and then (a notice must never print it)."""
        det = self.detail
        samples = {
            "plan": "拟对村内主干道进行硬化拓宽，总投资以审计结果为准，资金由村集体经济收入列支",
            "resolution": "村民代表会议应到 35 人，实到 31 人，赞成 29 票，通过该方案",
            "result": "工程已于本月完成并通过验收，决算金额见上表",
            "project": "村道硬化及拓宽工程",
            "winner": det.choice(["象山县宏达建设有限公司", "宁波甬顺市政工程有限公司"]),
            "period": "90 日历天",
            "goods": "村办公用品及卫生保洁服务",
            "supplier": "西周镇惠民商行",
            "asset": det.choice(["村集体厂房一处（约 600 平方米）", "村东侧鱼塘 12 亩"]),
            "way": "公开招租",
            "counterparty": "象山海风水产养殖场",
            "term": "5 年",
            "content": "修订村规民约第五条（环境卫生）及第九条（红白喜事从简）",
            "vote": "村民会议应到 412 户，实到 365 户，赞成 351 户",
            "head": values.get("applicant") or "",
            "housing": f"现有旧房 {det.randint(40, 90)} 平方米，建于 {det.randint(1975, 1995)} 年，属危房",
            "place": f"{det.choice(['本村一组', '本村三组', '本村五组'])}自留地，东至村道，西至河沟",
            "kind": det.choice(["最低生活保障", "临时救助"]),
            "review": f"经民主评议会议评议通过（联系人电话 {self.typed_phone()}）",
            "standard": "按县政府征地补偿标准，每亩 4.2 万元",
        }
        notice: dict[str, str] = {}
        for f in item.notice:
            if f.type in ("money",):
                notice[f.key] = str(values.get("amount") or det.choice([60000, 150000, 320000]))
            elif f.type == "int":
                notice[f.key] = str(det.randint(2, 6))
            elif f.type == "number":
                notice[f.key] = str(det.choice([90, 110, 120, 125]))
            elif samples.get(f.key):
                notice[f.key] = samples[f.key]
        out: dict = {"notice": notice}
        if item.recipients:
            out["recipients"] = [
                {
                    "name": det.choice(SURNAMES) + det.choice(GIVEN),
                    "people": str(det.randint(1, 5)),
                    "amount": str(det.choice([800, 1200, 2400, 5000, 42000])),
                }
                for _ in range(det.randint(2, 6))
            ]
        return out

    def screening(self) -> dict:
        """A day in the village often includes a 矛盾纠纷排查 (screening for disputes)."""
        if self.detail.random() < 0.5:
            return {}
        return {"screenings": 1, "disputes_found": self.detail.choice([0, 0, 1, 2])}

    def day_in(self, month: str, lo: int = 1, hi: int = 28) -> date:
        first, last = checklist.month_bounds(month)
        return min(first + timedelta(days=self.rng.randrange(lo - 1, min(hi, last.day))), self.limit)

    def month_end(self, month: str) -> date:
        return min(checklist.month_bounds(month)[1], self.limit)

    def clamp(self, day: date, month: str) -> date:
        return min(day, self.month_end(month))

    def ms(self, day: date | str) -> int:
        d = date.fromisoformat(day) if isinstance(day, str) else day
        base = datetime(d.year, d.month, d.day, 1, 0, tzinfo=UTC)
        return int(base.timestamp() * 1000) + self.rng.randrange(0, 9 * 3600 * 1000)

    def count(self, kind: str) -> None:
        self.result.created[kind] = self.result.created.get(kind, 0) + 1

    # --- villages ---
    def township(self) -> regions.Place:
        """The advisor's township: one of Ningbo's (3302) with enough villages, drawn with the seed."""
        towns = [
            t
            for county in regions.counties()
            if county.code.startswith("3302")
            for t in regions.children(county.code)
            if sum(p.name.endswith("村") for p in regions.children(t.code)) >= 10
        ]
        return self.rng.choice(towns)

    def villages(self, n: int) -> list[Record]:
        """``n`` villages by national code, all in one township (the next townships, then counties, when
        one has too few)."""
        start = self.township()
        every = [t for c in regions.counties() for t in regions.children(c.code)]
        towns = [t for t in every if t.code >= start.code] + [t for t in every if t.code < start.code]
        taken = {v.get("code") for v in list_villages(self.store)}
        out = []
        for town in towns:
            places = regions.children(town.code)  # villages (村) first, then communities (社区)
            for place in sorted(places, key=lambda p: (not p.name.endswith("村"), p.code)):
                if len(out) >= n:
                    return out
                if place.code in taken:
                    continue
                record = create_village(
                    self.store,
                    {
                        "code": place.code,
                        "secretary": self.name(),
                        "director": self.name(),
                        "households": self.rng.randrange(300, 1500),
                        "population": self.rng.randrange(900, 4500),
                        # (from its own generator: a seed's other records stay as they were)
                        "supervisor": self.detail.choice(SURNAMES) + self.detail.choice(GIVEN),
                        "supervision_phone": f"0574-65{self.detail.randrange(100000, 999999)}",
                    },
                    at_ms=self.ms(self.today - timedelta(days=400)),
                )
                self.count("village")
                out.append(record)
        return out

    # --- one village-month ---
    def month(self, village: Record, month: str) -> None:
        store = self.store
        with store.transaction():
            self.advance_matters(village, month)
            self.advance_exercises(village, month)
            self.sessions(village, month)
            self.exercises(village, month)
            self.services(village, month)
            note = {
                "month": month,
                "date": f"{month}-01",
                "risks": self.rng.choice(
                    [
                        "汛期临近，溪堤与山塘存在安全隐患，需督促排查。",
                        "土地流转合同集中到期，可能引发租金纠纷。",
                        "本月无重大风险。",
                        "个别家庭宅基地纠纷有激化苗头，已纳入重点跟踪。",
                    ]
                ),
                "plan": self.rng.choice(
                    [
                        "开展一次民法典专题普法讲座；跟进未办结说事事项。",
                        "协助修订村规民约；走访困难家庭。",
                        "参加村民说事日；审查村集体厂房租赁合同。",
                    ]
                ),
            }
            store.put("monthly_note", note, village_id=village.id, at_ms=self.ms(f"{month}-01"))
            self.count("monthly_note")

    def sessions(self, village: Record, month: str) -> None:
        rng = self.rng
        for s in range(rng.choices([1, 2, 3], [40, 45, 15])[0]):
            day = self.day_in(month, 1 + s * 10, 10 + s * 10)
            n = rng.randint(2, 5)
            items = []
            for _ in range(n):
                category = rng.choices(vocab.CATEGORIES, [35, 20, 30, 8, 7])[0]
                text = rng.choice(MATTER_TEXTS[category]).format(p=rng.choice(PLACE_WORDS))
                item = {
                    "raiser": self.name(),
                    "content": text,
                    "category": category,
                    "legal_aspect": category == "社会稳定" or rng.random() < 0.2,
                }
                if rng.random() < 0.3:
                    item["raiser_phone"] = self.phone()
                items.append(item)
            session, created = matters.create_session(
                self.store,
                village.id,
                {
                    "date": day.isoformat(),
                    "format": rng.choices(vocab.SESSION_FORMATS, [60, 20, 15, 5])[0],
                    "venue": rng.choice(["村说事室", "文化礼堂", "说事长廊", "村委会议室"]),
                    "host": village.get("secretary") or self.name(),
                    "attendance": {
                        "村民代表": rng.randint(5, 15),
                        "党员": rng.randint(2, 8),
                        "联村干部": 1,
                        "法律顾问": 1,
                    },
                    "notes": "法律顾问现场解答涉法问题，提示相关法律风险。",
                },
                items,
                at_ms=self.ms(day),
            )
            self.count("session")
            self.result.created["matter"] = self.result.created.get("matter", 0) + len(created)
            self.count("service_entry")  # the advisor attended: the session logs the entry itself
            for matter in created:
                if rng.random() < 0.75:
                    decided = self.clamp(day + timedelta(days=rng.randint(0, 3)), month)
                    self.deliberate(matter, decided)
                    self.follow_up(matter.id, decided, month)

    def follow_up(self, matter_id: str, decided: date, month: str) -> None:
        """Matters decided early in a month are often handled and evaluated within it."""
        rng, end = self.rng, self.month_end(month)
        matter = self.store.get("matter", matter_id)
        day = decided
        if matter.get("route") in (vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP):
            day = decided + timedelta(days=rng.randint(2, 9))
            if day > end or rng.random() < 0.25:
                return
            matters.handle(
                self.store,
                matter_id,
                {"result": "已按议事决定办理完毕，并向提出人反馈。", "feedback_date": day.isoformat()},
                today=day,
                at_ms=self.ms(day),
            )
        elif matter.get("route") != vocab.ROUTE_REJECT:
            return
        day += timedelta(days=rng.randint(1, 6))
        if day > end or rng.random() < 0.3:
            return
        verdict = rng.choices(vocab.EVALUATIONS, [75, 18, 7])[0]
        matters.evaluate(
            self.store,
            matter_id,
            {"evaluation": verdict, "evaluated_on": day.isoformat(), "evaluation_note": "村民代表现场评议"},
            today=day,
            at_ms=self.ms(day),
        )

    def deliberate(self, matter: Record, day: date) -> None:
        rng = self.rng
        route = rng.choices(vocab.ROUTES, [55, 15, 6, 12, 8])[0]
        if route == vocab.ROUTE_MEDIATION and matter.get("category") != "社会稳定":
            route = vocab.ROUTE_VILLAGE  # a broken streetlight is no dispute between parties to mediate
        values = {
            "discussion": "经村两委和村民代表议事，"
            + {
                vocab.ROUTE_VILLAGE: "决定由村里负责落实。",
                vocab.ROUTE_TOWNSHIP: "需乡镇相关部门协调，报乡镇处理。",
                vocab.ROUTE_DECISION: "涉及村级重大事项，按五议决策法决策。",
                vocab.ROUTE_MEDIATION: "属民间纠纷，转人民调解。",
                vocab.ROUTE_REJECT: "经解释，该诉求不符合政策规定。",
            }[route],
            "route": route,
            "decided_on": day.isoformat(),
        }
        if route in (vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP):
            values["responsible"] = self.name()
            values["deadline"] = (day + timedelta(days=rng.choice([7, 7, 7, 15, 30]))).isoformat()
        if route == vocab.ROUTE_REJECT:
            values["reject_reason"] = "诉求超出村级职权范围，已向村民说明政策依据。"
        _, changes = matters.deliberate(self.store, matter.id, values, today=day, at_ms=self.ms(day))
        for kind in changes.kinds - {"matter"}:
            self.count(kind)

    def advance_matters(self, village: Record, month: str) -> None:
        rng = self.rng
        first, last = checklist.month_bounds(month)
        for m in self.store.list(
            "matter", village_id=village.id, where="json_extract(data, '$.stage') != '评事'"
        ):
            stage, route = m["stage"], m.get("route")
            if m["date"] >= first.isoformat():
                continue  # raised this month: the session handles it
            if stage == "说事" and rng.random() < 0.8:
                day = self.day_in(month, 1, 10)
                self.deliberate(m, day)
                self.follow_up(m.id, day, month)
            elif (
                stage == "议事"
                and route in (vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP)
                and rng.random() < 0.9
            ):
                self.follow_up(m.id, self.day_in(month, 1, 8) - timedelta(days=2), month)
            elif stage == "议事" and route == vocab.ROUTE_REJECT or stage == "办事":
                if rng.random() < 0.9:
                    day = self.day_in(month, 5, 28)
                    verdict = rng.choices(vocab.EVALUATIONS, [75, 18, 7])[0]
                    matters.evaluate(
                        self.store,
                        m.id,
                        {
                            "evaluation": verdict,
                            "evaluated_on": day.isoformat(),
                            "evaluation_note": "村民代表现场评议",
                        },
                        today=day,
                        at_ms=self.ms(day),
                    )
            elif stage == "议事" and route == vocab.ROUTE_MEDIATION and m.get("mediation_id"):
                entry = self.store.find(m["mediation_id"])
                if (
                    entry is not None
                    and not entry.deleted
                    and not entry.get("outcome")
                    and rng.random() < 0.8
                ):
                    day = self.day_in(month, 1, 25)
                    outcome = self.mediation_outcome(day)
                    if not entry.get("respondents"):  # (the matter named only who raised it)
                        outcome["respondents"] = [self.party(self.detail.random() < 0.5)]
                        outcome["mediators"] = village.get("director") or "调委会主任"
                    checklist.update_service(self.store, entry.id, outcome, at_ms=self.ms(day))

    def mediation_outcome(self, day: date) -> dict:
        rng = self.rng
        outcome = rng.choices(vocab.MEDIATION_OUTCOMES, [85, 10, 5])[0]
        values = {
            "outcome": outcome,
            "closed_on": day.isoformat(),
            "hours": rng.choice([1, 1.5, 2, 3]),
            "result": "双方达成调解协议" if outcome == "调解成功" else "双方分歧较大，引导通过诉讼解决",
        }
        if outcome == "调解成功":
            values["agreement"] = "当场履行" if rng.random() < 0.5 else "分期履行，已约定回访"
            values["follow_up"] = "一个月后回访，协议已履行"
            if rng.random() < 0.08:
                values["prevented_criminal_cases"], values["prevented_criminal_people"] = 1, rng.randint(2, 4)
            if rng.random() < 0.05:
                values["prevented_petition_cases"], values["prevented_petition_people"] = (
                    1,
                    rng.randint(5, 20),
                )
        return values

    def advance_exercises(self, village: Record, month: str) -> None:
        for e in self.store.list(
            "power_exercise", village_id=village.id, where="json_extract(data, '$.status') = '进行中'"
        ):
            item = self.catalog.item(e["item"])
            if item is None:
                continue
            done = {s["key"] for s in e.get("steps", [])}
            remaining = [s for s in item.required_steps(e.get("amount")) if s.key not in done]
            last = max([s["date"] for s in e.get("steps", [])] or [e["date"]])
            start = max(date.fromisoformat(last), checklist.month_bounds(month)[0])
            self.walk_steps(e, remaining, start, month)

    def walk_steps(
        self, exercise: Record, steps: list, start: date, month: str, flaw: str | None = None
    ) -> None:
        """Record steps from ``start`` while they fall in ``month``; complete the exercise at the end."""
        rng = self.rng
        last = self.month_end(month)
        new_steps = list(exercise.get("steps", []))
        day = start
        finished = True
        for n, spec in enumerate(steps):
            if flaw == "skip" and n == 1 and len(steps) > 3:
                continue
            if day > last:
                finished = False
                break
            step = {"key": spec.key, "date": day.isoformat()}
            if spec.meeting:
                expected = rng.randint(7, 40)
                step.update(meeting=spec.name, expected=expected, present=expected - rng.randint(0, 3))
                if spec.vote:
                    step.update(votes_for=step["present"] - 1, votes_against=1, votes_abstain=0)
            gap = rng.randint(0, 3)
            if spec.is_publicity:
                days = spec.publicity_days or 0
                length = max(days, 3) + rng.randint(0, 2)
                if flaw == "short" and days:
                    length = days - rng.randint(2, min(5, days - 1)) if days > 2 else 1
                end = day + timedelta(days=length - 1)
                step.update(
                    end_date=end.isoformat(),
                    place="村务公开栏",
                    content=f"{spec.name}：{exercise['subject']}",
                )
                if rng.random() < 0.05:
                    step.update(objections="有村民提出异议", handling="经核实后答复，异议人无意见")
                gap = length if flaw != "early" else max(0, length - 3)
            new_steps.append(step)
            day = day + timedelta(days=gap)
        values = {"steps": new_steps}
        if finished:
            values.update(
                status="已完成",
                result="已按程序办理完毕",
                advisor_opinion="程序合法" if not flaw else "程序存在瑕疵，已提出整改建议",
            )
        powers.update_exercise(self.store, exercise.id, values, at_ms=self.ms(min(day, last)))

    def exercises(self, village: Record, month: str) -> None:
        rng = self.rng
        plan = {
            "P01": 0.8,
            "P02": 0.3,
            "P03": 0.2,
            "P04": 0.5,
            "P05": 0.1,
            "P06": 2.5,
            "P07": 0.08,
            "P08": 0.08,
            "P09": 0.03,
            "P10": 1.2,
            "P11": 1.0,
            "P12": 0.05,
            "P13": 8,
            "P14": 5,
        }
        subjects = {
            "P01": [
                "村文化礼堂改造提升",
                "村道硬化及拓宽工程",
                "村集体闲置用房盘活利用",
                "美丽乡村精品线建设",
            ],
            "P02": ["村级重大事项报备"],
            "P03": ["村道修缮工程", "农田水利灌溉渠改造", "村委会办公楼维修"],
            "P04": ["办公用品采购", "保洁服务采购", "路灯配件采购"],
            "P05": ["村集体鱼塘发包", "村集体厂房出租", "集体山林承包"],
            "P06": ["保洁员工资支出", "路灯电费支出", "村务公开栏制作费"],
            "P07": ["年度财务预算"],
            "P08": ["村干部年度报酬"],
            "P09": ["村规民约修订"],
            "P10": ["建房用地申请"],
            "P11": ["困难补助申请"],
            "P12": ["征地补偿款分配"],
            "P13": ["出具居住证明", "出具亲属关系证明"],
            "P14": ["合同用印", "证明用印"],
        }
        for code, rate in plan.items():
            n = int(rate) + (rng.random() < rate - int(rate))
            for _ in range(n):
                item = self.catalog.item(code)
                if item is None:
                    continue
                day = self.day_in(month, 1, 24)
                amount = None
                if code == "P03":
                    amount = rng.choice([80000, 260000, 480000, 650000, 1200000])
                elif code in ("P04", "P06"):
                    amount = rng.choice([3000, 12000, 36000, 68000, 150000, 260000])
                elif code == "P05":
                    amount = rng.choice([50000, 120000, 300000])
                values = {
                    "item": code,
                    "date": day.isoformat(),
                    "subject": rng.choice(subjects[code]),
                    "trigger": rng.choices(vocab.EXERCISE_TRIGGERS, [30, 60, 10])[0],
                    "amount": amount,
                }
                if item.personal_id:
                    values.update(applicant=self.name(), applicant_id=self.id_card(), trigger="村民建议")
                values.update(self.notice_content(item, values))
                exercise = powers.create_exercise(self.store, village.id, values, at_ms=self.ms(day))
                self.count("power_exercise")
                flaw = None
                if rng.random() < 0.12:
                    flaw = rng.choice(["skip", "short", "early", "skip"])
                steps = list(item.required_steps(amount))
                if code == "P03" and amount and amount >= 500000 and rng.random() < 0.3:
                    steps = [s for s in steps if s.key != "tender"]
                self.walk_steps(exercise, steps, day, month, flaw)

    def services(self, village: Record, month: str) -> None:
        rng = self.rng
        first, last = checklist.month_bounds(month)
        last = min(last, self.limit)

        def log(day: date, duty: str, **values) -> None:
            checklist.log_service(
                self.store, village.id, {"date": day.isoformat(), "duty": duty, **values}, at_ms=self.ms(day)
            )
            self.count("service_entry")

        for _ in range(rng.randint(1, 4)):
            log(
                self.day_in(month),
                "驻村服务",
                hours=rng.choice([4, 4, 8]),
                people=rng.randint(3, 15),
                channel="现场",
                content="驻村坐班，接待来访群众，审阅村务文件",
                **self.screening(),
            )
        monday = first + timedelta(days=(7 - first.weekday()) % 7)
        while monday <= last:
            if rng.random() < 0.9:
                log(
                    min(monday + timedelta(days=rng.randint(0, 4)), last),
                    "公共法律服务点值班",
                    hours=4,
                    people=rng.randint(1, 6),
                    channel="现场",
                    content="村公共法律服务点值班",
                )
            monday += timedelta(days=7)
        for _ in range(rng.randint(0, 3)):
            log(
                self.day_in(month),
                "走访",
                hours=2,
                people=rng.randint(2, 8),
                channel="现场",
                content="走访困难家庭及重点人员，了解法律需求",
                names=self.name(),
                households=self.detail.randint(1, 4),
            )
        for _ in range(rng.randint(2, 8)):
            topic = rng.choice(vocab.TOPICS)
            log(
                self.day_in(month),
                "法律咨询",
                hours=rng.choice([0.5, 1]),
                people=1,
                topic=topic,
                channel=rng.choices(vocab.CHANNELS, [50, 25, 25])[0],
                names=self.name(),
                content=f"咨询{CONSULT_TOPICS[topic]}"
                + (f"，留电话 {self.typed_phone()}" if self.detail.random() < 0.4 else ""),
                result="已解答并告知维权途径"
                + (f"（身份证 {self.typed_id()}）" if self.detail.random() < 0.2 else ""),
            )
        for _ in range(rng.choices([0, 1, 2], [40, 45, 15])[0]):
            doc = rng.choice(vocab.REVIEW_DOC_TYPES)
            log(
                self.day_in(month),
                "合法性审查",
                hours=2,
                people=1,
                doc_type=doc,
                review_outcome=rng.choices(vocab.REVIEW_OUTCOMES, [60, 35, 5])[0],
                content=f"审查{doc}：{rng.choice(['村集体厂房租赁合同', '村规民约修订稿', '工程施工合同', '土地流转合同'])}",
            )
        for _ in range(rng.choices([0, 1, 2], [50, 40, 10])[0]):
            day = self.day_in(month)
            values = {
                "dispute_type": rng.choice(vocab.DISPUTE_TYPES),
                "source": rng.choice(vocab.CASE_SOURCES),
                "case_form": rng.choice(vocab.CASE_FORMS),
                "parties": f"{self.name()}、{self.name()}",
                "amount": rng.choice([0, 2000, 8000, 30000, 120000]),
                "people": 2,
                "hours": 2,
                "content": "双方因琐事发生纠纷，申请调解",
            }
            if rng.random() < 0.85:
                values.update(self.mediation_outcome(day))
            values.update(self.case_details(village, values))
            values.pop("parties")
            log(day, checklist.MEDIATION_DUTY, **values)
        if first.month % 3 == rng.randint(0, 2) or (first.month % 3 == 0 and rng.random() < 0.5):
            log(
                self.day_in(month),
                "普法讲座",
                hours=2,
                people=rng.randint(20, 80),
                channel="现场",
                content=rng.choice(["民法典进农村专题讲座", "防范电信网络诈骗讲座", "土地承包法律知识讲座"]),
            )
        if rng.random() < 0.3:
            log(
                self.day_in(month),
                "法律援助转介",
                hours=1,
                people=1,
                names=self.name(),
                topic=rng.choice(vocab.TOPICS),
                content="符合法律援助条件，转介至县法律援助中心",
            )
        if rng.random() < 0.35:
            log(
                self.day_in(month),
                "培育法律明白人",
                hours=2,
                people=rng.randint(3, 10),
                content="法律明白人培训",
            )
        if first.month == 1 or not self.store.list(
            "service_entry",
            village_id=village.id,
            where="json_extract(data, '$.duty') = '基本情况调查与年度服务计划'",
        ):
            log(
                self.day_in(month),
                "基本情况调查与年度服务计划",
                hours=4,
                people=5,
                content="开展村情调查，制定年度法律服务计划",
            )


def run_demo(
    store: Store, *, seed: int = 0, villages: int = 1, months: int = 1, today: date | None = None
) -> DemoResult:
    """Fill or continue the store with demo activity (see the module docstring)."""
    today = today or days.today()
    rng = random.Random(f"{seed}:{store.device_id}:{store.fingerprint()}")
    gen = _Gen(store, rng, today)
    store.id_factory = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
    try:
        existing = list_villages(store)
        profile_made = get_profile(store) is None
        if profile_made:
            set_profile(
                store,
                {
                    "name": gen.name(),
                    "firm": rng.choice(["浙江甬泰律师事务所", "宁波海曙法律服务所", "象山丹城律师事务所"]),
                    "license_no": f"1330220{rng.randrange(10**9, 10**10)}",
                    "phone": gen.phone(),
                    "judicial_office": "西周镇司法所",
                },
                at_ms=gen.ms(today - timedelta(days=400)),
            )
        data_months = store.months()
        if not existing:
            existing = gen.villages(villages)
            if profile_made and existing:  # the advisor works for the 司法所 of those villages' township
                set_profile(
                    store,
                    {"judicial_office": existing[0].get("judicial_office")},
                    at_ms=gen.ms(today - timedelta(days=399)),
                )
        if data_months:
            start = days.month_add(data_months[-1], 1)
        else:  # the months up to now (villages made in the welcome, or new ones): nothing after today
            start = days.month_add(today.isoformat()[:7], 1 - months)
            gen.limit = today
        month_list = [days.month_add(start, i) for i in range(months)]
        for month in month_list:
            for village in existing:
                gen.month(village, month)
        gen.result.villages = [v["name"] for v in existing]
        gen.result.months = month_list
        return gen.result
    finally:
        store.id_factory = None
