"""Etsy's "Download Data" exports: sold orders, sold order items, listings (FORMATS.md section 3).

Etsy splits one sale across two files. `EtsySoldOrders` has one row per order with the money
(totals, card processing fees, refunds via the `Adjusted ...` columns) but no line detail;
`EtsySoldOrderItems` has one row per transaction with quantities and unit prices but no refunds
or fees. Both key orders by Etsy's `Order ID` and customers by the buyer's username, so the writer
merges them: the orders file is `orders_only` (it updates order fields and keeps the lines an
items file stored) and the items file leaves the refund fields NA so it never erases a refund the
orders file recorded. Spreadsheet re-saves (tab-separated `.csv`, `1/4/2024`, `14.6`, mojibake)
are read by the same parsers: `reading` splits them and `values` repairs what is certain.

Order money follows one rule in both files: `subtotal` is the items after item discounts (the sum
of the lines), `discount` all discounts (coupon + shipping discount), `total` what the buyer paid.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import numpy as np
import pandas as pd

from merchant_ai.importers import values as vals
from merchant_ai.importers.batch import ImportBatch, RowProblem, money_to_store
from merchant_ai.importers.registry import FormatSpec
from merchant_ai.importers.table import Table
from merchant_ai.importers.values import money_columns, quantities
from merchant_ai.wording import counted

CHANNEL = "etsy"
CARD_FEES = "Card Processing Fees"

_ORDERS_SIGNATURE = ("Sale Date", "Order ID", "Buyer User ID", "Number of Items", "Order Value", "Order Total",
                     "Card Processing Fees", "Order Net", "Adjusted Order Total", "Adjusted Net Order Amount")
_ITEMS_SIGNATURE = ("Sale Date", "Item Name", "Buyer", "Quantity", "Price", "Item Total", "Transaction ID",
                    "Listing ID", "Order ID", "Date Paid")
_LISTINGS_SIGNATURE = ("TITLE", "DESCRIPTION", "PRICE", "CURRENCY_CODE", "QUANTITY", "TAGS", "MATERIALS",
                       "IMAGE1", "SKU")
_US = {"united states", "us", "usa", "united states of america"}
_CENT = 50   # half a cent in store units: tolerance when comparing amounts Etsy rounded


def _score(table: Table, signature: tuple[str, ...]) -> float:
    return sum(1 for name in signature if name in table.rows.columns) / len(signature)


def free_text(table: Table, column: str, index: pd.Index | None = None) -> pd.Series:
    """Free text with mojibake repaired *before* stripping.

    `Table.col` strips first, which cuts the no-break space that ends the mojibake of `à`
    (`HÃ\xa0`) and leaves it unrepairable; repairing the raw cell keeps it whole.
    """
    if column in table.rows.columns:
        raw = table.rows[column] if index is None else table.rows.loc[index, column]
        return vals.clean_text(vals.repair_mojibake(raw))
    out = table.col(column)
    return out if index is None else out.loc[index]


def _row_lines(table: Table) -> pd.Series:
    return pd.Series(table.line_numbers, index=table.rows.index)


def _missing(batch: ImportBatch, table: Table, column: str, text: pd.Series, reason: str) -> pd.Series:
    """Flag rows where a required cell is empty, with one problem each."""
    empty = text.eq("")
    lines = _row_lines(table)
    batch.problems.extend(RowProblem(int(lines[i]), column, "", reason) for i in empty[empty].index[:50])
    return empty


def _money(batch: ImportBatch, table: Table, columns: tuple[str, ...]) -> tuple[dict[str, pd.Series], pd.Series]:
    """Money columns as store units (NA when empty) and the rows where one failed to parse."""
    out: dict[str, pd.Series] = {}
    bad = pd.Series(False, index=table.rows.index)
    for column, parsed in money_columns(table, columns).items():
        batch.problems.extend(parsed.problems(table, column))
        bad |= parsed.failed
        out[column] = money_to_store(parsed.values)
    return out, bad


# --- cell parsing (amazon.py uses these too; they would sit well in values.py) ----------------
# Beyond these a cell is a typo or garbage (`1e308`), and would overflow the store's int64 units.
def username(buyer: pd.Series) -> pd.Series:
    """`Full Name (username)` -> `username`; a bare `username` stays; empty -> NA.

    The username is the one buyer key both Etsy files carry (the orders file's numeric
    `Buyer User ID` is absent from the items file), so it is the customer ref for both.
    """
    text = buyer.fillna("").astype(str).str.strip()
    inner = text.str.extract(r"\(([^()\s]+)\)\s*$", expand=False)
    out = inner.where(inner.notna(), text)
    return out.where(out != "", pd.NA)


def _full_name(buyer: pd.Series) -> pd.Series:
    """The name part of `Full Name (username)` ('' for a bare username)."""
    text = buyer.fillna("").astype(str).str.strip()
    name = text.str.extract(r"^(.*?)\s*\([^()\s]+\)\s*$", expand=False)
    return name.fillna("")


def _zip(zips: pd.Series, countries: pd.Series) -> pd.Series:
    """Give US zip codes back the leading zeros a spreadsheet dropped (`6084` -> `06084`).

    Only where it is certain: a US zip is always 5 digits, so 3-4 digits can only be a lost zero.
    Other countries' codes vary in length and are left alone.
    """
    us = countries.str.lower().isin(_US) & zips.str.fullmatch(r"\d{3,4}")
    return zips.where(~us, zips.str.zfill(5))


def _customers(table: Table, refs: pd.Series, keep: pd.Series, address: dict[str, str],
               names: Callable[[pd.Index], tuple[pd.Series, pd.Series]]) -> pd.DataFrame:
    """One customer per username, from the buyer's latest row (it carries the current address).

    Only those rows are read: a shop has far fewer buyers than rows, and JSON per row is slow.
    """
    picked = refs[keep].dropna()
    picked = picked[~picked.duplicated(keep="last")]
    idx = picked.index
    parts = {key: free_text(table, col, idx) for key, col in address.items()}
    parts["zip"] = _zip(parts["zip"], parts["country"])
    frame = pd.DataFrame(parts)
    first, last = names(idx)
    return pd.DataFrame({
        "customer_ref": picked, "first_name": first.replace("", pd.NA), "last_name": last.replace("", pd.NA),
        "address": [json.dumps({k: v for k, v in rec.items() if v}, ensure_ascii=False)
                    for rec in frame.to_dict("records")],
        "country": parts["country"].replace("", pd.NA)}, index=idx)


def _resave_warning(table: Table, batch: ImportBatch) -> None:
    if table.delimiter == "\t":
        batch.warnings.append("This Etsy file was re-saved by a spreadsheet (tab-separated): amounts and "
                              "dates were read as written; non-US postal codes may have lost leading zeros.")


def split_names(full: pd.Series, first: pd.Series, last: pd.Series) -> tuple[pd.Series, pd.Series]:
    """First/last name, mending Etsy's split of names with commas.

    `Alex Whitehouse, B. Eng, MBA, PMP` comes out as First `Alex`, Last `PMP`: where the full
    name starts with the first name but does not end as `first last`, the last name is the rest
    of the full name.
    """
    mended = [f[len(g):].strip() if g and f.startswith(g + " ") and f != f"{g} {n}" else n
              for f, g, n in zip(full, first, last, strict=True)]
    return first, pd.Series(mended, index=last.index, dtype=object)


# --- EtsySoldOrders --------------------------------------------------------------------------
_ORDER_MONEY = ("Order Value", "Discount Amount", "Shipping Discount", "Shipping", "Sales Tax", "Order Total",
                "Card Processing Fees", "Order Net", "Adjusted Order Total", "Adjusted Card Processing Fees",
                "Adjusted Net Order Amount")


def detect_orders(table: Table) -> float:
    return _score(table, _ORDERS_SIGNATURE)


def refunds(total: pd.Series, fees: pd.Series, net: pd.Series, adj_total: pd.Series, adj_fees: pd.Series,
            adj_net: pd.Series) -> pd.Series:
    """Refunded amount per order from Etsy's three `Adjusted` columns (store units).

    They do not move together: `Adjusted Order Total` may stay 0.00 while the net and the fees
    change, and a full refund leaves an adjusted total of 0. So: if the adjusted total is
    non-zero, refunded = total - adjusted total; else if the adjusted net is non-zero, the refund
    is what the net lost plus the fees Etsy gave back (net - adjusted net + fee reversal);
    otherwise nothing was refunded. Clipped to [0, total].
    """
    z = lambda s: s.fillna(0).astype("int64")  # noqa: E731 - local shorthand
    total, fees, net, adj_total, adj_fees, adj_net = map(z, (total, fees, net, adj_total, adj_fees, adj_net))
    fee_back = (fees - adj_fees).where(adj_fees != 0, 0)
    by_net = net - adj_net + fee_back
    out = pd.Series(np.where(adj_total != 0, total - adj_total, np.where(adj_net != 0, by_net, 0)),
                    index=total.index)
    return out.clip(lower=0).where(out <= total, total).astype("Int64")


def parse_orders(table: Table) -> ImportBatch:
    """EtsySoldOrders: one order per row; card fees and refunds; no lines (`orders_only`)."""
    batch = ImportBatch(format="etsy-orders", channel=CHANNEL, platform=CHANNEL, orders_only=True)
    if table.rows.empty:
        return batch.conform()
    _resave_warning(table, batch)
    oid = table.col("Order ID")
    bad = _missing(batch, table, "Order ID", oid, "the row has no Order ID")
    dates = vals.parse_datetimes(table.col("Sale Date"), day_first=False)
    batch.problems.extend(dates.problems(table, "Sale Date"))
    bad |= dates.failed | _missing(batch, table, "Sale Date", table.col("Sale Date"), "the order has no sale date")
    money, bad_money = _money(batch, table, _ORDER_MONEY)
    bad |= bad_money
    dup = oid.duplicated(keep="last") & ~bad
    if dup.any():
        batch.warnings.append(f"{counted(int(dup.sum()), 'order')} found twice; the last row of each was kept")
    keep = ~bad & ~dup
    if (bad & oid.ne("")).any():
        batch.warnings.append(f"{counted(int(bad.sum()), 'row')} with unreadable values left out")

    refunded = refunds(money["Order Total"], money["Card Processing Fees"], money["Order Net"],
                       money["Adjusted Order Total"], money["Adjusted Card Processing Fees"],
                       money["Adjusted Net Order Amount"])
    total = money["Order Total"]
    status = pd.Series("paid", index=table.rows.index, dtype=object)
    status[(refunded > 0).fillna(False)] = "partially_refunded"
    status[((refunded > 0) & (refunded >= total - _CENT)).fillna(False)] = "refunded"
    etsy_status = table.col("Status").str.lower()
    status[etsy_status.str.contains("cancel")] = "cancelled"
    refs = username(free_text(table, "Buyer"))
    discount = money["Discount Amount"].fillna(0) + money["Shipping Discount"].fillna(0)
    orders = pd.DataFrame({
        "external_id": oid, **dates.frame(), "currency": table.col("Currency").str.upper().replace("", pd.NA),
        "customer_ref": refs, "subtotal": money["Order Value"] - money["Discount Amount"].fillna(0),
        "shipping": money["Shipping"], "tax": money["Sales Tax"], "discount": discount, "total": total, "refunded": refunded, "status": status,
    })
    batch.orders = orders[keep]

    batch.customers = _customers(
        table, refs, keep, {"street1": "Street 1", "street2": "Street 2", "city": "Ship City", "state": "Ship State",
                            "zip": "Ship Zipcode", "country": "Ship Country"},
        lambda idx: split_names(free_text(table, "Full Name", idx), free_text(table, "First Name", idx),
                                free_text(table, "Last Name", idx)))
    batch.fees = _card_fees(oid, orders, money)[lambda f: f.index.isin(keep[keep].index)]
    return batch.conform()


def _card_fees(oid: pd.Series, orders: pd.DataFrame, money: dict[str, pd.Series]) -> pd.DataFrame:
    """Card processing fees charged (negative) and given back on adjusted orders (positive).

    Real fees feed the pricing tab. Source keys are per order, so a later export that shows a new
    adjustment updates the same fee rows instead of adding to them.
    """
    fees, adj = money["Card Processing Fees"], money["Adjusted Card Processing Fees"]
    adjusted = (money["Adjusted Order Total"].fillna(0) != 0) | (money["Adjusted Net Order Amount"].fillna(0) != 0)
    back = (fees - adj).where(adj.fillna(0) != 0, 0).where(adjusted, 0)
    common = {"order_external_id": oid, "sku": pd.NA, "kind": CARD_FEES, "currency": orders["currency"],
              "posted_at": orders["created_at"]}
    charged = pd.DataFrame({**common, "amount": -fees, "source_key": "etsy-order:" + oid + ":card-fees"})
    returned = pd.DataFrame({**common, "amount": back, "source_key": "etsy-order:" + oid + ":card-fees-adjustment"})
    out = pd.concat([charged[fees.fillna(0) != 0], returned[back.fillna(0) != 0]])
    return out.sort_index(kind="stable")


# --- EtsySoldOrderItems ----------------------------------------------------------------------
_ITEM_MONEY = ("Price", "Item Total", "Discount Amount", "Shipping Discount", "Order Shipping", "Order Sales Tax")


def detect_items(table: Table) -> float:
    return _score(table, _ITEMS_SIGNATURE)


def allocate(amount: pd.Series, weights: pd.Series, groups: pd.Series) -> pd.Series:
    """Split each group's amount (int, same on every row of the group) over its rows by weight.

    Exact in store units: floors, then hands the remainder out by largest fraction, so the parts
    always add up to the order-level amount. A group whose weights are all zero puts it on its
    first row.
    """
    amount = amount.astype("int64")
    w = weights.fillna(0).astype("int64").clip(lower=0).astype(float)
    total_w = w.groupby(groups).transform("sum")
    raw = np.where(total_w > 0, amount * w / total_w.where(total_w > 0, 1), 0.0)
    first = ~groups.duplicated()
    raw = np.where((total_w <= 0) & first, amount, raw)
    base = np.floor(raw).astype("int64")
    rest = amount - pd.Series(base, index=amount.index).groupby(groups).transform("sum")
    order = pd.Series(raw - base, index=amount.index).groupby(groups).rank(method="first", ascending=False)
    return pd.Series(base + (order <= rest).astype("int64"), index=amount.index)


def parse_items(table: Table) -> ImportBatch:
    """EtsySoldOrderItems: one line per transaction; order rows built from the items.

    The order-level Discount/Shipping/Sales Tax appear on one row of the order (`0` on the
    others), so the order takes the largest value, never the sum; the item discount is spread
    over the order's lines by value so line revenue is net of coupons.
    """
    batch = ImportBatch(format="etsy-order-items", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    _resave_warning(table, batch)
    oid = table.col("Order ID")
    bad = _missing(batch, table, "Order ID", oid, "the row has no Order ID")
    dates = vals.parse_datetimes(table.col("Sale Date"), day_first=False)
    batch.problems.extend(dates.problems(table, "Sale Date"))
    bad |= dates.failed | _missing(batch, table, "Sale Date", table.col("Sale Date"), "the sale has no date")
    qty = quantities(table, "Quantity")
    batch.problems.extend(qty.problems(table, "Quantity"))
    bad |= qty.failed | _missing(batch, table, "Quantity", table.col("Quantity"), "the item has no quantity")
    money, bad_money = _money(batch, table, _ITEM_MONEY)
    bad |= bad_money
    # One bad row spoils its order: half an order would misstate the order's totals.
    bad_orders = set(oid[bad & oid.ne("")])
    keep = ~bad & ~oid.isin(bad_orders)
    if bad_orders:
        batch.warnings.append(f"{counted(len(bad_orders), 'order')} with unreadable values left out")

    tid = table.col("Transaction ID")
    position = oid.groupby(oid).cumcount() + 1
    line_key = tid.where(tid != "", "pos:" + position.astype(str))
    sku = table.col("SKU")
    listing, variations = table.col("Listing ID"), free_text(table, "Variations")
    by_listing = listing.where(variations == "", listing + "|" + variations)
    channel_sku = sku.where(sku != "", by_listing.where(listing != "", pd.NA))
    price = money["Price"]
    expected = pd.Series(np.round(qty.values * price.astype("Float64").astype(float)), index=price.index).astype("Int64")
    gross = money["Item Total"].where(money["Item Total"].notna(), expected)
    mismatch = (gross - expected).abs() > _CENT
    if mismatch.fillna(False).any():
        batch.warnings.append(f"{counted(int(mismatch.fillna(False).sum()), 'item')} whose Item Total is not "
                              f"Quantity x Price: the Item Total was kept")

    order_max = lambda col: money[col].fillna(0).groupby(oid).transform("max")  # noqa: E731
    item_discount = order_max("Discount Amount")
    line_discount = allocate(item_discount, gross, oid)
    lines = pd.DataFrame({
        "order_external_id": oid, "line_key": line_key, "channel_sku": channel_sku,
        "title": free_text(table, "Item Name"), "quantity": qty.values, "unit_price": price,
        "discount": line_discount, "line_total": gross - line_discount, "refunded_qty": pd.NA,
    })
    batch.lines = lines[keep]

    refs = username(free_text(table, "Buyer"))
    per_row = pd.DataFrame({
        "external_id": oid, **dates.frame(), "currency": table.col("Currency").str.upper().replace("", pd.NA),
        "customer_ref": refs, "net": gross - line_discount, "item_discount": item_discount,
        "ship_discount": order_max("Shipping Discount"), "shipping": order_max("Order Shipping"),
        "tax": order_max("Order Sales Tax"),
    })[keep]
    grouped = per_row.groupby("external_id", sort=False)
    orders = grouped.agg(created_at=("created_at", "first"), created_utc=("created_utc", "first"),
                         order_date=("order_date", "first"), currency=("currency", "first"),
                         customer_ref=("customer_ref", "first"), subtotal=("net", "sum"),
                         item_discount=("item_discount", "first"), ship_discount=("ship_discount", "first"),
                         shipping=("shipping", "first"), tax=("tax", "first")).reset_index()
    orders["discount"] = orders["item_discount"] + orders["ship_discount"]
    orders["total"] = orders["subtotal"] - orders["ship_discount"] + orders["shipping"] + orders["tax"]
    orders = orders.drop(columns=["item_discount", "ship_discount"])
    # Refunds and status are only in the orders file: NA here so an import never erases them.
    orders["refunded"] = pd.NA
    orders["status"] = pd.NA
    batch.orders = orders

    def names(idx: pd.Index) -> tuple[pd.Series, pd.Series]:
        full = _full_name(free_text(table, "Buyer", idx))
        full = full.where(full != "", free_text(table, "Ship Name", idx))
        first = full.str.extract(r"^(\S*)", expand=False).fillna("")
        return first, full.str.extract(r"^\S*\s+(.*)$", expand=False).fillna("").str.strip()

    batch.customers = _customers(
        table, refs, keep, {"street1": "Ship Address1", "street2": "Ship Address2", "city": "Ship City",
                            "state": "Ship State", "zip": "Ship Zipcode", "country": "Ship Country"}, names)
    return batch.conform()


# --- EtsyListingsDownload --------------------------------------------------------------------
def detect_listings(table: Table) -> float:
    return _score(table, _LISTINGS_SIGNATURE)


def parse_listings(table: Table, as_of: str | None = None) -> ImportBatch:
    """One product per SKU of each listing; QUANTITY as stock only for single-SKU listings.

    A listing's `SKU` lists all its variants' SKUs but `QUANTITY` is the total across them and
    `PRICE` a single number, so a multi-SKU listing gives each SKU the listing's price and no
    stock figure. The file carries no date: stock is dated `as_of` (the import day by default).
    Listings without a SKU cannot be matched to sales and are skipped with a reason.
    """
    batch = ImportBatch(format="etsy-listings", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    as_of = as_of or dt.date.today().isoformat()
    lines = _row_lines(table)
    price = money_columns(table, ["PRICE"])["PRICE"]
    batch.problems.extend(price.problems(table, "PRICE"))
    qty = quantities(table, "QUANTITY")
    batch.problems.extend(qty.problems(table, "QUANTITY"))
    bad = price.failed | qty.failed
    skus = table.col("SKU").map(vals.split_list)
    no_sku = skus.str.len().eq(0) & ~bad
    for i in no_sku[no_sku].index:
        batch.skipped.append({"line": int(lines[i]), "reason": "listing has no SKU, so it cannot be matched to "
                                                               "sales; add SKUs in Etsy and download again"})
    keep = ~bad & ~no_sku
    frame = pd.DataFrame({"skus": skus, "title": free_text(table, "TITLE"),
                          "list_price": money_to_store(price.values),
                          "currency": table.col("CURRENCY_CODE").str.upper().replace("", pd.NA),
                          "quantity": qty.values, "n": skus.str.len()})[keep]
    products = frame.explode("skus").rename(columns={"skus": "sku"})
    dup = products["sku"].duplicated(keep="first")
    if dup.any():
        batch.warnings.append(f"{counted(int(dup.sum()), 'SKU')} in more than one listing: the first listing was kept")
    products = products[~dup]
    products["status"] = "active"
    batch.products = products.drop(columns=["quantity", "n"])
    single = products[(products["n"] == 1) & products["quantity"].notna()]
    batch.inventory = pd.DataFrame({"sku": single["sku"], "location": CHANNEL, "quantity": single["quantity"],
                                    "available": single["quantity"], "incoming": pd.NA, "as_of": as_of})
    if (frame["n"] > 1).any():
        batch.warnings.append(f"{counted(int((frame['n'] > 1).sum()), 'listing')} with several SKUs: Etsy gives one "
                              f"total quantity for them, so no stock level was taken for their SKUs")
    return batch.conform()


FORMATS: list[FormatSpec] = [
    FormatSpec("etsy-orders", CHANNEL, "Etsy sold orders (EtsySoldOrders*.csv): one row per order, fees, refunds",
               detect_orders, parse_orders),
    FormatSpec("etsy-order-items", CHANNEL, "Etsy sold order items (EtsySoldOrderItems*.csv): one row per item",
               detect_items, parse_items),
    FormatSpec("etsy-listings", CHANNEL, "Etsy listings (EtsyListingsDownload.csv): products, prices, stock",
               detect_listings, parse_listings),
]
