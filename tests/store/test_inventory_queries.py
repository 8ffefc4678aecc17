"""Stock on hand when a products export (location-less totals) and an inventory export (per
location) both report the same units: the newest snapshot per SKU wins, never their sum."""

from __future__ import annotations

from pathlib import Path

from merchant_ai.importers import pipeline
from merchant_ai.store import Store, queries

SHOPIFY = Path(__file__).parents[1] / "importers" / "fixtures" / "shopify"


def _counts(store: Store, rows: list[tuple[str, str, float, str]]) -> None:
    with store.transaction() as conn:
        conn.executemany("INSERT INTO inventory_levels(sku, location, quantity, as_of) VALUES (?, ?, ?, ?)", rows)


def _on_hand(store: Store, as_of: str | None = None) -> dict[str, float]:
    df = queries.inventory_on_hand(store, as_of)
    return dict(zip(df["sku"], df["on_hand"], strict=True))


def test_products_and_inventory_exports_of_one_day_are_not_summed(store: Store) -> None:
    pipeline.import_bytes(store, "products_export.csv", (SHOPIFY / "products_export_2025.csv").read_bytes(),
                          backup=False)
    pipeline.import_bytes(store, "inventory_export.csv", (SHOPIFY / "inventory_export_19cols.csv").read_bytes(),
                          backup=False)
    # the inventory export's per-location counts (Studio + Pop-up Market), not plus the products' totals
    assert _on_hand(store) == {"RING-S-6": 4.0, "RING-S-7": -5.0, "BR-RED-M": 12.0, "beaded-bracelet/Blue/L": 1.0}


def test_the_newest_snapshot_per_sku_wins(store: Store) -> None:
    _counts(store, [
        ("MUG", "", 10, "2026-03-01"), ("MUG", "Studio", 6, "2026-03-01"), ("MUG", "Pop-up", 4, "2026-03-01"),
        ("MUG", "", 7, "2026-03-05"),                                        # newer products export
        ("CAP", "Studio", 2, "2026-03-01"), ("CAP", "", 9, "2026-02-20"),    # total older than the locations
        ("HAT", "", 5, "2026-03-02"),                                        # only ever a total
    ])
    assert _on_hand(store, "2026-03-04") == {"MUG": 10.0, "CAP": 2.0, "HAT": 5.0}
    assert _on_hand(store, "2026-03-06") == {"MUG": 7.0, "CAP": 2.0, "HAT": 5.0}
    _counts(store, [("MUG", "Studio", 3, "2026-03-08"), ("MUG", "Pop-up", 1, "2026-03-08")])
    assert _on_hand(store)["MUG"] == 4.0
    history = queries.inventory_history(store).set_index(["sku", "day"])["on_hand"]
    assert history[("MUG", "2026-03-01")] == 10.0          # that day's locations, not plus the total
    assert history[("MUG", "2026-03-05")] == 7.0
