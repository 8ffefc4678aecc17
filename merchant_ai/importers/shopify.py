"""Shopify admin exports: orders, products, inventory and customers.

Shopify writes one row per order *line item* and fills the order-level fields only on the first
row of each order, so order fields are taken per `Name` group and never summed across rows.
Products come one row per variant plus one per extra image, grouped by `Handle`. Columns move
between stores and export dates (73 to 79 order columns seen), so everything is found by header
name, and a missing optional column reads as empty. FORMATS.md section 1 has the evidence.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from merchant_ai.importers import values as v
from merchant_ai.importers.batch import ImportBatch, RowProblem, money_to_store
from merchant_ai.importers.registry import FormatSpec
from merchant_ai.importers.table import Table
from merchant_ai.wording import counted

CHANNEL = "shopify"

# Financial Status -> store status. Voided or expired authorisations never became money.
_FINANCIAL_STATUS = {
    "paid": "paid", "pending": "pending", "authorized": "pending", "partially_paid": "pending",
    "refunded": "refunded", "partially_refunded": "partially_refunded",
    "voided": "cancelled", "expired": "cancelled",
}
_ORDER_SIGNATURE = ("Name", "Email", "Financial Status", "Created at", "Lineitem quantity", "Lineitem name",
                    "Lineitem price", "Total", "Currency", "Subtotal")
_PRODUCT_SIGNATURE = ("Handle", "Title", "Body (HTML)", "Vendor", "Variant SKU", "Variant Price",
                      "Option1 Name", "Option1 Value", "Variant Inventory Qty", "Published")
_INVENTORY_SIGNATURE = ("Handle", "Title", "SKU", "Location", "Option1 Name", "Option1 Value", "HS Code", "COO")
_CUSTOMER_SIGNATURE = ("First Name", "Last Name", "Email", "Total Spent", "Total Orders", "Tax Exempt",
                       "Company", "Address1", "Province Code", "Country Code")


def _score(table: Table, signature: tuple[str, ...], exclusive: tuple[str, ...] = ()) -> float:
    """Share of the signature columns present; 0 when a column of another format is there."""
    if any(name in table.rows.columns for name in exclusive):
        return 0.0
    return sum(1 for name in signature if name in table.rows.columns) / len(signature)


def _report(batch: ImportBatch, table: Table, column: str, parsed: v.Parsed | v.ParsedDates,
            where: pd.Series | None = None) -> pd.Series:
    """Record failed cells (only where `where` holds) as problems; return the failure mask."""
    if where is not None:
        parsed.failed = parsed.failed & where
    if column in table.rows.columns:
        batch.problems.extend(parsed.problems(table, column))
    return parsed.failed


def _line(table: Table, pos: int) -> int:
    return int(table.line_numbers[pos])


# --- orders ----------------------------------------------------------------------------------
def detect_orders(table: Table) -> float:
    return _score(table, _ORDER_SIGNATURE)


def parse_orders(table: Table) -> ImportBatch:
    """One order per `Name`, one line per row; refunds via Financial Status + `Refunded Amount`."""
    batch = ImportBatch(format="shopify-orders", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    name = table.col("Name")
    no_name = name.eq("")
    for pos in np.flatnonzero(no_name.to_numpy()):
        batch.problems.append(RowProblem(_line(table, pos), "Name", "", "the row has no order name"))

    created = v.parse_datetimes(table.col("Created at"))
    bad = _report(batch, table, "Created at", created)
    undated = created.created_at.isna() & ~bad & ~no_name
    for pos in np.flatnonzero(undated.to_numpy()):
        batch.problems.append(RowProblem(_line(table, pos), "Created at", "", "the row has no order date"))
    bad |= undated
    qty = v.parse_quantity(table.col("Lineitem quantity"))
    bad |= _report(batch, table, "Lineitem quantity", qty)
    no_qty = table.col("Lineitem name").ne("") & qty.values.isna() & ~bad
    for pos in np.flatnonzero(no_qty.to_numpy()):
        batch.problems.append(RowProblem(_line(table, pos), "Lineitem quantity", "", "the line item has no quantity"))
    bad |= no_qty
    money: dict[str, pd.Series] = {}
    for column in ("Lineitem price", "Lineitem discount", "Subtotal", "Shipping", "Taxes", "Total",
                   "Discount Amount", "Refunded Amount"):
        parsed = v.parse_money(table.col(column), decimal_comma=False)
        bad |= _report(batch, table, column, parsed)
        money[column] = parsed.values

    # A bad row spoils its whole order: half an order would misstate what was sold.
    bad_orders = set(name[bad & ~no_name])
    keep = (~no_name & ~name.isin(bad_orders)).to_numpy()
    if bad_orders:
        batch.warnings.append(f"{counted(len(bad_orders), 'order')} with unreadable values left out: "
                              + ", ".join(sorted(bad_orders)[:10]))
    pos = np.flatnonzero(keep)
    if len(pos) == 0:
        return batch.conform()

    # Order-level fields: the first non-empty value among each order's rows (Shopify fills the
    # first row only; taking the first non-empty also survives re-sorted files).
    buyer = _buyer_refs(table)
    fields = pd.DataFrame({
        "email": buyer,
        "financial": table.col("Financial Status").str.lower(),
        "cancelled_at": table.col("Cancelled at"),
        "currency": table.col("Currency").str.upper(),
    }).replace("", np.nan)
    for column in ("Subtotal", "Shipping", "Taxes", "Total", "Discount Amount", "Refunded Amount"):
        fields[column] = money[column]
    fields["row"] = np.arange(len(fields))
    per_order = fields.iloc[pos].groupby(name.iloc[pos].to_numpy(), sort=False).first()
    first_row = fields["row"].iloc[pos].groupby(name.iloc[pos].to_numpy(), sort=False).min()
    per_order = per_order.reindex(first_row.index)
    first = first_row.to_numpy()

    financial = per_order["financial"]
    status = financial.map(_FINANCIAL_STATUS)
    unknown = financial.notna() & status.isna()
    if unknown.any():
        batch.warnings.append("Financial Status values not known, taken as paid: "
                              + ", ".join(sorted(set(financial[unknown]))))
    status = status.where(financial.notna() | status.notna(), "pending").fillna("paid")
    status = status.where(per_order["cancelled_at"].isna(), "cancelled")
    refunded = per_order["Refunded Amount"]
    # A refunded order whose export left `Refunded Amount` empty gave back its whole total.
    refunded = refunded.where(refunded.notna() | (financial != "refunded"), per_order["Total"]).fillna(0.0)
    batch.orders = pd.DataFrame({
        "external_id": first_row.index.to_numpy(),
        "created_at": created.created_at.iloc[first].to_numpy(),
        "created_utc": created.created_utc.iloc[first].to_numpy(),
        "order_date": created.order_date.iloc[first].to_numpy(),
        "currency": per_order["currency"].to_numpy(),
        "customer_ref": per_order["email"].to_numpy(),
        "subtotal": money_to_store(per_order["Subtotal"]).array,
        "shipping": money_to_store(per_order["Shipping"]).array,
        "tax": money_to_store(per_order["Taxes"]).array,
        "discount": money_to_store(per_order["Discount Amount"]).array,
        "total": money_to_store(per_order["Total"]).array,
        "refunded": money_to_store(refunded).array,
        "status": status.to_numpy(),
    })

    # Lines: every kept row naming an item; its position in the order is the stable line key
    # (the export has no line id, and Shopify keeps line items in a fixed order).
    item = keep & (table.col("Lineitem name").ne("") | table.col("Lineitem quantity").ne("")).to_numpy()
    rows = np.flatnonzero(item)
    order_of_row = name.iloc[rows].to_numpy()
    position = pd.Series(1, index=range(len(rows))).groupby(order_of_row, sort=False).cumsum().to_numpy()
    quantity = qty.values.iloc[rows].fillna(0.0).to_numpy()
    price = money["Lineitem price"].iloc[rows].to_numpy()
    discount = money["Lineitem discount"].iloc[rows].fillna(0.0).to_numpy()
    batch.lines = pd.DataFrame({
        "order_external_id": order_of_row,
        "line_key": position.astype(str),
        "channel_sku": v.strip_escape(table.col("Lineitem sku")).iloc[rows].replace("", pd.NA).to_numpy(),
        "title": v.clean_text(table.col("Lineitem name")).iloc[rows].replace("", pd.NA).to_numpy(),
        "quantity": quantity,
        "unit_price": money_to_store(pd.Series(price)).array,
        "discount": money_to_store(pd.Series(discount)).array,
        "line_total": money_to_store(pd.Series(quantity * price - discount)).array,
        "refunded_qty": np.zeros(len(rows)),
    })
    batch.customers = _buyers(table, first, buyer)
    return batch.conform()


def _phones(table: Table) -> pd.Series:
    """The order's phone (`Phone`, else `Billing Phone`), apostrophe escape removed."""
    phone = table.col("Phone")
    return v.strip_escape(phone.where(phone.ne(""), table.col("Billing Phone"))).str.strip()


