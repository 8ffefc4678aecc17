"""Shopify admin exports of the demo shop: orders (79 columns), products, inventory (2026 layout).

One row per line item with the order's fields on its first row only; products grouped by Handle
with an extra image row each; inventory per variant x location with `not stocked` where a
location does not carry the variant. See ../shared/formats/FORMATS.md section 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from merchant_ai.demo.export_text import item_name, joined, money_text, offset_of, stamp, write_csv
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


def shopify_orders(h: DemoHistory) -> bytes:
    """`orders_export.csv` (79 columns), newest order first as the admin exports it."""
    orders, lines = joined(h, "shopify")
    orders = orders.sort_values("created_local", ascending=False, kind="stable")
    lines = lines.merge(orders[["order_id"]].reset_index(drop=True).reset_index(names="rank"), on="order_id")
    lines = lines.sort_values(["rank", "line_no"], kind="stable").reset_index(drop=True)
    o = orders.set_index("order_id").loc[lines["order_id"]].reset_index()
    first = lines["line_no"].eq(1).to_numpy()
    created = stamp(o["created_local"], o["utc_offset"])
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
        "Paid at": stamp(paid_at.where(paid), o["utc_offset"]),
        "Fulfillment Status": np.where(shipped.notna(), "fulfilled", "unfulfilled"),
        "Fulfilled at": stamp(shipped, offset_of(shipped)),
        "Accepts Marketing": np.where(o["customer"] % 3 == 0, "yes", "no"),
        "Currency": o["currency"], "Subtotal": money_text(o["subtotal"]), "Shipping": money_text(o["shipping"]),
        "Taxes": money_text(o["tax"]), "Total": money_text(o["total"]), "Discount Code": o["discount_code"],
        "Discount Amount": money_text(o["discount"]),
        "Shipping Method": np.where(o["shipping"] > 0, "Standard Shipping", "Free Shipping"),
        "Billing Name": full_name, "Billing Street": o["street"], "Billing Address1": o["street"],
        "Billing City": o["city"], "Billing Zip": "'" + o["zip"], "Billing Province": o["province_code"],
        "Billing Country": o["country_code"], "Shipping Name": full_name, "Shipping Street": o["street"],
        "Shipping Address1": o["street"], "Shipping City": o["city"], "Shipping Zip": "'" + o["zip"],
        "Shipping Province": o["province_code"], "Shipping Country": o["country_code"],
        "Notes": np.where(o["order_id"] % 53 == 0, "Gift - please leave out the receipt.\nThank you!", ""),
        "Cancelled at": stamp(cancelled, offset_of(cancelled)),
        "Payment Method": "Shopify Payments", "Payment Reference": "c" + (o["platform_id"] * 7 % 10**11).astype(str),
        "Refunded Amount": money_text(o["refunded"]), "Outstanding Balance": "0.00",
        "Id": o["platform_id"].astype(str), "Risk Level": "Low", "Source": "web",
        "Tax 1 Name": np.where(o["tax"] > 0, tax_name, ""), "Tax 1 Value": np.where(o["tax"] > 0, money_text(o["tax"]), ""),
        "Billing Province Name": o["province"], "Shipping Province Name": o["province"],
        "Payment ID": o["external_id"] + ".1", "Payment References": o["external_id"] + ".1",
    }
    for name, values in order_level.items():
        cols[name] = np.where(first, np.asarray(values, dtype=object), "")
    cols.update({
        "Name": o["external_id"], "Email": o["email"], "Created at": created,
        "Lineitem quantity": lines["quantity"].astype(int).astype(str), "Lineitem name": item_name(lines),
        "Lineitem price": money_text(lines["unit_price"]),
        "Lineitem compare at price": np.where(lines["compare_at"].notna(), money_text(lines["compare_at"].fillna(0)), ""),
        "Lineitem sku": lines["sku"], "Lineitem requires shipping": "true", "Lineitem taxable": "true",
        "Lineitem fulfillment status": np.where(shipped.notna(), "fulfilled", "pending"),
        "Vendor": lines["vendor"], "Lineitem discount": money_text(lines["discount"]),
    })
    frame = pd.DataFrame({c: pd.Series(np.broadcast_to(np.asarray(cols[c], dtype=object), len(lines)))
                          for c in SHOPIFY_ORDER_HEADER})
    return write_csv(SHOPIFY_ORDER_HEADER, frame)


def _optioncells(names: tuple, values: tuple) -> list[str]:
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
            opts = _optioncells(row["option_names"], row["option_values"])
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
    return write_csv(SHOPIFY_PRODUCT_HEADER, rows)


def shopify_inventory(h: DemoHistory) -> bytes:
    """`inventory_export_1.csv`, 2026 layout: one row per variant x location, `not stocked` where absent."""
    inv = h.inventory.merge(h.products[["sku", "handle", "title", "option_names", "option_values"]], on="sku")
    incoming = h.purchase_orders[h.purchase_orders["open"]].groupby("sku")["quantity"].sum()
    rows = []
    for r in inv.itertuples():
        opts = _optioncells(r.option_names, r.option_values)
        names_values = [opts[0], opts[1], opts[3], opts[4], opts[6], opts[7]]
        main = r.location.endswith("Workshop")
        if np.isnan(r.on_hand):
            qty = ["not stocked"] * 5
        else:
            inc = int(incoming.get(r.sku, 0)) if main else 0
            qty = [str(inc), "0", "0", str(int(r.on_hand)), str(int(r.on_hand))]
        rows.append([r.handle, r.title, *names_values, r.sku, "", "", r.location, "", *qty, ""])
    return write_csv(SHOPIFY_INVENTORY_HEADER, rows)
