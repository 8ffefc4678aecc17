"""Etsy parsers on hand-written fixtures in the shapes of FORMATS.md section 3.

Expected figures are worked out by hand from the fixture rows (see the comments); money is
compared in store units (1/10,000) so sums are exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merchant_ai.importers import etsy, registry
from merchant_ai.importers.reading import read_table
from merchant_ai.importers.table import Table
from merchant_ai.money import SCALE, to_store

FIXTURES = Path(__file__).parent / "fixtures" / "etsy"
ORDERS = "EtsySoldOrders2022.csv"
ITEMS = "EtsySoldOrderItems2022.csv"
LISTINGS = "EtsyListingsDownload.csv"
RESAVED = "EtsySoldOrders2024_EXCEL-RESAVED.csv"


def table(name: str) -> Table:
    return read_table((FIXTURES / name).read_bytes(), name)


def money(x: str) -> int:
    return to_store(x)


def per_currency(orders: pd.DataFrame) -> dict[str, tuple[int, int]]:
    out = {}
    for cur, grp in orders.groupby("currency"):
        out[cur] = (int(grp["total"].sum()), int(grp["refunded"].fillna(0).sum()))
    return out


@pytest.mark.parametrize("name,expected", [
    (ORDERS, "etsy-orders"), (ITEMS, "etsy-order-items"), (LISTINGS, "etsy-listings"), (RESAVED, "etsy-orders"),
])
def test_detected_from_header_among_all_formats(name, expected):
    t = table(name)
    spec = registry.best_format(t)
    assert spec is not None and spec.name == expected
    others = [score for score, s in registry.detect(t) if s.name != expected]
    assert max(others) < registry.MIN_CONFIDENCE


def test_orders_file_totals_fees_and_refunds():
    batch = etsy.parse_orders(table(ORDERS))
    assert batch.problems == [] and batch.orders_only
    assert len(batch.orders) == 6 and batch.lines.empty
    # Order Total: 27.72 + 18.50 + 47.50 + 32.10 + 18.00 + 24.85 = 168.67
    # refunded: #1003 47.50-35.50 = 12.00; #1004 full 32.10; #1005 17.21-12.36+0.15 = 5.00
    assert per_currency(batch.orders) == {"USD": (money("168.67"), money("49.10"))}
    status = batch.orders.set_index("external_id")["status"].to_dict()
    assert status == {"2890001001": "paid", "2890001002": "paid", "2890001003": "partially_refunded",
                      "2890001004": "refunded", "2890001005": "partially_refunded", "2890001006": "paid"}
    # Card fees charged 1.08+0.81+1.68+1.21+0.79+1.00 = 6.57; given back 0.36+0.96+0.15 = 1.47
    fees = batch.fees
    assert set(fees["kind"]) == {etsy.CARD_FEES}
    assert int(fees.loc[fees["amount"] < 0, "amount"].sum()) == -money("6.57")
    assert int(fees.loc[fees["amount"] > 0, "amount"].sum()) == money("1.47")
    assert fees["source_key"].is_unique and len(fees) == 9


def test_orders_file_quirks():
    batch = etsy.parse_orders(table(ORDERS))
    orders = batch.orders.set_index("external_id")
    first = orders.loc["2890001001"]
    # subtotal: Order Value 24.00 less the 2.40 coupon (= the sum of the lines); `0` and `0.00` read as zero
    assert (first["subtotal"], first["discount"], first["shipping"], first["tax"]) == (
        money("21.60"), money("2.40"), money("4.50"), money("1.62"))
    assert first["created_at"] == "2022-12-26" and first["order_date"] == "2022-12-26"
    assert orders.loc["2890001003", "discount"] == money("1.00")      # shipping discount counts
    # guest checkout: no Buyer, no Buyer User ID -> no customer
    assert pd.isna(orders.loc["2890001002", "customer_ref"])
    assert orders.loc["2890001004", "customer_ref"] == "josmith88"     # `Full Name (username)`
    customers = batch.customers.set_index("customer_ref")
    assert len(customers) == 5 and "mariamunoz" in customers.index
    assert customers.loc["mariamunoz", "last_name"] == "Muñoz"
    assert json.loads(customers.loc["mariamunoz", "address"])["zip"] == "02339"   # leading zero kept


def test_items_file_lines_and_orders():
    batch = etsy.parse_items(table(ITEMS))
    assert batch.problems == [] and batch.warnings == []
    assert not batch.orders_only
    assert len(batch.orders) == 6 and len(batch.lines) == 8
    assert batch.lines["quantity"].sum() == 10
    lines = batch.lines
    gross = int((lines["line_total"] + lines["discount"]).sum())
    assert gross == money("149.25")                         # sum of Quantity x Price
    assert int(lines["discount"].sum()) == money("2.40")    # the one coupon, not counted per row
    assert int(lines["line_total"].sum()) == money("146.85")
    # Order totals rebuilt from items match the orders file's Order Total column: 168.67
    assert per_currency(batch.orders) == {"USD": (money("168.67"), 0)}
    assert batch.orders["refunded"].isna().all() and batch.orders["status"].isna().all()
    orders = batch.orders.set_index("external_id")
    # #1003: shipping 6.00 and shipping discount 1.00 on the first row, `0` on the second
    assert (orders.loc["2890001003", "shipping"], orders.loc["2890001003", "discount"]) == (
        money("6.00"), money("1.00"))
    assert int(orders["shipping"].sum()) == money("18.00") and int(orders["tax"].sum()) == money("4.82")


def test_items_file_quirks():
    batch = etsy.parse_items(table(ITEMS))
    lines = batch.lines.set_index("line_key")
    assert lines.loc["3100000001", "unit_price"] == money("12.00")
    assert lines.loc["3100000002", "line_total"] == money("18.5")       # `18.5`: no trailing zero
    assert lines.loc["3100000006", "channel_sku"] == "1234567999|Scent:Lavender,Size:Trio"   # no SKU
    assert lines.loc["3100000002", "title"] == "Soy Candle, Large"
    refs = batch.orders.set_index("external_id")["customer_ref"]
    assert refs["2890001001"] == "mariamunoz" and refs["2890001005"] == "priyap"
    assert pd.isna(refs["2890001002"])
    # Two date formats in one row: Sale Date 12/26/22 is what dates the order
    assert batch.orders.set_index("external_id").loc["2890001001", "order_date"] == "2022-12-26"


def test_listings_products_and_single_sku_stock():
    batch = etsy.parse_listings(table(LISTINGS), as_of="2023-01-05")
    assert batch.problems == []
    products = batch.products.set_index("sku")
    assert len(products) == 7       # 1 + 3 candle sizes + apron + t-shirt + soap
    assert set(products.loc[["SKU-CANDLE-S", "SKU-CANDLE-M", "SKU-CANDLE-L"], "list_price"]) == {money("14.00")}
    assert products.loc["SKU-MUG-BLU", "currency"] == "USD"
    inventory = batch.inventory.set_index("sku")
    assert sorted(inventory.index) == ["POD-TEE-01", "SKU-APRON", "SKU-MUG-BLU", "SKU-SOAP"]
    assert inventory.loc["POD-TEE-01", "quantity"] == 80919
    assert set(inventory["as_of"]) == {"2023-01-05"} and set(inventory["location"]) == {"etsy"}
    assert [s["line"] for s in batch.skipped] == [11]       # the listing without SKU (after CRLF descriptions)
    assert any("several SKUs" in w for w in batch.warnings)


def test_excel_resaved_orders():
    t = table(RESAVED)
    assert t.delimiter == "\t"
    batch = etsy.parse_orders(t)
    assert batch.problems == [] and len(batch.orders) == 5
    # 24.9 + 14.6 + 29.62 + 40 + 9.9 = 119.02; refund on #2004: 40 - 20
    assert per_currency(batch.orders) == {"CAD": (money("119.02"), money("20"))}
    orders = batch.orders.set_index("external_id")
    assert orders.loc["3100002001", "order_date"] == "2023-12-31"
    assert orders.loc["3100002002", "order_date"] == "2024-01-04"          # 1/4/2024, month first
    assert orders.loc["3100002001", "total"] == money("24.90")             # `24.9`
    customers = batch.customers.set_index("customer_ref")
    assert (customers.loc["xuanha", "first_name"], customers.loc["xuanha", "last_name"]) == ("Xuân", "Hà")
    assert json.loads(customers.loc["xuanha", "address"])["city"] == "Montréal"
    assert json.loads(customers.loc["danafox", "address"])["zip"] == "06084"    # US zip: zero restored
    assert json.loads(customers.loc["leepark", "address"])["zip"] == "2155"     # AU postcode left alone
    assert int(batch.fees["amount"].sum()) == -money("4.83") + money("0.60")
    assert any("re-saved" in w for w in batch.warnings)


def _series(*values):
    return pd.Series([to_store(v) for v in values], dtype="Int64")


@pytest.mark.parametrize("row,expected", [
    (("20.00", "0.85", "19.15", "0.00", "0.00", "0.00"), "0"),           # not adjusted
    (("20.00", "0.85", "19.15", "15.00", "0.70", "14.30"), "5.00"),      # all three move
    (("20.00", "0.85", "19.15", "0.00", "0.70", "14.30"), "5.00"),       # total stays 0.00
    (("20.00", "0.85", "19.15", "0.00", "0.25", "-0.25"), "20.00"),      # full refund, fixed fee kept
    (("20.00", "0.85", "19.15", "0.00", "0.00", "-5.00"), "20.00"),      # clipped to the order total
])
def test_refund_rule(row, expected):
    got = etsy.refunds(*(_series(v) for v in row))
    assert int(got.iloc[0]) == to_store(expected)


def test_allocate_is_exact():
    groups = pd.Series(["a", "a", "a", "b", "b", "c"])
    amount = pd.Series([10_000, 10_000, 10_000, 7, 7, 500])
    weights = pd.Series([1, 1, 1, 3, 1, 0])
    parts = etsy.allocate(amount, weights, groups)
    assert parts.groupby(groups).sum().to_dict() == {"a": 10_000, "b": 7, "c": 500}
    assert sorted(parts[:3]) == [3333, 3333, 3334]
    assert list(parts[3:5]) == [5, 2]


def test_split_names_mends_commas_in_full_names():
    full = pd.Series(["Alex Whitehouse, B. Eng, MBA, PMP", "Maria Muñoz", "Jo Ann Smith", "Prince"])
    first = pd.Series(["Alex", "Maria", "Jo Ann", "Prince"])
    last = pd.Series(["PMP", "Muñoz", "Smith", ""])
    _, got = etsy.split_names(full, first, last)
    assert list(got) == ["Whitehouse, B. Eng, MBA, PMP", "Muñoz", "Smith", ""]


def test_username():
    got = etsy.username(pd.Series(["Maria Muñoz (mariamunoz)", "priyap", "", "Jo (Jr) Smith (jo_s)"]))
    assert got[0] == "mariamunoz" and got[1] == "priyap" and pd.isna(got[2]) and got[3] == "jo_s"


def test_bad_rows_become_problems_not_exceptions():
    header = list(pd.read_csv(FIXTURES / ITEMS, nrows=0).columns)
    good = dict.fromkeys(header, "")
    good.update({"Sale Date": "01/02/23", "Quantity": "1", "Price": "5.00", "Item Total": "5", "Currency": "USD",
                 "Transaction ID": "1", "Order ID": "10", "Buyer": "ann"})
    rows = [good, {**good, "Transaction ID": "2", "Order ID": "11", "Price": "five"},
            {**good, "Transaction ID": "3", "Order ID": "11"}, {**good, "Transaction ID": "4", "Order ID": "12",
                                                              "Sale Date": "31/31/23"},
            {**good, "Transaction ID": "5", "Order ID": ""}]
    t = Table.from_rows(header, [[r[h] for h in header] for r in rows])
    batch = etsy.parse_items(t)
    where = {(p.line, p.column) for p in batch.problems}
    assert where == {(3, "Price"), (5, "Sale Date"), (6, "Order ID")}
    # order 11 is left out whole (one of its two rows is bad): half an order would misstate it
    assert list(batch.orders["external_id"]) == ["10"] and list(batch.lines["line_key"]) == ["1"]
    assert batch.orders.loc[0, "total"] == 5 * SCALE


# --- through the writer: the orders file and the items file of one period merge ---------------
@pytest.mark.parametrize("sequence", [(ORDERS, ITEMS), (ITEMS, ORDERS), (ITEMS, ORDERS, ITEMS, ORDERS)])
def test_orders_and_items_files_merge_without_double_counting(store, sequence):
    pipeline = pytest.importorskip("merchant_ai.importers.pipeline")
    from merchant_ai.store import queries

    for name in sequence:     # detection, parsing and writing, as `merchant-ai import` does it
        pipeline.import_bytes(store, name, (FIXTURES / name).read_bytes(), backup=False)
    orders = queries.orders(store)
    assert len(orders) == 6
    assert round(orders["total"].sum(), 4) == 168.67               # not 337.34
    assert round(orders["refunded"].sum(), 4) == 49.10              # refunds survive an items import
    assert orders.set_index("order_ref").loc["2890001004", "status"] == "refunded"
    lines = queries.sales_lines(store)
    assert len(lines) == 8 and lines["quantity"].sum() == 10        # lines survive an orders import
    assert round(lines["revenue"].sum(), 4) == 146.85
    fees = store.connection().execute("SELECT COUNT(*), SUM(amount) FROM fees").fetchone()
    assert fees == (9, -to_store("5.10"))
    customers = store.connection().execute("SELECT COUNT(*) FROM customers").fetchone()[0]
    assert customers == 5                                           # one per username, guest has none


def test_both_files_agree_on_every_order_amount():
    """The orders file's money and the order rebuilt from the items file are the same order."""
    cols = ["subtotal", "shipping", "tax", "discount", "total", "currency", "customer_ref", "order_date"]
    from_orders = etsy.parse_orders(table(ORDERS)).orders.set_index("external_id")[cols]
    from_items = etsy.parse_items(table(ITEMS)).orders.set_index("external_id")[cols]
    pd.testing.assert_frame_equal(from_orders.sort_index().astype(object), from_items.sort_index().astype(object))
    lines = etsy.parse_items(table(ITEMS)).lines.groupby("order_external_id")["line_total"].sum()
    assert (lines.sort_index() == from_items["subtotal"].sort_index()).all()


