"""What every platform parser produces: an ImportBatch of tidy frames, before anything is stored.

Parsers are pure (bytes in, batch out) and vectorised; the writer (`merchant_ai.importers.writer`)
puts a batch into the store in one transaction. Frames use fixed column sets (below); a parser
leaves a column it cannot fill as NA. Money columns are int64 in store units (1/10,000, see
`merchant_ai.money`); use `money_to_store` on float columns parsed from text. Timestamps are
text: `created_at` ISO 8601 as the export meant it (offset kept where known), plus `order_date`
(the shop-local calendar day) and `created_utc`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from merchant_ai.money import SCALE

ORDER_COLUMNS = [
    "external_id",      # str, unique per channel (e.g. Shopify '#1350', Amazon '114-...')
    "created_at",       # str ISO 8601, offset kept when the export has one
    "created_utc",      # str 'YYYY-MM-DD HH:MM:SS' in UTC (local time when no offset is known)
    "order_date",       # str 'YYYY-MM-DD', shop-local day
    "currency",         # str ISO 4217 or NA
    "customer_ref",     # str: external customer id, username or e-mail (pseudonymised by the writer)
    "subtotal", "shipping", "tax", "discount", "total", "refunded",  # Int64 store units
    "status",           # paid | pending | refunded | partially_refunded | cancelled
]
LINE_COLUMNS = [
    "order_external_id", "line_key", "channel_sku", "title", "quantity",   # quantity float
    "unit_price", "discount", "line_total",                                 # Int64 store units
    "refunded_qty",
]
PRODUCT_COLUMNS = [
    "sku", "parent_sku", "title", "variant", "vendor", "category",
    "unit_cost", "list_price",          # Int64 store units, NA when unknown
    "currency", "status",
]
INVENTORY_COLUMNS = ["sku", "location", "quantity", "available", "incoming", "as_of"]
CUSTOMER_COLUMNS = [
    "customer_ref", "email", "first_name", "last_name", "phone", "address", "country", "accepts_marketing",
]
FEE_COLUMNS = ["order_external_id", "sku", "kind", "amount", "currency", "posted_at", "source_key"]
# Refunds of orders sold before this file (a settlement or payments report whose sale is in an
# earlier file): they only touch an order already in the store, matched by channel + external id.
ORDER_UPDATE_COLUMNS = [
    "external_id",      # str: the order the refund belongs to
    "refunded",         # Int64 store units: what this file says was refunded on the order in total
    "currency",         # str or NA
    "posted_utc",       # str 'YYYY-MM-DD HH:MM:SS': when the refund was posted
    "line",             # int: first file line of the refund (for messages)
    "column",           # str: the column holding the refunded amount (for messages)
]


@dataclass
class RowProblem:
    """One bad value: where it is and why, in words a shop owner can act on."""

    line: int               # 1-based physical line in the file (header is line 1 unless a preamble)
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column '{self.column}'" if self.column else "")
        shown = f" (value {self.value!r})" if self.value not in (None, "") else ""
        return f"{where}: {self.reason}{shown}"


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass
class ImportBatch:
    format: str                      # e.g. 'shopify-orders', 'etsy-order-items', 'generic'
    channel: str                     # channel name the rows belong to: 'shopify', 'etsy', ...
    platform: str                    # platform kind, usually equal to channel
    orders: pd.DataFrame = field(default_factory=lambda: _empty(ORDER_COLUMNS))
    lines: pd.DataFrame = field(default_factory=lambda: _empty(LINE_COLUMNS))
    products: pd.DataFrame = field(default_factory=lambda: _empty(PRODUCT_COLUMNS))
    inventory: pd.DataFrame = field(default_factory=lambda: _empty(INVENTORY_COLUMNS))
    customers: pd.DataFrame = field(default_factory=lambda: _empty(CUSTOMER_COLUMNS))
    fees: pd.DataFrame = field(default_factory=lambda: _empty(FEE_COLUMNS))
    order_updates: pd.DataFrame = field(default_factory=lambda: _empty(ORDER_UPDATE_COLUMNS))
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)   # [{"line": n, "reason": "..."}] rows left out on purpose
    # Order-level fields only: this file updates orders but carries no lines (Etsy orders file);
    # the writer then keeps existing lines instead of replacing them.
    orders_only: bool = False
    # The orders' dates are payout postings, not purchase times (Amazon settlements): they date a
    # new order but never overwrite the date of an order already stored.
    dates_are_postings: bool = False

    def conform(self) -> ImportBatch:
        """Add missing columns as NA and order them; parsers call this before returning."""
        for name, cols in (("orders", ORDER_COLUMNS), ("lines", LINE_COLUMNS), ("products", PRODUCT_COLUMNS),
                           ("inventory", INVENTORY_COLUMNS), ("customers", CUSTOMER_COLUMNS),
                           ("fees", FEE_COLUMNS), ("order_updates", ORDER_UPDATE_COLUMNS)):
            frame = getattr(self, name)
            for c in cols:
                if c not in frame.columns:
                    frame[c] = pd.NA
            setattr(self, name, frame[cols].reset_index(drop=True))
        return self


def money_to_store(values: pd.Series) -> pd.Series:
    """Float amounts (already parsed) to nullable Int64 store units, rounding half-even."""
    arr = pd.to_numeric(values, errors="coerce").astype(float)
    scaled = np.round(arr.to_numpy() * SCALE)
    out = pd.Series(scaled, index=values.index).astype("Int64")
    return out
