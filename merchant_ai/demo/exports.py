"""The demo history written as the files the platforms really export (bytes, in memory only).

Each writer follows ../shared/formats/FORMATS.md: exact header names, one row per line item with
order fields only on an order's first row (Shopify), `YYYY-MM-DD HH:MM:SS -0500` dates whose
offset changes with DST, Etsy's quote-if-it-has-a-space habit and its two date formats in one
row, Amazon's TAB-separated report whose `item-price` is the line total. Nothing is written to
disk: customer data (even made-up) goes from memory into the encrypted store.
"""

from __future__ import annotations

import csv
import io
import re
from typing import NamedTuple

import numpy as np
import pandas as pd

from merchant_ai.demo.history import DemoHistory

SHOPIFY_ORDER_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,"
    "Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,"
    "Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,"
    "Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,"
    "Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,"
    "Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,"
    "Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,"
    "Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,"
    "Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,"
    "Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,"
    "Payment References").split(",")
SHOPIFY_PRODUCT_HEADER = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,"
    "Option1 Linked To,Option2 Name,Option2 Value,Option2 Linked To,Option3 Name,Option3 Value,Option3 Linked To,"
    "Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,"
    "Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,"
    "Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,"
    "Google Shopping / Google Product Category,Google Shopping / Gender,Google Shopping / Age Group,"
    "Google Shopping / MPN,Google Shopping / Condition,Google Shopping / Custom Product,"
    "Google Shopping / Custom Label 0,Google Shopping / Custom Label 1,Google Shopping / Custom Label 2,"
    "Google Shopping / Custom Label 3,Google Shopping / Custom Label 4,Variant Image,Variant Weight Unit,"
    "Variant Tax Code,Cost per item,Status").split(",")
SHOPIFY_INVENTORY_HEADER = (
    "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,"
    "COO,Location,Bin name,Incoming (not editable),Unavailable (not editable),Committed (not editable),"
    "Available (not editable),On hand (current),On hand (new)").split(",")
ETSY_ITEMS_HEADER = (
    "Sale Date,Item Name,Buyer,Quantity,Price,Coupon Code,Coupon Details,Discount Amount,Shipping Discount,"
    "Order Shipping,Order Sales Tax,Item Total,Currency,Transaction ID,Listing ID,Date Paid,Date Shipped,"
    "Ship Name,Ship Address1,Ship Address2,Ship City,Ship State,Ship Zipcode,Ship Country,Order ID,Variations,"
    "Order Type,Listings Type,Payment Type,InPerson Discount,InPerson Location,VAT Paid by Buyer,SKU").split(",")
ETSY_ORDERS_HEADER = (
    "Sale Date,Order ID,Buyer User ID,Full Name,First Name,Last Name,Number of Items,Payment Method,Date Shipped,"
    "Street 1,Street 2,Ship City,Ship State,Ship Zipcode,Ship Country,Currency,Order Value,Coupon Code,"
    "Coupon Details,Discount Amount,Shipping Discount,Shipping,Sales Tax,Order Total,Status,Card Processing Fees,"
    "Order Net,Adjusted Order Total,Adjusted Card Processing Fees,Adjusted Net Order Amount,Buyer,Order Type,"
    "Payment Type,InPerson Discount,InPerson Location,SKU").split(",")
AMAZON_ALL_ORDERS_HEADER = (
    "amazon-order-id	merchant-order-id	purchase-date	last-updated-date	order-status	fulfillment-channel	"
    "sales-channel	order-channel	url	ship-service-level	product-name	sku	asin	item-status	quantity	currency	"
    "item-price	item-tax	shipping-price	shipping-tax	gift-wrap-price	gift-wrap-tax	item-promotion-discount	"
    "ship-promotion-discount	ship-city	ship-state	ship-postal-code	ship-country	promotion-ids	"
    "is-business-order	purchase-order-number	price-designation").split("\t")

