"""Generic mapper: header synonyms in five languages, UCI-style returns and non-product rows,
order-level purchase logs, and mapping profiles."""

from __future__ import annotations

import pandas as pd
import pytest

from merchant_ai.importers import generic
from merchant_ai.importers.reading import read_table

UCI_HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"


def _uci(rows: list[str]) -> generic.ImportBatch:
    return generic.parse(read_table(("\n".join([UCI_HEADER, *rows]) + "\n").encode(), "retail.csv"))


@pytest.mark.parametrize(("header", "expected"), [
    (["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"],
     {"order_id": "InvoiceNo", "sku": "StockCode", "title": "Description", "quantity": "Quantity",
      "date": "InvoiceDate", "unit_price": "UnitPrice", "customer": "CustomerID", "country": "Country"}),
    (["订单编号", "订单创建时间", "宝贝标题", "购买数量", "价格", "买家会员名", "商家编码"],
     {"order_id": "订单编号", "date": "订单创建时间", "title": "宝贝标题", "quantity": "购买数量",
      "unit_price": "价格", "customer": "买家会员名", "sku": "商家编码"}),
    (["Bestellnummer", "Datum", "Artikelnummer", "Artikelname", "Menge", "Preis", "Kundennummer", "Währung"],
     {"order_id": "Bestellnummer", "date": "Datum", "sku": "Artikelnummer", "title": "Artikelname",
      "quantity": "Menge", "unit_price": "Preis", "customer": "Kundennummer", "currency": "Währung"}),
    (["N° de commande", "Date de commande", "Référence", "Produit", "Quantité", "Prix unitaire", "Montant total"],
     {"order_id": "N° de commande", "date": "Date de commande", "sku": "Référence", "title": "Produit",
      "quantity": "Quantité", "unit_price": "Prix unitaire", "amount": "Montant total"}),
    (["Número de pedido", "Fecha", "Producto", "Cantidad", "Precio unitario", "Cliente", "País"],
     {"order_id": "Número de pedido", "date": "Fecha", "title": "Producto", "quantity": "Cantidad",
      "unit_price": "Precio unitario", "customer": "Cliente", "country": "País"}),
    (["customer_id", "date", "quantity", "amount"],
     {"customer": "customer_id", "date": "date", "quantity": "quantity", "amount": "amount"}),
    (["Order Date (UTC)", "Order Total", "Buyer Email"],
     {"date": "Order Date (UTC)", "amount": "Order Total", "customer": "Buyer Email"}),
])
def test_guess_mapping(header: list[str], expected: dict[str, str]) -> None:
    assert generic.guess_mapping(header) == expected


def test_uci_rows_returns_and_non_products() -> None:
    batch = _uci([
        "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom",
        "536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom",
        "536365,POST,POSTAGE,1,2010-12-01 08:26:00,18.00,17850.0,United Kingdom",
        "536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom",
        # a return of 2 lanterns by the same customer: refunded quantity on the original line
        "C536379,71053,WHITE METAL LANTERN,-2,2010-12-02 09:41:00,3.39,17850.0,United Kingdom",
        # a guest return that matches nothing: a refund order
        "C536380,22633,HAND WARMER UNION JACK,-1,2010-12-02 09:45:00,1.85,,United Kingdom",
        "536381,M,Manual,1,2010-12-02 10:00:00,5.00,14000.0,United Kingdom",
        "536382,21275,,-15,2010-12-02 11:00:00,0,,United Kingdom",
        "536383,22139,RETROSPOT TEA SET,2,2010-12-03 12:00:00,4.95,12583,France",
        "536383,D,Discount,-1,2010-12-03 12:00:00,1.00,12583,France",
    ])
    assert not batch.problems
    orders = batch.orders.set_index("external_id")
    assert set(orders.index) == {"536365", "536366", "C536380", "536383"}
    assert orders.loc["536365", "customer_ref"] == "17850"
    assert pd.isna(orders.loc["536366", "customer_ref"])          # guest
    assert orders.loc["536365", "shipping"] == 180000             # POST went to shipping, not a line
    assert orders.loc["536365", "refunded"] == 2 * 33900
    assert orders.loc["536365", "status"] == "partially_refunded"
    assert orders.loc["C536380", "status"] == "refunded"
    assert orders.loc["536383", "discount"] == 10000
    lines = batch.lines
    assert len(lines) == 5
    lantern = lines[lines["channel_sku"] == "71053"].iloc[0]
    assert lantern["refunded_qty"] == 2.0
    assert lines["quantity"].sum() == 6 + 6 + 6 - 1 + 2
    reasons = {s["line"]: s["reason"] for s in batch.skipped}
    assert "manual" in reasons[8] and "stock adjustment" in reasons[9]
    gross = lines["line_total"].sum() / 10_000
    refunded = batch.orders["refunded"].sum() / 10_000
    assert gross == pytest.approx(6 * 2.55 + 6 * 3.39 + 6 * 1.85 - 1.85 + 2 * 4.95)
    assert gross - refunded == pytest.approx(6 * 2.55 + 4 * 3.39 + 5 * 1.85 + 2 * 4.95)
    assert batch.customers.set_index("customer_ref").loc["12583", "country"] == "France"


