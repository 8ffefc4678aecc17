"""Small made-up export files for the formats the demo shop does not write (in memory only).

The self-test (`merchant-ai self-test`, also run against the frozen build) imports one file of
every format the importer registry knows, so a parser whose module (or one of its hidden
imports) is missing from a build fails loudly. The demo writes the Shopify orders, products and
inventory, the Etsy orders and order items and the Amazon All Orders report; this module writes
the rest, each following the header layout in ../shared/formats/FORMATS.md. These live in the
package, not in tests/, because the frozen app ships no tests. Everything is made up (names,
addresses, order numbers) and is never written to disk by this module.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SampleProduct:
    sku: str
    title: str
    price: float
    cost: float


@dataclass(frozen=True)
class SampleFile:
    """One export file and what the importer must find in it (ImportResult field -> count)."""

    name: str
    format: str
    data: bytes
    expected: dict[str, int] = field(default_factory=dict)


def _table(header: list[str], rows: list[dict], *, delimiter: str = ",", blank_around_header: bool = False,
           bom: bool = False) -> bytes:
    """CSV/TSV text of rows keyed by header name (missing cells empty).

    `blank_around_header` puts a row of empty cells before and after the header, as eBay's
    Orders report does.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n",
                        quoting=csv.QUOTE_MINIMAL if delimiter == "," else csv.QUOTE_NONE)
    blank = [""] * len(header)
    if blank_around_header:
        writer.writerow(blank)
    writer.writerow(header)
    if blank_around_header:
        writer.writerow(blank)
    for row in rows:
        writer.writerow([row.get(col, "") for col in header])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def _money(value: float) -> str:
    return f"{value:.2f}"


def _days(end: dt.date, n: int) -> list[dt.date]:
    """n distinct recent days before `end`, oldest first."""
    return [end - dt.timedelta(days=3 * (n - i)) for i in range(n)]


SHOPIFY_CUSTOMERS = ["First Name", "Last Name", "Email", "Accepts Email Marketing", "Company", "Address1",
                     "Address2", "City", "Province", "Province Code", "Country", "Country Code", "Zip", "Phone",
                     "Accepts SMS Marketing", "Total Spent", "Total Orders", "Tags", "Note", "Tax Exempt"]
PEOPLE = [("Ada", "Quill"), ("Bo", "Marsh"), ("Cy", "Fennel"), ("Di", "Rowan")]


def shopify_customers(products: list[SampleProduct], end: dt.date) -> SampleFile:
    rows = [{"First Name": first, "Last Name": last, "Email": f"{first.lower()}.{last.lower()}@example.com",
             "Accepts Email Marketing": "yes" if i % 2 == 0 else "no", "Country": "United States",
             "Country Code": "US", "Accepts SMS Marketing": "no", "Total Spent": _money(20.0 * (i + 1)),
             "Total Orders": str(i + 1), "Tax Exempt": "no"} for i, (first, last) in enumerate(PEOPLE)]
    return SampleFile("customers_export.csv", "shopify-customers", _table(SHOPIFY_CUSTOMERS, rows),
                      {"customers": len(rows)})


WOO_PRODUCTS = ["ID", "Type", "SKU", "GTIN, UPC, EAN, or ISBN", "Name", "Published", "Is featured?",
                "Visibility in catalog", "Short description", "Description", "Date sale price starts",
                "Date sale price ends", "Tax status", "Tax class", "In stock?", "Stock", "Low stock amount",
                "Backorders allowed?", "Sold individually?", "Weight (kg)", "Length (cm)", "Width (cm)",
                "Height (cm)", "Allow customer reviews?", "Purchase note", "Sale price", "Regular price",
                "Categories", "Tags", "Shipping class", "Images", "Download limit", "Download expiry days",
                "Parent", "Grouped products", "Upsells", "Cross-sells", "External URL", "Button text", "Position",
                "Brands", "Cost of goods"]


def woocommerce_products(products: list[SampleProduct], end: dt.date) -> SampleFile:
    rows = [{"ID": str(500 + i), "Type": "simple", "SKU": p.sku, "Name": p.title, "Published": "1",
             "Is featured?": "0", "Visibility in catalog": "visible", "Tax status": "taxable", "In stock?": "1",
             "Stock": str(10 + i), "Backorders allowed?": "0", "Sold individually?": "0",
             "Allow customer reviews?": "1", "Regular price": _money(p.price), "Categories": "Self-test",
             "Position": "0", "Cost of goods": _money(p.cost)} for i, p in enumerate(products)]
    return SampleFile("wc-product-export-selftest.csv", "woocommerce-products", _table(WOO_PRODUCTS, rows, bom=True),
                      {"products": len(rows)})


