"""eBay Seller Hub exports: the Orders report and the Payments Transaction report.

The Orders report gives a multi-item order as one "order total" row (address, postage, total,
no item) followed by one row per item, all sharing `Order Number`; money carries its symbol
(`$12.34`, `£3.20`), which is the only place the currency is written. UK and other sites
translate the headers (`Post to name`, `Postage and packaging`, lower-case words), so columns are
matched on normalised names with synonyms.

The Transaction report is the source of real fees: each order line is an `Order` row carrying
its Final Value Fees, while shipping labels, ad fees and refunds are rows of their own that point
back to the order number. Payouts and transfers move money, not sales, and are skipped.
FORMATS.md section 5 has the evidence behind each rule.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from merchant_ai.importers import values as v
from merchant_ai.importers.batch import ImportBatch, RowProblem, money_to_store
from merchant_ai.importers.registry import FormatSpec
from merchant_ai.importers.table import Table
from merchant_ai.wording import counted

CHANNEL = "ebay"
# Footer lines of the Orders report, should a reader hand them over as rows.
_FOOTER = re.compile(r"record\(s\)\s+downloaded|^\s*seller\s+id\s*:", re.IGNORECASE)


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\ufeff", "").strip().lower())


# Canonical field -> header names (normalised), US spelling first, then UK/other sites and the
# older Selling Manager export.
_ORDER_FIELDS = {
    "record": ("sales record number",),
    "order": ("order number", "order id"),
    "buyer": ("buyer username", "user id", "buyer user id"),
    "buyer_name": ("buyer name", "buyer fullname", "buyer full name"),
    "email": ("buyer email", "buyer email address"),
    "country": ("ship to country", "post to country", "buyer country"),
    "item": ("item number", "item id"),
    "title": ("item title",),
    "label": ("custom label", "custom label (sku)"),
    "quantity": ("quantity",),
    "price": ("sold for", "sale price"),
    "shipping": ("shipping and handling", "postage and packaging", "postage and handling", "p&p"),
    "seller_tax": ("seller collected tax", "sales tax", "us tax", "vat"),
    "ebay_tax": ("ebay collected tax",),
    "total": ("total price",),
    "sale_date": ("sale date",),
    "paid_date": ("paid on date", "paid on"),
    "transaction": ("transaction id",),
}
_TX_FIELDS = {
    "date": ("transaction creation date", "transaction date"),
    "type": ("type",),
    "order": ("order number",),
    "buyer": ("buyer username",),
    "net": ("net amount",),
    "item": ("item id",),
    "transaction": ("transaction id",),
    "title": ("item title",),
    "label": ("custom label",),
    "quantity": ("quantity",),
    "subtotal": ("item subtotal",),
    "shipping": ("shipping and handling",),
    "seller_tax": ("seller collected tax",),
    "ebay_tax": ("ebay collected tax",),
    "gross": ("gross transaction amount",),
    "currency": ("transaction currency",),
    "payout_currency": ("payout currency",),
    "reference": ("reference id",),
    "description": ("description",),
}
# Fee columns of an Order/Refund row: negative when charged, positive when credited back.
_FEE_COLUMNS = ("final value fee - fixed", "final value fee - variable", 'very high "item not as described" fee',
                "below standard performance fee", "international fee", "deposit processing fee")
_SKIPPED_TYPES = {"payout": "payout to the bank (moves money, not a sale)",
                  "transfer": "transfer between eBay and the bank (not a sale)",
                  "purchase": "purchase made by the seller (not a sale)"}


def _columns(table: Table, fields: dict[str, tuple[str, ...]]) -> dict[str, str | None]:
    """Actual header name for each canonical field (None when the file lacks it)."""
    by_norm = {}
    for name in table.rows.columns:
        by_norm.setdefault(_norm(str(name)), name)
    return {key: next((by_norm[n] for n in names if n in by_norm), None) for key, names in fields.items()}


def _col(table: Table, name: str | None) -> pd.Series:
    """A column as stripped text, with eBay's `--` read as empty."""
    text = table.col(name) if name else table.col("\x00missing")
    return text.where(text != "--", "")