def test_returns_beyond_the_quantity_sold_stay_refund_orders() -> None:
    batch = _uci([
        "1,A1,Cup,2,2011-01-01 10:00:00,1.00,100,UK",
        "C2,A1,Cup,-3,2011-01-02 10:00:00,1.00,100,UK",
    ])
    assert batch.lines.set_index("order_external_id").loc["1", "refunded_qty"] == 0.0
    assert batch.orders.set_index("external_id").loc["C2", "total"] == -30000


def test_order_level_purchase_log_imports_one_order_per_row_with_stable_ids() -> None:
    text = "customer_id,date,quantity,amount\n00001,19970101,1,11.77\n00002,19970112,1,12.00\n00002,19970112,5,77.00\n"
    # CDNOW writes compact dates; an owner maps them as they are (here already ISO after a re-save)
    text = text.replace("19970101", "1997-01-01").replace("19970112", "1997-01-12")
    batch = generic.parse(read_table(text.encode(), "cdnow.csv"))
    assert not batch.problems
    assert len(batch.orders) == 3 and len(batch.lines) == 3
    assert batch.orders["total"].sum() == (11.77 + 12 + 77) * 10_000
    assert batch.lines["unit_price"].tolist() == [117700, 120000, 154000]
    again = generic.parse(read_table(text.encode(), "cdnow.csv"))
    assert again.orders["external_id"].tolist() == batch.orders["external_id"].tolist()


def test_amount_repeated_per_order_is_not_summed() -> None:
    text = ("Order,Date,SKU,Qty,Price,Total\n"
            "A1,2021-03-01,X,2,5.00,13.00\nA1,2021-03-01,Y,1,3.00,13.00\nA2,2021-03-02,X,1,5.00,5.00\n")
    batch = generic.parse(read_table(text.encode(), "orders.csv"))
    assert batch.orders.set_index("external_id")["subtotal"].to_dict() == {"A1": 130000, "A2": 50000}


def test_german_semicolon_decimal_comma_file() -> None:
    text = "Bestellnummer;Datum;Artikelnummer;Menge;Preis\nB-1;13.05.2021;ART-1;2;12,50\nB-2;14.05.2021;ART-2;1;1.234,00\n"
    batch = generic.parse(read_table(text.encode("cp1252"), "bestellungen.csv"))
    assert batch.lines["unit_price"].tolist() == [125000, 12340000]
    assert batch.orders["order_date"].tolist() == ["2021-05-13", "2021-05-14"]


def test_bad_rows_are_problems_with_line_and_column() -> None:
    text = "Order,Date,Amount\nA1,2021-03-01,10.00\nA2,someday,5.00\nA3,2021-03-03,lots\n"
    batch = generic.parse(read_table(text.encode(), "x.csv"))
    where = {(p.line, p.column, p.value) for p in batch.problems}
    assert where == {(3, "Date", "someday"), (4, "Amount", "lots")}
    assert batch.orders["external_id"].tolist() == ["A1"]      # good rows stay parseable


def test_missing_minimum_mapping_is_a_problem() -> None:
    batch = generic.parse(read_table(b"Name,Colour\nmug,blue\n", "x.csv"))
    assert batch.problems and "date" in batch.problems[0].reason
    assert generic.detect(read_table(b"Name,Colour\nmug,blue\n", "x.csv")) == 0.0


def test_explicit_mapping_and_constant_currency() -> None:
    text = "when,what,paid\n2021-01-05,Mug,9.99\n"
    table = read_table(text.encode(), "x.csv")
    batch = generic.parse(table, generic.parse_map_option("date=when,title=what,amount=paid,currency=EUR"))
    assert not batch.problems
    assert batch.orders["currency"].tolist() == ["EUR"]
    with pytest.raises(ValueError):
        generic.parse_map_option("date")


def test_mapping_profiles_round_trip(store) -> None:
    generic.save_profile(store, "supplier-x", {"date": "when", "amount": "paid"})
    assert generic.load_profile(store, "supplier-x") == {"date": "when", "amount": "paid"}
    assert "supplier-x" in generic.list_profiles(store)
    with pytest.raises(KeyError):
        generic.load_profile(store, "nope")


def test_guessing_normalises_each_header_once(monkeypatch) -> None:
    """Detection runs on every file dropped: header names are normalised once, not once per
    (field, synonym) pair as before (a 79-column Shopify header cost ~30,000 calls)."""
    from merchant_ai.importers import generic as gen
    from merchant_ai.importers import synonyms as syn

    header = ["Order Date (UTC)", "Bestellnummer", "商品编码", "Menge", "Prix unitaire", "Notes"] + [
        f"Extra column {i}" for i in range(70)]
    expected = gen.guess_mapping(header)
    calls = []
    real = syn.normalise
    monkeypatch.setattr(syn, "normalise", lambda text: calls.append(text) or real(text))
    assert gen.guess_mapping(header) == expected
    assert {"date", "order_id", "sku", "quantity", "unit_price"} <= set(expected)
    assert len(calls) == len(header)
