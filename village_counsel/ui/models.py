"""A lazy table model over the store: it holds the row ids of a list (filtered and sorted in SQL by
``search.record_ids``) and fetches rows in pages on demand into a small cache, so a list of 100,000
records opens and scrolls quickly."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from .. import days, matters, powers, search
from ..catalog import load_catalog
from ..forms import form_for
from ..store import Record, Store
from ..villages import village_names

log = logging.getLogger(__name__)

OVERDUE = QColor("#c62828")
PAGE = 200
CACHE = 3000

Index = QModelIndex | QPersistentModelIndex
SORT_MARKS = {False: "▲", True: "▼"}  # ascending, descending (newest first)
DATE_SORTS = ("date", "deadline", "feedback_date", "filing_date")


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Record, dict[str, str]], Any]  # (record, village names) → shown value
    sort: str | None = None  # data field (or "village") to sort by in SQL; None: not sortable


def field_column(kind: str, name: str) -> Column:
    f = form_for(kind).field(name)

    def value(r: Record, _names: dict[str, str]) -> Any:
        v = r.get(name)
        if v is None:
            return ""
        if f.type == "bool":
            return "是" if v else "否"
        if f.type in ("money", "float") and isinstance(v, int | float):
            return f"{v:,.2f}".rstrip("0").rstrip(".") if f.type == "float" else f"{v:,.0f}"
        text = str(v)
        return text if len(text) <= 60 else text[:59] + "…"

    return Column(f.label, value, name)


def village_column() -> Column:
    return Column("村", lambda r, names: names.get(r.village_id or "", ""), "village")


def columns_for(kind: str) -> list[Column]:
    """The list columns of a kind: the form's column fields (one definition), plus derived ones."""
    cols = [village_column()]
    if kind == "matter":
        for name in ("date", "raiser", "content", "category", "route", "responsible", "deadline"):
            cols.append(field_column(kind, name))
        cols.append(
            Column(
                "状态",
                lambda r, _n: (
                    matters.status_label(r) + (f"（{label}）" if (label := matters.overdue_label(r)) else "")
                ),
                "stage",
            )
        )
        return cols
    if kind == "power_exercise":
        catalog = load_catalog()
        cols += [field_column(kind, n) for n in ("number", "date")]

        def item_name(r: Record, _n: dict[str, str]) -> str:
            item = catalog.item(r.get("item", ""))
            return item.name if item else str(r.get("item", ""))

        cols.append(Column("权力事项", item_name, "item"))
        cols += [field_column(kind, n) for n in ("subject", "amount", "status")]
        cols.append(Column("审查发现", lambda r, _n: len(powers.review(r, catalog=catalog)) or "", None))
        return cols
    cols += [field_column(kind, f.name) for f in form_for(kind).columns]
    return cols


class RecordTableModel(QAbstractTableModel):
    """Rows of one kind; ``set_filter`` and ``sort`` re-run the id query, rows load page by page."""

    def __init__(
        self, store: Store, kind: str, columns: list[Column] | None = None, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.store, self.kind = store, kind
        self.columns = columns or columns_for(kind)
        self.filters: dict[str, Any] = {}
        self.sort_key: str | None = "date"
        self.descending = True
        self.sort_marks = False  # show the order in the sorted column's header (lists the user sorts)
        self.ids: list[str] = []
        self._cache: OrderedDict[str, Record | None] = OrderedDict()
        self._names: dict[str, str] = {}
        self.today = days.today()
        self.reload()

    # --- loading ---------------------------------------------------------------------------------------------

    def set_filter(self, **filters: Any) -> None:
        self.filters = {k: v for k, v in filters.items() if v}
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._names = village_names(self.store)
        self._cache.clear()
        self.ids = search.record_ids(
            self.store, self.kind, sort=self.sort_key, descending=self.descending, **self.filters
        )
        self.endResetModel()

    def record(self, row: int) -> Record | None:
        if not 0 <= row < len(self.ids):
            return None
        rid = self.ids[row]
        if rid not in self._cache:
            self._load_page(row)
        else:
            self._cache.move_to_end(rid)
        return self._cache.get(rid)

    def _load_page(self, row: int) -> None:
        start = max(0, row - PAGE // 4)
        wanted = [i for i in self.ids[start : start + PAGE] if i not in self._cache]
        try:
            found = search.fetch(self.store, wanted)
        except Exception:  # a row that fails to load shows as disabled rather than raising in data()
            log.exception("could not load rows")
            found = {}
        for rid in wanted:
            record = found.get(rid)
            self._cache[rid] = record if record is not None and not record.deleted else None
        while len(self._cache) > CACHE:
            self._cache.popitem(last=False)

    def row_of(self, record_id: str) -> int:
        try:
            return self.ids.index(record_id)
        except ValueError:
            return -1

    # --- the model ---------------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.columns)

    def sorted_column(self) -> int:
        """The column the rows are sorted by, or -1."""
        return next((n for n, c in enumerate(self.columns) if c.sort and c.sort == self.sort_key), -1)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        sorted_here = self.sort_marks and section == self.sorted_column()
        if role == Qt.ItemDataRole.DisplayRole:
            # the order is drawn from the model, not by the style: Qt's own indicator shows "▲" for a
            # descending column under some styles, and stays on columns that cannot be sorted
            return f"{column.label} {SORT_MARKS[self.descending]}" if sorted_here else column.label
        if role == Qt.ItemDataRole.ToolTipRole and sorted_here:
            return f"按“{column.label}”{'降序（从大到小、从新到旧）' if self.descending else '升序'}排列"
        if role == Qt.ItemDataRole.InitialSortOrderRole and column.sort in DATE_SORTS:
            return Qt.SortOrder.DescendingOrder.value  # dates open newest first
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self.record(index.row()) is None:
            return Qt.ItemFlag.NoItemFlags  # shown disabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self.columns):
            return None
        record = self.record(index.row())
        if role == Qt.ItemDataRole.UserRole:
            return self.ids[index.row()]
        if record is None:
            return "（无法读取）" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            try:
                value = self.columns[index.column()].value(record, self._names)
            except Exception:
                log.exception("column %s of %s", index.column(), record.id)
                return ""
            return "" if value is None else str(value)
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and self.kind == "matter"
            and matters.is_overdue(record, self.today)
        ):
            return QBrush(OVERDUE)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or self.columns[column].sort is None:
            return
        key, descending = self.columns[column].sort, order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self.sort_key, self.descending):
            return
        self.sort_key, self.descending = key, descending
        self.reload()
