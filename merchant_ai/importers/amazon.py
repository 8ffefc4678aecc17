"""Amazon Seller Central reports: All Orders, settlement flat files (V1, fees-only, V2), FBA inventory.

See FORMATS.md section 4. The two money reports overlap and must not double count:
- **All Orders** is the sales record: one row per order item, `item-price` is the line total,
  purchase dates, statuses (pending items have no price yet). No refunds, no fees, no buyer.
- **Settlement** is the payout record: one row per amount component (Principal, Shipping,
  Commission, FBA fee, ...), refunds as their own transactions, shop-level fees (subscription,
  storage, ads). It is the only source of real fees and refunds.

Decision: both key orders by `amazon-order-id` and lines by SKU (with `#2`, `#3` for a SKU's
repeat lines in one order), so a settlement's orders land on the same rows as All Orders' orders,
whatever the import order. The settlement contributes fees, refunds, and orders that All Orders
lacks (settlement-only shops get their sales too); All Orders leaves `refunded` NA so it never
erases a refund a settlement recorded. A settlement order's date is the posting date (Amazon gives
no purchase date there); an All Orders import corrects it to the purchase date.

Order money: `subtotal` is the items after item promotions (the sum of the lines), `discount`
all promotions (items + shipping), `total` what the buyer paid.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from merchant_ai.importers import values as vals
from merchant_ai.importers.batch import ImportBatch, RowProblem, money_to_store
from merchant_ai.importers.registry import FormatSpec
from merchant_ai.importers.table import Table
from merchant_ai.importers.values import money_columns, quantities
from merchant_ai.wording import counted

CHANNEL = "amazon"

_ALL_ORDERS_SIGNATURE = ("amazon-order-id", "purchase-date", "order-status", "fulfillment-channel",
                         "sales-channel", "product-name", "sku", "asin", "item-status", "currency", "item-price",
                         "item-tax", "shipping-price", "item-promotion-discount")
_V1_SIGNATURE = ("settlement-id", "settlement-start-date", "total-amount", "transaction-type", "order-id",
                 "order-item-code", "price-type", "price-amount", "item-related-fee-type",
                 "item-related-fee-amount", "other-amount", "posted-date")
_V2_SIGNATURE = ("settlement-id", "settlement-start-date", "total-amount", "transaction-type", "order-id",
                 "order-item-code", "amount-type", "amount-description", "amount", "posted-date")
_FBA_SIGNATURE = ("sku", "fnsku", "asin", "product-name", "afn-fulfillable-quantity", "afn-total-quantity",
                  "mfn-fulfillable-quantity", "afn-listing-exists", "mfn-listing-exists", "afn-reserved-quantity")

_PENDING = {"pending", "pendingavailability", "pending availability"}
_CANCELLED = {"cancelled", "canceled"}
# Settlement transaction types whose price components are money given back to buyers.
_REFUND_TYPES = {"refund", "chargeback refund", "a-to-z guarantee claim", "guarantee claim refund"}
# Money moved between the seller's account and Amazon: neither revenue nor a fee.
_TRANSFERS = {"successful charge", "previous reserve amount balance", "current reserve amount",
              "payable to amazon", "transfer", "failed disbursement"}


def _score(table: Table, signature: tuple[str, ...]) -> float:
    return sum(1 for name in signature if name in table.rows.columns) / len(signature)


def _lines(table: Table) -> pd.Series:
    return pd.Series(table.line_numbers, index=table.rows.index)


def line_keys(order_ids: pd.Series, skus: pd.Series) -> pd.Series:
    """`SKU` for a SKU's first line in an order, `SKU#2`, `SKU#3` for its repeats.

    The All Orders report has no order-item id, and a settlement's order-item-code is unknown to
    it: the SKU is the one line key both reports share, so both files write the same lines.
    """
    key = skus.where(skus != "", "item")
    nth = key.groupby([order_ids, key]).cumcount() + 1
    return key.where(nth == 1, key + "#" + nth.astype(str))


def _status(order_status: pd.Series) -> pd.Series:
    low = order_status.str.lower()
    out = pd.Series("paid", index=order_status.index, dtype=object)
    out[low.isin(_PENDING)] = "pending"
    out[low.isin(_CANCELLED)] = "cancelled"
    return out


# --- All Orders ------------------------------------------------------------------------------
_ALL_ORDERS_MONEY = ("item-price", "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax",
                     "item-promotion-discount", "ship-promotion-discount")


def detect_all_orders(table: Table) -> float:
    score = _score(table, _ALL_ORDERS_SIGNATURE)
    return score if table.has("quantity") or table.has("quantity-purchased") else score * 0.9


def parse_all_orders(table: Table) -> ImportBatch:
    """One line per row, orders grouped by `amazon-order-id`.

    `item-price` is the total for the row's quantity: unit price = item-price / quantity (kept to
    1/10,000). Pending items have no prices yet: quantity kept, money NA, no problem raised.
    Promotions are written negative by some marketplaces and positive by others: their size is
    the discount.
    """
    batch = ImportBatch(format="amazon-all-orders", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    lines_no = _lines(table)
    oid = table.col("amazon-order-id")
    empty = oid.eq("")
    batch.problems.extend(RowProblem(int(lines_no[i]), "amazon-order-id", "", "the row has no order id")
                          for i in empty[empty].index[:50])
    bad = empty.copy()
    dates = vals.parse_datetimes(table.col("purchase-date"))
    batch.problems.extend(dates.problems(table, "purchase-date"))
    no_date = table.col("purchase-date").eq("")
    batch.problems.extend(RowProblem(int(lines_no[i]), "purchase-date", "", "the order has no purchase date")
                          for i in no_date[no_date & ~empty].index[:50])
    bad |= dates.failed | no_date
    qty_col = "quantity" if table.has("quantity") else "quantity-purchased"
    qty = quantities(table, qty_col)
    batch.problems.extend(qty.problems(table, qty_col))
    bad |= qty.failed
    money: dict[str, pd.Series] = {}
    for column, parsed in money_columns(table, _ALL_ORDERS_MONEY).items():
        batch.problems.extend(parsed.problems(table, column))
        bad |= parsed.failed
        money[column] = money_to_store(parsed.values.abs() if "promotion" in column else parsed.values)
    bad_orders = set(oid[bad & ~empty])
    keep = ~bad & ~oid.isin(bad_orders)
    if bad_orders:
        batch.warnings.append(f"{counted(len(bad_orders), 'order')} with unreadable values left out")
    # Multi-Channel Fulfilment: orders sold elsewhere (the seller's Shopify, eBay...) that Amazon
    # only shipped. They belong to the channel that sold them; counting them here would double count.
    mcf = table.col("sales-channel").str.lower().eq("non-amazon") & keep
    for i in mcf[mcf].index:
        batch.skipped.append({"line": int(lines_no[i]), "reason": "multi-channel fulfilment order (sales-channel "
                              "Non-Amazon): sold on another channel, only shipped by Amazon"})
    keep &= ~mcf

    sku = table.col("sku")
    quantity = qty.values.fillna(0.0)
    price = money["item-price"]
    unit = pd.Series(np.where(quantity > 0, price.astype("Float64").astype(float) / quantity.where(quantity > 0, 1),
                              np.nan), index=price.index)
    discount = money["item-promotion-discount"]
    lines = pd.DataFrame({
        "order_external_id": oid, "line_key": line_keys(oid, sku), "channel_sku": sku.replace("", pd.NA),
        "title": vals.clean_text(table.col("product-name")), "quantity": quantity,
        "unit_price": pd.Series(np.round(unit), index=unit.index).astype("Int64"),
        "discount": discount.fillna(0), "line_total": price - discount.fillna(0), "refunded_qty": 0.0,
    })
    batch.lines = lines[keep]

    z = {c: money[c] for c in _ALL_ORDERS_MONEY}
    per_row = pd.DataFrame({
        "external_id": oid, **dates.frame(), "currency": table.col("currency").str.upper().replace("", pd.NA),
        "status": _status(table.col("order-status")),
        "subtotal": z["item-price"] - z["item-promotion-discount"].fillna(0),
        "shipping": z["shipping-price"], "gift": z["gift-wrap-price"],
        "tax": z["item-tax"].fillna(0) + z["shipping-tax"].fillna(0) + z["gift-wrap-tax"].fillna(0),
        "ship_discount": z["ship-promotion-discount"].fillna(0),
        "discount": z["item-promotion-discount"].fillna(0) + z["ship-promotion-discount"].fillna(0),
    })[keep]
    g = per_row.groupby("external_id", sort=False)
    orders = g.agg(created_at=("created_at", "first"), created_utc=("created_utc", "first"),
                   order_date=("order_date", "first"), currency=("currency", "first"), status=("status", "first"),
                   tax=("tax", "sum"), discount=("discount", "sum"),
                   ship_discount=("ship_discount", "sum")).reset_index()
    for column in ("subtotal", "shipping", "gift"):
        orders[column] = g[column].sum(min_count=1).to_numpy()
    orders["total"] = (orders["subtotal"] + orders["shipping"].fillna(0) + orders["gift"].fillna(0)
                       + orders["tax"] - orders["ship_discount"])
    for column in ("subtotal", "shipping", "tax", "discount", "total"):
        orders[column] = pd.array(np.round(orders[column].astype("Float64")), dtype="Int64")
    orders["customer_ref"] = pd.NA     # Amazon gives sellers no buyer identity in this report
    orders["refunded"] = pd.NA         # refunds come from settlements; NA never erases them
    batch.orders = orders.drop(columns=["gift", "ship_discount"])
    return batch.conform()


# --- settlement flat files -------------------------------------------------------------------
# V1 amount columns -> (column naming the component, component class).
_V1_AMOUNTS = {
    "price-amount": ("price-type", "price"),
    "promotion-amount": ("promotion-type", "promotion"),
    "item-related-fee-amount": ("item-related-fee-type", "fee"),
    "shipment-fee-amount": ("shipment-fee-type", "fee"),
    "order-fee-amount": ("order-fee-type", "fee"),
    "misc-fee-amount": (None, "fee"),
    "other-fee-amount": ("other-fee-reason-description", "fee"),
    "direct-payment-amount": ("direct-payment-type", "fee"),
    "other-amount": (None, "other"),
}
_V2_CLASSES = {"itemprice": "price", "promotion": "promotion", "itemwithheldtax": "withheld"}


def detect_settlement(table: Table) -> float:
    return _score(table, _V1_SIGNATURE)


def detect_settlement_v2(table: Table) -> float:
    return _score(table, _V2_SIGNATURE)


def _components(table: Table, batch: ImportBatch) -> pd.DataFrame:
    """One row per (file row, amount): the settlement in long form, V1 and V2 alike."""
    base = pd.DataFrame({
        "line": table.line_numbers, "settlement": table.col("settlement-id").to_numpy(),
        "tt": table.col("transaction-type").to_numpy(), "order": table.col("order-id").to_numpy(),
        "item": table.col("order-item-code").to_numpy(), "adj": table.col("adjustment-id").to_numpy(),
        "sku": table.col("sku").to_numpy(), "qty_text": table.col("quantity-purchased").to_numpy(),
    }, index=table.rows.index)
    parts = []
    if table.has("amount-type"):
        amount = money_columns(table, ["amount"])["amount"]
        batch.problems.extend(amount.problems(table, "amount"))
        atype, desc = table.col("amount-type"), table.col("amount-description")
        generic = desc.eq("") | desc.str.lower().isin({"transactiontotalamount", "amount"})
        cls = atype.str.lower().str.replace(" ", "").map(_V2_CLASSES).fillna("fee")
        parts.append(_present(base, table.col("amount"), amount, kind=desc.where(~generic, atype), cls=cls,
                              column="amount"))
    else:
        present = [c for c in _V1_AMOUNTS if table.has(c)]
        for column, amount in money_columns(table, present).items():
            type_col, cls = _V1_AMOUNTS[column]
            batch.problems.extend(amount.problems(table, column))
            kind = table.col(type_col) if type_col else pd.Series("", index=table.rows.index)
            fallback = "MiscFee" if column == "misc-fee-amount" else base["tt"]
            parts.append(_present(base, table.col(column), amount, kind=kind.where(kind != "", fallback), cls=cls,
                                  column=column))
    long = pd.concat(parts).sort_index(kind="stable")
    long["amount"] = money_to_store(long["amount"])
    return long


def _present(base: pd.DataFrame, raw: pd.Series, amount: vals.Parsed, kind: pd.Series, cls,
             column: str) -> pd.DataFrame:
    """The rows of one amount column that hold something (most cells of a V1 file are empty)."""
    keep = raw.ne("") | amount.failed
    cls = cls[keep] if isinstance(cls, pd.Series) else cls
    return base[keep].assign(kind=kind[keep], cls=cls, amount=amount.values[keep], failed=amount.failed[keep],
                             column=column)


def parse_settlement(table: Table) -> ImportBatch:
    """Settlement flat file (V1 36 columns, fees-only 33 columns, or V2): fees, refunds, orders.

    Row 2 is a summary (settlement id, dates, total) and is skipped with a reason; its total is
    checked against the sum of the components. Order transactions give orders and lines (Principal
    per order item, Shipping/Tax per order, promotions as discounts); Refund transactions give the
    refunded amount and quantity; every fee (Commission, FBA fees, subscription, storage, ads) goes
    to the fees frame, signed as Amazon wrote it (charges negative, reversals positive).
    """
    v2 = table.has("amount-type")
    batch = ImportBatch(format="amazon-settlement-v2" if v2 else "amazon-settlement", channel=CHANNEL,
                        platform=CHANNEL, dates_are_postings=True)
    if table.rows.empty:
        return batch.conform()
    tt = table.col("transaction-type")
    summary = tt.eq("") & table.col("total-amount").ne("")
    total_amount = money_columns(table, ["total-amount"])["total-amount"]
    currency = table.col("currency").str.upper().where(summary, "")
    currency = currency[currency != ""].iloc[0] if (currency != "").any() else pd.NA
    lines_no = _lines(table)
    stated = (table.col("total-amount") + " " + table.col("currency")).str.strip()
    for i in summary[summary].index:
        batch.skipped.append({"line": int(lines_no[i]), "reason": f"settlement summary row (total {stated[i]})"})
    if pd.isna(currency):
        batch.warnings.append("No summary row with the settlement currency: amounts were imported without one")

    comps = _components(table, batch)
    comps = comps[~comps.index.isin(summary[summary].index)]
    when_col = "posted-date-time" if table.has("posted-date-time") and table.col("posted-date-time").ne("").any() \
        else "posted-date"
    dates = vals.parse_datetimes(table.col(when_col))
    batch.problems.extend(dates.problems(table, when_col))
    comps = comps.join(dates.frame().rename(columns={"created_at": "posted"})[["posted", "created_utc",
                                                                                 "order_date"]])
    bad_row = comps["failed"] | dates.failed.reindex(comps.index).fillna(False)
    bad_orders = set(comps.loc[bad_row & comps["order"].ne(""), "order"])
    comps = comps[~bad_row & ~comps["order"].isin(bad_orders)]
    if bad_row.any():
        batch.warnings.append(f"{counted(int(bad_row.groupby(level=0).any().sum()), 'row')} with unreadable amounts "
                              f"or dates left out" + (f", with the {counted(len(bad_orders), 'order')} they belong to"
                                                        if bad_orders else ""))
    _reconcile(batch, comps, total_amount.values[summary].dropna(), bad_row.any())

    low = comps["tt"].str.lower()
    transfer = low.isin(_TRANSFERS)
    for line, kind in comps.loc[transfer, ["line", "tt"]].drop_duplicates("line").itertuples(index=False):
        batch.skipped.append({"line": int(line), "reason": f"'{kind}' moves money between your account and Amazon;"
                                                           " it is neither a sale nor a fee"})
    comps = comps[~transfer & comps["cls"].ne("withheld")]
    # Several components share a file row (and its index label): masks come from comps itself.
    kind_of = comps["tt"].str.lower()
    is_order, is_refund = kind_of.eq("order"), kind_of.isin(_REFUND_TYPES)
    money_part = comps["cls"].isin(["price", "promotion"])
    batch.fees = _fees(comps[~money_part | ~(is_order | is_refund)], currency)
    sales = comps[money_part & is_order]
    refunds = comps[money_part & is_refund]
    batch.orders, batch.lines = _settlement_orders(sales, refunds, currency)
    batch.order_updates = _earlier_refunds(refunds[~refunds["order"].isin(set(sales["order"]))], currency)
    return batch.conform()


def _earlier_refunds(orphan: pd.DataFrame, currency) -> pd.DataFrame:
    """Refunds of orders sold before this settlement: update-only rows the writer attaches to the
    stored order (its date and amounts stay those of the sale's report)."""
    orphan = orphan[orphan["order"].ne("")]
    if orphan.empty:
        return pd.DataFrame()
    by = orphan.sort_values("line", kind="stable").groupby("order", sort=False)
    out = pd.DataFrame({"refunded": -by["amount"].sum(), "posted_utc": by["created_utc"].max(),
                        "line": by["line"].first(), "column": by["column"].first()})
    out = out[out["refunded"] > 0].rename_axis("external_id").reset_index()
    out["refunded"] = out["refunded"].astype("Int64")
    out["currency"] = currency
    return out


def _reconcile(batch: ImportBatch, comps: pd.DataFrame, totals: pd.Series, incomplete: bool) -> None:
    """Warn when the components do not add up to the summary's deposit total."""
    if totals.empty or incomplete:
        return
    expected = int(money_to_store(totals).sum())
    found = int(comps["amount"].sum())
    if abs(expected - found) > 50:
        batch.warnings.append(f"The settlement rows add up to {found / 1e4:.2f}, not the {expected / 1e4:.2f} "
                              f"the summary row states: the file may be incomplete")


def _fees(comps: pd.DataFrame, currency) -> pd.DataFrame:
    """Fee components -> fees frame, keyed by their settlement components (stable across re-imports)."""
    key = (comps["settlement"] + "|" + comps["tt"] + "|" + comps["order"] + "|" + comps["item"] + "|"
           + comps["adj"] + "|" + comps["kind"] + "|" + comps["posted"].fillna(""))
    nth = key.groupby(key).cumcount() + 1
    key = key.where(nth == 1, key + "#" + nth.astype(str))
    out = pd.DataFrame({"order_external_id": comps["order"].replace("", pd.NA), "sku": comps["sku"].replace("", pd.NA),
                        "kind": comps["kind"], "amount": comps["amount"], "currency": currency,
                        "posted_at": comps["posted"], "source_key": key})
    return out[out["amount"].fillna(0) != 0]


def _kind_sum(comps: pd.DataFrame, by: list[str], mask: pd.Series) -> pd.Series:
    return comps["amount"].where(mask, 0).groupby([comps[c] for c in by]).sum()


def _settlement_orders(sales: pd.DataFrame, refunds: pd.DataFrame, currency) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders and lines from Order-transaction prices; refunds from Refund transactions."""
    if sales.empty:
        return pd.DataFrame(), pd.DataFrame()
    kind = sales["kind"].str.lower()
    principal = kind.eq("principal")
    price, promo = sales["cls"].eq("price"), sales["cls"].eq("promotion")
    qty = pd.to_numeric(sales["qty_text"], errors="coerce")
    items = sales.assign(qty=qty, principal=sales["amount"].where(price & principal, 0),
                         promo=sales["amount"].where(promo & principal, 0))
    per_item = items.groupby(["order", "item"], sort=False).agg(
        sku=("sku", "first"), quantity=("qty", "max"), principal=("principal", "sum"),
        promo=("promo", "sum")).reset_index()
    refund_principal = refunds["amount"].where(refunds["cls"].eq("price") & refunds["kind"].str.lower().eq("principal"),
                                               0).groupby([refunds["order"], refunds["item"]]).sum()
    per_item["quantity"] = per_item["quantity"].fillna(0.0)
    q = per_item["quantity"]
    unit = np.where(q > 0, per_item["principal"] / q.where(q > 0, 1), np.nan)
    back = -refund_principal.reindex(pd.MultiIndex.from_frame(per_item[["order", "item"]])).fillna(0).to_numpy()
    ratio = np.where(unit > 0, back / np.where(unit > 0, unit, 1), 0)
    whole = np.isclose(ratio, np.round(ratio), atol=0.01) & (ratio > 0)
    lines = pd.DataFrame({
        "order_external_id": per_item["order"], "line_key": line_keys(per_item["order"], per_item["sku"]),
        "channel_sku": per_item["sku"].replace("", pd.NA), "title": pd.NA, "quantity": q,
        "unit_price": pd.Series(np.round(unit)).astype("Int64"), "discount": -per_item["promo"],
        "line_total": per_item["principal"] + per_item["promo"],
        "refunded_qty": np.where(whole, np.minimum(np.round(ratio), q), 0.0),
    })
    tax = kind.str.contains("tax")
    shipping = kind.str.contains("shipping") & ~tax
    other = price & ~principal & ~tax & ~shipping         # gift wrap and the like
    # The order's first posting dates it (sorted first: a groupby min on text is not vectorised).
    earliest = sales.sort_values("created_utc", kind="stable").drop_duplicates("order")
    orders = pd.DataFrame({"external_id": earliest["order"], "created_at": earliest["posted"],
                           "created_utc": earliest["created_utc"], "order_date": earliest["order_date"]})
    orders = orders.set_index("external_id").reindex(sales["order"].unique()).reset_index()
    by = orders["external_id"]
    get = lambda mask: _kind_sum(sales, ["order"], mask).reindex(by).to_numpy()  # noqa: E731
    orders["subtotal"] = get(principal & (price | promo))    # items after item promotions
    orders["shipping"] = get(price & shipping)
    orders["tax"] = get(price & tax)
    orders["discount"] = -get(promo)
    orders["total"] = orders["subtotal"] + orders["shipping"] + orders["tax"] + get(other) + get(promo & ~principal)
    refunded = (-refunds["amount"]).groupby(refunds["order"]).sum().reindex(by).fillna(0).to_numpy()
    orders["refunded"] = np.clip(refunded, 0, None)
    orders["status"] = np.where(orders["refunded"] <= 0, "paid",
                                np.where(orders["refunded"] >= orders["total"] - 50, "refunded", "partially_refunded"))
    orders["currency"] = currency
    orders["customer_ref"] = pd.NA
    for column in ("subtotal", "shipping", "tax", "discount", "total", "refunded"):
        orders[column] = orders[column].astype("Int64")
    return orders, lines


# --- FBA Manage Inventory --------------------------------------------------------------------
_INBOUND = ("afn-inbound-working-quantity", "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity")


def detect_fba_inventory(table: Table) -> float:
    return _score(table, _FBA_SIGNATURE)


def parse_fba_inventory(table: Table, as_of: str | None = None) -> ImportBatch:
    """Stock per SKU at Amazon (location 'FBA') and in the seller's own stock ('merchant').

    FBA: afn-total-quantity on hand, afn-fulfillable-quantity available, the three inbound
    quantities summed as incoming. Merchant: mfn-fulfillable-quantity where the SKU has a
    merchant-fulfilled listing. The report has no date: stock is dated `as_of` (import day).
    """
    batch = ImportBatch(format="amazon-fba-inventory", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    as_of = as_of or dt.date.today().isoformat()
    sku = table.col("sku")
    lines_no = _lines(table)
    empty = sku.eq("")
    batch.problems.extend(RowProblem(int(lines_no[i]), "sku", "", "the row has no SKU") for i in empty[empty].index)
    bad = empty.copy()
    numbers: dict[str, pd.Series] = {}
    for column in ("afn-total-quantity", "afn-fulfillable-quantity", "mfn-fulfillable-quantity", *_INBOUND):
        parsed = quantities(table, column)
        batch.problems.extend(parsed.problems(table, column))
        bad |= parsed.failed
        numbers[column] = parsed.values
    price = money_columns(table, ["your-price"])["your-price"]
    batch.problems.extend(price.problems(table, "your-price"))
    bad |= price.failed
    yes = lambda c: table.col(c).str.lower().isin({"yes", "true", "y"})  # noqa: E731
    afn = (yes("afn-listing-exists") | (numbers["afn-total-quantity"].fillna(0) != 0)) & ~bad
    mfn = (yes("mfn-listing-exists") | numbers["mfn-fulfillable-quantity"].notna()) & ~bad
    mfn &= numbers["mfn-fulfillable-quantity"].notna() | yes("mfn-listing-exists")
    incoming = sum(numbers[c].fillna(0) for c in _INBOUND)
    fba = pd.DataFrame({"sku": sku, "location": "FBA", "quantity": numbers["afn-total-quantity"],
                        "available": numbers["afn-fulfillable-quantity"], "incoming": incoming, "as_of": as_of})
    merchant = pd.DataFrame({"sku": sku, "location": "merchant", "quantity": numbers["mfn-fulfillable-quantity"],
                             "available": numbers["mfn-fulfillable-quantity"], "incoming": pd.NA, "as_of": as_of})
    batch.inventory = pd.concat([fba[afn], merchant[mfn]])
    products = pd.DataFrame({"sku": sku, "title": vals.clean_text(table.col("product-name")),
                             "list_price": money_to_store(price.values), "currency": pd.NA,
                             "status": "active"})[~bad]
    batch.products = products.drop_duplicates("sku")
    return batch.conform()


FORMATS: list[FormatSpec] = [
    FormatSpec("amazon-all-orders", CHANNEL, "Amazon All Orders report (tab-separated): one row per order item",
               detect_all_orders, parse_all_orders),
    FormatSpec("amazon-settlement", CHANNEL, "Amazon settlement flat file (V1, incl. fees-only): fees, refunds, "
               "orders", detect_settlement, parse_settlement),
    FormatSpec("amazon-settlement-v2", CHANNEL, "Amazon settlement flat file V2: fees, refunds, orders",
               detect_settlement_v2, parse_settlement),
    FormatSpec("amazon-fba-inventory", CHANNEL, "Amazon FBA Manage Inventory report: stock at Amazon and at home",
               detect_fba_inventory, parse_fba_inventory),
]
