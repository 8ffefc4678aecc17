"""Etsy "Download Data" files of the demo shop: sold order items and sold orders, one file per year.

Etsy names them `EtsySoldOrderItems<YYYY>.csv` / `EtsySoldOrders<YYYY>.csv`, writes `MM/DD/YY`
sale dates next to `MM/DD/YYYY` payment dates, and shows refunds only in the orders file's
`Adjusted ...` columns. See ../shared/formats/FORMATS.md section 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from merchant_ai.demo.export_text import etsy_short, joined, money_text, write_etsy_csv
from merchant_ai.demo.history import DemoHistory

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
ETSY_CARD_RATE, ETSY_CARD_FIXED = 0.03, 0.25


def _etsy_frames(h: DemoHistory) -> tuple[pd.DataFrame, pd.DataFrame]:
    orders, lines = joined(h, "etsy")
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

    def ordermoney_text(values: pd.Series) -> np.ndarray:
        return np.where(first, money_text(values), "0")

    listing = 1_200_000_000 + pd.factorize(lines["handle"], sort=True)[0] * 7919
    frame = pd.DataFrame({
        "Sale Date": o["created_local"].dt.strftime("%m/%d/%y"),
        "Item Name": lines["title"],
        "Buyer": np.where(with_name, full + " (" + o["username"] + ")", o["username"]),
        "Quantity": lines["quantity"].astype(int).astype(str),
        "Price": money_text(lines["unit_price"]),
        "Coupon Code": np.where(o["discount_code"].ne(""), o["discount_code"], ""),
        "Coupon Details": np.where(o["discount_code"].ne(""), "% off", ""),
        "Discount Amount": ordermoney_text(o["discount"]),
        "Shipping Discount": np.where(first, "0.00", "0"),
        "Order Shipping": ordermoney_text(o["shipping"]),
        "Order Sales Tax": ordermoney_text(o["tax"]),
        "Item Total": etsy_short(lines["quantity"] * lines["unit_price"]),
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
    return {f"EtsySoldOrderItems{y}.csv": write_etsy_csv(ETSY_ITEMS_HEADER, frame[year.eq(y).to_numpy()])
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
        "Currency": orders["currency"], "Order Value": money_text(orders["items"]),
        "Coupon Code": orders["discount_code"], "Coupon Details": np.where(orders["discount_code"].ne(""), "% off", ""),
        "Discount Amount": money_text(orders["discount"]), "Shipping Discount": "0",
        "Shipping": money_text(orders["shipping"]), "Sales Tax": money_text(orders["tax"]),
        "Order Total": money_text(total), "Status": "", "Card Processing Fees": money_text(fees),
        "Order Net": money_text(total - fees), "Adjusted Order Total": money_text(adj_total),
        "Adjusted Card Processing Fees": money_text(adj_fees), "Adjusted Net Order Amount": money_text(adj_net),
        "Buyer": full_name + " (" + orders["username"] + ")", "Order Type": "online",
        "Payment Type": "online_cc", "InPerson Discount": "", "InPerson Location": "",
        "SKU": orders["order_id"].map(skus),
    })
    year = orders["created_local"].dt.year
    return {f"EtsySoldOrders{y}.csv": write_etsy_csv(ETSY_ORDERS_HEADER, frame[year.eq(y).to_numpy()])
            for y in sorted(year.unique())}
