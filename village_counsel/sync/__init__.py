"""Sync by file (文件同步): signed, optionally encrypted export packages; imports that verify first, merge
in one transaction, converge whatever the order, and keep every losing edit as a visible conflict."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .conflicts import Conflict, list_conflicts, open_conflict_keys, resolve
    from .export import ExportResult, export_changes
    from .importer import ImportResult, expand_paths, import_file, import_paths
    from .keys import OfficeKey, office_init, office_key, read_office_key_file, write_office_key_file
    from .status import device_statuses, own_status, village_statuses

# Loaded on first use: an import's worker processes need only .members, not the export, the trust
# checks and their cryptography (about 60 ms of each worker's start).
_WHERE = {
    **dict.fromkeys(("Conflict", "list_conflicts", "open_conflict_keys", "resolve"), "conflicts"),
    **dict.fromkeys(("ExportResult", "export_changes"), "export"),
    **dict.fromkeys(("ImportResult", "expand_paths", "import_file", "import_paths"), "importer"),
    **dict.fromkeys(
        ("OfficeKey", "office_init", "office_key", "read_office_key_file", "write_office_key_file"), "keys"
    ),
    **dict.fromkeys(("device_statuses", "own_status", "village_statuses"), "status"),
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Conflict",
    "ExportResult",
    "ImportResult",
    "OfficeKey",
    "device_statuses",
    "expand_paths",
    "export_changes",
    "import_file",
    "import_paths",
    "list_conflicts",
    "office_init",
    "office_key",
    "open_conflict_keys",
    "own_status",
    "read_office_key_file",
    "resolve",
    "village_statuses",
    "write_office_key_file",
]
