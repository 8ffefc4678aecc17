"""WooCommerce parsers on hand-written fixtures in the shapes of FORMATS.md section 2.

Expected figures are worked out by hand from the fixture rows (see comments).
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchant_ai.importers import woocommerce as woo
from merchant_ai.importers.reading import read_table
from merchant_ai.importers.table import Table
from merchant_ai.money import SCALE

FIXTURES = Path(__file__).parent / "fixtures" / "woocommerce"
EN = "wc-product-export-12-3-2025-1741770000000.csv"
RU = "wc-product-export-3-7-2019-1562140000000-ru.csv"
DE = "wc-product-export-de.csv"
ORDERS = "wc-analytics-orders-2025-03.csv"
TODAY = dt.date(2025, 3, 12)


@functools.cache
def table(name: str) -> Table:
    return read_table((FIXTURES / name).read_bytes(), name)


def test_english_export_variations_escapes_and_ragged_rows():
    t = table(EN)
    assert any("fewer fields" in w for w in t.warnings)              # 3 rows lack the 2 meta columns
    assert woo.detect_products(t) == 1.0 and woo.detect_orders(t) == 0.0
    batch = woo.parse_products(t, as_of=TODAY)
    assert batch.problems == []
    products = batch.products.set_index("sku")
    # 8 rows: simple mug, variable tee (container), 2 variations, draft candle, ebook, grouped set
    # (container), towel without SKU.
    assert list(products.index) == ["MUG-BLUE", "TEE-S", "TEE-L", "CANDLE-1", "EBOOK-1", "id:108"]
    assert [s["line"] for s in batch.skipped] == [4, 9]
    small, large = products.loc["TEE-S"], products.loc["TEE-L"]
    assert small["parent_sku"] == "TEE" and large["parent_sku"] == "TEE"        # SKU and `id:102`
    assert (small["variant"], large["variant"]) == ("Small", "Large")
    assert small["category"] == "Clothing > Tshirts" and small["vendor"] == "Threadly"  # from the parent
    assert small["unit_cost"] == 6 * SCALE and large["unit_cost"] == 6.5 * SCALE     # inherited / own
    assert small["list_price"] == 20 * SCALE                                        # regular, not sale
    mug = products.loc["MUG-BLUE"]
    assert mug["category"] == "Kitchen > Mugs" and mug["unit_cost"] == 4.2 * SCALE
    candle = products.loc["CANDLE-1"]
    assert (candle["title"], candle["status"]) == ("@home Candle", "draft")        # `'@home`, `'-1`
    assert products.loc["id:108", "title"] == "Tea Towel, Linen"
    stock = batch.inventory.set_index("sku")["quantity"]
    assert stock.to_dict() == {"MUG-BLUE": 30, "TEE-S": 5, "TEE-L": -2, "id:108": 12}
    assert set(batch.inventory["as_of"]) == {"2025-03-12"}


def test_russian_export_bom_after_whitespace_and_decimal_comma():
    raw = (FIXTURES / RU).read_bytes()
    assert raw.startswith(b"\n\t\xef\xbb\xbf")
    t = table(RU)
    assert t.header[:4] == ["ID", "Тип", "Артикул", "Имя"]
    assert woo.detect_products(t) == 1.0
    batch = woo.parse_products(t, as_of=TODAY)
    products = batch.products.set_index("sku")
    assert list(products.index) == ["SAMOVAR-1", "PLATOK-RED", "PLATOK-BLUE", "MATR-5"]
    assert products.loc["SAMOVAR-1", "list_price"] == 12500 * SCALE                # `12500,00`
    assert products.loc["PLATOK-RED", "list_price"] == 2990 * SCALE
    assert products.loc["PLATOK-BLUE", "parent_sku"] == "PLATOK"                    # `id:202`
    assert products.loc["PLATOK-BLUE", "category"] == "Текстиль"
    assert products.loc["PLATOK-BLUE", "variant"] == "Синий"          # from "<parent name> - Синий"
    assert list(products["status"]) == ["active", "active", "draft", "draft"]
    assert batch.inventory["quantity"].sum() == 3 + 7 + 0                          # MATR-5 unmanaged


def test_german_export_semicolons_and_comma_prices():
    t = table(DE)
    assert t.delimiter == ";"
    batch = woo.parse_products(t, as_of=TODAY)
    products = batch.products.set_index("sku")
    assert products["list_price"].to_dict() == {"BRETT-EICHE": 34.9 * SCALE, "LOEFFEL-3": 12.5 * SCALE,
                                                "KORB-S": 19.9 * SCALE, "TASSE-ROT": 8.5 * SCALE}
    assert products.loc["LOEFFEL-3", "vendor"] == "Holzhaus"
    tasse = products.loc["TASSE-ROT"]                 # `id:304`; brand and category from the parent
    assert (tasse["parent_sku"], tasse["vendor"], tasse["category"]) == ("TASSE", "Keramik Nord",
                                                                          "Küche > Geschirr")
    assert batch.inventory["quantity"].sum() == 8 + 25 + 0 + 14


@pytest.mark.parametrize("header", [
    ["ID", "Type", "UGS", "Nom", "Publié", "En stock ?", "Stock", "Tarif promo", "Tarif régulier", "Catégories",
     "Parent", "Coût des marchandises"],
    ["ID", "Tipo", "SKU", "Nombre", "Publicado", "¿En inventario?", "Inventario", "Precio rebajado",
     "Precio normal", "Categorías", "Superior", "Coste de los productos"],
    ["ID", "Typ", "Artikelnummer", "Name", "Veröffentlicht", "Vorrätig?", "Lager", "Angebotspreis",
     "Regulärer Preis", "Kategorien", "Übergeordnetes Produkt", "Selbstkosten"],
])
def test_translated_headers(header):
    t = Table.from_rows(header, [
        ["1", "variable", "SAC", "Sac", "1", "1", "", "", "", "Sacs > Cuir", "", ""],
        ["2", "variation", "SAC-N", "Sac - Noir", "1", "1", "4", "", "49,90", "", "id:1", "18,5"],
    ])
    assert woo.detect_products(t) == 1.0
    batch = woo.parse_products(t, as_of=TODAY)
    row = batch.products.iloc[0]
    assert (row["sku"], row["parent_sku"], row["category"]) == ("SAC-N", "SAC", "Sacs > Cuir")
    assert (row["list_price"], row["unit_cost"]) == (49.9 * SCALE, 18.5 * SCALE)
    assert batch.inventory["quantity"].tolist() == [4]


def test_bad_price_is_a_problem_with_its_line():
    t = Table.from_rows(["ID", "Type", "SKU", "Name", "Regular price", "Stock"], [
        ["1", "simple", "A", "A", "10.00", "1"],
        ["2", "simple", "B", "B", "ten", "1"],
        ["", "simple", "", "Nameless", "3.00", ""],
    ])
    batch = woo.parse_products(t, as_of=TODAY)
    assert list(batch.products["sku"]) == ["A"]
    assert {(p.line, p.column, p.value) for p in batch.problems} == {(3, "Regular price", "ten"), (4, "SKU", "")}


def test_split_products_keeps_commas_inside_names():
    assert woo.split_products("3× Pattern eBook, 1× Tea Towel, Linen") == [(3, "Pattern eBook"),
                                                                           (1, "Tea Towel, Linen")]
    assert woo.split_products("") == []
    assert woo.split_products("Blue Mug, large", 3) == [(3, "Blue Mug, large")]   # no `N×` at all


def test_analytics_orders_totals_refunds_and_allocation():
    t = table(ORDERS)
    assert woo.detect_orders(t) == 1.0 and woo.detect_products(t) == 0.0
    batch = woo.parse_orders(t)
    assert batch.problems == []
    orders = batch.orders.set_index("external_id")
    # 5 orders: 40 + 21 + 22 + 45 + 6 = 134 USD; refunds 21 (full, #1202) and 5 (#1203).
    assert len(orders) == 5 and set(orders["currency"]) == {"USD"}
    assert int(orders["total"].sum()) == 134 * SCALE and int(orders["refunded"].sum()) == 26 * SCALE
    assert orders.loc["1202", "status"] == "refunded"
    assert orders.loc["1203", "status"] == "partially_refunded"
    assert orders.loc["1205", "status"] == "cancelled"
    assert orders.loc["1202", "created_at"] == "2025-03-02T09:00:00"     # the sale's date, not the refund's
    # 7 lines, 13 units; each order's lines add up to its Net Sales.
    lines = batch.lines
    assert len(lines) == 7 and lines["quantity"].sum() == 13
    assert (lines.groupby("order_external_id")["line_total"].sum() == orders["total"]).all()
    mugs = lines[(lines["order_external_id"] == "1204")].iloc[0]
    assert (mugs["channel_sku"], mugs["quantity"], mugs["unit_price"]) == ("Blue Mug", 4, 11.25 * SCALE)
    assert any("shared across its items" in w for w in batch.warnings)
    assert [s["line"] for s in batch.skipped] == [7, 8]                   # the two refund rows


def test_analytics_refund_without_its_sale_is_skipped():
    header = ["Date", "Order #", "N. Revenue (formatted)", "Status", "Customer", "Customer type", "Product(s)",
              "Items sold", "Coupon(s)", "Net Sales", "Attribution"]
    t = Table.from_rows(header, [
        ["2025-04-01 10:00:00", "900", "-€5,00", "refunded", "Eva", "returning", "", "-1", "", "-5", ""],
        ["2025-04-01 11:00:00", "901", "€12,50", "completed", "Eva", "returning", "1× Cap", "1", "", "12.5", ""],
    ])
    batch = woo.parse_orders(t)
    assert list(batch.orders["external_id"]) == ["901"]
    assert batch.orders["currency"].iat[0] == "EUR" and batch.orders["total"].iat[0] == 12.5 * SCALE
    assert batch.skipped[0]["line"] == 2 and "not in this file" in batch.skipped[0]["reason"]


def test_products_then_orders_through_the_pipeline_twice(store):
    from merchant_ai.importers.pipeline import import_bytes
    from merchant_ai.store import queries

    for _ in range(2):
        for name in (EN, RU, DE, ORDERS):
            result = import_bytes(store, name, (FIXTURES / name).read_bytes(), backup=False)
            assert result.format == ("woocommerce-orders" if name == ORDERS else "woocommerce-products")
    assert result.revenue == [{"currency": "USD", "gross": 128.0, "refunded": 26.0}]   # #1205 cancelled
    products = queries.products(store).set_index("sku")
    assert products.loc["TEE-L", "unit_cost"] == 6.5 and products.loc["TEE-L", "parent_sku"] == "TEE"
    assert products.loc["SAMOVAR-1", "list_price"] == 12500
    stock = queries.inventory_on_hand(store).set_index("sku")["on_hand"]
    assert stock["TEE-L"] == -2 and len(stock) == 4 + 3 + 4
    orders = queries.orders(store)
    assert len(orders) == 5 and orders["total"].sum() == 134 and orders["refunded"].sum() == 26
    sales = queries.sales_lines(store)                     # cancelled #1205 left out
    assert len(sales) == 6 and sales["quantity"].sum() == 12
    assert round(sales["net_revenue"].sum(), 2) == 128 - 26


CELLS = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["", "1", "2", "-1", "'-1", "simple", "variable", "variation", "id:1", "id:2", "A", "B",
                     "12,50", "12.50", "1.234,56", "'=x", "Kitchen\\, Home", "2× Mug, 1× Cap", "3×", "$5.00",
                     "-$5.00", "2025-03-01 10:15:00", "refunded", "completed"]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_garbage_never_raises_and_stays_consistent(data):
    name, spec = data.draw(st.sampled_from([(EN, woo.FORMATS[0]), (RU, woo.FORMATS[0]), (ORDERS, woo.FORMATS[1])]))
    header = table(name).header
    rows = data.draw(st.lists(st.lists(CELLS, max_size=len(header) + 2), max_size=6))
    batch = spec.parse(Table.from_rows(header, rows))
    assert batch.orders["external_id"].is_unique
    assert set(batch.lines["order_external_id"]) <= set(batch.orders["external_id"])
    assert batch.orders[["created_at", "created_utc", "order_date"]].notna().all().all()
    assert batch.products["sku"].notna().all() and batch.products["sku"].is_unique
    assert all(2 <= p.line < 2 + len(rows) for p in batch.problems)


def test_analytics_formatted_revenue_with_html_entities():
    header = ["Date", "Order #", "N. Revenue (formatted)", "Status", "Customer", "Customer type", "Product(s)",
              "Items sold", "Coupon(s)", "Net Sales", "Attribution"]
    t = Table.from_rows(header, [
        ["2025-04-02 09:00:00", "902", "18,50&nbsp;&euro;", "completed", "Eva Roth", "new", "2× Cap", "2", "",
         "18.5", ""],
        ["2025-04-02 10:00:00", "903", "&#36;7.00", "completed", "Tom Ash", "new", "1× Pin", "1", "", "7", ""],
    ])
    batch = woo.parse_orders(t)
    assert batch.problems == []
    assert list(batch.orders["currency"]) == ["EUR", "USD"]
    assert list(batch.lines["unit_price"]) == [9.25 * SCALE, 7 * SCALE]
