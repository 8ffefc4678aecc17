"""Field -> column editor for generic files, with named profiles to reuse next time."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from merchant_ai.importers.synonyms import FIELDS

NONE = "(not in this file)"
LABELS = {
    "order_id": "Order number", "date": "Date *", "sku": "SKU", "title": "Product title", "quantity": "Quantity",
    "unit_price": "Unit price", "amount": "Amount (line total) *", "customer": "Customer", "currency": "Currency",
    "country": "Country", "status": "Status", "cost": "Unit cost", "category": "Category",
}


class MappingEditor(QWidget):
    """`apply_requested(mapping)` re-reads the file with it; `save_requested(name, mapping)` keeps it."""

    apply_requested = Signal(dict)
    save_requested = Signal(str, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        intro = QLabel("Which column holds what? We guessed from the headers; * is required "
                       "(or quantity and unit price instead of the amount).")
        intro.setWordWrap(True)
        intro.setObjectName("hintText")
        root.addWidget(intro)
        grid = QGridLayout()
        self.combos: dict[str, QComboBox] = {}
        for i, field in enumerate(FIELDS):
            combo = QComboBox()
            combo.setMinimumWidth(160)
            self.combos[field] = combo
            grid.addWidget(QLabel(LABELS.get(field, field)), i // 2, (i % 2) * 2)
            grid.addWidget(combo, i // 2, (i % 2) * 2 + 1)
        # In a scroll area: with the file summary above it the tab is short, and the rows were
        # squeezed until the boxes overlapped (UCI file at 1200x780).
        fields = QWidget()
        fields.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(fields)
        root.addWidget(scroll, 1)
        row = QHBoxLayout()
        self.profile = QComboBox()
        self.profile.setPlaceholderText("Saved mappings…")
        self.profile.setMinimumWidth(180)
        self.profile.activated.connect(self._use_profile)
        self.apply_button = QPushButton("Apply mapping")
        self.apply_button.clicked.connect(lambda: self.apply_requested.emit(self.mapping()))
        self.save_button = QPushButton("Save as…")
        self.save_button.clicked.connect(self._save)
        row.addWidget(self.profile)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(self.apply_button)
        root.addLayout(row)
        self._profiles: dict[str, dict[str, str]] = {}

    def set_columns(self, columns: list[str], mapping: dict[str, str] | None) -> None:
        mapping = mapping or {}
        for field, combo in self.combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NONE)
            combo.addItems([str(c) for c in columns])
            wanted = mapping.get(field)
            combo.setCurrentIndex(combo.findText(wanted) if wanted and combo.findText(wanted) >= 0 else 0)
            combo.blockSignals(False)

    def mapping(self) -> dict[str, str]:
        return {f: c.currentText() for f, c in self.combos.items() if c.currentIndex() > 0}

    def set_profiles(self, profiles: dict[str, dict[str, str]]) -> None:
        self._profiles = dict(profiles)
        self.profile.clear()
        self.profile.addItems(sorted(profiles))
        self.profile.setCurrentIndex(-1)
        self.profile.setEnabled(bool(profiles))

    def _use_profile(self, index: int) -> None:
        mapping = self._profiles.get(self.profile.itemText(index))
        if mapping:
            columns = [self.combos["date"].itemText(i) for i in range(1, self.combos["date"].count())]
            self.set_columns(columns, mapping)
            self.apply_requested.emit(self.mapping())

    def _save(self) -> None:
        name, ok = QInputDialog.getText(self, "Save mapping", "Name (e.g. the shop or tool the file comes from):")
        if ok and name.strip():
            self.save_requested.emit(name.strip(), self.mapping())
