"""The demo's export files have the platforms' exact shape (headers copied from FORMATS.md)."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pytest

from merchant_ai.importers import registry
from merchant_ai.importers.reading import read_table

# Headers as ../shared/formats/FORMATS.md gives them (the 79-column Shopify orders version).
SHOPIFY_ORDERS_45 = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,"
    "Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,"
    "Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,"
    "Shipping Country,Shipping Phone,Notes")
SHOPIFY_ORDERS_TAIL = (
    "Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,"
    "Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,"
    "Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,"
    "Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,"
    "Payment References")
SHOPIFY_INVENTORY = (
    "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,"
    "Location,Bin name,Incoming (not editable),Unavailable (not editable),Committed (not editable),"
    "Available (not editable),On hand (current),On hand (new)")
ETSY_ITEMS = (
    "Sale Date,Item Name,Buyer,Quantity,Price,Coupon Code,Coupon Details,Discount Amount,Shipping Discount,"
    "Order Shipping,Order Sales Tax,Item Total,Currency,Transaction ID,Listing ID,Date Paid,Date Shipped,Ship Name,"
    "Ship Address1,Ship Address2,Ship City,Ship State,Ship Zipcode,Ship Country,Order ID,Variations,Order Type,"
    "Listings Type,Payment Type,InPerson Discount,InPerson Location,VAT Paid by Buyer,SKU")
ETSY_ORDERS = (
    "Sale Date,Order ID,Buyer User ID,Full Name,First Name,Last Name,Number of Items,Payment Method,Date Shipped,"
    "Street 1,Street 2,Ship City,Ship State,Ship Zipcode,Ship Country,Currency,Order Value,Coupon Code,"
    "Coupon Details,Discount Amount,Shipping Discount,Shipping,Sales Tax,Order Total,Status,Card Processing Fees,"
    "Order Net,Adjusted Order Total,Adjusted Card Processing Fees,Adjusted Net Order Amount,Buyer,Order Type,"
    "Payment Type,InPerson Discount,InPerson Location,SKU")
AMAZON = ("amazon-order-id merchant-order-id purchase-date last-updated-date order-status fulfillment-channel "
          "sales-channel order-channel url ship-service-level product-name sku asin item-status quantity currency "
          "item-price item-tax shipping-price shipping-tax gift-wrap-price gift-wrap-tax item-promotion-discount "
          "ship-promotion-discount ship-city ship-state ship-postal-code ship-country promotion-ids "
          "is-business-order purchase-order-number price-designation")


def rows(data: bytes, delimiter: str = ",") -> tuple[list[str], list[dict]]:
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    return list(reader.fieldnames or []), list(reader)


def test_every_file_is_recognised_as_what_it_is(files):
    for f in files.values():
        assert registry.best_format(read_table(f.data, f.name)).name == f.format, f.name


def test_shopify_orders_layout(files, history):
    header, recs = rows(files["orders_export_1.csv"].data)
    assert header == (SHOPIFY_ORDERS_45 + "," + SHOPIFY_ORDERS_TAIL).split(",") and len(header) == 79
    df = pd.DataFrame(recs)
    shop = history.orders[history.orders["channel"] == "shopify"]
    assert df["Name"].nunique() == len(shop)
    assert len(df) == history.lines["order_id"].isin(shop["order_id"]).sum()
    # Rows of an order are adjacent, the first carries the order fields, the others only repeat a few.
    starts = df["Name"].ne(df["Name"].shift())
    assert starts.sum() == df["Name"].nunique()
    later = df[~starts]
    assert len(later) > 0
    for col in ("Financial Status", "Subtotal", "Total", "Taxes", "Billing Name", "Currency"):
        assert later[col].eq("").all(), col
    for col in ("Name", "Email", "Created at", "Lineitem name", "Lineitem quantity", "Lineitem price"):
        assert later[col].ne("").all(), col
    first = df[starts]
    assert np.isclose(first["Total"].astype(float).sum(), shop["total"].sum())
    assert np.isclose(first["Refunded Amount"].astype(float).sum(), shop["refunded"].sum())
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}$")
    assert df["Created at"].map(lambda s: bool(stamp.match(s))).all()
    assert {s[-5:] for s in df["Created at"]} == {"-0400", "-0500"}
    assert first["Billing Zip"].str.startswith("'").all()
    assert first["Cancelled at"].ne("").sum() == (shop["status"] == "cancelled").sum()
    assert set(first["Financial Status"]) <= {"paid", "pending", "refunded", "partially_refunded", "voided"}
    # Order-level money adds up as Shopify prints it.
    money = first[["Subtotal", "Shipping", "Taxes", "Total"]].astype(float)
    assert np.allclose(money["Subtotal"] + money["Shipping"] + money["Taxes"], money["Total"], atol=0.005)
    # Descending by creation time, as the admin exports.
    assert first["Created at"].iloc[0] >= first["Created at"].iloc[-1]


def test_shopify_products_layout(files, history):
    header, recs = rows(files["products_export_1.csv"].data)
    assert header[:8] == "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published".split(",")
    assert header[-5:] == "Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,Status".split(",")
    df = pd.DataFrame(recs)
    variants = df[df["Variant SKU"].ne("")]
    assert sorted(variants["Variant SKU"]) == sorted(history.products["sku"])
    heads = df[df["Title"].ne("")]
    assert heads["Handle"].is_unique and set(heads["Status"]) == {"active", "draft", "archived"}
    assert (df[df["Title"].eq("")]["Status"] == "").all()        # product fields on the first row only
    assert variants["Cost per item"].astype(float).gt(0).all()
    assert (df["Image Position"] == "2").sum() == len(heads)     # one extra image row per product
    assert df.groupby("Handle", sort=False).ngroups == df["Handle"].ne(df["Handle"].shift()).sum()  # adjacent
    qty = variants.set_index("Variant SKU")["Variant Inventory Qty"].astype(int)
    assert qty.sum() == history.inventory["on_hand"].sum()


def test_shopify_inventory_layout(files, history):
    header, recs = rows(files["inventory_export_1.csv"].data)
    assert header == SHOPIFY_INVENTORY.split(",")
    df = pd.DataFrame(recs)
    assert len(df) == 2 * len(history.products) and df["Location"].nunique() == 2
    assert (df["Available (not editable)"] == "not stocked").any()
    assert df["On hand (new)"].eq("").all()
    stocked = df[df["On hand (current)"] != "not stocked"]
    assert stocked["On hand (current)"].astype(int).sum() == history.stock.iloc[-1].sum()


def test_etsy_order_items_layout(files, history):
    names = sorted(n for n in files if n.startswith("EtsySoldOrderItems"))
    assert names == [f"EtsySoldOrderItems{y}.csv" for y in (2024, 2025)]
    data = files[names[-1]].data
    assert data.startswith(b'"Sale Date","Item Name",Buyer,Quantity,Price,')   # quoted when holding a space
    all_rows = []
    for n in names:
        header, recs = rows(files[n].data)
        assert header == ETSY_ITEMS.split(",")
        all_rows += recs
    df = pd.DataFrame(all_rows)
    etsy = history.orders[history.orders["channel"] == "etsy"]
    assert df["Order ID"].nunique() == len(etsy)
    assert df["Sale Date"].str.fullmatch(r"\d\d/\d\d/\d\d").all()
    assert df["Date Paid"].str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    assert df["Price"].str.fullmatch(r"\d+\.\d\d").all()
    assert not df["Item Total"].str.contains(r"\.\d0$|\.0$").any()              # trailing zeros dropped
    total = df["Item Total"].astype(float)
    assert np.allclose(total, df["Quantity"].astype(float) * df["Price"].astype(float))
    first = ~df["Order ID"].duplicated()
    assert set(df.loc[~first, "Discount Amount"]) <= {"0"}                     # '0' on later rows
    assert df["Transaction ID"].is_unique


def test_etsy_orders_carry_refunds(files, history):
    names = sorted(n for n in files if n.startswith("EtsySoldOrders"))
    df = pd.DataFrame([r for n in names for r in rows(files[n].data)[1]])
    assert list(df.columns) == ETSY_ORDERS.split(",")
    etsy = history.orders[history.orders["channel"] == "etsy"]
    assert len(df) == len(etsy)
    adjusted = df["Adjusted Net Order Amount"].astype(float) != 0
    assert adjusted.sum() == (etsy["refunded"] > 0).sum() > 0


def test_amazon_all_orders_layout(files, history):
    name = next(n for n in files if n.startswith("All_Orders"))
    header, recs = rows(files[name].data, delimiter="\t")
    assert header == AMAZON.split(" ")
    df = pd.DataFrame(recs)
    amz = history.orders[history.orders["channel"] == "amazon"]
    assert df["amazon-order-id"].nunique() == len(amz)
    assert df["purchase-date"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00").all()
    priced = df[df["item-price"] != ""]
    truth = history.lines.merge(amz[["order_id", "external_id"]], on="order_id")
    unit = priced.merge(truth, left_on=["amazon-order-id", "sku"], right_on=["external_id", "sku"],
                        how="left")["unit_price"]
    assert unit.notna().all()
    # item-price is the line total, not the unit price.
    assert np.allclose(priced["item-price"].astype(float), priced["quantity"].astype(float) * unit.to_numpy())
    assert (priced["quantity"].astype(int) > 1).any()
    assert set(df.loc[df["item-price"] == "", "order-status"]) <= {"Pending", "Cancelled"}
    assert (df["order-status"] == "Cancelled").any()


@pytest.mark.parametrize("prefix", ["orders_export", "EtsySoldOrderItems", "All_Orders"])
def test_exports_hold_no_other_dates_than_the_history(files, history, prefix):
    data = b"".join(f.data for n, f in files.items() if n.startswith(prefix)).decode()
    years = {int(y) for y in re.findall(r"\b(20\d\d)-\d\d-\d\d", data)}
    years |= {2000 + int(y) for y in re.findall(r"\b\d\d/\d\d/(\d\d)\b", data)}
    assert years and min(years) >= history.start.year and max(years) <= history.end.year + 1
