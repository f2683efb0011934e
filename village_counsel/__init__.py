"""村法律顾问助手 (Village Counsel): the Qt-free core.

The public API: open a :class:`Store`, then use the operations of :mod:`matters` (村民说事),
:mod:`powers` (小微权力), :mod:`checklist` (工作清单) and :mod:`villages`."""

from __future__ import annotations

from .errors import CounselError, NotFound, RuleError, StoreError, ValidationError
from .store import Changes, Record, Store

__all__ = [
    "Changes",
    "CounselError",
    "NotFound",
    "Record",
    "RuleError",
    "Store",
    "StoreError",
    "ValidationError",
]
__version__ = "0.1.0"
