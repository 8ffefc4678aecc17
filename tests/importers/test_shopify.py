"""Shopify parsers on hand-written fixtures in the exact shapes of FORMATS.md section 1.

Expected figures were worked out by hand from the fixture rows (see the comments), not by
running the parser.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchant_ai.importers import shopify
from merchant_ai.importers.reading import read_table
from merchant_ai.importers.table import Table
from merchant_ai.money import SCALE

FIXTURES = Path(__file__).parent / "fixtures" / "shopify"
TODAY = dt.date(2026, 4, 7)


@functools.cache
def table(name: str) -> Table:
    return read_table((FIXTURES / name).read_bytes(), name)


@functools.cache
def orders_of(name: str):
    """Parsed once per run: several tests look at the same fixture (parsers never mutate a table)."""
    return shopify.parse_orders(table(name))


def revenue(batch) -> dict[str, tuple[float, float, float]]:
    """Per currency: gross (order totals), refunded, net."""
    out = {}
    for cur, grp in batch.orders.groupby("currency"):
        gross = int(grp["total"].sum()) / SCALE
        refunded = int(grp["refunded"].sum()) / SCALE
        out[cur] = (round(gross, 4), round(refunded, 4), round(gross - refunded, 4))
    return out


# name, header width, orders, lines, units, {currency: (gross, refunded, net)}
ORDER_FILES = [
    # #1001 760 (2 lines: 2 + 1), #1002 216 refunded 80, #1003 210 refunded 210 (cancelled),
    # #1004 200 (3 lines: 1 + 1 + 2, POS, no e-mail)
    ("orders_export_75cols_za.csv", 75, 4, 7, 11, {"ZAR": (1386.0, 290.0, 1096.0)}),
    # #2004 54.14, #2003 20, #2002 16 (voided), #2001 64.80 refunded 21.60; CRLF, descending
    ("orders_export_73cols_us.csv", 73, 4, 5, 9, {"USD": (154.94, 21.60, 133.34)}),
    # #1349 95.70, #1350 222 refunded 42 (the FORMATS.md example), #1351 47.50; no final newline
    ("orders_export_78cols_us.csv", 78, 3, 5, 6, {"USD": (365.20, 42.0, 323.20)}),
    # GBP: #5101 37.99, #5102 17, #5104 12.49 refunded; BDT: #5103 3420
    ("orders_export_79cols_gb.csv", 79, 4, 5, 8, {"GBP": (67.48, 12.49, 54.99), "BDT": (3420.0, 0.0, 3420.0)}),
]


@pytest.mark.parametrize("name,width,n_orders,n_lines,units,money", ORDER_FILES)
def test_orders_totals_for_every_header_version(name, width, n_orders, n_lines, units, money):
    t = table(name)
    assert len(t.header) == width
    assert shopify.detect_orders(t) == 1.0
    batch = shopify.parse_orders(t)
    assert batch.problems == []
    assert len(batch.orders) == n_orders
    assert batch.orders["external_id"].is_unique
    assert len(batch.lines) == n_lines
    assert batch.lines["quantity"].sum() == units
    assert revenue(batch) == money
    # Lines add up to each order's subtotal (Lineitem price is a unit price before discounts).
    line_sum = batch.lines.groupby("order_external_id")["line_total"].sum()
    subtotal = batch.orders.set_index("external_id")["subtotal"]
    assert (line_sum.reindex(subtotal.index) == subtotal).all()


def test_order_fields_come_from_the_first_row_and_total_is_not_summed():
    batch = orders_of("orders_export_75cols_za.csv")
    order = batch.orders.set_index("external_id").loc["#1001"]
    assert order["total"] == 760 * SCALE          # not 1520: the second row's Total is empty
    assert order["currency"] == "ZAR"
    assert order["customer_ref"] == "thandi.mokoena@example.com"
    lines = batch.lines[batch.lines["order_external_id"] == "#1001"]
    assert list(lines["line_key"]) == ["1", "2"]
    assert list(lines["channel_sku"]) == ["RING-S-7", "CHAIN-G"]


def test_statuses_refunds_and_cancellations():
    za = orders_of("orders_export_75cols_za.csv").orders.set_index("external_id")
    assert za.loc["#1002", "status"] == "partially_refunded"
    assert za.loc["#1002", "refunded"] == 80 * SCALE
    assert za.loc["#1002", "discount"] == 24 * SCALE
    assert za.loc["#1003", "status"] == "cancelled"          # `Cancelled at` wins over `refunded`
    assert za.loc["#1003", "refunded"] == 210 * SCALE
    assert za.loc["#1004", "status"] == "pending"
    assert za["customer_ref"].isna().sum() == 1               # the POS order has no e-mail
    us = orders_of("orders_export_73cols_us.csv").orders.set_index("external_id")
    assert us.loc["#2002", "status"] == "cancelled"           # voided authorisation
    assert us.loc["#2002", "customer_ref"] == "maria.g@example.com"   # e-mail case folded


def test_line_discount_reduces_the_line_total():
    batch = orders_of("orders_export_75cols_za.csv")
    line = batch.lines[batch.lines["order_external_id"] == "#1002"].iloc[0]
    assert (line["quantity"], line["unit_price"], line["discount"]) == (3, 80 * SCALE, 24 * SCALE)
    assert line["line_total"] == 216 * SCALE


def test_dst_offset_kept_per_row_and_utc_computed():
    orders = orders_of("orders_export_73cols_us.csv").orders.set_index("external_id")
    assert orders.loc["#2004", "created_at"] == "2021-11-08T10:15:00-05:00"
    assert orders.loc["#2003", "created_at"] == "2021-11-06T23:59:59-04:00"
    # Local day stays the shop's day even when UTC has moved on.
    assert orders.loc["#2003", "order_date"] == "2021-11-06"
    assert orders.loc["#2003", "created_utc"] == "2021-11-07 03:59:59"
    gb = orders_of("orders_export_79cols_gb.csv").orders.set_index("external_id")
    assert gb.loc["#5103", "created_utc"] == "2026-04-05 15:06:21"   # same wall time, +0600


def test_multiline_notes_do_not_split_rows_and_zip_apostrophes_go():
    t = table("orders_export_78cols_us.csv")
    assert "\n" in t.rows.loc[t.rows["Name"] == "#1350", "Notes"].iloc[0]
    batch = shopify.parse_orders(t)
    customers = batch.customers.set_index("customer_ref")
    assert json.loads(customers.loc["kate.b@example.com", "address"])["zip"] == "02108"
    assert len(customers) == 2                                 # kate ordered twice: one customer
    gb = orders_of("orders_export_79cols_gb.csv").customers.set_index("customer_ref")
    assert gb.loc["olivia.w@example.co.uk", "phone"] == "+44 7700 900123"
    assert "zip" not in json.loads(gb.loc["rahim.k@example.com", "address"])  # `-` zip is no zip
    za = orders_of("orders_export_75cols_za.csv").customers.set_index("customer_ref")
    assert za.loc["thandi.mokoena@example.com", "last_name"] == "Mokoena"     # trailing space gone
    assert bool(za.loc["thandi.mokoena@example.com", "accepts_marketing"]) is True


def test_bad_values_become_problems_and_spoil_only_their_order():
    header = ["Name", "Email", "Financial Status", "Currency", "Total", "Created at", "Lineitem quantity",
              "Lineitem name", "Lineitem price"]
    t = Table.from_rows(header, [
        ["#1", "a@example.com", "paid", "USD", "10.00", "2021-01-01 10:00:00 +0000", "1", "A", "10.00"],
        ["#2", "b@example.com", "paid", "USD", "twelve", "2021-01-02 10:00:00 +0000", "1", "B", "12.00"],
        ["#2", "b@example.com", "", "", "", "2021-01-02 10:00:00 +0000", "1", "C", "0.00"],
        ["#3", "c@example.com", "paid", "USD", "5.00", "yesterday", "1", "D", "5.00"],
        ["", "d@example.com", "paid", "USD", "5.00", "2021-01-03 10:00:00 +0000", "1", "E", "5.00"],
    ])
    batch = shopify.parse_orders(t)
    assert list(batch.orders["external_id"]) == ["#1"]
    assert list(batch.lines["order_external_id"]) == ["#1"]
    found = {(p.line, p.column, p.value) for p in batch.problems}
    assert found == {(3, "Total", "twelve"), (5, "Created at", "yesterday"), (6, "Name", "")}


def test_phone_only_buyers_get_a_customer_key():
    header = ["Name", "Email", "Financial Status", "Currency", "Total", "Created at", "Lineitem quantity",
              "Lineitem name", "Lineitem price", "Phone", "Billing Name"]
    t = Table.from_rows(header, [
        ["#7", "", "paid", "USD", "5.00", "2021-01-01 10:00:00 +0000", "1", "A", "5.00", "'+1 (555) 010-2030", "Al"],
        ["#8", "", "paid", "USD", "5.00", "2021-01-02 10:00:00 +0000", "1", "A", "5.00", "+1 555 010 2030", "Al"],
        ["#9", "", "paid", "USD", "5.00", "2021-01-03 10:00:00 +0000", "1", "A", "5.00", "12", ""],
    ])
    batch = shopify.parse_orders(t)
    refs = batch.orders.set_index("external_id")["customer_ref"]
    assert refs["#7"] == refs["#8"] == "tel:+15550102030"   # one buyer across spellings
    assert pd.isna(refs["#9"])                               # too short to be a phone number
    assert list(batch.customers["customer_ref"]) == ["tel:+15550102030"]
    assert batch.customers["phone"].iat[0] == "+1 (555) 010-2030"


def test_products_variants_images_and_stock():
    batch = shopify.parse_products(table("products_export_2025.csv"), as_of=TODAY)
    assert batch.problems == []
    products = batch.products.set_index("sku")
    # 5 variants: ring 6 and 7, the gift box (no SKU, Default Title), bracelet Red/M and Blue/L
    assert list(products.index) == ["RING-S-6", "RING-S-7", "gift-card-box", "BR-RED-M", "beaded-bracelet/Blue/L"]
    assert set(products["parent_sku"]) == {"silver-ring", "gift-card-box", "beaded-bracelet"}
    ring = products.loc["RING-S-7"]
    assert (ring["title"], ring["variant"], ring["vendor"], ring["category"]) == (
        "Silver Ring", "7", "Aurum Studio", "Rings")
    assert (ring["unit_cost"], ring["list_price"]) == (64 * SCALE, 150 * SCALE)
    assert products.loc["gift-card-box", "category"].startswith("Arts & Entertainment")   # no Type
    assert products["unit_cost"].isna().sum() == 1                # gift box cost unknown, not 0
    assert products.loc["beaded-bracelet/Blue/L", "variant"] == "Blue / L"
    assert products.loc["BR-RED-M", "status"] == "draft"
    # 3 image-only rows skipped on purpose
    assert [s["line"] for s in batch.skipped] == [8, 12, 13]
    stock = batch.inventory.set_index("sku")
    assert stock.loc["RING-S-7", "quantity"] == -2                # oversold, kept negative
    assert "gift-card-box" not in stock.index                      # inventory not tracked
    assert set(stock["as_of"]) == {"2026-04-07"} and set(stock["location"]) == {""}
    assert stock["quantity"].sum() == 4 - 2 + 12 + 0


def test_products_spreadsheet_resave_signature():
    t = table("products_export_resaved.csv")
    assert shopify.detect_products(t) == 1.0
    batch = shopify.parse_products(t, as_of=TODAY)
    products = batch.products.set_index("sku")
    assert list(products.index) == ["25970", "25971", "25980", "30011", "30012"]   # `'25970` escape removed
    assert products.loc["25970", "list_price"] == 495 * SCALE        # `495`, not `495.00`
    assert products.loc["25971", "list_price"] == int(545.5 * SCALE)
    assert products.loc["25980", "status"] == "archived"
    assert batch.inventory.set_index("sku").loc["25971", "quantity"] == -1
    assert products.loc["30012", "list_price"] == 89.5 * SCALE and products.loc["30012", "category"] == "Bangles"
    assert [s["line"] for s in batch.skipped] == [7]                    # the bangle's second image
    assert batch.inventory["quantity"].sum() == 3 - 1 + 7 + 0 + 2


@pytest.mark.parametrize("name,expected", [
    # old layout: 25970 at two locations, 25971 at Shop only (not stocked at Warehouse), pearl studs
    ("inventory_export_17cols.csv", {("25970", "Shop"): (3, 2, 0), ("25970", "Warehouse"): (10, 10, 5),
                                     ("25971", "Shop"): (-1, -1, 0), ("pearl-studs", "Shop"): (7, 7, 0)}),
    # new layout: RING-S-7 not stocked at the pop-up; Blue/L has no SKU -> handle + options
    ("inventory_export_19cols.csv", {("RING-S-6", "Studio"): (4, 3, 2), ("RING-S-7", "Studio"): (-5, -5, 0),
                                     ("BR-RED-M", "Studio"): (12, 9, 0),
                                     ("beaded-bracelet/Blue/L", "Studio"): (0, 0, 6),
                                     ("beaded-bracelet/Blue/L", "Pop-up Market"): (1, 1, 0)}),
])
def test_inventory_layouts(name, expected):
    t = table(name)
    assert shopify.detect_inventory(t) == 1.0 and shopify.detect_products(t) < 0.5
    batch = shopify.parse_inventory(t, as_of=TODAY)
    assert batch.problems == []
    got = {(r.sku, r.location): (r.quantity, r.available, r.incoming) for r in batch.inventory.itertuples()}
    assert got == expected
    assert [s["reason"] for s in batch.skipped] == ["not stocked at this location"]


def test_customers_export():
    t = table("customers_export.csv")
    assert shopify.detect_customers(t) == 1.0 and shopify.detect_orders(t) < 0.5
    batch = shopify.parse_customers(t)
    customers = batch.customers.set_index("customer_ref")
    # 6 rows: 5 with an e-mail (Liam twice under two e-mails stays two customers), 1 phone-only
    assert len(customers) == 5
    assert batch.skipped == [{"line": 8, "reason": "customer without an e-mail address"}]
    assert bool(customers.loc["newsletter.fan@example.com", "accepts_marketing"]) is True
    assert pd.isna(customers.loc["newsletter.fan@example.com", "first_name"])
    liam = customers.loc["liam.nguyen@example.com.au"]
    assert (liam["phone"], liam["country"], bool(liam["accepts_marketing"])) == ("+61 488 589 292", "AU", False)
    assert json.loads(liam["address"])["zip"] == "2615"


def test_empty_files_give_empty_batches():
    for parse, header in ((shopify.parse_orders, ["Name", "Total"]), (shopify.parse_products, ["Handle"]),
                          (shopify.parse_inventory, ["Handle", "SKU"]), (shopify.parse_customers, ["Email"])):
        batch = parse(Table.from_rows(header, []))
        assert batch.orders.empty and batch.products.empty and batch.problems == []


def test_importing_twice_into_a_store_does_not_double_count(store):
    from merchant_ai.importers.pipeline import import_bytes
    from merchant_ai.store import queries

    name = "orders_export_78cols_us.csv"
    data = (FIXTURES / name).read_bytes()
    first = import_bytes(store, name, data, backup=False)
    second = import_bytes(store, name, data, backup=False)
    assert first.format == second.format == "shopify-orders"
    # Line totals 2 x 29 - 4.90 + 40 - 4.90 + 180 + 42 + 40 = 350.20; #1350 refunded 42.
    assert first.revenue == [{"currency": "USD", "gross": 350.2, "refunded": 42.0}]
    assert (first.orders, first.order_lines, first.units) == (3, 5, 6)
    assert second.counts["orders_new"] == 0 and second.counts["orders_updated"] == 0
    assert second.counts["orders_unchanged"] == 3
    sales = queries.sales_lines(store)
    assert len(sales) == 5 and sales["order_ref"].nunique() == 3 and sales["quantity"].sum() == 6
    assert round(sales["revenue"].sum(), 2) == 350.20
    assert round(sales["net_revenue"].sum(), 2) == 308.20      # the refund spread over #1350's lines
    orders = queries.orders(store)
    assert round(orders["total"].sum(), 2) == 365.20 and round(orders["refunded"].sum(), 2) == 42.0


def test_every_fixture_imports_through_the_pipeline_and_again_changes_nothing(store):
    from merchant_ai.importers.pipeline import import_bytes

    def counts() -> tuple:
        conn = store.connection()
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("orders", "order_lines", "products", "inventory_levels", "customers"))

    files = sorted(FIXTURES.glob("*.csv"))
    formats = [import_bytes(store, f.name, f.read_bytes(), backup=False).format for f in files]
    assert formats == ["shopify-customers", "shopify-inventory", "shopify-inventory"] + ["shopify-orders"] * 4 \
        + ["shopify-products"] * 2
    after_first = counts()
    for f, name in zip(files, formats, strict=True):   # detection was checked above
        import_bytes(store, f.name, f.read_bytes(), format=name, backup=False)
    assert counts() == after_first
    # 15 orders, 22 lines in the four order files
    assert after_first[:2] == (15, 22)


CELLS = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["", "#1001", "#1002", "paid", "refunded", "voided", "USD", "ZAR", "12.50", "-3", "1e400",
                     "2021-05-13 11:01:13 +0200", "2021-02-30 10:00:00 +0000", "not stocked", "'4001",
                     "Default Title", "TRUE", "shopify", "Size", "x\ny"]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_garbage_never_raises_and_stays_consistent(data):
    """Any cell content: no exception, lines belong to orders, problems point at real lines."""
    name, spec = data.draw(st.sampled_from(list(zip(
        ("orders_export_79cols_gb.csv", "products_export_2025.csv", "inventory_export_19cols.csv",
         "customers_export.csv"), shopify.FORMATS, strict=True))))
    header = table(name).header
    rows = data.draw(st.lists(st.lists(CELLS, max_size=len(header) + 2), max_size=6))
    batch = spec.parse(Table.from_rows(header, rows))
    assert batch.orders["external_id"].is_unique
    assert set(batch.lines["order_external_id"]) <= set(batch.orders["external_id"])
    assert batch.orders[["created_at", "created_utc", "order_date"]].notna().all().all()
    assert all(2 <= p.line < 2 + len(rows) for p in batch.problems)
    assert batch.products["sku"].notna().all() and batch.products["sku"].is_unique