def _problems(batch: ImportBatch, table: Table, column: str | None, parsed, where: np.ndarray) -> np.ndarray:
    parsed.failed = parsed.failed & where
    if column:
        batch.problems.extend(parsed.problems(table, column, raw=_col(table, column))
                              if isinstance(parsed, v.Parsed) else parsed.problems(table, column))
    return np.array(parsed.failed, dtype=bool)


def _line(table: Table, pos: int) -> int:
    return int(table.line_numbers[pos])


def _missing(batch: ImportBatch, table: Table, column: str | None, mask: np.ndarray, reason: str) -> np.ndarray:
    """Report required cells that are empty; returns the mask."""
    for pos in np.flatnonzero(mask):
        batch.problems.append(RowProblem(_line(table, pos), column, "", reason))
    return mask


# --- Orders report -----------------------------------------------------------------------------
def detect_orders(table: Table) -> float:
    cols = _columns(table, _ORDER_FIELDS)
    key = ("record", "order", "buyer", "item", "title", "quantity", "price", "total", "sale_date", "transaction")
    return sum(cols[k] is not None for k in key) / len(key) if cols["record"] else 0.0


def parse_orders(table: Table) -> ImportBatch:
    """Orders from the Seller Hub Orders report; order-total rows are folded into their order."""
    batch = ImportBatch(format="ebay-orders", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    cols = _columns(table, _ORDER_FIELDS)
    text = {k: _col(table, c) for k, c in cols.items()}
    order = text["order"].where(text["order"].ne(""), text["record"])
    first_cell = table.rows.iloc[:, 0].fillna("").astype(str)
    no_order = (order.eq("") | first_cell.str.contains(_FOOTER)).to_numpy()
    for pos in np.flatnonzero(no_order):
        batch.skipped.append({"line": _line(table, pos), "reason": "not an order row (no order or record number)"})
    is_item = (text["item"].ne("") | text["title"].ne("")).to_numpy() & ~no_order
    is_total_row = ~is_item & ~no_order

    rows_mask = ~no_order
    bad = np.zeros(len(order), dtype=bool)
    money = {}
    currency = pd.Series(pd.NA, index=order.index, dtype=object)
    for key in ("price", "shipping", "seller_tax", "ebay_tax", "total"):
        parsed = v.parse_money(text[key])
        bad |= _problems(batch, table, cols[key], parsed, rows_mask)
        money[key] = parsed.values
        if parsed.currency is not None:
            currency = currency.where(currency.notna(), parsed.currency)
    qty = v.parse_quantity(text["quantity"])
    bad |= _problems(batch, table, cols["quantity"], qty, is_item)
    bad |= _missing(batch, table, cols["quantity"], is_item & ~bad & qty.values.isna().to_numpy(),
                    "the item has no quantity")
    sold = v.parse_datetimes(text["sale_date"])
    bad |= _problems(batch, table, cols["sale_date"], sold, rows_mask)
    bad |= _missing(batch, table, cols["sale_date"], rows_mask & sold.created_at.isna().to_numpy() & ~bad,
                    "the row has no sale date")

    bad_orders = set(order[bad])
    if bad_orders:
        batch.warnings.append(f"{counted(len(bad_orders), 'order')} with unreadable values left out")
    keep = rows_mask & ~order.isin(bad_orders).to_numpy()
    for pos in np.flatnonzero(keep & is_total_row):
        # Only a true multi-item order has a separate total row; its amounts become the order's.
        batch.skipped.append({"line": _line(table, pos), "reason": "order-total row of a multi-item order "
                                                                   "(its amounts are taken into the order)"})
    if not keep.any():
        return batch.conform()

    frame = pd.DataFrame({
        "order": order, "is_total": is_total_row, "row": np.arange(len(order)),
        "buyer": text["buyer"].replace("", np.nan), "currency": currency,
        "paid": text["paid_date"].replace("", np.nan),
        "qty": qty.values, "price": money["price"],
        "line_value": qty.values * money["price"],
    })
    for key in ("shipping", "total"):
        frame[key] = money[key]
    frame["tax"] = money["seller_tax"].fillna(0.0) + money["ebay_tax"].fillna(0.0)
    frame.loc[money["seller_tax"].isna() & money["ebay_tax"].isna(), "tax"] = np.nan
    frame = frame[keep]
    groups = frame.groupby("order", sort=False)
    # Order amounts: the total row's when there is one, else the (single) item row's.
    preferred = frame.sort_values(["is_total", "row"], ascending=[False, True]).groupby("order", sort=False)
    first = groups["row"].min()
    amounts = preferred[["shipping", "tax", "total"]].first().reindex(first.index)
    items = frame[~frame["is_total"]]
    subtotal = items.groupby("order", sort=False)["line_value"].sum(min_count=1).reindex(first.index)
    info = groups[["buyer", "currency", "paid"]].first().reindex(first.index)
    if info["currency"].isna().any():
        batch.warnings.append("some orders show no currency symbol on any amount; their currency is unknown")
    at = first.to_numpy()
    batch.orders = pd.DataFrame({
        "external_id": first.index.to_numpy(),
        "created_at": sold.created_at.iloc[at].to_numpy(),
        "created_utc": sold.created_utc.iloc[at].to_numpy(),
        "order_date": sold.order_date.iloc[at].to_numpy(),
        "currency": info["currency"].to_numpy(),
        "customer_ref": info["buyer"].to_numpy(),
        "subtotal": money_to_store(subtotal).array,
        "shipping": money_to_store(amounts["shipping"]).array,
        "tax": money_to_store(amounts["tax"]).array,
        "discount": pd.array([pd.NA] * len(first), dtype="Int64"),
        "total": money_to_store(amounts["total"]).array,
        # The report says nothing of refunds: NA keeps what a Transaction report stored.
        "refunded": pd.array([pd.NA] * len(first), dtype="Int64"),
        # The report has no payment status column: an unpaid order has no `Paid On Date`.
        "status": np.where(info["paid"].notna(), "paid", "pending"),
    })

    pos = items["row"].to_numpy()
    key = text["transaction"].where(text["transaction"].ne(""), text["item"])
    key = key.where(key.ne(""), text["record"])
    sku = v.strip_escape(text["label"])
    sku = sku.where(sku.ne(""), text["item"])
    batch.lines = pd.DataFrame({
        "order_external_id": items["order"].to_numpy(),
        "line_key": key.iloc[pos].to_numpy(),
        "channel_sku": sku.iloc[pos].replace("", pd.NA).to_numpy(),
        "title": v.clean_text(text["title"]).iloc[pos].replace("", pd.NA).to_numpy(),
        "quantity": items["qty"].to_numpy(),
        "unit_price": money_to_store(items["price"]).array,
        "discount": pd.array([0] * len(pos), dtype="Int64"),
        "line_total": money_to_store(items["line_value"]).array,
        "refunded_qty": np.zeros(len(pos)),
    })
    batch.customers = _buyers(text, at)
    return batch.conform()


def _buyers(text: dict[str, pd.Series], rows: np.ndarray) -> pd.DataFrame:
    """Buyers by eBay username (the e-mail is often a relay address; the username is stable)."""
    buyer = text["buyer"].iloc[rows]
    rows = rows[buyer.ne("").to_numpy()]
    if len(rows) == 0:
        return pd.DataFrame()
    name = v.clean_text(text["buyer_name"]).iloc[rows].str.partition(" ")
    frame = pd.DataFrame({
        "customer_ref": text["buyer"].iloc[rows].to_numpy(),
        "email": text["email"].iloc[rows].str.lower().to_numpy(),
        "first_name": name[0].to_numpy(),
        "last_name": name[2].str.strip().to_numpy(),
        "country": text["country"].iloc[rows].to_numpy(),
    }).replace("", pd.NA)
    return frame.drop_duplicates("customer_ref")


# --- Payments Transaction report ---------------------------------------------------------------
def detect_transactions(table: Table) -> float:
    cols = _columns(table, _TX_FIELDS)
    key = ("date", "type", "order", "net", "item", "transaction", "subtotal", "gross", "currency", "reference")
    fees = sum(_norm(str(c)) in _FEE_COLUMNS for c in table.rows.columns)
    if cols["type"] is None or cols["net"] is None:
        return 0.0
    return min(1.0, (sum(cols[k] is not None for k in key) + min(fees, 2)) / (len(key) + 2))


def parse_transactions(table: Table) -> ImportBatch:
    """Sales, refunds and fees from the Payments Transaction report (also its user-cleaned form)."""
    batch = ImportBatch(format="ebay-transactions", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    cols = _columns(table, _TX_FIELDS)
    text = {k: _col(table, c) for k, c in cols.items()}
    kind = text["type"].str.lower()
    order_no = text["order"]
    is_order = (kind == "order").to_numpy()
    is_refund = (kind == "refund").to_numpy()
    is_fee = kind.isin(["shipping label", "other fee"]).to_numpy()
    other = np.flatnonzero(~(is_order | is_refund | is_fee))
    for pos, low, shown in zip(other, kind.to_numpy()[other], text["type"].to_numpy()[other], strict=True):
        reason = _SKIPPED_TYPES.get(low, f"transaction type {shown!r} is not a sale or a fee")
        batch.skipped.append({"line": _line(table, pos), "reason": reason})
    used = is_order | is_refund | is_fee
    bad = _missing(batch, table, cols["order"], (is_order | is_refund) & order_no.eq("").to_numpy(),
                   "the row has no order number").copy()
    dates = v.parse_datetimes(text["date"])
    bad |= _problems(batch, table, cols["date"], dates, used)
    bad |= _missing(batch, table, cols["date"], used & ~bad & dates.created_at.isna().to_numpy(),
                    "the row has no date")
    amounts = {}
    for key in ("net", "subtotal", "shipping", "seller_tax", "ebay_tax", "gross"):
        parsed = v.parse_money(text[key], decimal_comma=False)
        bad |= _problems(batch, table, cols[key], parsed, used)
        amounts[key] = parsed.values
    qty = v.parse_quantity(text["quantity"])
    bad |= _problems(batch, table, cols["quantity"], qty, is_order)
    bad |= _missing(batch, table, cols["quantity"], is_order & ~bad & qty.values.isna().to_numpy(),
                    "the item has no quantity")
    fee_cols = [c for c in table.rows.columns if _norm(str(c)) in _FEE_COLUMNS]
    fee_values = {}
    for column in fee_cols:
        parsed = v.parse_money(_col(table, column), decimal_comma=False)
        bad |= _problems(batch, table, column, parsed, used)
        fee_values[column] = parsed.values.fillna(0.0)
    currency = text["currency"].where(text["currency"].ne(""), text["payout_currency"]).str.upper()

    ok = used & ~bad
    if (used & bad).any():
        batch.warnings.append(f"{counted(int((used & bad).sum()), 'row')} with unreadable values left out")
    earlier = _sales(batch, table, text, ok & is_order, ok & is_refund, dates, amounts, qty, currency)
    batch.order_updates = _earlier_refunds(table, text, earlier, dates, amounts, currency,
                                           column=cols["gross"] or cols["net"])
    # Fees and net amounts are the seller's side, in the payout currency (the item amounts are in
    # the buyer's transaction currency; the two differ only for cross-border sales).
    fee_currency = text["payout_currency"].where(text["payout_currency"].ne(""), text["currency"]).str.upper()
    batch.fees = _fees(table, text, ok, is_order | is_refund, is_fee, dates, amounts, fee_values, fee_currency)
    return batch.conform()


def _sales(batch: ImportBatch, table: Table, text: dict[str, pd.Series], is_order: np.ndarray,
           is_refund: np.ndarray, dates: v.ParsedDates, amounts: dict[str, pd.Series], qty: v.Parsed,
           currency: pd.Series) -> np.ndarray:
    """Orders and lines from `Order` rows (one per line item); refunds reduce their order.

    Returns the positions of refunds whose sale is not in this file (for the writer to attach to
    the stored order)."""
    pos = np.flatnonzero(is_order)
    if len(pos) == 0:
        return np.flatnonzero(is_refund)
    order_no = text["order"].iloc[pos].to_numpy()
    lines = pd.DataFrame({
        "order": order_no, "row": pos,
        "utc": dates.created_utc.iloc[pos].to_numpy(),
        "qty": qty.values.iloc[pos].to_numpy(),
        "subtotal": amounts["subtotal"].iloc[pos].to_numpy(),
        "shipping": amounts["shipping"].iloc[pos].to_numpy(),
        "tax": (amounts["seller_tax"].fillna(0.0) + amounts["ebay_tax"].fillna(0.0)).iloc[pos].to_numpy(),
        "gross": amounts["gross"].iloc[pos].to_numpy(),
        "currency": currency.iloc[pos].replace("", pd.NA).to_numpy(),
        "buyer": text["buyer"].iloc[pos].replace("", pd.NA).to_numpy(),
        "transaction": text["transaction"].iloc[pos].to_numpy(),
    })
    # The order's time is its earliest line (lines of one order can post on different days).
    first = lines.sort_values(["utc", "row"]).groupby("order", sort=False)["row"].first()
    sums = lines.groupby("order", sort=False)[["subtotal", "shipping", "tax", "gross"]].sum(min_count=1)
    info = lines.groupby("order", sort=False)[["currency", "buyer"]].first()
    sums, info = sums.reindex(first.index), info.reindex(first.index)

    refund_pos = np.flatnonzero(is_refund)
    refund_order = text["order"].iloc[refund_pos]
    known = refund_order.isin(first.index).to_numpy()
    earlier = refund_pos[~known]
    refund_pos = refund_pos[known]
    refund_amount = -amounts["gross"].iloc[refund_pos].fillna(amounts["net"].iloc[refund_pos])
    refunded = refund_amount.groupby(text["order"].iloc[refund_pos].to_numpy()).sum()
    refunded = refunded.reindex(first.index).fillna(0.0).clip(lower=0.0)
    total = sums["gross"]
    status = np.where(refunded <= 0, "paid",
                      np.where(refunded >= total.fillna(0.0) - 0.005, "refunded", "partially_refunded"))
    at = first.to_numpy()
    batch.orders = pd.DataFrame({
        "external_id": first.index.to_numpy(),
        "created_at": dates.created_at.iloc[at].to_numpy(),
        "created_utc": dates.created_utc.iloc[at].to_numpy(),
        "order_date": dates.order_date.iloc[at].to_numpy(),
        "currency": info["currency"].to_numpy(),
        "customer_ref": info["buyer"].to_numpy(),
        "subtotal": money_to_store(sums["subtotal"]).array,
        "shipping": money_to_store(sums["shipping"]).array,
        "tax": money_to_store(sums["tax"]).array,
        "discount": pd.array([pd.NA] * len(first), dtype="Int64"),
        "total": money_to_store(total).array,
        "refunded": money_to_store(refunded).array,
        "status": status,
    })

    # A refund row naming the line and quantity, for the line's whole value, returns those units;
    # a partial money refund stays order-level (refunded amount only).
    unit = lines["subtotal"] / lines["qty"].replace(0, np.nan)
    refund_qty = np.zeros(len(lines))
    if len(refund_pos):
        r_key = text["transaction"].iloc[refund_pos]
        refunds = pd.DataFrame({"transaction": r_key.to_numpy(),
                                "r_qty": qty.values.iloc[refund_pos].abs().to_numpy(),
                                "r_sub": amounts["subtotal"].iloc[refund_pos].abs().to_numpy()})
        refunds = refunds[r_key.ne("").to_numpy() & refunds["r_qty"].notna().to_numpy()]
        refunds = refunds.groupby("transaction", as_index=False)[["r_qty", "r_sub"]].sum()
        first_line = pd.DataFrame({"transaction": lines["transaction"], "line": np.arange(len(lines)),
                                   "unit": unit.to_numpy(), "qty": lines["qty"].to_numpy()})
        first_line = first_line[first_line["transaction"] != ""].drop_duplicates("transaction")
        match = refunds.merge(first_line, on="transaction")
        whole = np.isclose(match["r_sub"], match["r_qty"] * match["unit"])
        match = match[whole]
        refund_qty[match["line"].to_numpy()] = np.minimum(match["r_qty"], match["qty"]).to_numpy()
    key = lines["transaction"].where(lines["transaction"] != "", text["item"].iloc[pos].to_numpy())
    sku = v.strip_escape(text["label"]).iloc[pos]
    sku = sku.where(sku.ne(""), text["item"].iloc[pos]).replace("", pd.NA)
    batch.lines = pd.DataFrame({
        "order_external_id": order_no,
        "line_key": key.to_numpy(),
        "channel_sku": sku.to_numpy(),
        "title": v.clean_text(text["title"]).iloc[pos].replace("", pd.NA).to_numpy(),
        "quantity": lines["qty"].to_numpy(),
        "unit_price": money_to_store(unit).array,
        "discount": pd.array([0] * len(pos), dtype="Int64"),
        "line_total": money_to_store(lines["subtotal"]).array,
        "refunded_qty": refund_qty,
    })
    return earlier


def _earlier_refunds(table: Table, text: dict[str, pd.Series], pos: np.ndarray, dates: v.ParsedDates,
                     amounts: dict[str, pd.Series], currency: pd.Series, column: str | None) -> pd.DataFrame:
    """Refunds of sales not in this report: update-only rows the writer attaches to the stored order."""
    if len(pos) == 0:
        return pd.DataFrame()
    amount = -amounts["gross"].iloc[pos].fillna(amounts["net"].iloc[pos])
    rows = pd.DataFrame({"order": text["order"].iloc[pos].to_numpy(), "amount": amount.to_numpy(),
                         "line": table.line_numbers[pos], "posted_utc": dates.created_utc.iloc[pos].to_numpy(),
                         "currency": currency.iloc[pos].replace("", pd.NA).to_numpy()})
    by = rows.groupby("order", sort=False)
    out = pd.DataFrame({"refunded": money_to_store(by["amount"].sum()), "currency": by["currency"].first(),
                        "posted_utc": by["posted_utc"].max(), "line": by["line"].min()})
    out["column"] = column
    return out[out["refunded"].fillna(0) > 0].rename_axis("external_id").reset_index()


def _fees(table: Table, text: dict[str, pd.Series], ok: np.ndarray, sale_rows: np.ndarray,
          fee_rows: np.ndarray, dates: v.ParsedDates, amounts: dict[str, pd.Series],
          fee_values: dict[str, pd.Series], currency: pd.Series) -> pd.DataFrame:
    """One fee row per non-zero fee column of a sale/refund row, plus label and ad-fee rows.

    `source_key` is built from what identifies the source row (type, order, transaction and
    reference ids, date, fee kind), so a later report covering the same days maps to the same keys.
    """
    parts = []
    sale = np.flatnonzero(ok & sale_rows)
    for column, values in fee_values.items():
        amount = values.iloc[sale]
        charged = amount.to_numpy() != 0
        parts.append(pd.DataFrame({"row": sale[charged], "kind": column, "amount": amount.to_numpy()[charged]}))
    own = np.flatnonzero(ok & fee_rows)
    description = text["description"].iloc[own]
    kind = description.where(text["type"].iloc[own].str.lower().eq("other fee") & description.ne(""),
                             text["type"].iloc[own])
    parts.append(pd.DataFrame({"row": own, "kind": kind.to_numpy(),
                               "amount": amounts["net"].iloc[own].fillna(0.0).to_numpy()}))
    fees = pd.concat(parts, ignore_index=True).sort_values(["row", "kind"], kind="stable")
    fees = fees[fees["amount"] != 0]
    if fees.empty:
        return pd.DataFrame()
    r = fees["row"].to_numpy()
    base = (text["type"].iloc[r].to_numpy() + "|" + text["order"].iloc[r].to_numpy() + "|"
            + text["transaction"].iloc[r].to_numpy() + "|" + text["reference"].iloc[r].to_numpy() + "|"
            + dates.created_at.iloc[r].fillna("").to_numpy() + "|" + fees["kind"].to_numpy())
    # Two identical rows (same ad fee twice on a day) are both real: number the repeats.
    repeat = pd.Series(base).groupby(base).cumcount().to_numpy()
    source_key = np.where(repeat == 0, base, base + "#" + repeat.astype(str))
    sku = v.strip_escape(text["label"]).iloc[r]
    return pd.DataFrame({
        "order_external_id": text["order"].iloc[r].replace("", pd.NA).to_numpy(),
        "sku": sku.where(sku.ne(""), text["item"].iloc[r]).replace("", pd.NA).to_numpy(),
        "kind": fees["kind"].to_numpy(),
        "amount": money_to_store(fees["amount"]).array,
        "currency": currency.iloc[r].replace("", pd.NA).to_numpy(),
        "posted_at": dates.created_at.iloc[r].to_numpy(),
        "source_key": source_key,
    })


FORMATS: list[FormatSpec] = [
    FormatSpec("ebay-orders", CHANNEL, "eBay Seller Hub Orders report (US and localised sites)",
               detect_orders, parse_orders),
    FormatSpec("ebay-transactions", CHANNEL, "eBay Payments Transaction report (sales, refunds and fees)",
               detect_transactions, parse_transactions),
]