TAXONOMY = {
    "Candles": "Home & Garden > Decor > Candles",
    "Tech accessories": "Electronics > Communications > Telephony > Mobile Phone Accessories",
    "Stationery": "Office Supplies > General Office Supplies > Paper Products",
    "Kitchen": "Home & Garden > Kitchen & Dining > Tableware",
    "Yarn & knitting": "Arts & Entertainment > Hobbies & Creative Arts > Arts & Crafts > Art & Crafting Materials",
    "Apparel": "Apparel & Accessories > Clothing",
    "Jewelry": "Apparel & Accessories > Jewelry",
    "Home decor": "Home & Garden > Decor",
}
ETSY_CARD_RATE, ETSY_CARD_FIXED = 0.03, 0.25
_NEEDS_QUOTES = re.compile(r'[ ,"\n\r]').search


# --- formatting helpers ----------------------------------------------------------------------
def _money(x: float | np.ndarray) -> np.ndarray:
    """2-decimal text, as Shopify and Amazon print money."""
    return np.char.mod("%.2f", np.round(np.asarray(x, dtype=float), 2) + 0.0)


def _etsy_short(x: np.ndarray) -> np.ndarray:
    """Etsy's Item Total: no trailing zeros (`3.3`, `6`)."""
    return np.array([f"{v:.2f}".rstrip("0").rstrip(".") for v in np.round(np.asarray(x, float), 2)], dtype=object)


def _stamp(local: pd.Series, offset: pd.Series) -> pd.Series:
    """'2025-03-09 14:02:11 -0400' (empty for NaT)."""
    text = local.dt.strftime("%Y-%m-%d %H:%M:%S")
    return (text + " " + offset).where(local.notna(), "")


def _offset_of(local: pd.Series) -> pd.Series:
    from merchant_ai.demo.shop_calendar import format_offset, utc_offset_minutes

    filled = local.fillna(pd.Timestamp("2000-01-01")).to_numpy().astype("datetime64[s]")
    return pd.Series(format_offset(utc_offset_minutes(filled)), index=local.index)


