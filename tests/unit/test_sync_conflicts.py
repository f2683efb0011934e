"""Concurrent edits: the higher (rev, origin) wins everywhere, the other is listed until a person settles it."""

from __future__ import annotations

import pytest

from village_counsel.errors import RuleError
from village_counsel.store import Store
from village_counsel.sync import export_changes, import_file, list_conflicts, open_conflict_keys, resolve
from village_counsel.villages import create_village


@pytest.fixture
def pair(tmp_path):
    a = Store(tmp_path / "a" / "store.db")
    b = Store(tmp_path / "b" / "store.db")
    yield a, b
    a.close()
    b.close()


class Exchange:
    def __init__(self, tmp_path):
        self.dir, self.n = tmp_path, 0

    def __call__(self, src: Store, *dst: Store, full: bool = False):
        """One export of ``src``, imported by every store in ``dst`` (incremental files form one sequence)."""
        self.n += 1
        path = export_changes(src, self.dir / f"x{self.n}.zip", full=full).path
        results = [import_file(d, path) for d in dst]
        assert all(r.ok for r in results), [r.reason for r in results]
        return results[0]


def _shared_session(a: Store, b: Store, send: Exchange) -> str:
    v = create_village(a, {"name": "上张村"})
    sid = a.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=v.id).id
    send(a, b)
    return sid


def test_concurrent_edits_conflict_on_both_sides(pair, tmp_path):
    a, b = pair
    send = Exchange(tmp_path)
    sid = _shared_session(a, b, send)
    on_a = a.put("session", {"date": "2026-11-05", "format": "线上说", "venue": "A 的版本"}, id=sid)
    on_b = b.put("session", {"date": "2026-11-05", "format": "现场说", "venue": "B 的版本"}, id=sid)
    ra = send(b, a)
    rb = send(a, b)
    assert ra.conflicts == 1 and rb.conflicts == 1
    assert a.fingerprint() == b.fingerprint()
    winner, loser = sorted([on_a, on_b], key=lambda r: (r.rev, r.origin), reverse=True)
    for store in (a, b):
        (conflict,) = list_conflicts(store)
        assert (conflict.current.rev, conflict.current.origin) == (winner.rev, winner.origin)
        assert (conflict.losing.rev, conflict.losing.origin) == (loser.rev, loser.origin)
        assert conflict.losing["venue"] == loser["venue"]
    assert open_conflict_keys(a) == open_conflict_keys(b)


def test_delete_against_edit_is_a_conflict(pair, tmp_path):
    a, b = pair
    send = Exchange(tmp_path)
    sid = _shared_session(a, b, send)
    a.delete("session", sid)
    b.put("session", {"date": "2026-11-05", "format": "线上说"}, id=sid)
    send(a, b)
    send(b, a)
    assert a.fingerprint() == b.fingerprint()
    assert len(list_conflicts(a)) == len(list_conflicts(b)) == 1


def test_stale_copy_and_ancestors_are_not_conflicts(pair, tmp_path):
    a, b = pair
    send = Exchange(tmp_path)
    sid = _shared_session(a, b, send)
    for venue in ("一", "二", "三"):
        a.put("session", {"date": "2026-11-05", "format": "现场说", "venue": venue}, id=sid)
    send(a, b)
    send(b, a, full=True)  # B's full export carries A's older revisions back to A
    assert list_conflicts(a) == [] and list_conflicts(b) == []
    assert b.get("session", sid)["venue"] == "三"


def test_keep_losing_version_resolves_everywhere(pair, tmp_path):
    a, b = pair
    send = Exchange(tmp_path)
    sid = _shared_session(a, b, send)
    a.put("session", {"date": "2026-11-05", "format": "线上说", "venue": "甲"}, id=sid)
    b.put("session", {"date": "2026-11-05", "format": "现场说", "venue": "乙"}, id=sid)
    send(a, b)
    send(b, a)
    (conflict,) = list_conflicts(a)
    kept = resolve(a, sid, (conflict.losing.rev, conflict.losing.origin))
    assert kept["venue"] == conflict.losing["venue"] and kept.base_rev == conflict.current.rev
    assert list_conflicts(a) == []
    assert len(a.history(sid)) == 4
    send(a, b)
    assert list_conflicts(b) == [] and b.get("session", sid)["venue"] == conflict.losing["venue"]
    assert a.fingerprint() == b.fingerprint()


def test_keep_current_version_also_writes_a_revision(pair, tmp_path):
    a, b = pair
    send = Exchange(tmp_path)
    sid = _shared_session(a, b, send)
    a.put("session", {"date": "2026-11-05", "format": "线上说"}, id=sid)
    b.put("session", {"date": "2026-11-05", "format": "党员联户上门说"}, id=sid)
    send(a, b)
    (conflict,) = list_conflicts(b)
    record = resolve(b, sid, (conflict.current.rev, conflict.current.origin))
    assert record.data == conflict.current.data and record.rev > conflict.current.rev
    send(b, a)
    assert list_conflicts(a) == [] and a.fingerprint() == b.fingerprint()


def test_resolve_refuses_without_conflict_or_foreign_version(pair, tmp_path):
    a, b = pair
    send = Exchange(tmp_path)
    sid = _shared_session(a, b, send)
    with pytest.raises(RuleError, match="没有待处理"):
        resolve(a, sid, ("0000000000000-00000", "x"))
    a.put("session", {"date": "2026-11-05", "format": "线上说"}, id=sid)
    b.put("session", {"date": "2026-11-05", "format": "现场说", "venue": "乙"}, id=sid)
    send(b, a)
    with pytest.raises(RuleError, match="不是这条记录"):
        resolve(a, sid, ("0000000000000-00000", "x"))


def test_three_way_concurrent_edits_list_both_losers(tmp_path):
    stores = [Store(tmp_path / n / "store.db") for n in "abc"]
    try:
        a, b, c = stores
        send = Exchange(tmp_path)
        v = create_village(a, {"name": "上张村"})
        sid = a.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=v.id).id
        send(a, b, c)
        for store, venue in zip(stores, "甲乙丙", strict=True):
            store.put("session", {"date": "2026-11-05", "format": "现场说", "venue": venue}, id=sid)
        for src in stores:
            send(src, *[d for d in stores if d is not src])
        assert len({s.fingerprint() for s in stores}) == 1
        assert all(len(list_conflicts(s)) == 2 for s in stores)
        kept = list_conflicts(b)[0]
        resolve(b, sid, (kept.losing.rev, kept.losing.origin))
        send(b, a, c)
        assert all(list_conflicts(s) == [] for s in stores)
        assert len({s.fingerprint() for s in stores}) == 1
    finally:
        for s in stores:
            s.close()
