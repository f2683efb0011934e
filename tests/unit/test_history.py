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
