"""Errors a person can act on. Their text is Chinese and is shown as it is, without a traceback."""

from __future__ import annotations


class CounselError(Exception):
    """Base: an input or environment problem explained to the user (exit code 1 in the CLI)."""


class StoreError(CounselError):
    """The store cannot be opened or used (newer schema, damaged file, locked, disk full)."""


class NotFound(CounselError):
    """A record that was asked for is not in the store."""


class RuleError(CounselError):
    """An operation the domain rules do not allow, e.g. evaluating a matter that was never handled."""


class ValidationError(CounselError):
    """Form values that do not validate; ``errors`` maps field name → Chinese message."""

    def __init__(self, errors: dict[str, str], labels: dict[str, str] | None = None) -> None:
        self.errors = dict(errors)
        labels = labels or {}
        text = "；".join(f"{labels.get(k, k)}：{v}" for k, v in self.errors.items())
        super().__init__(text)