def _buyer_refs(table: Table) -> pd.Series:
    """Who bought: the e-mail, else (SMS and POS checkouts) the phone number in digits.

    Phone-only buyers are real repeat customers; without a key their orders would count as
    guests. The writer pseudonymises either kind of reference.
    """
    email = table.col("Email").str.lower()
    digits = _phones(table).str.replace(r"[^\d+]", "", regex=True)
    phone_ref = ("tel:" + digits).where(digits.str.count(r"\d") >= 7, "")
    return email.where(email.ne(""), phone_ref)


def _buyers(table: Table, first: np.ndarray, buyer: pd.Series) -> pd.DataFrame:
    """Buyers named on each order's first row (billing details), one per e-mail or phone."""
    ref = buyer.iloc[first]
    # One row per buyer before any per-row work: repeat buyers are most of a shop's orders.
    picked = first[(ref.ne("") & ~ref.duplicated()).to_numpy()]
    if len(picked) == 0:
        return pd.DataFrame()
    billing = v.clean_text(table.col("Billing Name")).iloc[picked]
    split = billing.str.partition(" ")
    frame = pd.DataFrame({
        "customer_ref": buyer.iloc[picked].to_numpy(),
        "email": table.col("Email").str.lower().iloc[picked].to_numpy(),
        "first_name": split[0].to_numpy(),
        "last_name": split[2].str.strip().to_numpy(),
        "phone": _phones(table).iloc[picked].to_numpy(),
        "address": _addresses(table, picked, {
            "address1": "Billing Address1", "address2": "Billing Address2", "city": "Billing City",
            "province": "Billing Province", "zip": "Billing Zip", "country": "Billing Country"}),
        "country": table.col("Billing Country").iloc[picked].to_numpy(),
        "accepts_marketing": v.parse_bool(table.col("Accepts Marketing")).values.iloc[picked].to_numpy(),
    }).replace("", pd.NA)
    return frame