def _csv(header: list[str], rows: list[list[str]] | pd.DataFrame, delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(_cells(rows) if isinstance(rows, pd.DataFrame) else rows)
    return buf.getvalue().encode("utf-8")


def _cells(frame: pd.DataFrame) -> list[list[str]]:
    """Rows as plain Python strings (iterating Arrow-backed columns cell by cell is slow)."""
    cols = [np.asarray(frame[c].to_numpy(dtype=object, na_value=""), dtype=object) for c in frame.columns]
    return np.stack(cols, axis=1).tolist() if cols and len(frame) else []


def _etsy_csv(header: list[str], frame: pd.DataFrame) -> bytes:
    """Etsy quotes every value (header included) that holds a space, comma, quote or newline."""
    def cell(value: object) -> str:
        text = str(value)
        return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES(text) else text

    lines = [",".join(cell(h) for h in header)]
    lines.extend(",".join(cell(v) for v in row) for row in _cells(frame[header]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _joined(h: DemoHistory, channel: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A channel's orders with buyer details, and its lines with product details."""
    orders = h.orders[h.orders["channel"] == channel]
    cust = h.customers.set_index("customer")
    orders = orders.join(cust[["first_name", "last_name", "email", "username", "street", "town", "city",
                               "province_code", "province", "zip", "country_code", "country"]], on="customer")
    lines = h.lines[h.lines["order_id"].isin(orders["order_id"])]
    prod = h.products.set_index("sku")
    lines = lines.join(prod[["title", "variant", "handle", "option_names", "option_values", "vendor"]], on="sku")
    return orders, lines


def _item_name(lines: pd.DataFrame) -> pd.Series:
    return lines["title"] + np.where(lines["variant"].ne(""), " - " + lines["variant"], "")


# --- Shopify -----------------------------------------------------------------------------------
def shopify_orders(h: DemoHistory) -> bytes:
    """`orders_export.csv` (79 columns), newest order first as the admin exports it."""
    orders, lines = _joined(h, "shopify")
    orders = orders.sort_values("created_local", ascending=False, kind="stable")
    lines = lines.merge(orders[["order_id"]].reset_index(drop=True).reset_index(names="rank"), on="order_id")
    lines = lines.sort_values(["rank", "line_no"], kind="stable").reset_index(drop=True)
    o = orders.set_index("order_id").loc[lines["order_id"]].reset_index()
    first = lines["line_no"].eq(1).to_numpy()
    created = _stamp(o["created_local"], o["utc_offset"])
    cols: dict[str, pd.Series | np.ndarray | str] = {c: "" for c in SHOPIFY_ORDER_HEADER}
    full_name = o["first_name"] + " " + o["last_name"]
    paid = o["financial_status"].isin(["paid", "refunded", "partially_refunded"])
    paid_at = o["created_local"] + pd.to_timedelta(3, unit="s")
    shipped = o["shipped_local"]
    cancelled = o["cancelled_local"]
    tax_name = (o["province_code"].where(o["province_code"].ne(""), o["country_code"]) + " Sales Tax "
                + (o["tax_rate"] * 100).round(3).map(lambda r: f"{r:g}") + "%")
    order_level = {
        "Financial Status": o["financial_status"],
        "Paid at": _stamp(paid_at.where(paid), o["utc_offset"]),
        "Fulfillment Status": np.where(shipped.notna(), "fulfilled", "unfulfilled"),
        "Fulfilled at": _stamp(shipped, _offset_of(shipped)),
        "Accepts Marketing": np.where(o["customer"] % 3 == 0, "yes", "no"),
        "Currency": o["currency"], "Subtotal": _money(o["subtotal"]), "Shipping": _money(o["shipping"]),
        "Taxes": _money(o["tax"]), "Total": _money(o["total"]), "Discount Code": o["discount_code"],
        "Discount Amount": _money(o["discount"]),
        "Shipping Method": np.where(o["shipping"] > 0, "Standard Shipping", "Free Shipping"),
        "Billing Name": full_name, "Billing Street": o["street"], "Billing Address1": o["street"],
        "Billing City": o["city"], "Billing Zip": "'" + o["zip"], "Billing Province": o["province_code"],
        "Billing Country": o["country_code"], "Shipping Name": full_name, "Shipping Street": o["street"],
        "Shipping Address1": o["street"], "Shipping City": o["city"], "Shipping Zip": "'" + o["zip"],
        "Shipping Province": o["province_code"], "Shipping Country": o["country_code"],
        "Notes": np.where(o["order_id"] % 53 == 0, "Gift - please leave out the receipt.\nThank you!", ""),
        "Cancelled at": _stamp(cancelled, _offset_of(cancelled)),
        "Payment Method": "Shopify Payments", "Payment Reference": "c" + (o["platform_id"] * 7 % 10**11).astype(str),
        "Refunded Amount": _money(o["refunded"]), "Outstanding Balance": "0.00",
        "Id": o["platform_id"].astype(str), "Risk Level": "Low", "Source": "web",
        "Tax 1 Name": np.where(o["tax"] > 0, tax_name, ""), "Tax 1 Value": np.where(o["tax"] > 0, _money(o["tax"]), ""),
        "Billing Province Name": o["province"], "Shipping Province Name": o["province"],
        "Payment ID": o["external_id"] + ".1", "Payment References": o["external_id"] + ".1",
    }
    for name, values in order_level.items():
        cols[name] = np.where(first, np.asarray(values, dtype=object), "")
    cols.update({
        "Name": o["external_id"], "Email": o["email"], "Created at": created,
        "Lineitem quantity": lines["quantity"].astype(int).astype(str), "Lineitem name": _item_name(lines),
        "Lineitem price": _money(lines["unit_price"]),
        "Lineitem compare at price": np.where(lines["compare_at"].notna(), _money(lines["compare_at"].fillna(0)), ""),
        "Lineitem sku": lines["sku"], "Lineitem requires shipping": "true", "Lineitem taxable": "true",
        "Lineitem fulfillment status": np.where(shipped.notna(), "fulfilled", "pending"),
        "Vendor": lines["vendor"], "Lineitem discount": _money(lines["discount"]),
    })
    frame = pd.DataFrame({c: pd.Series(np.broadcast_to(np.asarray(cols[c], dtype=object), len(lines)))
                          for c in SHOPIFY_ORDER_HEADER})
    return _csv(SHOPIFY_ORDER_HEADER, frame)


def _option_cells(names: tuple, values: tuple) -> list[str]:
    """Option1..3 Name/Value/Linked To; a single-variant product is 'Title' / 'Default Title'."""
    if not names:
        names, values = ("Title",), ("Default Title",)
    cells: list[str] = []
    for i in range(3):
        cells += [names[i], values[i], ""] if i < len(names) else ["", "", ""]
    return cells


def _current_prices(h: DemoHistory) -> pd.DataFrame:
    """Web-shop price on the last day: promotion price with the regular one as compare-at."""
    p = h.products[["sku", "parent_sku", "price_shopify"]].copy()
    end = pd.Timestamp(h.end)
    live = h.promotions[(h.promotions["start"] <= end) & (h.promotions["end"] >= end)]
    off = p["parent_sku"].map(live.set_index("parent_sku")["discount"]).fillna(0.0)
    p["price"] = np.round(p["price_shopify"] * (1 - off), 2)
    p["compare_at"] = np.where(off > 0, p["price_shopify"], np.nan)
    return p.set_index("sku")


def shopify_products(h: DemoHistory) -> bytes:
    """`products_export_1.csv`: one row per variant, an extra image row per product, Handle-grouped."""
    current = _current_prices(h)
    prices = {sku: (p, c) for sku, p, c in zip(current.index, current["price"], current["compare_at"], strict=True)}
    on_hand = h.inventory.groupby("sku")["on_hand"].sum().to_dict()
    rows: list[list[str]] = []
    pos = {c: i for i, c in enumerate(SHOPIFY_PRODUCT_HEADER)}
    groups: dict[str, list[dict]] = {}
    for rec in h.products.to_dict("records"):
        groups.setdefault(rec["handle"], []).append(rec)
    for handle, group in groups.items():
        head = group[0]
        image = f"https://cdn.shopify.com/s/files/1/0612/4417/files/{handle}.jpg"
        for k, row in enumerate(group):
            cells = [""] * len(SHOPIFY_PRODUCT_HEADER)
            cells[pos["Handle"]] = handle
            opts = _option_cells(row["option_names"], row["option_values"])
            for j, name in enumerate(("Option1 Name", "Option1 Value", "Option1 Linked To", "Option2 Name",
                                      "Option2 Value", "Option2 Linked To", "Option3 Name", "Option3 Value",
                                      "Option3 Linked To")):
                cells[pos[name]] = opts[j] if (k == 0 or "Value" in name) else ""
            price, compare_at = prices[row["sku"]]
            cells[pos["Variant SKU"]] = row["sku"]
            cells[pos["Variant Grams"]] = f"{row['grams']:.1f}"
            cells[pos["Variant Inventory Tracker"]] = "shopify"
            cells[pos["Variant Inventory Qty"]] = str(int(on_hand.get(row["sku"], 0)))
            cells[pos["Variant Inventory Policy"]] = "deny"
            cells[pos["Variant Fulfillment Service"]] = "manual"
            cells[pos["Variant Price"]] = f"{price:.2f}"
            cells[pos["Variant Compare At Price"]] = "" if np.isnan(compare_at) else f"{compare_at:.2f}"
            cells[pos["Variant Requires Shipping"]] = "true"
            cells[pos["Variant Taxable"]] = "true"
            cells[pos["Variant Weight Unit"]] = "g"
            cells[pos["Cost per item"]] = f"{row['unit_cost']:.2f}"
            if k == 0:
                cells[pos["Title"]] = head["title"]
                cells[pos["Body (HTML)"]] = (f"<p>{head['title']} from our {head['category'].lower()} range.</p>\n"
                                             f"<p>Made in small batches by {head['supplier']}.</p>")
                cells[pos["Vendor"]] = head["vendor"]
                cells[pos["Product Category"]] = TAXONOMY[head["category"]]
                cells[pos["Type"]] = head["category"]
                cells[pos["Tags"]] = f"{head['product_type'].lower()}, gift"
                cells[pos["Published"]] = "false" if head["status"] == "draft" else "true"
                cells[pos["Image Src"]] = image
                cells[pos["Image Position"]] = "1"
                cells[pos["Image Alt Text"]] = head["title"]
                cells[pos["Gift Card"]] = "false"
                cells[pos["Status"]] = head["status"]
            rows.append(cells)
        extra = [""] * len(SHOPIFY_PRODUCT_HEADER)
        extra[pos["Handle"]] = handle
        extra[pos["Image Src"]] = image.replace(".jpg", "-detail.jpg")
        extra[pos["Image Position"]] = "2"
        rows.append(extra)
    return _csv(SHOPIFY_PRODUCT_HEADER, rows)


def shopify_inventory(h: DemoHistory) -> bytes:
    """`inventory_export_1.csv`, 2026 layout: one row per variant x location, `not stocked` where absent."""
    inv = h.inventory.merge(h.products[["sku", "handle", "title", "option_names", "option_values"]], on="sku")
    incoming = h.purchase_orders[h.purchase_orders["open"]].groupby("sku")["quantity"].sum()
    rows = []
    for r in inv.itertuples():
        opts = _option_cells(r.option_names, r.option_values)
        names_values = [opts[0], opts[1], opts[3], opts[4], opts[6], opts[7]]
        main = r.location.endswith("Workshop")
        if np.isnan(r.on_hand):
            qty = ["not stocked"] * 5
        else:
            inc = int(incoming.get(r.sku, 0)) if main else 0
            qty = [str(inc), "0", "0", str(int(r.on_hand)), str(int(r.on_hand))]
        rows.append([r.handle, r.title, *names_values, r.sku, "", "", r.location, "", *qty, ""])
    return _csv(SHOPIFY_INVENTORY_HEADER, rows)


# --- Etsy ----------------------------------------------------------------------------------------
def _etsy_frames(h: DemoHistory) -> tuple[pd.DataFrame, pd.DataFrame]:
    orders, lines = _joined(h, "etsy")
    orders = orders.sort_values("created_local", ascending=False, kind="stable")
    lines = lines.merge(orders[["order_id"]].reset_index(drop=True).reset_index(names="rank"), on="order_id")
    return orders, lines.sort_values(["rank", "line_no"], kind="stable").reset_index(drop=True)


def etsy_order_items(h: DemoHistory) -> dict[str, bytes]:
    """`EtsySoldOrderItems<YYYY>.csv` per sale year: one row per transaction.

    Order-level money (discount, shipping, sales tax) sits on the order's first row as `0.00`
    style text and as `0` on the others, as Etsy writes it.
    """
    orders, lines = _etsy_frames(h)
    o = orders.set_index("order_id").loc[lines["order_id"]].reset_index()
    first = lines["line_no"].eq(1).to_numpy()
    full = o["first_name"] + " " + o["last_name"]
    with_name = (o["customer"] % 10) < 7          # most buyers show as "Full Name (username)"
    shipped = o["shipped_local"]

    def order_money(values: pd.Series) -> np.ndarray:
        return np.where(first, _money(values), "0")

    listing = 1_200_000_000 + pd.factorize(lines["handle"], sort=True)[0] * 7919
    frame = pd.DataFrame({
        "Sale Date": o["created_local"].dt.strftime("%m/%d/%y"),
        "Item Name": lines["title"],
        "Buyer": np.where(with_name, full + " (" + o["username"] + ")", o["username"]),
        "Quantity": lines["quantity"].astype(int).astype(str),
        "Price": _money(lines["unit_price"]),
        "Coupon Code": np.where(o["discount_code"].ne(""), o["discount_code"], ""),
        "Coupon Details": np.where(o["discount_code"].ne(""), "% off", ""),
        "Discount Amount": order_money(o["discount"]),
        "Shipping Discount": np.where(first, "0.00", "0"),
        "Order Shipping": order_money(o["shipping"]),
        "Order Sales Tax": order_money(o["tax"]),
        "Item Total": _etsy_short(lines["quantity"] * lines["unit_price"]),
        "Currency": o["currency"],
        "Transaction ID": lines["line_key"],
        "Listing ID": listing.astype(str),
        "Date Paid": o["created_local"].dt.strftime("%m/%d/%Y"),
        "Date Shipped": shipped.dt.strftime("%m/%d/%Y").fillna(""),
        "Ship Name": full, "Ship Address1": o["street"], "Ship Address2": "", "Ship City": o["city"],
        "Ship State": o["province_code"], "Ship Zipcode": o["zip"], "Ship Country": o["country"],
        "Order ID": o["external_id"],
        "Variations": [", ".join(f"{n}:{v}" for n, v in zip(ns, vs, strict=True))
                       for ns, vs in zip(lines["option_names"], lines["option_values"], strict=True)],
        "Order Type": "online", "Listings Type": "listing", "Payment Type": "online_cc",
        "InPerson Discount": "", "InPerson Location": "", "VAT Paid by Buyer": "0", "SKU": lines["sku"],
    })
    year = o["created_local"].dt.year
    return {f"EtsySoldOrderItems{y}.csv": _etsy_csv(ETSY_ITEMS_HEADER, frame[year.eq(y).to_numpy()])
            for y in sorted(year.unique())}


def etsy_orders(h: DemoHistory) -> dict[str, bytes]:
    """`EtsySoldOrders<YYYY>.csv`: one row per order with card fees and refunds (`Adjusted ...`).

    A partial refund shows as the adjusted total, fees and net; a full refund leaves the adjusted
    total at 0.00 with Etsy keeping its fixed fee, so only the adjusted net tells (as in real files).
    """
    orders, lines = _etsy_frames(h)
    skus = lines.groupby("order_id")["sku"].agg(",".join)
    count = lines.groupby("order_id")["quantity"].sum().astype(int)
    total = orders["total"].to_numpy()
    fees = np.round(total * ETSY_CARD_RATE + ETSY_CARD_FIXED, 2)
    refunded = orders["refunded"].to_numpy()
    adjusted = refunded > 0
    full = adjusted & (refunded >= total - 0.005)
    adj_total = np.where(adjusted & ~full, total - refunded, 0.0)
    adj_fees = np.where(full, ETSY_CARD_FIXED, np.where(adjusted, np.round(adj_total * ETSY_CARD_RATE
                                                                           + ETSY_CARD_FIXED, 2), 0.0))
    adj_net = np.where(adjusted, adj_total - adj_fees, 0.0)
    full_name = orders["first_name"] + " " + orders["last_name"]
    frame = pd.DataFrame({
        "Sale Date": orders["created_local"].dt.strftime("%m/%d/%y"),
        "Order ID": orders["external_id"],
        "Buyer User ID": (700_000_000 + orders["customer"] * 37).astype(str),
        "Full Name": full_name, "First Name": orders["first_name"], "Last Name": orders["last_name"],
        "Number of Items": orders["order_id"].map(count).astype(str),
        "Payment Method": "Credit Card",
        "Date Shipped": orders["shipped_local"].dt.strftime("%m/%d/%y").fillna(""),
        "Street 1": orders["street"], "Street 2": "", "Ship City": orders["city"],
        "Ship State": orders["province_code"], "Ship Zipcode": orders["zip"], "Ship Country": orders["country"],
        "Currency": orders["currency"], "Order Value": _money(orders["items"]),
        "Coupon Code": orders["discount_code"], "Coupon Details": np.where(orders["discount_code"].ne(""), "% off", ""),
        "Discount Amount": _money(orders["discount"]), "Shipping Discount": "0",
        "Shipping": _money(orders["shipping"]), "Sales Tax": _money(orders["tax"]),
        "Order Total": _money(total), "Status": "", "Card Processing Fees": _money(fees),
        "Order Net": _money(total - fees), "Adjusted Order Total": _money(adj_total),
        "Adjusted Card Processing Fees": _money(adj_fees), "Adjusted Net Order Amount": _money(adj_net),
        "Buyer": full_name + " (" + orders["username"] + ")", "Order Type": "online",
        "Payment Type": "online_cc", "InPerson Discount": "", "InPerson Location": "",
        "SKU": orders["order_id"].map(skus),
    })
    year = orders["created_local"].dt.year
    return {f"EtsySoldOrders{y}.csv": _etsy_csv(ETSY_ORDERS_HEADER, frame[year.eq(y).to_numpy()])
            for y in sorted(year.unique())}


# --- Amazon --------------------------------------------------------------------------------------
def amazon_all_orders(h: DemoHistory) -> bytes:
    """All Orders report (TAB): one row per item, `item-price` = the line total, UTC timestamps.

    Pending items have empty prices and cancelled ones keep their quantity with no price.
    """
    orders, lines = _joined(h, "amazon")
    lines = lines.sort_values(["order_id", "line_no"], kind="stable").reset_index(drop=True)
    o = orders.set_index("order_id").loc[lines["order_id"]].reset_index()
    iso = o["created_utc"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    updated = (o["created_utc"] + pd.to_timedelta(np.where(o["shipped_local"].notna(), 26, 1), unit="h"))
    priced = ~o["status"].isin(["pending", "cancelled"]).to_numpy()
    shipping_first = np.where(lines["line_no"].eq(1), o["shipping"], 0.0)
    status = o["status"].map({"pending": "Pending", "cancelled": "Cancelled"}).fillna(
        pd.Series(np.where(o["shipped_local"].notna(), "Shipped", "Unshipped"), index=o.index))
    item_status = status.map({"Pending": "Unshipped", "Cancelled": "Cancelled"}).fillna(status)

    def price(values: np.ndarray) -> np.ndarray:
        return np.where(priced, _money(values), "")

    asin = "B0" + (pd.factorize(lines["sku"], sort=True)[0] * 104729 + 10_000_000).astype(str)
    town_country = o["country_code"]
    frame = pd.DataFrame({
        "amazon-order-id": o["external_id"], "merchant-order-id": "", "purchase-date": iso,
        "last-updated-date": updated.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "order-status": status,
        "fulfillment-channel": "Merchant", "sales-channel": "Amazon.com", "order-channel": "", "url": "",
        "ship-service-level": "Standard", "product-name": _item_name(lines), "sku": lines["sku"], "asin": asin,
        "item-status": item_status, "quantity": lines["quantity"].astype(int).astype(str), "currency": o["currency"],
        "item-price": price(lines["quantity"] * lines["unit_price"]), "item-tax": price(lines["tax"]),
        "shipping-price": price(shipping_first), "shipping-tax": price(np.zeros(len(lines))),
        "gift-wrap-price": "", "gift-wrap-tax": "", "item-promotion-discount": price(lines["discount"]),
        "ship-promotion-discount": price(np.zeros(len(lines))), "ship-city": o["city"].str.upper(),
        "ship-state": o["province_code"], "ship-postal-code": o["zip"], "ship-country": town_country,
        "promotion-ids": "", "is-business-order": "false", "purchase-order-number": "", "price-designation": "",
    })
    return _csv(AMAZON_ALL_ORDERS_HEADER, frame, delimiter="\t")


class ExportFile(NamedTuple):
    name: str
    format: str       # the importer format it is (`merchant-ai formats` names)
    data: bytes


def export_files(h: DemoHistory, *, etsy_orders_file: bool = True) -> list[ExportFile]:
    """Every export in import order: catalogue and stock first, then the channels' orders."""
    start, end = h.start.strftime("%Y%m%d"), h.end.strftime("%Y%m%d")
    files = [ExportFile("products_export_1.csv", "shopify-products", shopify_products(h)),
             ExportFile("inventory_export_1.csv", "shopify-inventory", shopify_inventory(h)),
             ExportFile("orders_export_1.csv", "shopify-orders", shopify_orders(h))]
    files += [ExportFile(n, "etsy-order-items", d) for n, d in etsy_order_items(h).items()]
    if etsy_orders_file:
        files += [ExportFile(n, "etsy-orders", d) for n, d in etsy_orders(h).items()]
    files.append(ExportFile(f"All_Orders_Report_{start}-{end}.txt", "amazon-all-orders", amazon_all_orders(h)))
    return files
