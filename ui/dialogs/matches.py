"""Product matches across channels: the same product under different SKUs, for the owner to decide.

Accepting maps the second channel SKU onto the first one's master SKU (its past order lines too),
so forecasts and stock work on one product; rejecting stops the pair being proposed again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTableWidgetItem, QWidget

from ui.context import AppContext
from ui.dialogs.edit_list import EditListDialog
from ui.jobs import JobContext
from ui.widgets.dialog_parts import fit_text, hint_label

COLUMNS = ["Channel", "SKU", "Title", "Channel", "SKU", "Title", "Why"]


def load_matches(jc: JobContext) -> list[Any]:
    from merchant_ai.importers import sku_matching

    return sku_matching.suggest_matches(jc.store)


def accept_match(jc: JobContext, suggestion: Any) -> int:
    from merchant_ai.importers import sku_matching

    return sku_matching.accept(jc.store, suggestion)


def reject_match(jc: JobContext, suggestion: Any) -> None:
    from merchant_ai.importers import sku_matching

    sku_matching.reject(jc.store, suggestion)


class MatchesDialog(EditListDialog):
    """Suggested pairs, best first; the owner accepts or rejects the selected one."""

    load_job = staticmethod(load_matches)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Product matches across channels",
                         "These look like one product sold under different SKUs (same SKU once case and separators "
                         "are ignored, or very similar titles). Accept a pair to count its sales as one product "
                         "in forecasts and stock; reject it to stop it being proposed.", COLUMNS,
                         min_width=900, table_height=240, parent=parent)
        self.suggestions: list[Any] = []
        self.accept_button = QPushButton("Same product")
        self.accept_button.setDefault(True)
        self.reject_button = QPushButton("Different products")
        self.reject_button.setAutoDefault(False)
        fit_text(self.accept_button, self.reject_button)
        self.accept_button.clicked.connect(lambda: self._decide(accept_match))
        self.reject_button.clicked.connect(lambda: self._decide(reject_match))
        self.table.itemSelectionChanged.connect(lambda: self.set_busy(False))
        self.none_left = hint_label("")
        self.root.addWidget(self.none_left)
        row = QHBoxLayout()
        row.addWidget(self.error, 1)
        row.addWidget(self.reject_button)
        row.addWidget(self.accept_button)
        self.root.addLayout(row)
        self.add_close_button()
        self.reload()

    def set_busy(self, busy: bool) -> None:
        picked = bool(self.table.selectedItems())
        self.accept_button.setEnabled(not busy and picked)
        self.reject_button.setEnabled(not busy and picked)

    def loaded(self, suggestions: list[Any]) -> None:
        self.suggestions = suggestions
        self.table.setRowCount(len(suggestions))
        for r, s in enumerate(suggestions):
            cells = [s.channel_a, s.sku_a, s.title_a or "", s.channel_b, s.sku_b, s.title_b or "", s.reason]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.none_left.setText("" if suggestions else
                               "No suggested matches: every channel SKU is either matched or unlike the others.")
        super().loaded(suggestions)

    def _decide(self, job) -> None:
        items = self.table.selectedItems()
        if items:
            self.change("decide", job, self.suggestions[items[0].row()])
