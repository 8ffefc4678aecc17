"""Writing a product's unit cost, the one thing the pricing tab changes in the store.

Costs rarely come in the exports, so owners type them in; without them profit cannot be computed
(see `profit.py`: unknown costs are flagged, never zero). A cost for a SKU that has no product row
yet (sold on a channel whose export has no catalogue) creates the row. `None` clears the cost back
to unknown. Every change bumps the data version so cached analytics recompute.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from merchant_ai.money import to_store
from merchant_ai.store import Store


def set_unit_cost(store: Store, sku: str, cost: Decimal | float | str | None) -> int | None:
    """Store `cost` (in the shop's currency) for `sku`; returns the stored integer value."""
    if not sku:
        raise ValueError("A SKU is needed to set a cost.")
    value = None
    if cost is not None and str(cost).strip() != "":
        try:
            amount = Decimal(str(cost).strip())
        except InvalidOperation:
            raise ValueError(f"Not a cost: {cost!r}") from None
        if not amount.is_finite() or amount < 0:
            raise ValueError("A unit cost must be a number of zero or more.")
        value = to_store(amount)
    with store.transaction() as conn:
        cur = conn.execute("UPDATE products SET unit_cost = ? WHERE sku = ?", (value, sku))
        if cur.rowcount == 0:
            conn.execute("INSERT INTO products(sku, unit_cost) VALUES (?, ?)", (sku, value))
        store.bump_data_version()
    return value
