"""The month as it happened (issue 12, DOMAIN.md §7): month-end figures whatever day they are printed,
补录, submitted months, villages by national code, township scope. "Today" is fixed in the core
(village_counsel.days), never read from the system clock."""

from __future__ import annotations

import json
from datetime import date

import pytest

from village_counsel import checklist, days, matters, powers, vocab
from village_counsel.backfill import late_entries
from village_counsel.errors import RuleError, ValidationError
from village_counsel.reports.figures import month_report, resolve_village
from village_counsel.reports.monthly import render
from village_counsel.reports.submission import find_submission, key_figures, month_states, submit_month
from village_counsel.store import KINDS, Store
from village_counsel.sync import export_changes, import_file
from village_counsel.township import resolve_township, set_store_township, store_township
from village_counsel.villages import (
    create_village,
    list_villages,
    merge_villages,
    village_id_for_code,
    village_rows,
)

HONGYING = "330225102201"  # 弘瀛村, 西周镇, 象山县
DONGYING = "330225102202"  # 东瀛村, 西周镇
SHIPU = "330225101"  # 石浦镇


@pytest.fixture
def clock():
    """Move "today" through the test; the system clock is never read."""
    with days.fixed_today("2026-11-01"):
        yield days.set_today


def _session_with_matter(store: Store, village_id: str, day: str) -> str:
    _, created = matters.create_session(
        store,
        village_id,
        {"date": day, "format": "固定日集中说"},
        [{"raiser": "王建国", "content": "村口路灯损坏", "category": "村庄建设"}],
    )
    return created[0].id


def _november(store: Store, village_id: str, clock) -> dict[str, str]:
    """A November: a matter deliberated with a deadline, a mediation case, an exercise with a step."""
    clock(date(2026, 11, 5))
    late = _session_with_matter(store, village_id, "2026-11-05")
    matters.deliberate(
        store,
        late,
        {
            "discussion": "议定维修",
            "route": vocab.ROUTE_VILLAGE,
            "responsible": "李海波",
            "deadline": "2026-11-11",
        },
    )
    clock(date(2026, 11, 12))
    matters.handle(store, late, {"result": "已修复", "feedback_date": "2026-11-12"})  # 逾期办结
    clock(date(2026, 11, 20))
    open_ = _session_with_matter(store, village_id, "2026-11-20")
    matters.deliberate(
        store,
        open_,
        {
            "discussion": "议定",
            "route": vocab.ROUTE_VILLAGE,
            "responsible": "李海波",
            "deadline": "2026-11-25",
        },
    )
    case = checklist.log_service(
        store,
        village_id,
        {
            "date": "2026-11-20",
            "duty": checklist.MEDIATION_DUTY,
            "dispute_type": "邻里",
            "source": "主动调解",
            "parties": "王建国、李明",
        },
    )
    exercise = powers.create_exercise(
        store,
        village_id,
        {
            "item": "P01",
            "date": "2026-11-20",
            "subject": "村道硬化",
            "steps": [{"key": "proposal", "date": "2026-11-20"}],
        },
    )
    return {"late": late, "open": open_, "case": case.id, "exercise": exercise.id}


def _figures(store: Store, month: str = "2026-11") -> bytes:
    report = month_report(store, month, list_villages(store)[0])
    return json.dumps(key_figures(report.sections[0]), ensure_ascii=False, sort_keys=True).encode()


def test_a_month_printed_on_two_later_days_gives_the_same_figures(store, clock):
    village = create_village(store, {"code": HONGYING})
    ids = _november(store, village.id, clock)
    clock(date(2026, 12, 7))
    first = _figures(store)
    # December's work: the open matter handled, the case settled, the exercise's next steps and the
    # advisor's review — all dated in December
    clock(date(2026, 12, 10))
    matters.handle(store, ids["open"], {"result": "已办", "feedback_date": "2026-12-10"})
    checklist.update_service(store, ids["case"], {"outcome": "调解成功"})
    powers.update_exercise(
        store,
        ids["exercise"],
        {
            "steps": [
                {"key": "proposal", "date": "2026-11-20"},
                {"key": "joint_meeting", "date": "2026-12-05"},
            ],
            "advisor_opinion": "程序合法",
        },
    )
    clock(date(2027, 1, 15))
    assert _figures(store) == first
    fig = json.loads(first)
    assert (fig["提出事项"], fig["已办结"], fig["逾期未办"], fig["逾期办结"]) == ("2", "0", "1", "1")
    assert (fig["受理纠纷（件）"], fig["调解成功（件）"], fig["正在调解（件）"]) == ("1", "0", "1")
    # as of 30 November the open matter was not yet late (deadline 25th, still open): 逾期未办 is judged
    # at month end, so it is late
    report = month_report(store, "2026-11", village)
    sec = report.sections[0]
    assert ids["open"] in sec.overdue_ids and ids["late"] in sec.late_ids
    assert ids["late"] not in sec.overdue_ids  # handled late: 逾期办结, never 逾期未办 too
    assert not sec.late  # nothing entered late
    # December: the exercise belongs to it (a step and the review), and the review is a 合法性审查
    december = month_report(store, "2026-12", village).sections[0]
    assert [e.id for e, _ in december.exercises] == [ids["exercise"]]
    assert december.services.reviews == 1
    assert sum(r.started for r in december.power) == 0
    # the month's figures do not move with the print date, and never count December in November
    assert sec.mediation.success == 0 and december.mediation.received == 0


