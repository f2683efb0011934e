"""Shared fixtures. Qt runs headless: the platform is set before any QApplication exists."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# caches (the parsed report font) and the program's log go to throw-away folders, not the tester's home
os.environ["XDG_CACHE_HOME"] = __import__("tempfile").mkdtemp(prefix="vc-test-cache-")
os.environ["XDG_STATE_HOME"] = __import__("tempfile").mkdtemp(prefix="vc-test-state-")

from datetime import date  # noqa: E402

import pytest  # noqa: E402

from village_counsel.store import Store  # noqa: E402
from village_counsel.villages import create_village  # noqa: E402

TODAY = date(2026, 11, 20)


@pytest.fixture
def store(tmp_path):
    """A fresh store in a temporary folder."""
    s = Store(tmp_path / "store.db")
    yield s
    s.close()


@pytest.fixture
def mem_store():
    s = Store(memory=True)
    yield s
    s.close()


@pytest.fixture
def village(store):
    return create_village(store, {"name": "上张村", "township": "西周镇", "county": "象山县"})


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """No test may touch the real user data folder."""
    monkeypatch.setenv("VILLAGE_COUNSEL_DATA", str(tmp_path / "default-data"))
