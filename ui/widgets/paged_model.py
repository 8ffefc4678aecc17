"""A virtualised table model: knows every row's id, loads rows in pages from jobs as the view asks.

Why not canFetchMore/fetchMore alone: that pattern grows the row count as the user scrolls, so
dragging the scrollbar to the end of a million rows means fetching every page in between. Here
`rowCount` is the full filtered count from the start (the id list comes from one job); `data()`
for a row not loaded yet shows a placeholder and requests its page; when the page arrives,
`dataChanged` repaints it. `canFetchMore` is still honoured for the (rare) case where the id
list is being extended. Pending page requests beyond a few are cancelled oldest-first (the view
has scrolled past them), and loaded pages are kept in a bounded LRU cache.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ui.data_queries import DATASETS, fetch_rows, row_ids
from ui.jobs import Job, JobRunner

LOADING = "…"
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_ROLES = frozenset({_DISPLAY, Qt.ItemDataRole.ToolTipRole, _ALIGN})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class PagedTableModel(QAbstractTableModel):
    """`set_dataset(name)`, `set_filter(text)`, `sort(col, order)` each reload the id list in a job."""

    ids_loaded = Signal(int)        # total rows after a (re)load
    page_loaded = Signal(int)       # page number
    loading_changed = Signal(bool)

    def __init__(self, runner: JobRunner, name: str = "orders", page_size: int = 200,
                 max_pages: int = 300, max_pending: int = 6, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.page_size = page_size
        self.max_pages = max_pages
        self.max_pending = max_pending
        self.dataset = DATASETS[name]
        self.sort_column = self.dataset.default_sort
        self.descending = self.dataset.default_descending
        self.filter_text = ""
        self._ids = np.empty(0, dtype=np.int64)
        self._pages: OrderedDict[int, list[tuple]] = OrderedDict()
        self._pending: OrderedDict[int, Job] = OrderedDict()
        self._generation = 0
        self.ids_job: Job | None = None
        self.active = False        # the tab sets this on first show: no queries for an unseen tab

    # --- queries ----------------------------------------------------------------------------------
    def set_dataset(self, name: str) -> None:
        self.beginResetModel()
        self.dataset = DATASETS[name]
        self.sort_column = self.dataset.default_sort
        self.descending = self.dataset.default_descending
        self._clear()
        self._ids = np.empty(0, dtype=np.int64)
        self._generation += 1      # late pages and ids of the previous table are dropped
        self.endResetModel()
        self.reload()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column = column if 0 <= column < len(self.dataset.columns) else None
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def reload(self) -> Job | None:
        """Fetch the id list again (after a filter/sort change, or when the data changed)."""
        if not self.active:
            return None
        if self.runner.store is None:
            self._reset_ids(np.empty(0, dtype=np.int64))
            return None
        self._generation += 1
        generation = self._generation
        self.loading_changed.emit(True)
        self.ids_job = self.runner.submit(
            f"data.ids.{id(self)}", row_ids, self.dataset.name, self.sort_column, self.descending,
            self.filter_text, on_done=lambda ids: self._ids_arrived(generation, ids),
            on_cancelled=lambda: self.loading_changed.emit(False), on_error=self._ids_failed)
        return self.ids_job

    def _ids_arrived(self, generation: int, ids: np.ndarray) -> None:
        if generation != self._generation:
            return
        self._reset_ids(ids)
        self.loading_changed.emit(False)

    def _ids_failed(self, message: str, trace: str) -> None:
        self.loading_changed.emit(False)
        self.runner.failed.emit("data.ids", message, trace)

    def _clear(self) -> None:
        for job in self._pending.values():
            job.cancel()
        self._pending.clear()
        self._pages.clear()

    def _reset_ids(self, ids: np.ndarray) -> None:
        self.beginResetModel()
        self._clear()
        self._ids = ids
        self.endResetModel()
        self.ids_loaded.emit(len(ids))

    # --- paging -----------------------------------------------------------------------------------
    def _request_page(self, page: int) -> None:
        if page in self._pending or page in self._pages:
            return
        while len(self._pending) >= self.max_pending:
            _old, job = self._pending.popitem(last=False)
            job.cancel()
        generation = self._generation
        start = page * self.page_size
        ids = [int(i) for i in self._ids[start:start + self.page_size]]
        self._pending[page] = self.runner.submit(
            f"data.page.{id(self)}.{page}", fetch_rows, self.dataset.name, ids,
            on_done=lambda rows: self._page_arrived(generation, page, rows),
            on_cancelled=lambda: self._pending.pop(page, None) if generation == self._generation else None,
            on_error=lambda m, t: self._pending.pop(page, None))

    def _page_arrived(self, generation: int, page: int, rows: list[tuple]) -> None:
        if generation != self._generation:
            return
        self._pending.pop(page, None)
        self._pages[page] = rows
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        first = page * self.page_size
        last = min(first + len(rows), len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
        self.page_loaded.emit(page)

    def is_loaded(self, row: int) -> bool:
        return row // self.page_size in self._pages

    def row_values(self, row: int) -> tuple | None:
        page = self._pages.get(row // self.page_size)
        if page is None:
            return None
        offset = row % self.page_size
        return page[offset] if offset < len(page) else None

    def ids(self) -> np.ndarray:
        return self._ids

    # --- Qt model API -------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.dataset.columns)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        return False   # the full id list is known; rows load by page in data()

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every role of every visible cell on each repaint: cheapest checks first.
        if role not in _ROLES or not index.isValid():
            return None
        column = self.dataset.columns[index.column()]
        if role == _ALIGN:
            return _RIGHT if not column.text else None
        page = index.row() // self.page_size
        rows = self._pages.get(page)
        if rows is None:
            self._request_page(page)
            return LOADING if role == _DISPLAY else None
        self._pages.move_to_end(page)
        offset = index.row() % self.page_size
        if offset >= len(rows) or not rows[offset]:
            return ""
        value = rows[offset][index.column()]
        if value is None:
            return ""
        if column.money:
            return f"{value:,.2f}"
        if column.stamp and isinstance(value, str):
            # The shop's own clock as exported (not converted: a naive stamp has no zone to convert
            # from); one format for every channel instead of '...T01:33:52+00:00' next to '2026-11-27'.
            return value[:16].replace("T", " ")
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.dataset.columns[section].header
        return f"{section + 1:,}"
