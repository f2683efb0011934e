"""Installable anywhere: the shipped resources are found however the program is installed, and the
installed libraries are the ones the code was written for (pyproject's bounds)."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from village_counsel import paths

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_checkout_finds_its_resources():
    folder = paths.resources_dir()
    assert folder == ROOT / "resources"
    assert paths.resource("power_items.json").is_file()
    assert paths.resource("duties.json").is_file()
    assert paths.font_path().is_file() and paths.font_path().stat().st_size > 1_000_000


def test_an_installed_package_uses_the_resources_it_carries(tmp_path, monkeypatch):
    """A wheel and a PyInstaller bundle put resources/ inside the package folder: that copy is the one read,
    not a folder that happens to sit beside site-packages."""
    package = tmp_path / "site-packages" / "village_counsel"
    (package / "resources" / "fonts").mkdir(parents=True)
    (tmp_path / "site-packages" / "resources").mkdir()  # another project's folder: never ours
    monkeypatch.setattr(importlib.resources, "files", lambda name: package)
    assert paths.resources_dir() == package / "resources"
    assert paths.font_path() == package / "resources" / "fonts" / "wqy-microhei.ttc"


def test_the_wheel_maps_resources_into_the_package():
    """What the build puts where resources_dir() looks (CI builds the wheel and runs it to prove the rest)."""
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "resources" in wheel["only-include"] and "village_counsel" in wheel["only-include"]
    assert wheel["sources"]["resources"] == "village_counsel/resources"
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert '"village_counsel/resources"' in spec, "the bundle must carry resources/ inside the package too"


def _declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


@pytest.mark.parametrize("requirement", _declared(), ids=str)
def test_installed_versions_are_within_the_declared_bounds(requirement):
    installed = importlib.metadata.version(requirement.name)
    assert requirement.specifier.contains(installed, prereleases=True), (
        f"{requirement.name} {installed} is outside {requirement.specifier}: reinstall with pip install -e '.[test]'"
    )


def test_bounds_say_what_the_code_needs():
    pins = {r.name: r.specifier for r in _declared()}
    # db.atomic() is new in sqlite-utils 4: no store opens without it
    assert not pins["sqlite-utils"].contains("3.39") and pins["sqlite-utils"].contains("4.2")
    import sqlite_utils

    assert callable(getattr(sqlite_utils.Database(memory=True), "atomic", None))
    # ReportLab's private internals (reports/cjkwrap.py, the font cache): one major version only
    assert not pins["reportlab"].contains("6.0") and not pins["reportlab"].contains("4.4.10")
    # a linter that changes under CI's feet turns it red on its own: ruff is pinned exactly
    assert str(pins["ruff"]).startswith("==")