# --- fuzz: any cells in these headers give a batch (problems, never an exception) -------------
_CELLS = st.one_of(
    st.sampled_from(["", " ", "0", "0.00", "12.5", "-0.25", "1,234.50", "abc", "--", "12/26/22", "1/4/2024",
                     "31/31/31", "2890001001", "Maria (maria)", "(x)", "SKU-1,SKU-2", "SUMMER10;SUMMER10",
                     "MontrÃ©al", "HÃ\u00a0", "1e308", "Size:Small"]),
    st.text(max_size=12))
_HEADERS = {"etsy-orders": table(ORDERS).header, "etsy-order-items": table(ITEMS).header,
            "etsy-listings": table(LISTINGS).header}


@pytest.mark.parametrize("spec", etsy.FORMATS, ids=lambda s: s.name)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_fuzzed_rows_never_raise(spec, data):
    header = _HEADERS[spec.name]
    rows = data.draw(st.lists(st.lists(_CELLS, min_size=len(header), max_size=len(header)), max_size=5))
    batch = spec.parse(Table.from_rows(header, rows))
    assert all(2 <= p.line <= len(rows) + 1 for p in batch.problems)
    assert set(batch.lines["order_external_id"]) <= set(batch.orders["external_id"])
    assert batch.customers["customer_ref"].is_unique
