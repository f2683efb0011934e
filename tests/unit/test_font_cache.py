"""The parsed CJK font is cached between runs; the cached font must measure and embed like the parsed one."""

from __future__ import annotations

import platformdirs

from village_counsel import paths
from village_counsel.reports import pdf


def test_cached_font_equals_parsed_font(tmp_path, monkeypatch):
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: str(tmp_path / "cache"))
    parsed = pdf._load_font(paths.font_path())
    assert list((tmp_path / "cache").glob("font-*.pickle")), "the cache was not written"

    def no_parsing(*args, **kwargs):
        raise AssertionError("the font was parsed again instead of read from the cache")

    monkeypatch.setattr(pdf.TTFont, "__init__", no_parsing)
    cached = pdf._load_font(paths.font_path())
    assert cached.face is not parsed.face
    for text in ("村法律顾问工作月报", "第 3 页 共 12 页", "330225********1234", "Ⅻ㐀䶵"):
        assert cached.stringWidth(text, 10.5) == parsed.stringWidth(text, 10.5)
    assert cached.face.charToGlyph == parsed.face.charToGlyph
    assert cached.face._ttf_data == parsed.face._ttf_data


def test_a_damaged_cache_falls_back_to_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: str(tmp_path / "cache"))
    pdf._load_font(paths.font_path())
    for cache in (tmp_path / "cache").glob("font-*.pickle"):
        cache.write_bytes(b"not a pickle")
    font = pdf._load_font(paths.font_path())
    assert font.stringWidth("法律", 10) > 0
