"""Declarative form definitions: one definition gives the editor, the validation, the list columns and the
report labels. Forms are plain data; the UI turns them into widgets, and nothing here imports Qt."""

from __future__ import annotations

from .base import Field, Form, is_clean, validate
from .definitions import FORMS, form_for

__all__ = ["FORMS", "Field", "Form", "form_for", "is_clean", "validate"]