def _addresses(table: Table, rows: np.ndarray, fields: dict[str, str]) -> np.ndarray:
    """Address parts as a JSON object (the store keeps addresses as JSON text), None when empty.

    Built column-wise, each distinct value JSON-encoded once: a customers file has one address
    per row, and a per-row `json.dumps` of a dict was most of the parse time on 60k buyers.
    """
    body = pd.Series("", index=range(len(rows)), dtype=object)
    for key, column in fields.items():
        value = v.strip_escape(table.col(column)).iloc[rows].str.strip().reset_index(drop=True)
        codes, uniques = pd.factorize(value)
        encoded = np.array([json.dumps(u, ensure_ascii=False) for u in uniques] + [""], dtype=object)[codes]
        fragment = pd.Series(f'"{key}": ' + encoded.astype(str), dtype=object)
        fragment = fragment.where(~value.isin(v.EMPTY_TOKENS).to_numpy(), "")
        body = body + np.where((body != "") & (fragment != ""), ", ", "") + fragment
    return np.where(body != "", "{" + body + "}", None)


# --- products --------------------------------------------------------------------------------
def detect_products(table: Table) -> float:
    return _score(table, _PRODUCT_SIGNATURE)


def _variant_keys(handle: pd.Series, options: list[pd.Series]) -> tuple[pd.Series, pd.Series]:
    """Variant label ('Red / M', NA for a single-variant product) and the SKU to use when a
    variant has none: Handle plus its option values, which Shopify keeps unique per product."""
    frame = pd.concat([o.where(o != "Default Title", "") for o in options], axis=1)
    label = frame.apply(lambda r: " / ".join(x for x in r if x), axis=1) if len(frame) else pd.Series(dtype=str)
    fallback = handle + label.map(lambda s: "/" + s.replace(" / ", "/") if s else "")
    return label.replace("", pd.NA), fallback