WOO_ORDERS = ["Date", "Order #", "N. Revenue (formatted)", "Status", "Customer", "Customer type", "Product(s)",
              "Items sold", "Coupon(s)", "Net Sales", "Attribution"]


def woocommerce_orders(products: list[SampleProduct], end: dt.date) -> SampleFile:
    rows = []
    for i, day in enumerate(_days(end, 4)):
        p = products[i % len(products)]
        qty = 1 + i % 2
        net = qty * p.price
        rows.append({"Date": f"{day.isoformat()} 10:{i:02d}:00", "Order #": str(9100 + i),
                     "N. Revenue (formatted)": f"${net:.2f}", "Status": "completed",
                     "Customer": " ".join(PEOPLE[i % len(PEOPLE)]), "Customer type": "new" if i < 2 else "returning",
                     "Product(s)": f"{qty}× {p.title}", "Items sold": str(qty), "Net Sales": _money(net),
                     "Attribution": "Direct"})
    return SampleFile("wc-analytics-orders-selftest.csv", "woocommerce-orders", _table(WOO_ORDERS, rows),
                      {"orders": len(rows)})


EBAY_ORDERS = ["Sales record number", "Order number", "Buyer username", "Buyer name", "Buyer email", "Buyer note",
               "Buyer address 1", "Buyer address 2", "Buyer town/city", "Buyer county", "Buyer postcode",
               "Buyer country", "Post to name", "Post to phone", "Post to address 1", "Post to address 2",
               "Post to city", "Post to county", "Post to postcode", "Post to country", "Item number", "Item title",
               "Custom label", "Sold via Promoted Listings", "Quantity", "Sold for", "Postage and packaging",
               "Item location", "Item postcode", "Item country", "Seller collected tax", "eBay collected tax",
               "Total price", "eBay collected tax and fees included in total", "Payment method", "Sale date",
               "Paid on date", "Post by date", "Dispatched on date", "Feedback left", "Feedback received",
               "My item note", "PayPal transaction ID", "Delivery service", "Tracking number", "Transaction ID",
               "Variation details", "Global Shipping Programme", "Click and Collect", "eBay Plus"]


def _ebay_day(day: dt.date) -> str:
    return day.strftime("%b-%d-%Y")


def ebay_orders(products: list[SampleProduct], end: dt.date) -> SampleFile:
    rows = []
    for i, day in enumerate(_days(end, 3)):
        p = products[i % len(products)]
        first, last = PEOPLE[i % len(PEOPLE)]
        rows.append({"Sales record number": str(700 + i), "Order number": f"05-90000-{10000 + i}",
                     "Buyer username": f"{first.lower()}_{i}", "Buyer name": f"{first} {last}",
                     "Buyer country": "United Kingdom", "Post to name": f"{first} {last}",
                     "Post to country": "United Kingdom", "Item number": str(334400009000 + i),
                     "Item title": p.title, "Custom label": p.sku, "Quantity": "1", "Sold for": f"£{p.price:.2f}",
                     "Postage and packaging": "£3.00", "Total price": f"£{p.price + 3:.2f}",
                     "Sale date": _ebay_day(day), "Paid on date": _ebay_day(day), "Transaction ID": str(8000 + i)})
    return SampleFile("eBay-OrdersReport-selftest.csv", "ebay-orders",
                      _table(EBAY_ORDERS, rows, blank_around_header=True), {"orders": len(rows)})


EBAY_TRANSACTIONS = ["Transaction date", "Type", "Order number", "Legacy order ID", "Buyer username", "Buyer name",
                     "Ship to city", "Ship to province/region/state", "Ship to zip", "Ship to country", "Net amount",
                     "Payout currency", "Payout date", "Payout ID", "Payout method", "Payout status",
                     "Reason for hold", "Item ID", "Transaction ID", "Item title", "Custom label", "Quantity",
                     "Item subtotal", "Shipping and handling", "Seller collected tax", "eBay collected tax",
                     "Final Value Fee - fixed", "Final Value Fee - variable",
                     'Very high "item not as described" fee', "Below standard performance fee", "International fee",
                     "Deposit processing fee", "Gross transaction amount", "Transaction currency", "Exchange rate",
                     "Reference ID", "Description"]


