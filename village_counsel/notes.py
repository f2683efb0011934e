"""月度风险与计划: the ``monthly_note`` of one village and month — its 风险隐患与重大事项 and 下月工作计划,
printed in the monthly report. At most one note per village and month."""

from __future__ import annotations

import uuid
from typing import Any

from .errors import ValidationError
from .forms import form_for
from .forms.base import validate
from .forms.definitions import month_check
from .shapes import shape_problem
from .store import Changes, Record, Store
from .villages import require_village

NOTE_FIELDS = ("risks", "plan")

# The note's id is derived from its village and month, so two devices that each write the note of the
# same month write one record: sync then orders their revisions and logs the loser as a conflict,
# instead of the report printing two notes side by side.
_NOTE_NAMESPACE = uuid.UUID("5b1d7c52-3f0e-4c7a-9a51-6d2f0a8e4c11")


def monthly_notes(store: Store, village_id: str, month: str) -> list[Record]:
    """The notes of ``village_id``'s ``month``, oldest revision first — the report's own query
    (reports/figures.py). Normally one; several only from data written before notes had one id."""
    return store.list(
        "monthly_note",
        village_id=village_id,
        where="json_extract(data, '$.month') = ?",
        params=[month],
        order="village_id, rev",
    )


def note_id(village_id: str, month: str) -> str:
    return str(uuid.uuid5(_NOTE_NAMESPACE, f"{village_id}/{month}"))


def save_monthly_note(store: Store, village_id: str, month: str, values: dict[str, Any]) -> Changes:
    """Write the 风险隐患 and 下月工作计划 of ``village_id``'s ``month`` (one transaction, undoable):
    the existing note is edited (the newest, when there are several: the older ones are tombstoned, their
    text having been shown in the editor by :func:`note_values`), so the report prints what was saved."""
    require_village(store, village_id)
    form = form_for("monthly_note")
    month = str(month).strip()
    if month_check(month, {}):  # the month names the note (its id): one spelling only
        raise ValidationError({"month": "月份应为 YYYY-MM，例如 2026-11"}, form.labels)
    existing = monthly_notes(store, village_id, month)
    texts = {k: values.get(k) for k in NOTE_FIELDS}
    if not existing and not any(v and str(v).strip() for v in texts.values()):
        raise ValidationError({"risks": "请至少填写风险隐患或下月工作计划中的一项"}, form.labels)
    base = dict(existing[-1].data) if existing else {}
    clean = validate(form, {**base, **texts, "month": month, "date": f"{month}-01"})
    problem = shape_problem("monthly_note", clean)
    if problem:
        raise ValidationError({"month": problem}, form.labels)
    changes = Changes()
    with store.transaction():
        keep = existing[-1].id if existing else note_id(village_id, month)
        changes.add(store.put("monthly_note", clean, id=keep, village_id=village_id))
        for extra in existing[:-1]:
            changes.add(store.delete("monthly_note", extra.id))
    return changes


def note_values(notes: list[Record]) -> dict[str, str]:
    """What the editor starts with: the text of every note of the month, as the report prints it."""
    out: dict[str, str] = {}
    for key in NOTE_FIELDS:
        texts: list[str] = []
        for note in notes:
            text = str(note.get(key) or "").strip()
            if text and text not in texts:
                texts.append(text)
        out[key] = "\n".join(texts)
    return out
