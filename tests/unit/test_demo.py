"""Demo data: deterministic, complete, consistent, and able to continue any store's villages."""

from __future__ import annotations

from datetime import date

import pytest

from village_counsel import matters, powers, vocab
from village_counsel.demo import run_demo
from village_counsel.forms.base import PHONE_RE, id_card_valid
from village_counsel.stats import check, stats
from village_counsel.store import KINDS, Store
from village_counsel.villages import create_village, get_profile, list_villages

TODAY = date(2026, 11, 18)  # a Wednesday: this week's duty shift may not have happened yet


@pytest.fixture
def demo_store(store):
    # three months, so that matters raised in the first have been deliberated, handled and evaluated. The
    # records differ from store to store (the device id is part of the seed): assertions below hold for any.
    result = run_demo(store, seed=3, villages=3, months=3, today=TODAY)
    return store, result


def test_fresh_store_gets_villages_and_the_months_up_to_today(demo_store):
    store, result = demo_store
    assert len(result.villages) == 3 and len(set(result.villages)) == 3
    assert all(name.endswith("村") for name in result.villages)
    assert result.months == ["2026-09", "2026-10", "2026-11"]
    assert store.months() == ["2026-09", "2026-10", "2026-11"]
    latest = store.select("SELECT max(json_extract(data, '$.date')) FROM records WHERE deleted = 0")[0][0]
    assert latest <= TODAY.isoformat()  # nothing dated after today when filling up to now
    villages = list_villages(store)
    assert sorted(v["name"] for v in villages) == sorted(result.villages)
    assert all(v["township"] and v["county"] for v in villages)


def test_villages_made_in_the_welcome_get_nothing_dated_after_today(store):
    create_village(store, {"name": "下沈村", "township": "西周镇"})  # as the welcome makes it, no data yet
    result = run_demo(store, seed=7, months=2, today=TODAY)
    assert result.months == ["2026-10", "2026-11"]
    latest = store.select("SELECT max(json_extract(data, '$.date')) FROM records WHERE deleted = 0")[0][0]
    assert latest <= TODAY.isoformat()


def test_every_record_kind_is_present(demo_store):
    store, result = demo_store
    counts = dict(store.select("SELECT kind, count(*) FROM records WHERE deleted = 0 GROUP BY kind"))
    # every kind of record an advisor keeps; submitting a month (报送) is the advisor's own act
    assert set(counts) == set(KINDS) - {"submission"}
    assert counts["profile"] == 1 and get_profile(store) is not None
    assert counts["village"] == 3
    assert result.created["matter"] == counts["matter"]
    data = stats(store)
    for name, per_village in data["villages"].items():
        assert all(n > 0 for n in per_village.values()), name


def test_volumes_follow_the_domain(demo_store):
    store, _ = demo_store
    for village in list_villages(store):
        for month in ("2026-09", "2026-10", "2026-11"):
            sessions = store.list("session", village_id=village.id, month=month)
            assert 1 <= len(sessions) <= 3
            for session in sessions:
                assert 2 <= len(matters.session_matters(store, session.id)) <= 5


def test_records_are_realistic_and_varied(demo_store):
    store, _ = demo_store
    all_matters = store.list("matter")
    assert {m["stage"] for m in all_matters} >= {"说事", "议事", "办事", "评事"}
    routes = {m.get("route") for m in all_matters} - {None}
    assert vocab.ROUTE_VILLAGE in routes and len(routes) >= 3
    phones = [m["raiser_phone"] for m in all_matters if m.get("raiser_phone")]
    assert phones and all(PHONE_RE.match(p) for p in phones)
    ids = [e["applicant_id"] for e in store.list("power_exercise") if e.get("applicant_id")]
    assert ids and all(id_card_valid(i) for i in ids)
    exercises = store.list("power_exercise")
    reviewed = [powers.review(e, today=TODAY) for e in exercises]
    assert any(reviewed) and not all(reviewed)  # some with compliance problems, most without
    items = {e["item"] for e in exercises}
    assert {"P01", "P06", "P13", "P14"} <= items
    entries = store.list("service_entry")
    assert {e["duty"] for e in entries} >= {"驻村服务", "公共法律服务点值班", "法律咨询", "矛盾纠纷调解"}
    mediations = [e for e in entries if e["duty"] == "矛盾纠纷调解"]
    assert all(e.get("dispute_type") in vocab.DISPUTE_TYPES and e.get("source") for e in mediations)


