"""Chinese full-text search and the id lists behind the window's lists."""

from __future__ import annotations

from datetime import date

from village_counsel import checklist, matters, powers, search
from village_counsel.villages import create_village

TODAY = date(2026, 11, 20)


def _session(store, village, contents):
    return matters.create_session(
        store,
        village.id,
        {"date": "2026-11-05", "format": "固定日集中说"},
        [{"raiser": "王建国", "content": c, "category": "村庄建设"} for c in contents],
    )


def test_tokens_are_bigrams_then_characters():
    assert search.tokens("村民说事") == ["村民", "民说", "说事", "村", "民", "说", "事"]
    assert search.tokens("路灯 LED-2026") == ["路灯", "路", "灯", "led", "2026"]


def test_match_expression():
    assert search.match_expression("低保") == '"低保"'
    assert search.match_expression("村民说事") == '"村民 民说 说事"'
    assert search.match_expression("路 abc") == '"路" AND "abc"*'
    assert search.match_expression("  ，。") is None


def test_two_character_substring_finds_the_record(store, village):
    _, (lamp, road) = _session(store, village, ["村口路灯不亮，晚上出行不便", "村道破损需要修补"])
    result = search.search(store, "路灯")
    assert [h.id for h in result.hits["matter"]] == [lamp.id]
    assert [h.id for h in search.search(store, "村道").hits["matter"]] == [road.id]
    # a single character and a longer phrase
    assert {h.id for h in search.search(store, "村").hits["matter"]} == {lamp.id, road.id}
    assert [h.id for h in search.search(store, "出行不便").hits["matter"]] == [lamp.id]
    assert search.search(store, "不便出行").total == 0


def test_index_follows_edits_and_deletes_lazily(store, village):
    _, (m,) = _session(store, village, ["河道垃圾堆积"])
    assert search.search(store, "垃圾").counts == {"matter": 1}
    assert search.pending(store) == 0
    store.put("matter", {**m.data, "content": "河道清理完毕"}, id=m.id)
    assert search.pending(store) == 1
    assert search.search(store, "垃圾").total == 0
    assert search.search(store, "清理").counts == {"matter": 1}
    store.delete("matter", m.id)
    assert search.search(store, "清理").total == 0


def test_search_across_kinds_and_filters(store, village):
    other = create_village(store, {"name": "东门村"})
    _session(store, village, ["宅基地边界纠纷"])
    checklist.log_service(
        store, other.id, {"date": "2026-10-02", "duty": "法律咨询", "content": "宅基地继承咨询"}
    )
    powers.create_exercise(
        store, village.id, {"item": "P10", "date": "2026-11-03", "subject": "宅基地建房申请"}
    )
    result = search.search(store, "宅基地")
    assert result.counts == {"matter": 1, "service_entry": 1, "power_exercise": 1}
    assert search.search(store, "宅基地", village_id=other.id).counts == {"service_entry": 1}
    assert search.search(store, "宅基地", month="2026-11").counts.get("service_entry") is None
    # the catalogue item's name is searchable too
    assert search.search(store, "建房").counts.get("power_exercise") == 1


def test_record_ids_filter_and_sort(store, village):
    _, ms = _session(store, village, ["甲事", "乙事", "丙事"])
    matters.deliberate(
        store,
        ms[0].id,
        {"discussion": "讨论", "route": "村内办理", "responsible": "李", "decided_on": "2026-11-05"},
        today=TODAY,
    )
    ids = search.record_ids(store, "matter", status="待议事")
    assert set(ids) == {ms[1].id, ms[2].id}
    assert search.record_ids(store, "matter", status="办理中") == [ms[0].id]
    assert search.record_ids(store, "matter", status="逾期", today=TODAY) == [ms[0].id]
    assert search.record_ids(store, "matter", status="逾期", today=date(2026, 11, 10)) == []
    asc = search.record_ids(store, "matter", sort="content", descending=False)
    assert [search.fetch(store, [i])[i]["content"] for i in asc] == sorted(["甲事", "乙事", "丙事"])
    assert search.record_ids(store, "matter", month="2026-10") == []
    assert "逾期" in search.status_filters("matter")
    assert "驻村服务" in search.status_filters("service_entry")


def test_lists_sort_by_the_villages_name_not_its_id(store):
    from village_counsel.search import record_ids
    from village_counsel.villages import create_village

    ids = {}
    for name, vid in (
        ("溪里方村", "00000000-0000-4000-8000-000000000001"),
        ("上张村", "ffffffff-0000-4000-8000-000000000002"),
    ):
        ids[name] = create_village(store, {"name": name}, id=vid).id
        store.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=ids[name])
    order = record_ids(store, "session", sort="village", descending=False)
    villages = [store.get("session", i).village_id for i in order]
    assert villages == [
        ids["上张村"],
        ids["溪里方村"],
    ]  # by name (上 before 溪), though the ids say otherwise
