"""Amazon's All Orders report of the demo shop (TAB-separated, one row per order item).

`item-price` is the line total, timestamps are UTC, pending items have empty prices and the
report names no buyer. See ../shared/formats/FORMATS.md section 4b.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from merchant_ai.demo.export_text import item_name, joined, money_text, write_csv
from merchant_ai.demo.history import DemoHistory

AMAZON_ALL_ORDERS_HEADER = (
    "amazon-order-id	merchant-order-id	purchase-date	last-updated-date	order-status	fulfillment-channel	"
    "sales-channel	order-channel	url	ship-service-level	product-name	sku	asin	item-status	quantity	currency	"
    "item-price	item-tax	shipping-price	shipping-tax	gift-wrap-price	gift-wrap-tax	item-promotion-discount	"
    "ship-promotion-discount	ship-city	ship-state	ship-postal-code	ship-country	promotion-ids	"
    "is-business-order	purchase-order-number	price-designation").split("\t")


def amazon_all_orders(h: DemoHistory) -> bytes:
    """All Orders report (TAB): one row per item, `item-price` = the line total, UTC timestamps.

    Pending items have empty prices and cancelled ones keep their quantity with no price.
    """
    orders, lines = joined(h, "amazon")
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
        return np.where(priced, money_text(values), "")

    asin = "B0" + (pd.factorize(lines["sku"], sort=True)[0] * 104729 + 10_000_000).astype(str)
    town_country = o["country_code"]
    frame = pd.DataFrame({
        "amazon-order-id": o["external_id"], "merchant-order-id": "", "purchase-date": iso,
        "last-updated-date": updated.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "order-status": status,
        "fulfillment-channel": "Merchant", "sales-channel": "Amazon.com", "order-channel": "", "url": "",
        "ship-service-level": "Standard", "product-name": item_name(lines), "sku": lines["sku"], "asin": asin,
        "item-status": item_status, "quantity": lines["quantity"].astype(int).astype(str), "currency": o["currency"],
        "item-price": price(lines["quantity"] * lines["unit_price"]), "item-tax": price(lines["tax"]),
        "shipping-price": price(shipping_first), "shipping-tax": price(np.zeros(len(lines))),
        "gift-wrap-price": "", "gift-wrap-tax": "", "item-promotion-discount": price(lines["discount"]),
        "ship-promotion-discount": price(np.zeros(len(lines))), "ship-city": o["city"].str.upper(),
        "ship-state": o["province_code"], "ship-postal-code": o["zip"], "ship-country": town_country,
        "promotion-ids": "", "is-business-order": "false", "purchase-order-number": "", "price-designation": "",
    })
    return write_csv(AMAZON_ALL_ORDERS_HEADER, frame, delimiter="\t")