def ebay_transactions(products: list[SampleProduct], end: dt.date) -> SampleFile:
    rows = []
    for i, day in enumerate(_days(end, 3)):
        p = products[i % len(products)]
        fee_var = round(p.price * 0.13, 2)
        when = f"{day.strftime('%b')} {day.day}, {day.year}"
        rows.append({"Transaction date": when, "Type": "Order", "Order number": f"26-90000-{20000 + i}",
                     "Legacy order ID": f"2690000{20000 + i}-0", "Buyer username": f"buyer_{i}",
                     "Buyer name": " ".join(PEOPLE[i % len(PEOPLE)]),
                     "Net amount": _money(p.price - 0.3 - fee_var), "Payout currency": "USD",
                     "Item ID": str(1256009000 + i), "Transaction ID": str(2750009000 + i), "Item title": p.title,
                     "Custom label": p.sku, "Quantity": "1", "Item subtotal": _money(p.price),
                     "Shipping and handling": "0", "Seller collected tax": "0", "eBay collected tax": "0",
                     "Final Value Fee - fixed": "-0.30", "Final Value Fee - variable": _money(-fee_var),
                     "Gross transaction amount": _money(p.price), "Transaction currency": "USD"})
    return SampleFile("Transaction-Report-selftest.csv", "ebay-transactions", _table(EBAY_TRANSACTIONS, rows),
                      {"orders": len(rows)})


ETSY_LISTINGS = ["TITLE", "DESCRIPTION", "PRICE", "CURRENCY_CODE", "QUANTITY", "TAGS", "MATERIALS", "IMAGE1",
                 "IMAGE2", "IMAGE3", "IMAGE4", "IMAGE5", "IMAGE6", "IMAGE7", "IMAGE8", "IMAGE9", "IMAGE10",
                 "VARIATION 1 TYPE", "VARIATION 1 NAME", "VARIATION 1 VALUES", "VARIATION 2 TYPE",
                 "VARIATION 2 NAME", "VARIATION 2 VALUES", "SKU"]


def etsy_listings(products: list[SampleProduct], end: dt.date) -> SampleFile:
    rows = [{"TITLE": p.title, "DESCRIPTION": "Made for the self-test.", "PRICE": _money(p.price),
             "CURRENCY_CODE": "USD", "QUANTITY": str(5 + i), "TAGS": "selftest", "SKU": p.sku}
            for i, p in enumerate(products)]
    return SampleFile("EtsyListingsDownload.csv", "etsy-listings", _table(ETSY_LISTINGS, rows),
                      {"products": len(rows)})


SETTLEMENT_V1 = ["settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount",
                 "currency", "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id",
                 "marketplace-name", "shipment-fee-type", "shipment-fee-amount", "order-fee-type",
                 "order-fee-amount", "fulfillment-id", "posted-date", "order-item-code", "merchant-order-item-id",
                 "merchant-adjustment-item-id", "sku", "quantity-purchased", "price-type", "price-amount",
                 "item-related-fee-type", "item-related-fee-amount", "misc-fee-amount", "other-fee-amount",
                 "other-fee-reason-description", "promotion-id", "promotion-type", "promotion-amount",
                 "direct-payment-type", "direct-payment-amount", "other-amount"]


def amazon_settlement(products: list[SampleProduct], end: dt.date) -> SampleFile:
    days = _days(end, 2)
    sid = "90000000001"
    rows = [{"settlement-id": sid, "settlement-start-date": f"{days[0].isoformat()}T00:00:00+00:00",
             "settlement-end-date": f"{end.isoformat()}T00:00:00+00:00",
             "deposit-date": f"{end.isoformat()}T08:00:00+00:00", "total-amount": "0.00", "currency": "USD"}]
    for i, day in enumerate(days):
        p = products[i % len(products)]
        base = {"settlement-id": sid, "transaction-type": "Order", "order-id": f"111-9000000-{1000000 + i}",
                "shipment-id": f"S{i}", "marketplace-name": "Amazon.com", "fulfillment-id": "AFN",
                "posted-date": f"{day.isoformat()}T10:00:00+00:00", "order-item-code": str(69000000000000 + i),
                "sku": p.sku, "quantity-purchased": "1"}
        rows.append({**base, "price-type": "Principal", "price-amount": _money(p.price)})
        rows.append({**base, "item-related-fee-type": "Commission",
                     "item-related-fee-amount": _money(-round(p.price * 0.15, 2))})
    rows[0]["total-amount"] = _money(sum(float(r.get("price-amount") or 0) + float(r.get("item-related-fee-amount")
                                                                                     or 0) for r in rows[1:]))
    return SampleFile(f"settlement_v1_{sid}.txt", "amazon-settlement", _table(SETTLEMENT_V1, rows, delimiter="\t"),
                      {"orders": len(days)})


SETTLEMENT_V2 = ["settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount",
                 "currency", "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id",
                 "marketplace-name", "amount-type", "amount-description", "amount", "fulfillment-id", "posted-date",
                 "posted-date-time", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id",
                 "sku", "quantity-purchased", "promotion-id"]