def test_the_current_month_says_the_day_it_counts_to(store, clock):
    village = create_village(store, {"code": HONGYING})
    _november(store, village.id, clock)
    clock(date(2026, 11, 22))
    report = month_report(store, "2026-11", village)
    assert report.sections[0].on == date(2026, 11, 22)
    text = render(report)
    assert len(text) > 1000
    from village_counsel.reports.sections import month_heading

    assert month_heading("2026-11", report.today) == "2026年11月（截至11月22日）"
    assert month_heading("2026-10", report.today) == "2026年10月"


def test_work_entered_after_the_month_is_counted_as_backfill(store, clock):
    village = create_village(store, {"code": HONGYING})
    ids = _november(store, village.id, clock)
    clock(date(2026, 12, 3))
    # keyed in on 3 December: a session of 28 November, and the case's outcome dated 29 November
    late_matter = _session_with_matter(store, village.id, "2026-11-28")
    checklist.update_service(store, ids["case"], {"outcome": "调解成功", "closed_on": "2026-11-29"})
    found = late_entries(store, "2026-11", village.id)
    kinds = sorted((e.record.kind, e.what) for e in found)
    assert ("matter", "补录") in kinds and ("session", "补录") in kinds and ("service_entry", "修改") in kinds
    assert all(e.entered == date(2026, 12, 3) for e in found)
    assert late_matter in {e.record.id for e in found}
    sec = month_report(store, "2026-11", village).sections[0]
    assert len(sec.late) == len(found)
    assert sec.mediation.success == 1  # 补录 changes the month, and is shown as such
    assert key_figures(sec)["补录（条）"] == str(len(found))
    # work of December is not 补录 of November
    clock(date(2026, 12, 5))
    _session_with_matter(store, village.id, "2026-12-05")
    assert len(late_entries(store, "2026-11", village.id)) == len(found)


def test_a_submitted_month_keeps_its_figures_and_lists_later_changes(store, clock, tmp_path):
    village = create_village(store, {"code": HONGYING})
    ids = _november(store, village.id, clock)
    clock(date(2026, 11, 30))
    with pytest.raises(RuleError, match="尚未结束"):
        submit_month(store, "2026-11")
    clock(date(2026, 12, 2))
    before = store.fingerprint()
    [(record, path)] = submit_month(store, "2026-11", out_dir=tmp_path)
    assert store.fingerprint() != before and path is not None and path.exists()
    import hashlib

    assert record["pdf_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    submitted = dict(record["figures"])
    with pytest.raises(RuleError, match="已经报送过"):
        submit_month(store, "2026-11")
    # after the submission: a matter of 27 November keyed in, and the case's outcome dated in November
    clock(date(2026, 12, 9))
    _session_with_matter(store, village.id, "2026-11-27")
    checklist.update_service(store, ids["case"], {"outcome": "调解不成", "closed_on": "2026-11-28"})
    report = month_report(store, "2026-11", village)
    sec = report.sections[0]
    assert key_figures(sec) == {
        **submitted,
        "补录（条）": submitted["补录（条）"],
    }  # prints what was submitted
    info = sec.submitted
    assert info is not None and not info.recomputed_differs
    changed = {label: (a, b) for label, a, b in info.changed}
    assert changed["提出事项"] == ("2", "3") and changed["调解不成（件）"] == ("0", "1")
    assert {e.record.kind for e in info.after} == {"session", "matter", "service_entry"}
    # December's 上月 column is November as it was reported, not as it is now
    december = month_report(store, "2026-12", village).sections[0]
    assert (december.mediation_last_month.received, december.mediation_last_month.failed) == (1, 0)
    states = {(s.month, s.state) for s in month_states(store, ["2026-11", "2026-10"])}
    assert states == {("2026-11", "changed"), ("2026-10", "not_submitted")}
    import io

    import pypdf

    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render(report))).pages)
    assert "报送后补录" in text and "报送数" in text


