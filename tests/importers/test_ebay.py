"""eBay parsers on hand-written fixtures in the shapes of FORMATS.md section 5.

Expected figures are worked out by hand from the fixture rows (see comments).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchant_ai.importers import ebay
from merchant_ai.importers.reading import read_table
from merchant_ai.importers.table import Table
from merchant_ai.money import SCALE

FIXTURES = Path(__file__).parent / "fixtures" / "ebay"
US_ORDERS = "eBay-OrdersReport-Oct-06-2022-10_15_00-0700-1234567890.csv"
UK_ORDERS = "eBay-OrdersReport-UK-Jun-27-2026.csv"
TRANSACTIONS = "Transaction_report_Nov-05-2022_Dec-05-2022.csv"
CLEANED = "Transaction-Report-Feb-03-2023-cleaned.csv"


@functools.cache
def table(name: str) -> Table:
    return read_table((FIXTURES / name).read_bytes(), name)


def revenue(batch) -> dict[str, tuple[float, float, float]]:
    out = {}
    for cur, grp in batch.orders.groupby("currency"):
        gross, refunded = int(grp["total"].sum()) / SCALE, int(grp["refunded"].fillna(0).sum()) / SCALE
        out[cur] = (round(gross, 4), round(refunded, 4), round(gross - refunded, 4))
    return out


@pytest.mark.parametrize("name,n_orders,n_lines,units,money", [
    # 17.56 + 25.38 (3-row order: total row + 2 items) + 9.99 (unpaid) + 1,314.50
    (US_ORDERS, 4, 5, 6, {"USD": (1367.43, 0.0, 1367.43)}),
    # £21.20 + £31.00 (total row + 2 items) + £9.00
    (UK_ORDERS, 3, 4, 8, {"GBP": (61.2, 0.0, 61.2)}),
])
def test_orders_report_totals(name, n_orders, n_lines, units, money):
    t = table(name)
    assert ebay.detect_orders(t) == 1.0 and ebay.detect_transactions(t) == 0.0
    batch = ebay.parse_orders(t)
    assert batch.problems == []
    assert len(batch.orders) == n_orders and len(batch.lines) == n_lines
    assert batch.lines["quantity"].sum() == units
    assert revenue(batch) == money
    # The multi-item order's total row is consumed into the order, on purpose and said so.
    assert len(batch.skipped) == 1 and "order-total row" in batch.skipped[0]["reason"]


def test_orders_report_multi_item_order_and_quirks():
    batch = ebay.parse_orders(table(US_ORDERS))
    orders = batch.orders.set_index("external_id")
    multi = orders.loc["14-15124-99674"]
    # Amounts from the order-total row: $3.50 postage, $1.88 tax, $25.38 total; items 2 x 6.50 + 7
    assert (multi["shipping"], multi["tax"], multi["total"]) == (3.5 * SCALE, 1.88 * SCALE, 25.38 * SCALE)
    assert multi["subtotal"] == 20 * SCALE
    assert multi["created_at"] == "2022-10-02" and multi["customer_ref"] == "pinhunter"
    assert orders.loc["14-15200-00001", "status"] == "pending"          # no Paid On Date
    assert orders["refunded"].isna().all()     # unknown here: must not erase a stored refund
    assert orders.loc["14-08712-11111", "order_date"] == "2022-09-30"   # `Sep-30-22`
    lines = batch.lines.set_index("line_key")
    assert lines.loc["2650022221", "unit_price"] == 6.5 * SCALE and lines.loc["2650022221", "quantity"] == 2
    desk = lines.loc["2650044444"]
    assert desk["channel_sku"] == "125500000888"                         # no custom label: item number
    assert desk["unit_price"] == 1234.5 * SCALE                          # `$1,234.50`
    assert desk["title"] == 'Oak Writing Desk, "Shaker" style'


def test_uk_orders_report_localised_headers_and_pounds():
    t = table(UK_ORDERS)
    assert "Post to name" in t.header and "Postage and packaging" in t.header
    batch = ebay.parse_orders(t)
    orders = batch.orders.set_index("external_id")
    assert set(orders["currency"]) == {"GBP"}
    assert orders.loc["05-11111-33333", "shipping"] == 4 * SCALE
    assert orders.loc["05-11111-22222", "created_at"] == "2026-06-24"   # `Jun-24-2026`
    assert list(batch.customers["customer_ref"]) == ["knitwit", "coldhands", "cuppa"]


def test_orders_report_footer_lines_are_not_orders():
    t = table(US_ORDERS)
    # reading.py already set the footer aside; the parser also refuses footer-like rows itself.
    rows = [list(r) for r in t.rows.itertuples(index=False)]
    rows.append(["6 record(s) downloaded", "from Sep-30-22 to Oct-05-22"] + [""] * (len(t.header) - 2))
    rows.append(["Seller ID : craftyseller"] + [""] * (len(t.header) - 1))
    batch = ebay.parse_orders(Table.from_rows(t.header, rows, first_line=4))
    assert len(batch.orders) == 4
    assert sum("not an order row" in s["reason"] for s in batch.skipped) == 2


def test_orders_report_bad_money_is_a_problem():
    header = ["Sales Record Number", "Order Number", "Buyer Username", "Item Number", "Item Title", "Quantity",
              "Sold For", "Total Price", "Sale Date", "Paid On Date", "Transaction ID"]
    t = Table.from_rows(header, [
        ["1", "1-1", "amy", "9", "Cup", "1", "$5.00", "$5.00", "Sep-30-22", "Sep-30-22", "11"],
        ["2", "1-2", "bob", "9", "Cup", "1", "$five", "$5.00", "Sep-30-22", "Sep-30-22", "12"],
        ["3", "1-3", "cat", "9", "Cup", "1", "$5.00", "$5.00", "31/31/22", "", "13"],
    ], first_line=3)
    batch = ebay.parse_orders(t)
    assert list(batch.orders["external_id"]) == ["1-1"]
    assert {(p.line, p.column) for p in batch.problems} == {(4, "Sold For"), (5, "Sale Date")}


@pytest.mark.parametrize("name,n_orders,n_lines,units,money,n_fees,fee_sum", [
    # Orders 32.1 and 22.5 + 7; the owl pin (7) refunded. Fees: FVF 0.30 + 4.25, 0.30 + 2.98, 0.93
    # (`-0` fixed fee dropped), label 5.60, ad 1.60, refund credit +0.93.
    (TRANSACTIONS, 2, 3, 6, {"USD": (61.6, 7.0, 54.6)}, 8, -15.03),
    # Orders 17.5 and 30; one of two bells (15) refunded. Fees 0.30 + 2.31, 0.30 + 3.98, ad 0.90,
    # refund credit +1.99.
    (CLEANED, 2, 2, 3, {"USD": (47.5, 15.0, 32.5)}, 6, -5.8),
])
def test_transaction_report_totals(name, n_orders, n_lines, units, money, n_fees, fee_sum):
    t = table(name)
    assert ebay.detect_transactions(t) == 1.0 and ebay.detect_orders(t) == 0.0
    batch = ebay.parse_transactions(t)
    assert batch.problems == []
    assert len(batch.orders) == n_orders and len(batch.lines) == n_lines
    assert batch.lines["quantity"].sum() == units
    assert revenue(batch) == money
    assert len(batch.fees) == n_fees
    assert round(int(batch.fees["amount"].sum()) / SCALE, 4) == fee_sum
    assert batch.fees["source_key"].is_unique


def test_transaction_report_preamble_refund_and_skips():
    t = table(TRANSACTIONS)
    assert len(t.preamble) == 11
    assert 'Very high "item not as described" fee' in t.header       # the embedded "" quote
    batch = ebay.parse_transactions(t)
    orders = batch.orders.set_index("external_id")
    assert orders.loc["12-09876-11111", "status"] == "partially_refunded"
    assert orders.loc["12-09876-11111", "created_at"] == "2022-12-03"   # `Dec 3, 2022`
    assert orders.loc["12-09876-54321", "tax"] == 2.1 * SCALE           # eBay collected tax
    owl = batch.lines.set_index("line_key").loc["2741234567003"]
    assert owl["refunded_qty"] == 1                                      # whole line refunded
    fees = batch.fees
    credit = fees[fees["amount"] > 0]
    assert list(credit["kind"]) == ["Final Value Fee - variable"] and credit["amount"].iat[0] == 0.93 * SCALE
    assert set(fees["kind"]) >= {"Shipping label", "Promoted Listings - General fee", "Final Value Fee - fixed"}
    assert [s["reason"].split(" ")[0] for s in batch.skipped] == ["payout", "transfer"]


def test_partial_money_refund_stays_order_level():
    header = ["Transaction creation date", "Type", "Order number", "Buyer username", "Net amount", "Item ID",
              "Transaction ID", "Item title", "Custom label", "Quantity", "Item subtotal", "Shipping and handling",
              "Final Value Fee - fixed", "Final Value Fee - variable", "Gross transaction amount",
              "Transaction currency", "Reference ID", "Description"]
    t = Table.from_rows(header, [
        ["Jan 2, 2023", "Order", "9-9", "amy", "17.5", "5", "77", "Mug", "MUG", "2", "20", "0", "-0.3", "-2.2",
         "20", "USD", "--", "--"],
        ["Jan 4, 2023", "Refund", "9-9", "amy", "-4", "5", "77", "Mug", "MUG", "1", "-4", "0", "0", "0.5",
         "-4", "USD", "R1", "--"],
        ["Jan 5, 2023", "Refund", "1-1", "zed", "-3", "6", "88", "Cap", "CAP", "1", "-3", "0", "0", "0",
         "-3", "USD", "R2", "--"],
    ])
    batch = ebay.parse_transactions(t)
    order = batch.orders.set_index("external_id").loc["9-9"]
    assert (order["refunded"], order["status"]) == (4 * SCALE, "partially_refunded")
    assert batch.lines["refunded_qty"].iat[0] == 0          # $4 back on a $10 unit: no units returned
    # the refund of an order sold before this report goes to the writer as an update-only row
    assert batch.skipped == []
    [update] = batch.order_updates.to_dict("records")
    assert (update["external_id"], update["refunded"], update["currency"], update["line"]) == ("1-1", 3 * SCALE,
                                                                                              "USD", 4)
    assert update["column"] == "Gross transaction amount"


def test_cross_border_sale_keeps_order_and_fee_currencies_apart():
    header = ["Transaction creation date", "Type", "Order number", "Buyer username", "Net amount", "Payout currency",
              "Item ID", "Transaction ID", "Quantity", "Item subtotal", "Final Value Fee - variable",
              "Gross transaction amount", "Transaction currency", "Exchange rate"]
    t = Table.from_rows(header, [
        ["Mar 1, 2023", "Order", "5-5", "yank", "15.2", "GBP", "7", "70", "1", "20", "-2.6", "20", "USD", "0.82"],
    ])
    batch = ebay.parse_transactions(t)
    assert batch.orders["currency"].iat[0] == "USD" and batch.orders["total"].iat[0] == 20 * SCALE
    assert batch.fees["currency"].iat[0] == "GBP"


def test_fee_source_keys_are_stable_across_overlapping_reports():
    """The same rows in a wider report (more rows around them) give the same source keys."""
    t = table(TRANSACTIONS)
    full = ebay.parse_transactions(t).fees.set_index("source_key")
    part = ebay.parse_transactions(Table.from_rows(t.header, [list(r) for r in t.rows.iloc[3:].itertuples(
        index=False)])).fees.set_index("source_key")
    assert set(part.index) <= set(full.index)
    assert (part["amount"] == full.loc[part.index, "amount"]).all()


def test_orders_report_after_transaction_report_keeps_the_refund(store):
    """Both reports carry the same orders (line keys = Transaction IDs): no double count, and the
    Orders report, which knows nothing of refunds, does not erase one."""
    from merchant_ai.importers.writer import write_batch
    from merchant_ai.store import queries

    tx = ebay.parse_transactions(table(TRANSACTIONS))
    header = ["Sales Record Number", "Order Number", "Buyer Username", "Item Number", "Item Title",
              "Custom Label", "Quantity", "Sold For", "Shipping And Handling", "Total Price", "Sale Date",
              "Paid On Date", "Transaction ID"]
    report = ebay.parse_orders(Table.from_rows(header, [
        ["7", "12-09876-11111", "quilt.queen", "", "", "", "4", "$26.50", "$3.00", "$29.50", "Dec-03-22",
         "Dec-03-22", ""],
        ["8", "12-09876-11111", "quilt.queen", "125511110000", "Enamel Pin - Fox", "PIN-FOX", "3", "$6.50", "",
         "", "Dec-03-22", "Dec-03-22", "2741234567002"],
        ["9", "12-09876-11111", "quilt.queen", "125511110001", "Enamel Pin - Owl", "PIN-OWL", "1", "$7.00", "",
         "", "Dec-03-22", "Dec-03-22", "2741234567003"],
    ], first_line=3))
    write_batch(store, tx, file_name="tx.csv", sha256="a", backup=False)
    write_batch(store, report, file_name="orders.csv", sha256="b", backup=False)
    write_batch(store, tx, file_name="tx.csv", sha256="a", backup=False)
    orders = queries.orders(store).set_index("order_ref")
    assert len(orders) == 2
    assert orders.loc["12-09876-11111", "refunded"] == 7.0
    sales = queries.sales_lines(store)
    assert len(sales) == 3 and sales["quantity"].sum() == 6
    assert round(queries.fees(store)["amount"].sum(), 2) == -15.03     # fees stored once


def test_every_fixture_imports_through_the_pipeline_and_again_changes_nothing(store):
    from merchant_ai.importers.pipeline import import_bytes
    from merchant_ai.store import queries

    def counts() -> tuple:
        conn = store.connection()
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("orders", "order_lines", "fees", "customers"))

    files = [TRANSACTIONS, US_ORDERS, UK_ORDERS, CLEANED]
    results = [import_bytes(store, f, (FIXTURES / f).read_bytes(), backup=False) for f in files]
    assert [r.format for r in results] == ["ebay-transactions", "ebay-orders", "ebay-orders", "ebay-transactions"]
    assert results[2].revenue == [{"currency": "GBP", "gross": 54.0, "refunded": 0.0}]   # items, no postage
    first = counts()
    for f, r in zip(files, results, strict=True):
        import_bytes(store, f, (FIXTURES / f).read_bytes(), format=r.format, backup=False)
    assert counts() == first
    # orders 2 + 4 + 3 + 2, lines 3 + 5 + 4 + 2, fees 8 + 6
    assert first[:3] == (11, 14, 14)
    assert round(queries.fees(store)["amount"].sum(), 2) == -15.03 - 5.8


CELLS = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["", "--", "-0", "Order", "Refund", "Other fee", "Shipping label", "Payout", "1-1", "1-2",
                     "$12.34", "£3.20", "$1,234.50", "70", "-0.3", "Sep-30-22", "Jun-24-2026", "Dec 5, 2022",
                     "Feb 30, 2023", "2", "77", "6 record(s) downloaded", "Seller ID : x"]))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_garbage_never_raises_and_stays_consistent(data):
    name, spec = data.draw(st.sampled_from([(UK_ORDERS, ebay.FORMATS[0]), (TRANSACTIONS, ebay.FORMATS[1])]))
    header = table(name).header
    rows = data.draw(st.lists(st.lists(CELLS, max_size=len(header) + 2), max_size=6))
    batch = spec.parse(Table.from_rows(header, rows))
    assert batch.orders["external_id"].is_unique
    assert set(batch.lines["order_external_id"]) <= set(batch.orders["external_id"])
    assert batch.orders[["created_at", "created_utc", "order_date"]].notna().all().all()
    assert batch.fees["source_key"].is_unique
    assert all(2 <= p.line < 2 + len(rows) for p in batch.problems)


def test_older_selling_manager_header():
    """The older export names the buyer `User Id` and the price `Sale Price`."""
    header = ["Sales Record Number", "User Id", "Buyer Fullname", "Buyer Phone Number", "Buyer Email",
              "Buyer Address 1", "Buyer City", "Buyer Country", "Item Number", "Item Title", "Custom Label",
              "Quantity", "Sale Price", "Shipping and Handling", "US Tax", "Insurance", "Total Price",
              "Payment Method", "Sale Date", "Checkout Date", "Paid on Date", "Shipped on Date",
              "Variation Details", "Transaction ID", "Order ID"]
    t = Table.from_rows(header, [
        ["88", "oldtimer", "Gus Hale", "", "gus@example.org", "4 Elm", "Reno", "United States", "1101",
         "Tin Sign", "SIGN-1", "2", "$8.00", "$5.00", "$1.20", "$0.00", "$22.20", "PayPal", "Mar-15-15",
         "Mar-15-15", "Mar-16-15", "", "", "9001", ""],
    ], first_line=3)
    assert ebay.detect_orders(t) >= 0.9
    batch = ebay.parse_orders(t)
    order = batch.orders.iloc[0]
    assert (order["external_id"], order["customer_ref"], order["created_at"]) == ("88", "oldtimer", "2015-03-15")
    assert (order["total"], order["tax"], order["subtotal"]) == (22.2 * SCALE, 1.2 * SCALE, 16 * SCALE)
    assert batch.lines["unit_price"].iat[0] == 8 * SCALE and batch.lines["line_key"].iat[0] == "9001"
