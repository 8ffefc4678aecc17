"""Recommendations tab: bundles, "goes with" per product, picks per customer, and the evidence.

Three jobs: `load_recommendations` fits the pair counts and the recommender (the result holds the
fitted models, plain Python objects); `pick_for` asks a fitted model for one product's or one
customer's list; `evaluate` runs the leave-last-order-out check (slower, so it runs on its own and
the tables appear first). The evaluation line shows our HitRate@10 / Recall@10 next to the
best-sellers list, so the owner sees whether the picks earn their place.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.jobs import JobContext
from ui.tabs.base import BaseTab

PAIR_COLUMNS = ["Product A", "Product B", "Orders", "Support", "Confidence", "Lift", "Bundle margin"]
PAIR_EXPORT_COLUMNS = ["SKU A", "Product A", "SKU B", "Product B", "Orders", "Support", "Confidence", "Lift",
                       "Bundle margin"]
PICK_COLUMNS = ["SKU", "Product", "Score", "Why"]
SKU_ROLE = Qt.ItemDataRole.UserRole
PRODUCT_MAX_WIDTH = 200     # long titles elide; the full one is in the tooltip and the export


def load_recommendations(jc: JobContext) -> dict[str, Any]:
    from merchant_ai.analytics.recommend import FrequentPairs, Recommender
    from merchant_ai.store import queries

    jc.progress(0.05, "Loading sales…")
    sales = queries.sales_lines(jc.store)
    if sales.empty:
        return {"empty": True}
    products = queries.products(jc.store)
    jc.progress(0.3, "Counting pairs…")
    pairs = FrequentPairs().fit(sales, products)
    jc.progress(0.6, "Fitting the recommender…")
    model = Recommender().fit(sales)
    jc.check()
    return {"empty": False, "pairs": pairs, "bundles": pairs.bundles(min_lift=1.0, top=100), "model": model}


def pick_for(jc: JobContext, model, kind: str, key: str, new_only: bool, k: int = 10) -> list:
    return model.similar(key, k=k) if kind == "sku" else model.recommend(key, k=k, new_only=new_only)


def evaluate(jc: JobContext) -> dict[str, dict[str, float]]:
    from merchant_ai.analytics.recommend_eval import leave_last_order_out
    from merchant_ai.store import queries

    sales = queries.sales_lines(jc.store)
    jc.progress(0.2, "Holding out each customer's last order…")
    return leave_last_order_out(sales, k=10, methods=["popularity", "buy_again", "ours"])


def _item(text: str, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)  # reasons are long: the full text on hover
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


HEADER_TIPS = {
    "Orders": "Orders holding both products",
    "Support": "Share of all orders holding both products",
    "Confidence": "Of the orders holding the less common product, the share that also hold the other",
    "Lift": "How many times more often the two are bought together than if they were unrelated "
            "(above 1: they go together)",
    "Bundle margin": "One of each at their usual (median) prices minus their unit costs, before fees; blank "
                     "where a unit cost is unknown",
    "Score": "How strongly the pick is suggested (higher first); the reason says where it comes from",
}


def _table(columns: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setHorizontalHeaderLabels(columns)
    for i, name in enumerate(columns):
        if name in HEADER_TIPS:
            t.horizontalHeaderItem(i).setToolTip(HEADER_TIPS[name])
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class RecommendationsTab(BaseTab):
    title = "Recommendations"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.result: dict[str, Any] = {}
        self.evaluation: dict[str, dict[str, float]] = {}
        root = QWidget()
        layout = QVBoxLayout(root)
        self.eval_label = QLabel("Offline check: not run yet.")
        self.eval_label.setWordWrap(True)
        eval_row = QHBoxLayout()
        eval_row.addWidget(self.eval_label, 1)
        self.eval_button = QPushButton("Check the picks")
        self.eval_button.setToolTip("Hide each customer's last order and see how often the picks find it")
        self.eval_button.clicked.connect(self.run_evaluation)
        self._eval_job = None
        eval_row.addWidget(self.eval_button)
        layout.addLayout(eval_row)

        split = QSplitter(Qt.Orientation.Horizontal)
        pairs_box = QGroupBox("Bought together (bundle candidates)")
        pl = QVBoxLayout(pairs_box)
        self.pairs = _table(PAIR_COLUMNS)
        self.pairs.cellClicked.connect(lambda r, _c: self.show_product(self.pairs.item(r, 0).data(SKU_ROLE)))
        pl.addWidget(self.pairs)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(lambda: self.export_pairs())
        pl.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignRight)
        split.addWidget(pairs_box)

        right = QWidget()
        rl = QVBoxLayout(right)
        prod_row = QHBoxLayout()
        prod_row.addWidget(QLabel("Product"))
        self.product = QComboBox()
        self.product.setEditable(True)
        self.product.currentTextChanged.connect(self._product_changed)
        prod_row.addWidget(self.product, 1)
        rl.addLayout(prod_row)
        self.goes_with = _table(PICK_COLUMNS)
        rl.addWidget(self.goes_with, 1)
        cust_row = QHBoxLayout()
        cust_row.addWidget(QLabel("Customer"))
        self.customer = QComboBox()
        self.customer.setEditable(True)
        self.customer.currentTextChanged.connect(self._customer_changed)
        cust_row.addWidget(self.customer, 1)
        self.new_only = QCheckBox("New items only")
        self.new_only.toggled.connect(lambda _on: self._customer_changed(self.customer.currentText()))
        cust_row.addWidget(self.new_only)
        rl.addLayout(cust_row)
        self.picks = _table(PICK_COLUMNS)
        rl.addWidget(self.picks, 1)
        split.addWidget(right)
        layout.addWidget(split, 1)
        self.set_content(root)

    # --- jobs -----------------------------------------------------------------------------------
    def reload(self) -> None:
        if self.ctx.store is None:
            return self.show_empty("No shop open", "Open or create a shop to see what sells together.")
        self.run_job("fit", load_recommendations, on_done=self.show_result, message="Finding what sells together…")

    def run_evaluation(self) -> None:
        """Start the offline check; while it runs the same button cancels it (no overlay: the
        tables stay usable meanwhile)."""
        if self.ctx.store is None:
            return
        running = self._eval_job
        if running is not None and not running.is_finished():
            running.cancel()
            self.eval_label.setText("Offline check: cancelling…")
            self.eval_button.setEnabled(False)
            return
        self.eval_label.setText("Offline check: running…")
        self.eval_button.setText("Cancel check")
        self._eval_job = self.run_job("evaluate", evaluate, on_done=self.show_evaluation, overlay=False,
                                      on_progress=self._evaluation_progress)
        self._eval_job.finished.connect(self._evaluation_finished)
        if self._eval_job.is_finished():  # a synchronous runner has already delivered
            self._evaluation_finished()

    def _evaluation_progress(self, fraction: float | None, message: str) -> None:
        share = "" if fraction is None else f" {fraction:.0%}"
        self.eval_label.setText(f"Offline check: running…{share} {message}".rstrip())

    def _evaluation_finished(self) -> None:
        job, self._eval_job = self._eval_job, None
        self.eval_button.setText("Check the picks")
        self.eval_button.setEnabled(True)
        if job is not None and job.state == "cancelled":
            self.eval_label.setText("Offline check: cancelled.")

    def show_result(self, result: dict[str, Any]) -> None:
        self.result = result
        if result.get("empty"):
            return self.show_empty("No orders yet", "Import orders to see products bought together.")
        self.show_content()
        b = result["bundles"]
        model = result["model"]
        titles = model.titles_
        self.pairs.setRowCount(len(b))
        for r, row in enumerate(b.itertuples()):
            margin = "" if row.combined_margin != row.combined_margin else f"{row.combined_margin:,.2f}"
            cells = [(f"{row.orders:,}", True), (f"{row.support:.2%}", True),
                     (f"{row.confidence:.0%}", True), (f"{row.lift:.2f}", True), (margin, True)]
            for c, sku in enumerate((row.a, row.b)):    # owners know products by name; the SKU is a tooltip
                item = _item(titles.get(sku) or str(sku), False)
                item.setData(SKU_ROLE, sku)
                item.setToolTip(f"{item.text()}\nSKU {sku}")
                self.pairs.setItem(r, c, item)
            for c, (text, right) in enumerate(cells, start=2):
                self.pairs.setItem(r, c, _item(str(text), right))
        self.pairs.resizeColumnsToContents()
        for c in (0, 1):
            self.pairs.setColumnWidth(c, min(self.pairs.columnWidth(c), PRODUCT_MAX_WIDTH))
        self.product.blockSignals(True)
        self.customer.blockSignals(True)
        self.product.clear()
        order = sorted(range(len(model.items_)), key=lambda i: -model.popularity_[i])
        for i in order:
            sku = str(model.items_[i])
            self.product.addItem(f"{titles[sku]} ({sku})" if titles.get(sku) else sku, sku)
        self.customer.clear()
        self.customer.addItems([str(c) for c in model.customers_])
        self.product.blockSignals(False)
        self.customer.blockSignals(False)
        if self.product.count():
            self._product_changed(self.product.currentText())
        if self.customer.count():
            self._customer_changed(self.customer.currentText())

    def show_product(self, sku: str) -> None:
        """Show what goes with one product, picked by its SKU."""
        index = self.product.findData(sku)
        if index >= 0:
            self.product.setCurrentIndex(index)
        else:
            self.product.setCurrentText(sku)

    def _product_changed(self, text: str) -> None:
        """The combo shows "Title (SKU)"; typed text may also be a bare SKU."""
        index = self.product.findText(text)
        sku = self.product.itemData(index) if index >= 0 else text.strip()
        if sku and self.result.get("model") is not None:
            self.run_job("goes_with", pick_for, self.result["model"], "sku", sku, False,
                         on_done=lambda picks: self._fill(self.goes_with, picks), overlay=False)

    def _customer_changed(self, key: str) -> None:
        if key and self.result.get("model") is not None:
            self.run_job("picks", pick_for, self.result["model"], "customer", key, self.new_only.isChecked(),
                         on_done=lambda picks: self._fill(self.picks, picks), overlay=False)

    def _fill(self, table: QTableWidget, picks: list) -> None:
        titles = self.result["model"].titles_ if self.result.get("model") is not None else {}
        table.setRowCount(len(picks))
        for r, p in enumerate(picks):
            for c, (text, right) in enumerate([(p.sku, False), (titles.get(p.sku) or "", False),
                                               (f"{p.score:.3f}", True), (p.reason, False)]):
                table.setItem(r, c, _item(text, right))
        table.resizeColumnsToContents()

    def show_evaluation(self, res: dict[str, dict[str, float]]) -> None:
        self.evaluation = res
        if not res or "ours" not in res:
            self.eval_label.setText("Offline check: needs customers with at least two orders.")
            return
        ours, pop = res["ours"], res["popularity"]
        again = res.get("buy_again")
        extra = f"; buy-again only {again['hit_rate']:.0%}" if again else ""
        self.eval_label.setText(
            f"Offline check on {ours['customers']:,} customers (last order hidden): our top 10 contains one of "
            f"the items they bought for {ours['hit_rate']:.0%} of them (Recall@10 {ours['recall']:.0%}); "
            f"best-sellers list {pop['hit_rate']:.0%} (Recall@10 {pop['recall']:.0%}){extra}.")

    def export_pairs(self, path: str | None = None) -> str | None:
        """Bundles to CSV with each product's SKU and name (asks for a path unless given one)."""
        rows = []
        for r in range(self.pairs.rowCount()):
            cells = [self.pairs.item(r, c) for c in range(len(PAIR_COLUMNS))]
            texts = [item.text() if item else "" for item in cells]
            rows.append([cells[0].data(SKU_ROLE), texts[0], cells[1].data(SKU_ROLE), texts[1], *texts[2:]])
        return self.export_csv((PAIR_EXPORT_COLUMNS, rows), "bundles.csv", path)
