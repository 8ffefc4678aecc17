"""Owners type costs in: they reach the store, and clearing one makes it unknown again."""

from __future__ import annotations

import pytest


def test_set_unit_cost_updates_inserts_and_clears(store):
    from merchant_ai.pricing.costs import set_unit_cost
    from merchant_ai.store import queries

    version = store.data_version()
    assert set_unit_cost(store, "NEW-1", "4.125") == 41_250
    products = queries.products(store).set_index("sku")
    assert products.loc["NEW-1", "unit_cost"] == 4.125
    set_unit_cost(store, "NEW-1", None)
    assert queries.products(store)["unit_cost"].isna().all()
    assert store.data_version() == version + 2
    with pytest.raises(ValueError):
        set_unit_cost(store, "NEW-1", "-1")
    with pytest.raises(ValueError):
        set_unit_cost(store, "NEW-1", "abc")
