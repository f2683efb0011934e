"""Printed reports: the monthly report (village and township), the 公示 notice of a power exercise and the
一事一档 page of a matter or mediation case. Figures come from :mod:`.figures`, shared with the dashboard."""

from __future__ import annotations

from .figures import MonthReport, Section, month_report
from .mask import mask_id, mask_name, mask_names, mask_phone, mask_text

__all__ = [
    "MonthReport",
    "Section",
    "mask_id",
    "mask_name",
    "mask_names",
    "mask_phone",
    "mask_text",
    "month_report",
]