def test_linked_records_point_both_ways(demo_store):
    store, _ = demo_store
    linked = 0
    for m in store.list("matter"):
        for key, kind in (("mediation_id", "service_entry"), ("exercise_id", "power_exercise")):
            if m.get(key):
                other = store.get(kind, m[key])
                assert other["matter_id"] == m.id
                linked += 1
    assert linked > 0


def test_check_is_clean_after_demo(demo_store):
    store, _ = demo_store
    assert check(store, today=TODAY) == []


def test_same_seed_on_the_same_store_gives_the_same_fingerprint(store, tmp_path):
    run_demo(store, seed=5, villages=2, months=1, today=TODAY)  # a store with history
    copies = [store.backup(tmp_path / f"copy{n}.db") for n in range(3)]
    prints = []
    for path, seed in zip(copies, (9, 9, 10), strict=True):
        with Store(path) as s:
            run_demo(s, seed=seed, months=2, today=TODAY)
            prints.append(s.fingerprint())
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]  # another seed, other records
    assert prints[0] != store.fingerprint()


def test_same_seed_on_empty_copies_gives_the_same_fingerprint(store, tmp_path):
    copies = [store.backup(tmp_path / f"empty{n}.db") for n in range(2)]
    prints = []
    for path in copies:
        with Store(path) as s:
            run_demo(s, seed=1, villages=2, months=1, today=TODAY)
            prints.append(s.fingerprint())
    assert prints[0] == prints[1]


def test_continuation_adds_the_months_after_the_latest(demo_store):
    store, _ = demo_store
    before = {m.id: m for m in store.list("matter")}
    open_before = {i for i, m in before.items() if m["stage"] != "评事"}
    running = {e.id for e in store.list("power_exercise") if e["status"] == "进行中"}
    result = run_demo(store, seed=3, villages=5, months=2, today=TODAY)
    assert len(result.villages) == 3  # --villages only counts for an empty store
    assert result.months == ["2026-12", "2027-01"]
    assert store.months() == ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
    assert len(list_villages(store)) == 3
    after = {m.id: m for m in store.list("matter")}
    assert set(before) < set(after)
    moved = [i for i in open_before if after[i]["stage"] != before[i]["stage"]]
    assert moved  # open matters advance
    finished = [i for i in running if store.get("power_exercise", i)["status"] != "进行中"]
    assert finished  # and so do running exercises
    for month in result.months:
        assert stats(store, month)["totals"]["sessions"] >= 3
    assert check(store, today=date(2027, 2, 1)) == []


def test_imported_village_is_continued_not_duplicated(store):
    # a village that came from elsewhere (as an import would bring it), with no records of its own
    imported = create_village(store, {"name": "鹿山村", "township": "前童镇", "county": "宁海县"})
    result = run_demo(store, seed=2, villages=3, months=1, today=TODAY)
    assert result.villages == ["鹿山村"]
    assert result.months == ["2026-11"]
    assert [v.id for v in list_villages(store)] == [imported.id]
    assert store.list("session", village_id=imported.id)
    assert check(store, today=TODAY) == []


def test_village_added_later_is_continued_with_the_others(demo_store):
    store, _ = demo_store
    newcomer = create_village(store, {"name": "鹿山村", "township": "前童镇", "county": "宁海县"})
    result = run_demo(store, seed=4, months=1, today=TODAY)
    assert "鹿山村" in result.villages and len(result.villages) == 4
    assert store.list("session", village_id=newcomer.id, month="2026-12")
    assert check(store, today=date(2027, 1, 1)) == []


def test_many_villages_get_distinct_names(store):
    result = run_demo(store, seed=0, villages=30, months=1, today=TODAY)
    assert len(set(result.villages)) == 30
