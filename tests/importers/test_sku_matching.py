"""Cross-channel SKU suggestions and confirming them."""

from __future__ import annotations

from merchant_ai.importers import pipeline
from merchant_ai.importers.sku_matching import (
    confirm_match,
    normalise_sku,
    suggest_from,
    suggest_matches,
    title_similarity,
)


def test_normalise_and_title_similarity() -> None:
    assert normalise_sku("MUG-BLU-01") == normalise_sku("mug_blu_1") == normalise_sku("Mug Blu 001") == "mugblu1"
    assert normalise_sku("MUG-10") != normalise_sku("MUG-1")
    assert title_similarity("Blue ceramic mug 300ml", "Mug, ceramic, blue 300ml") > 0.9
    assert title_similarity("Blue ceramic mug", "Red wool scarf") < 0.5
    assert title_similarity("", "x") == 0.0


def test_suggestions_cross_channels_only() -> None:
    items = [("shopify", "MUG-BLU-01", "MUG-BLU-01", "Blue ceramic mug"),
             ("etsy", "mug_blu_1", "mug_blu_1", "Handmade blue mug"),
             ("etsy", "SCARF-R", "SCARF-R", "Red wool scarf, hand knitted"),
             ("amazon", "B0X-778", "B0X-778", "Hand knitted red wool scarf"),
             ("shopify", "MUG-BLU-01-X", "MUG-BLU-01-X", "Blue ceramic mug")]   # same channel: never
    got = {(s.sku_a, s.sku_b): s for s in suggest_from(items)}
    assert got[("MUG-BLU-01", "mug_blu_1")].score == 1.0
    assert ("SCARF-R", "B0X-778") in got and got[("SCARF-R", "B0X-778")].score >= 0.85
    assert ("MUG-BLU-01", "MUG-BLU-01-X") not in got


def test_confirm_repoints_lines(store) -> None:
    a = b"Order,Date,SKU,Title,Qty,Price\nA1,2021-03-01,MUG-BLU-01,Blue mug,1,5\n"
    pipeline.import_bytes(store, "a.csv", a, backup=False)
    conn = store.connection()
    conn.execute("INSERT INTO channels(name, platform) VALUES ('etsy', 'etsy')")
    cid = conn.execute("SELECT id FROM channels WHERE name = 'etsy'").fetchone()[0]
    conn.execute("INSERT INTO sku_aliases(channel_id, channel_sku, sku) VALUES (?, 'mug_blu_1', 'mug_blu_1')", (cid,))
    assert [(s.sku_a, s.sku_b) for s in suggest_matches(store)] == [("MUG-BLU-01", "mug_blu_1")]
    confirm_match(store, "generic", "MUG-BLU-01", "MUG-BLU-01")
    confirm_match(store, "etsy", "mug_blu_1", "MUG-BLU-01")
    assert conn.execute("SELECT sku, confirmed FROM sku_aliases WHERE channel_sku = 'mug_blu_1'").fetchone() == \
        ("MUG-BLU-01", 1)
    assert suggest_matches(store) == []


def test_a_confirmed_match_keeps_the_title_each_line_was_sold_under(store) -> None:
    """Lines store no title where it is their product's (writer._line_titles). Re-pointed at
    another master SKU, they keep the title they were sold under, not the master's."""
    from merchant_ai.store import queries

    pipeline.import_bytes(store, "a.csv", b"Order,Date,SKU,Title,Qty,Price\nA1,2021-03-01,MUG-1,Blue mug,1,5\n",
                          backup=False)
    pipeline.import_bytes(store, "b.csv", b"Order,Date,SKU,Title,Qty,Price\nB1,2021-03-02,mug_1,Mug - blue,1,5\n",
                          backup=False)
    conn = store.connection()
    assert conn.execute("SELECT count(*) FROM order_lines WHERE title IS NULL").fetchone()[0] == 2
    assert confirm_match(store, "generic", "mug_1", "MUG-1") == 1
    sales = queries.sales_lines(store)
    assert sales[["sku", "title"]].values.tolist() == [["MUG-1", "Blue mug"], ["MUG-1", "Mug - blue"]]


def test_colours_of_one_product_are_not_proposed_as_the_same_product(store) -> None:
    """Demo shop: every colour of "Chunky Wool Yarn" on Shopify was proposed as the same product as
    another colour on Etsy, identical titles once the variant was left out."""
    conn = store.connection()
    conn.execute("INSERT INTO channels(name, platform) VALUES ('shopify', 'shopify'), ('etsy', 'etsy')")
    for sku, variant in (("YARN-RUST", "Rust"), ("YARN-SLATE", "Slate"), ("YARN-MOSS", "Moss")):
        conn.execute("INSERT INTO products(sku, parent_sku, title, variant) VALUES (?, 'yarn', 'Chunky Wool Yarn', ?)",
                     (sku, variant))
    conn.execute("INSERT INTO products(sku, title) VALUES ('ETSY-YARN-R', 'Chunky Wool Yarn Rust')")
    aliases = [("shopify", "YARN-RUST"), ("shopify", "YARN-SLATE"), ("etsy", "YARN-MOSS"), ("etsy", "ETSY-YARN-R")]
    for channel, sku in aliases:
        cid = conn.execute("SELECT id FROM channels WHERE name = ?", (channel,)).fetchone()[0]
        conn.execute("INSERT INTO sku_aliases(channel_id, channel_sku, sku) VALUES (?, ?, ?)", (cid, sku, sku))
    pairs = {frozenset((s.sku_a, s.sku_b)) for s in suggest_matches(store)}
    assert pairs == {frozenset(("YARN-RUST", "ETSY-YARN-R"))}     # same colour, other listing: proposed
