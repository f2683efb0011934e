"""The set-up promise: README's test command is exactly what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _commands(text: str) -> list[str]:
    return [
        line.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.S) for line in block.splitlines()
    ]


def test_ci_runs_readme_test_command_verbatim():
    readme = _commands((ROOT / "README.md").read_text(encoding="utf-8"))
    test_command = next(c for c in readme if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in [line.strip() for line in ci]


def test_readme_opens_with_the_two_setup_commands():
    readme = _commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "village-counsel" in readme[0] and "pip install" in readme[0]
    assert "pytest" in readme[1] and "pip install" in readme[1]


def test_ci_installs_exactly_readmes_library_list():
    """CI opens the window under Xvfb with README's libraries and no others: that proves the list."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"apt-get install --no-install-recommends ((?:lib[\w.+-]+ ?)+)", readme)
    assert listed, "README lists the libraries a bare Debian 12 needs in one apt-get line"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installed = re.search(r'readme_libs="([^"]+)"', ci)
    assert installed and "$readme_libs" in ci
    assert set(listed.group(1).split()) == set(installed.group(1).split())
    assert "libxcb-cursor0" in listed.group(1).split()
