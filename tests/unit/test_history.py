from __future__ import annotations

from village_counsel.history import field_changes


def test_field_changes_follow_revisions(store, village):
    rec = store.put("session", {"date": "2026-11-05", "venue": "村说事室"}, village_id=village.id)
    store.put("session", {"date": "2026-11-05", "venue": "文化礼堂"}, id=rec.id)
    store.delete("session", rec.id)
    changes = field_changes(store, rec.id)
    venue = [c for c in changes if c.field == "venue"]
    assert [(c.before, c.after) for c in venue] == [(None, "村说事室"), ("村说事室", "文化礼堂")]
    assert venue[0].label == "地点"
    assert changes[-1].field == "deleted" and changes[-1].after is True
    assert all(c.origin == store.device_id for c in changes)


def test_undo_reverts_a_whole_operation_and_undo_again_redoes(store, village):
    from datetime import date

    from village_counsel import matters
    from village_counsel.history import undo_last

    session, (matter,) = matters.create_session(
        store,
        village.id,
        {"date": "2026-11-05", "format": "现场说", "attendance": {"法律顾问": 1}},
        [{"raiser": "王建国", "content": "邻里纠纷", "category": "社会稳定"}],
    )
    matters.deliberate(
        store,
        matter.id,
        {"discussion": "转调解", "route": "转调解", "decided_on": "2026-11-06"},
        today=date(2026, 11, 6),
    )
    routed = store.get("matter", matter.id)
    entry_id = routed["mediation_id"]
    assert store.get("service_entry", entry_id)["matter_id"] == matter.id

    changes = undo_last(store)  # the deliberation: the matter goes back, the mediation entry it made goes
    assert store.get("matter", matter.id)["stage"] == "说事"
    assert store.find(entry_id).deleted
    assert {"matter", "service_entry"} <= changes.kinds

    undo_last(store)  # undo the undo: the deliberation is back
    assert store.get("matter", matter.id)["stage"] == "议事" and not store.find(entry_id).deleted


def test_undo_of_a_creation_leaves_tombstones_and_refuses_when_changed_since(store, village):
    import pytest

    from village_counsel import matters
    from village_counsel.errors import RuleError
    from village_counsel.history import undo_last
    from village_counsel.stats import check

    session, created = matters.create_session(
        store,
        village.id,
        {"date": "2026-11-05", "format": "现场说"},
        [
            {"raiser": "甲", "content": "路灯", "category": "村庄建设"},
            {"raiser": "乙", "content": "水压", "category": "村庄建设"},
        ],
    )
    undo_last(store)
    assert store.list("session") == [] and store.list("matter") == []
    assert check(store) == []
    store.last_operation = None
    with pytest.raises(RuleError, match="没有"):
        undo_last(store)

    again, _ = matters.create_session(store, village.id, {"date": "2026-11-07", "format": "现场说"})
    from village_counsel.store import Store

    with Store(store.path) as elsewhere:  # e.g. an import on the background worker's connection
        elsewhere.put("session", {**again.data, "venue": "文化礼堂"}, id=again.id)
    with pytest.raises(RuleError, match="之后又被修改"):
        undo_last(store)
    assert store.get("session", again.id)["venue"] == "文化礼堂"