def test_two_stores_adding_one_village_by_code_hold_one_village(tmp_path):
    a, b = Store(tmp_path / "a" / "s.db"), Store(tmp_path / "b" / "s.db")
    try:
        va = create_village(a, {"code": HONGYING})
        vb = create_village(b, {"code": HONGYING, "secretary": "王书记"})
        assert va.id == vb.id == village_id_for_code(HONGYING)
        _session_with_matter(a, va.id, "2026-11-05")
        _session_with_matter(b, vb.id, "2026-11-06")
        export_changes(a, tmp_path / "a.zip", full=True)
        export_changes(b, tmp_path / "b.zip", full=True)
        # in both orders
        assert import_file(b, tmp_path / "a.zip").ok and import_file(a, tmp_path / "b.zip").ok
        for s in (a, b):
            rows = village_rows(s)
            assert [(r["id"], r["code"], r["name"], r["township"], r["county"]) for r in rows] == [
                (va.id, HONGYING, "弘瀛村", "西周镇", "象山县")
            ]
            assert len(s.list("session", village_id=va.id)) == 2
        assert a.fingerprint() == b.fingerprint()
    finally:
        a.close()
        b.close()


def test_bad_village_codes_are_refused_in_chinese(store):
    for code, words in (
        ("330225102", "乡镇"),
        ("330225102999", "没有代码"),
        ("33022510220", "11 位"),
    ):
        with pytest.raises(ValidationError) as err:
            create_village(store, {"code": code})
        assert words in str(err.value), str(err.value)
    create_village(store, {"code": HONGYING})
    with pytest.raises(ValidationError, match="已经添加过"):
        create_village(store, {"code": HONGYING})
    assert len(list_villages(store)) == 1


def test_a_merge_moves_every_record_kind_and_both_ids_resolve(store, clock):
    keep = create_village(store, {"name": "上张村", "township": "西周镇"})
    # the same village made on another laptop before villages had codes (as an import brings it)
    other_id = store.new_id()
    other = store.put("village", {"name": "上张村", "township": "西周镇"}, id=other_id, village_id=other_id)
    ids = _november(store, other.id, clock)
    from village_counsel.notes import save_monthly_note

    save_monthly_note(store, other.id, "2026-11", {"risks": "汛期", "plan": "普法"})
    clock(date(2026, 12, 2))
    submit_month(store, "2026-11", [store.get("village", other.id)])
    held = {
        kind: len(store.list(kind, village_id=other.id))
        for kind in KINDS
        if kind not in ("village", "profile")
    }
    assert all(held.values()), held  # every kind that can be moved is there to move
    with pytest.raises(RuleError):
        merge_villages(store, keep.id, keep.id)
    merge_villages(store, keep.id, other.id)
    for kind in held:
        assert store.list(kind, village_id=other.id) == []
        assert len(store.list(kind, village_id=keep.id)) == held[kind], kind
    assert [v.id for v in list_villages(store)] == [keep.id]
    assert resolve_village(store, other.id).id == keep.id == resolve_village(store, keep.id).id
    assert find_submission(store, keep.id, "2026-11") is not None
    assert store.get("matter", ids["late"]).village_id == keep.id
    from village_counsel.stats import check

    assert check(store) == []


def test_a_township_report_holds_only_its_own_villages(store, clock):
    ours = create_village(store, {"code": HONGYING})
    also = create_village(store, {"code": DONGYING})
    theirs = create_village(store, {"code": "330225101201"})  # a village of 石浦镇
    for v in (ours, also, theirs):
        _session_with_matter(store, v.id, "2026-11-05")
    clock(date(2026, 12, 2))
    assert store_township(store) is None
    assert len(month_report(store, "2026-11").sections) == 3  # an advisor's store: every village
    town = set_store_township(store, "330225102")
    assert town is not None and town.name == "西周镇" and store_township(store) == town
    report = month_report(store, "2026-11")
    assert {s.village.id for s in report.sections} == {ours.id, also.id}
    assert report.total is not None and report.total.matters.raised == 2
    assert report.judicial_office == "西周镇司法所"
    other = month_report(store, "2026-11", township=resolve_township(store, SHIPU))
    assert [s.village.id for s in other.sections] == [theirs.id]
    from village_counsel.errors import NotFound

    with pytest.raises(NotFound):
        resolve_township(store, "墙头镇")
    import io

    import pypdf

    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render(report))).pages)
    assert "石浦镇" not in text and theirs["name"] not in text
    from village_counsel.reports.sections import sign_off

    offices = {
        body.splitlines()[0]
        for sec in report.sections
        for title, body in sign_off(report, sec)
        if title.startswith("司法所审核")
    }
    assert offices == {"西周镇司法所"}


def test_two_places_of_the_list_with_one_name_and_one_township_name_are_two_villages(store):
    """洞桥镇洞桥村 is in Hangzhou (330111…) and in Ningbo (330203…): the list tells them apart by code."""
    from village_counsel.villages import create_village, list_villages

    create_village(store, {"code": "330111101225"})
    create_village(store, {"code": "330203104210"})
    assert sorted(v.get("code") for v in list_villages(store)) == ["330111101225", "330203104210"]