def amazon_settlement_v2(products: list[SampleProduct], end: dt.date) -> SampleFile:
    days = _days(end, 2)
    sid = "90000000002"

    def stamp(day: dt.date, time: str = "00:00:00") -> str:
        return f"{day.strftime('%d.%m.%Y')} {time} UTC"

    rows = [{"settlement-id": sid, "settlement-start-date": stamp(days[0]), "settlement-end-date": stamp(end),
             "deposit-date": stamp(end, "06:00:00"), "total-amount": "0.00", "currency": "EUR"}]
    for i, day in enumerate(days):
        p = products[i % len(products)]
        base = {"settlement-id": sid, "transaction-type": "Order", "order-id": f"302-9000000-{2000000 + i}",
                "shipment-id": f"DS{i}", "marketplace-name": "Amazon.de", "fulfillment-id": "AFN",
                "posted-date": day.strftime("%d.%m.%Y"), "posted-date-time": stamp(day, "11:22:33"),
                "order-item-code": str(79000000000000 + i), "sku": p.sku, "quantity-purchased": "1"}
        rows.append({**base, "amount-type": "ItemPrice", "amount-description": "Principal",
                     "amount": _money(p.price)})
        rows.append({**base, "amount-type": "ItemFees", "amount-description": "Commission",
                     "amount": _money(-round(p.price * 0.15, 2))})
    rows[0]["total-amount"] = _money(sum(float(r["amount"]) for r in rows[1:]))
    return SampleFile(f"settlement_v2_{sid}.txt", "amazon-settlement-v2",
                      _table(SETTLEMENT_V2, rows, delimiter="\t"), {"orders": len(days)})


FBA_INVENTORY = ["sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists",
                 "mfn-fulfillable-quantity", "afn-listing-exists", "afn-warehouse-quantity",
                 "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity",
                 "afn-total-quantity", "per-unit-volume", "afn-inbound-working-quantity",
                 "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity", "afn-researching-quantity",
                 "afn-reserved-future-supply", "afn-future-supply-buyable"]


def amazon_fba_inventory(products: list[SampleProduct], end: dt.date) -> SampleFile:
    rows = []
    for i, p in enumerate(products):
        qty = str(4 + i)
        rows.append({"sku": p.sku, "fnsku": f"X00SELF{i:03d}", "asin": f"B0SELF{i:04d}", "product-name": p.title,
                     "condition": "New", "your-price": _money(p.price), "mfn-listing-exists": "No",
                     "afn-listing-exists": "Yes", "afn-warehouse-quantity": qty, "afn-fulfillable-quantity": qty,
                     "afn-unsellable-quantity": "0", "afn-reserved-quantity": "0", "afn-total-quantity": qty,
                     "per-unit-volume": "0.05", **{k: "0" for k in FBA_INVENTORY[15:]}})
    return SampleFile("fba_manage_inventory.txt", "amazon-fba-inventory",
                      _table(FBA_INVENTORY, rows, delimiter="\t"), {"products": len(rows)})


GENERIC = ["Order Date", "Order ID", "SKU", "Product", "Quantity", "Unit Price", "Customer", "Channel"]


def generic_sales(products: list[SampleProduct], end: dt.date) -> SampleFile:
    rows = []
    for i, day in enumerate(_days(end, 4)):
        for j in range(1 + i % 2):
            p = products[(i + j) % len(products)]
            rows.append({"Order Date": day.isoformat(), "Order ID": f"G-{4000 + i}", "SKU": p.sku,
                         "Product": p.title, "Quantity": str(1 + j), "Unit Price": _money(p.price),
                         "Customer": f"{PEOPLE[i % len(PEOPLE)][0].lower()}@example.org", "Channel": "market stall"})
    return SampleFile("market_stall_sales.csv", "generic", _table(GENERIC, rows),
                      {"orders": 4, "order_lines": len(rows)})


WRITERS: dict[str, Callable[[list[SampleProduct], dt.date], SampleFile]] = {
    "shopify-customers": shopify_customers,
    "woocommerce-products": woocommerce_products,
    "woocommerce-orders": woocommerce_orders,
    "ebay-orders": ebay_orders,
    "ebay-transactions": ebay_transactions,
    "etsy-listings": etsy_listings,
    "amazon-settlement": amazon_settlement,
    "amazon-settlement-v2": amazon_settlement_v2,
    "amazon-fba-inventory": amazon_fba_inventory,
    "generic": generic_sales,
}


def sample_files(products: list[SampleProduct], end: dt.date, formats: list[str] | None = None) -> list[SampleFile]:
    """One small file per format in `formats` (default: every format this module writes)."""
    names = formats if formats is not None else list(WRITERS)
    return [WRITERS[name](products, end) for name in names]
