"""The demo history written as the files the platforms really export (bytes, in memory only).

Each writer follows ../shared/formats/FORMATS.md (exact header names, row layout, dates, money,
quoting): `shopify_export`, `etsy_export`, `amazon_export`. Nothing is written to disk: customer
data (even made-up) goes from memory straight into the encrypted store.
"""

from __future__ import annotations

from typing import NamedTuple

from merchant_ai.demo.amazon_export import amazon_all_orders
from merchant_ai.demo.etsy_export import etsy_order_items, etsy_orders
from merchant_ai.demo.history import DemoHistory
from merchant_ai.demo.shopify_export import shopify_inventory, shopify_orders, shopify_products


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