def parse_products(table: Table, as_of: dt.date | None = None) -> ImportBatch:
    """One product per variant grouped by Handle; `Variant Inventory Qty` becomes a stock count.

    `as_of` dates the stock counts, which the export itself does not: the day of the import.
    """
    batch = ImportBatch(format="shopify-products", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    handle = table.col("Handle")
    no_handle = handle.eq("").to_numpy()
    for pos in np.flatnonzero(no_handle):
        batch.problems.append(RowProblem(_line(table, pos), "Handle", "", "the row has no Handle"))

    options = [v.clean_text(table.col(f"Option{i} Value")) for i in (1, 2, 3)]
    sku = v.strip_escape(table.col("Variant SKU")).str.strip()
    is_variant = ~no_handle & (sku.ne("") | table.col("Variant Price").ne("") | options[0].ne("")).to_numpy()
    for pos in np.flatnonzero(~no_handle & ~is_variant):
        batch.skipped.append({"line": _line(table, pos), "reason": "image row of a product (no variant)"})

    where = pd.Series(is_variant, index=table.rows.index)
    price = v.parse_money(table.col("Variant Price"), decimal_comma=False)
    bad = _report(batch, table, "Variant Price", price, where)
    cost = v.parse_money(table.col("Cost per item"), decimal_comma=False)
    bad |= _report(batch, table, "Cost per item", cost, where)
    stock = v.parse_quantity(table.col("Variant Inventory Qty"))
    bad |= _report(batch, table, "Variant Inventory Qty", stock, where)
    rows = np.flatnonzero(is_variant & ~bad.to_numpy())
    if len(rows) == 0:
        return batch.conform()

    # Product-level fields sit on the first row of each Handle.
    product = pd.DataFrame({
        "title": v.clean_text(table.col("Title")), "vendor": v.clean_text(table.col("Vendor")),
        "type": v.clean_text(table.col("Type")), "category": v.clean_text(table.col("Product Category")),
        "status": table.col("Status").str.lower(), "published": table.col("Published"),
    }).replace("", np.nan)
    per_handle = product.iloc[np.flatnonzero(~no_handle)].groupby(
        handle.iloc[np.flatnonzero(~no_handle)].to_numpy(), sort=False).first()
    meta = per_handle.reindex(handle.iloc[rows].to_numpy())
    published = v.parse_bool(meta["published"].fillna("")).values.map({True: "active", False: "draft"})
    status = meta["status"].where(meta["status"].notna(), published.to_numpy()).fillna("active")

    label, fallback = _variant_keys(handle.iloc[rows].reset_index(drop=True),
                                    [o.iloc[rows].reset_index(drop=True) for o in options])
    own = sku.iloc[rows].reset_index(drop=True)
    product_sku = own.where(own.ne(""), fallback)
    products = pd.DataFrame({
        "sku": product_sku.to_numpy(),
        "parent_sku": handle.iloc[rows].to_numpy(),
        "title": meta["title"].to_numpy(),
        "variant": label.to_numpy(),
        "vendor": meta["vendor"].to_numpy(),
        # The shop's own Type groups products the way the owner thinks; the taxonomy is a fallback.
        "category": meta["type"].where(meta["type"].notna(), meta["category"]).to_numpy(),
        "unit_cost": money_to_store(cost.values.iloc[rows]).array,
        "list_price": money_to_store(price.values.iloc[rows]).array,
        "currency": pd.NA,
        "status": status.to_numpy(),
    })
    dupes = products["sku"].duplicated(keep="first").to_numpy()
    for i in np.flatnonzero(dupes):
        batch.skipped.append({"line": _line(table, rows[i]),
                              "reason": f"SKU {products['sku'].iat[i]} was already given on an earlier row"})
    batch.products = products[~dupes]

    # Stock counts for variants whose inventory Shopify tracks (an empty tracker means untracked,
    # and its quantity is a meaningless 0).
    qty = stock.values.iloc[rows].to_numpy()
    counted = ~dupes & ~np.isnan(qty)
    if "Variant Inventory Tracker" in table.rows.columns:
        counted &= table.col("Variant Inventory Tracker").iloc[rows].ne("").to_numpy()
    batch.inventory = pd.DataFrame({
        "sku": product_sku.to_numpy()[counted],
        "location": "",
        "quantity": qty[counted],
        "available": qty[counted],
        "incoming": np.nan,
        "as_of": (as_of or dt.date.today()).isoformat(),
    })
    return batch.conform()


# --- inventory -------------------------------------------------------------------------------
def detect_inventory(table: Table) -> float:
    return _score(table, _INVENTORY_SIGNATURE, exclusive=("Variant SKU", "Lineitem name"))


def _first_column(table: Table, *names: str) -> str:
    return next((n for n in names if n in table.rows.columns), names[0])


def parse_inventory(table: Table, as_of: dt.date | None = None) -> ImportBatch:
    """One stock row per variant x location; `not stocked` means no row, negatives are kept.

    Old exports name the columns `On hand`/`Available`/`Incoming`, 2026 ones `On hand (current)`,
    `Available (not editable)`, `Incoming (not editable)` (`On hand (new)` is an import field).
    """
    batch = ImportBatch(format="shopify-inventory", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    columns = {"quantity": _first_column(table, "On hand (current)", "On hand"),
               "available": _first_column(table, "Available (not editable)", "Available"),
               "incoming": _first_column(table, "Incoming (not editable)", "Incoming")}
    not_stocked = pd.Series(False, index=table.rows.index)
    for column in columns.values():
        not_stocked |= table.col(column).str.lower().eq("not stocked")
    handle = table.col("Handle")
    sku = v.strip_escape(table.col("SKU")).str.strip()
    no_key = sku.eq("") & handle.eq("")
    for pos in np.flatnonzero((no_key & ~not_stocked).to_numpy()):
        batch.problems.append(RowProblem(_line(table, pos), "SKU", "", "the row has neither SKU nor Handle"))
    for pos in np.flatnonzero(not_stocked.to_numpy()):
        batch.skipped.append({"line": _line(table, pos), "reason": "not stocked at this location"})
    where = ~not_stocked & ~no_key
    parsed = {}
    bad = pd.Series(False, index=table.rows.index)
    for key, column in columns.items():
        parsed[key] = v.parse_quantity(table.col(column))
        bad |= _report(batch, table, column, parsed[key], where)
    rows = np.flatnonzero((where & ~bad).to_numpy())
    label, fallback = _variant_keys(handle.iloc[rows].reset_index(drop=True),
                                    [v.clean_text(table.col(f"Option{i} Value")).iloc[rows].reset_index(drop=True)
                                     for i in (1, 2, 3)])
    own = sku.iloc[rows].reset_index(drop=True)
    batch.inventory = pd.DataFrame({
        "sku": own.where(own.ne(""), fallback).to_numpy(),
        "location": table.col("Location").iloc[rows].to_numpy(),
        "quantity": parsed["quantity"].values.iloc[rows].to_numpy(),
        "available": parsed["available"].values.iloc[rows].to_numpy(),
        "incoming": parsed["incoming"].values.iloc[rows].to_numpy(),
        "as_of": (as_of or dt.date.today()).isoformat(),
    })
    return batch.conform()


# --- customers -------------------------------------------------------------------------------
def detect_customers(table: Table) -> float:
    return _score(table, _CUSTOMER_SIGNATURE, exclusive=("Lineitem name", "Handle"))


def parse_customers(table: Table) -> ImportBatch:
    """One customer per e-mail; newsletter sign-ups (e-mail only) are customers too.

    The same person often appears under several e-mails; they stay separate customers (nothing
    in the file proves two e-mails are one person).
    """
    batch = ImportBatch(format="shopify-customers", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    email = table.col("Email").str.lower()
    no_email = email.eq("").to_numpy()
    for pos in np.flatnonzero(no_email):
        batch.skipped.append({"line": _line(table, pos), "reason": "customer without an e-mail address"})
    duplicate = email.duplicated(keep="first").to_numpy() & ~no_email
    for pos in np.flatnonzero(duplicate):
        batch.skipped.append({"line": _line(table, pos), "reason": "same e-mail as an earlier row"})
    marketing = v.parse_bool(table.col(_first_column(table, "Accepts Email Marketing", "Accepts Marketing")))
    rows = np.flatnonzero(~no_email & ~duplicate)
    country = table.col("Country Code")
    country = country.where(country.ne(""), table.col("Country"))
    batch.customers = pd.DataFrame({
        "customer_ref": email.iloc[rows].to_numpy(),
        "email": email.iloc[rows].to_numpy(),
        "first_name": v.clean_text(table.col("First Name")).iloc[rows].to_numpy(),
        "last_name": v.clean_text(table.col("Last Name")).iloc[rows].to_numpy(),
        "phone": v.strip_escape(table.col("Phone")).iloc[rows].to_numpy(),
        "address": _addresses(table, rows, {"address1": "Address1", "address2": "Address2", "city": "City",
                                            "province": "Province", "zip": "Zip", "country": "Country"}),
        "country": country.iloc[rows].to_numpy(),
        "accepts_marketing": marketing.values.iloc[rows].to_numpy(),
    }).replace("", pd.NA)
    return batch.conform()


FORMATS: list[FormatSpec] = [
    FormatSpec("shopify-orders", CHANNEL, "Shopify orders export (orders_export.csv)", detect_orders, parse_orders),
    FormatSpec("shopify-products", CHANNEL, "Shopify products export (products_export.csv)",
               detect_products, parse_products),
    FormatSpec("shopify-inventory", CHANNEL, "Shopify inventory export (inventory_export.csv)",
               detect_inventory, parse_inventory),
    FormatSpec("shopify-customers", CHANNEL, "Shopify customers export (customers_export.csv)",
               detect_customers, parse_customers),
]
