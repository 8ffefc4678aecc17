"""Any other CSV/TSV/xlsx: map columns to fields by header name, then build orders and lines.

The mapping (`{field: column}`, fields in `synonyms.FIELDS`) is guessed from header names in five
languages, shown to the owner, and can be saved as a named profile. The minimum is a date and an
amount (or a quantity and a unit price): an order-level purchase log such as CDNOW's
`customer_id date quantity amount` imports as one order per row.

Retail transaction dumps (the UCI Online Retail file) need three decisions, made here:
- **Returns** (`C`-prefixed invoices, negative quantities): a return of a SKU the same customer
  bought earlier in the file is recorded as `refunded_qty` on that sale's line (the latest one
  before the return, up to its quantity), and the order's `refunded` grows by that quantity at the
  sale's unit price. What cannot be matched (guest returns, returns of items bought before the
  file starts, quantities above what was bought) stays as a refund order: its own external id,
  status `refunded`, negative lines. Either way net revenue is gross minus returns; a matched
  return is valued at the price of the sale it returns (what `queries.sales_lines` uses), which
  differs from the return line's own price only where the shop's price changed in between.
- **Non-product codes** (postage, discounts, manual adjustments, bank and marketplace fees,
  samples, bad-debt adjustments): postage goes to the order's `shipping`, discounts to its
  `discount`; the others are left out and listed in `skipped` with the reason, so sales per
  SKU only count goods.
- **Stock adjustments** (negative quantity at zero price, no customer, not a return invoice): not
  sales; skipped with the reason.
"""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd

from merchant_ai.importers import synonyms
from merchant_ai.importers import values as v
from merchant_ai.importers.batch import ImportBatch, RowProblem, money_to_store
from merchant_ai.importers.registry import FormatSpec
from merchant_ai.importers.table import Table
from merchant_ai.wording import counted

CHANNEL = "generic"
_ISO_CURRENCY = re.compile(r"^[A-Z]{3}$")

# Codes and titles of rows that are not goods (UCI Online Retail and similar retail dumps).
_POSTAGE_CODES = {"POST", "DOT", "C2", "DOTCOM POSTAGE", "CARRIAGE", "SHIPPING", "DELIVERY"}
_DISCOUNT_CODES = {"D", "DISCOUNT"}
_OTHER_CODES = {"M": "manual adjustment", "S": "samples", "B": "bad debt adjustment",
                "BANK CHARGES": "bank charges", "AMAZONFEE": "marketplace fee", "CRUK": "charity commission",
                "PADS": "packing material", "ADJUST": "adjustment", "TEST": "test row"}
# Whole titles, compared upper-cased.
_POSTAGE_TITLES = frozenset({"POSTAGE", "CARRIAGE", "DOTCOM POSTAGE", "SHIPPING", "SHIPPING COST", "DELIVERY",
                             "DELIVERY CHARGE"})
_DISCOUNT_TITLES = frozenset({"DISCOUNT"})
_OTHER_TITLES = frozenset({"MANUAL", "SAMPLE", "SAMPLES", "ADJUST BAD DEBT", "BANK CHARGES", "AMAZON FEE",
                           "CRUK COMMISSION"})

_STATUS_WORDS = {
    "paid": "paid", "completed": "paid", "complete": "paid", "shipped": "paid", "delivered": "paid",
    "fulfilled": "paid", "processing": "pending", "pending": "pending", "on-hold": "pending",
    "on hold": "pending", "refunded": "refunded", "partially refunded": "partially_refunded",
    "partially_refunded": "partially_refunded", "cancelled": "cancelled", "canceled": "cancelled",
    "voided": "cancelled", "failed": "cancelled",
    "交易成功": "paid", "已完成": "paid", "已发货": "paid", "等待买家付款": "pending", "等待发货": "pending",
    "交易关闭": "cancelled", "已退款": "refunded",
    "bezahlt": "paid", "abgeschlossen": "paid", "versandt": "paid", "storniert": "cancelled",
    "erstattet": "refunded", "payé": "paid", "payee": "paid", "expédiée": "paid", "annulée": "cancelled",
    "remboursée": "refunded", "pagado": "paid", "enviado": "paid", "cancelado": "cancelled",
    "reembolsado": "refunded",
}


# --- mapping -------------------------------------------------------------------------------------
def guess_mapping(header: list[str]) -> dict[str, str]:
    """Best column per field from the header names; each column is used for one field at most.

    Exact synonyms beat partial ones ("Order Date (UTC)" contains "order date"); among them the
    earlier synonym wins, so "Unit Price" goes to unit_price and "Total" to amount.
    """
    candidates: list[tuple[int, int, str, str]] = []
    norms = {col: synonyms.normalise(col) for col in header}   # once per column: wide files have ~80
    for f_pos, field in enumerate(synonyms.FIELDS):
        for col in header:
            rank = synonyms.rank_of_normalised(field, norms[col])
            if rank is None:
                rank = _partial_rank(field, norms[col])
            if rank is not None:
                candidates.append((rank, f_pos, field, col))
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for _rank, _pos, field, col in sorted(candidates):
        if field not in mapping and col not in used:
            mapping[field] = col
            used.add(col)
    return mapping


def _partial_rank(field: str, norm: str) -> int | None:
    """Rank of the first synonym of `field` found as whole words inside a normalised header."""
    words = f" {norm} "
    for rank, s in enumerate(synonyms.NORMALISED[field]):
        if len(s) >= 4 and (f" {s} " in words or (not s.isascii() and s in norm)):
            return 100 + rank
    return None


def mapping_problems(mapping: dict[str, str], header: list[str]) -> list[str]:
    """Why a mapping cannot import (empty list: it can)."""
    out = []
    for field, col in mapping.items():
        if field not in synonyms.FIELDS:
            out.append(f"unknown field {field!r} (fields: {', '.join(synonyms.FIELDS)})")
        elif col not in header and not (field == "currency" and _ISO_CURRENCY.match(col)):
            out.append(f"column {col!r} for {field} is not in the file (columns: {', '.join(header)})")
    if "date" not in mapping:
        out.append("no date column found; name one with --map date=COLUMN")
    if "amount" not in mapping and not {"quantity", "unit_price"} <= set(mapping):
        out.append("no amount column (or quantity and unit price) found; name one with --map amount=COLUMN")
    return out


def parse_map_option(text: str) -> dict[str, str]:
    """`field=Column,field=Column` from the command line (columns may contain spaces)."""
    mapping = {}
    for part in text.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"--map expects field=Column pairs, got {part!r}")
        field, col = part.split("=", 1)
        mapping[field.strip()] = col.strip()
    return mapping


def save_profile(store, name: str, mapping: dict[str, str]) -> None:
    """Keep a confirmed mapping under a name, to reuse for the next file from the same source."""
    import datetime as dt

    store.connection().execute(
        "INSERT INTO mapping_profiles(name, mapping, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET mapping = excluded.mapping",
        (name, json.dumps(mapping, ensure_ascii=False), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))


def load_profile(store, name: str) -> dict[str, str]:
    row = store.connection().execute("SELECT mapping FROM mapping_profiles WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise KeyError(f"no mapping profile named {name!r}")
    return json.loads(row[0])


def list_profiles(store) -> dict[str, dict[str, str]]:
    return {n: json.loads(m) for n, m in store.connection().execute(
        "SELECT name, mapping FROM mapping_profiles ORDER BY name")}


def detect(table: Table) -> float:
    """Low but non-zero when a usable mapping exists: platform parsers win when they recognise a file."""
    return 0.2 if not mapping_problems(guess_mapping(table.header), table.header) else 0.0


# --- parsing -------------------------------------------------------------------------------------
def parse(table: Table, mapping: dict[str, str] | None = None) -> ImportBatch:
    """Orders and lines from a mapped table; rows with unreadable values become problems."""
    batch = ImportBatch(format="generic", channel=CHANNEL, platform=CHANNEL)
    mapping = dict(mapping) if mapping else guess_mapping(table.header)
    issues = mapping_problems(mapping, table.header)
    if issues:
        batch.problems.extend(RowProblem(int(table.line_numbers[0]) - 1 if len(table.line_numbers) else 1,
                                         None, None, why) for why in issues)
        return batch.conform()
    batch.warnings.append("columns used: " + ", ".join(f"{f}={c}" for f, c in mapping.items()))
    n = len(table.rows)
    if n == 0:
        return batch.conform()

    blank = pd.Series([""] * n, index=table.rows.index, dtype=object)

    def mapped(field: str) -> bool:
        return field in mapping and mapping[field] in table.rows.columns

    def col(field: str) -> pd.Series:
        return table.col(mapping[field]) if mapped(field) else blank

    def raw(field: str) -> pd.Series:
        """The cells as read: the value parsers strip them themselves (once per distinct value)."""
        return table.rows[mapping[field]] if mapped(field) else blank

    def per_distinct(field: str, func) -> pd.Series:
        """`func(col(field))` computed on the distinct cells only (a column repeats its values)."""
        if not mapped(field):
            return func(blank)
        codes, uniques = v.distinct_text(table.rows[mapping[field]])
        out = pd.array(func(uniques).to_numpy(dtype=object), dtype="str")   # arrow: vectorised str methods
        return pd.Series(out.take(codes), index=table.rows.index)

    nothing = v.Parsed(pd.Series(np.nan, index=table.rows.index), pd.Series(False, index=table.rows.index),
                       currency=pd.Series(None, index=table.rows.index, dtype=object))

    def money(field: str) -> v.Parsed:
        return v.parse_money(raw(field)) if mapped(field) else nothing

    bad = np.zeros(n, dtype=bool)

    def check(field: str, parsed) -> None:
        nonlocal bad
        if field in mapping:
            batch.problems.extend(parsed.problems(table, mapping[field]))
            bad |= parsed.failed.to_numpy(dtype=bool)

    dates = v.parse_datetimes(raw("date"))
    check("date", dates)
    missing_date = dates.created_at.isna().to_numpy() & ~bad
    for i in np.flatnonzero(missing_date)[:50]:
        batch.problems.append(RowProblem(int(table.line_numbers[i]), mapping["date"], "", "the date is empty"))
    bad |= missing_date
    qty = v.parse_quantity(raw("quantity"))
    check("quantity", qty)
    price = money("unit_price")
    check("unit_price", price)
    amount = money("amount")
    check("amount", amount)
    cost = money("cost")
    check("cost", cost)

    quantity = qty.values if "quantity" in mapping else pd.Series(1.0, index=table.rows.index)
    quantity = quantity.fillna(1.0 if "quantity" not in mapping else 0.0)
    has_price, has_amount = "unit_price" in mapping, "amount" in mapping
    line_total = _line_totals(quantity, price.values, amount.values, has_price, has_amount, col("order_id"))
    unit_price = price.values if has_price else (line_total / quantity.replace(0, np.nan))
    no_money = line_total.isna().to_numpy() & ~bad
    for i in np.flatnonzero(no_money)[:50]:
        batch.problems.append(RowProblem(int(table.line_numbers[i]), mapping.get("amount", mapping.get("unit_price")),
                                         "", "no amount on this row"))
    bad |= no_money

    # Text columns travel as codes into their distinct values (`texts`): filters then copy
    # integers, and every test on text runs once per distinct value. Equal texts share one code.
    texts: dict[str, np.ndarray] = {}

    def coded(field: str, func) -> np.ndarray:
        if not mapped(field):
            texts[field] = np.array([""], dtype=object)
            return np.zeros(n, dtype=np.int64)
        codes, uniques = v.distinct_text(table.rows[mapping[field]])
        canon, values = pd.factorize(func(uniques).to_numpy(dtype=object), sort=False)
        texts[field] = np.asarray(values, dtype=object)
        return canon[codes] if len(codes) else codes

    frame = pd.DataFrame({
        "order": coded("order_id", lambda u: v.strip_escape(u).str.strip()),
        "customer": coded("customer", lambda u: u.astype(str).str.replace(r"^(\d+)\.0+$", r"\1", regex=True)),
        "sku": coded("sku", lambda u: v.strip_escape(u).str.strip()),
        "title": coded("title", v.clean_text),
        "quantity": quantity.astype(float),
        "unit_price": unit_price.astype(float),
        "line_total": line_total.astype(float),
        "cost": cost.values,
        "category": coded("category", v.clean_text),
        "country": coded("country", v.clean_text),
        "status": (per_distinct("status", lambda u: u.astype(str).str.lower().map(_STATUS_WORDS)) if mapped("status")
                   else pd.Series(np.nan, index=table.rows.index, dtype=object)),
        "currency": _currency(mapping, table.header, col, price, amount),
        # The date as the code of its distinct cell: three text columns would be copied by every
        # filter below; `_dates` turns codes back into text for the rows that need it.
        "when": dates.codes,
        "line": table.line_numbers,
    }, copy=False)   # no consolidation: stacking the number columns into 2-D blocks copied ~50 MB on UCI
    if bad.any():
        frame = frame[~bad]
    # Rows are dropped once, at the end (every filter copies all the frame's columns).
    live = _skip_non_goods(frame, batch, texts)
    if "order_id" not in mapping:   # ids rank equal rows among the kept ones: drop first
        frame = frame[live]
        live = np.ones(len(frame), dtype=bool)
        codes, values = pd.factorize(_row_order_ids(frame, dates, texts), sort=False)
        frame["order"], texts["order_id"] = codes, np.asarray(values, dtype=object)
    keep = _match_returns(frame, batch, dates, live, texts)
    _build(frame, np.flatnonzero(keep) if not keep.all() else None, batch, dates, texts)
    return batch.conform()


def _text_of(frame: pd.DataFrame, texts: dict[str, np.ndarray], column: str, field: str) -> np.ndarray:
    """A coded text column back as text (object array), for the frame's rows."""
    return texts[field][frame[column].to_numpy()]


def _dates(frame: pd.DataFrame, dates: v.ParsedDates, name: str) -> np.ndarray:
    """One of the date texts (created_at, created_utc, order_date) for the frame's rows."""
    return dates.distinct[name].to_numpy()[frame["when"].to_numpy()]


def _line_totals(quantity: pd.Series, price: pd.Series, amount: pd.Series, has_price: bool, has_amount: bool,
                 order: pd.Series) -> pd.Series:
    """Line totals: quantity x unit price, or the amount column when it is per line.

    An amount repeated on every row of a multi-row order is the order total (Shopify-like dumps),
    and is then not used per line when a unit price exists.
    """
    computed = quantity * price if has_price else None
    if not has_amount:
        return computed
    if computed is None:
        return amount
    agrees = (amount - computed).abs() <= 0.011 * np.maximum(1.0, computed.abs())
    if agrees.mean() >= 0.8:
        return amount.where(amount.notna(), computed)
    return computed.where(computed.notna(), amount)


def _currency(mapping: dict[str, str], header: list[str], col, price: v.Parsed, amount: v.Parsed) -> pd.Series:
    """Currency per row: a mapped column, a constant (`--map currency=GBP`), or the money symbols."""
    cur = mapping.get("currency")
    index = price.values.index
    if cur and cur not in header:          # mapping_problems accepted it as an ISO code
        return pd.Series(cur, index=index, dtype=object)
    if cur:
        text = col("currency").str.upper()
        return text.where(text.str.match(r"^[A-Z]{3}$"), None)
    implied = amount.currency
    if implied is None or implied.isna().all():
        implied = price.currency
    return implied if implied is not None else pd.Series(None, index=index, dtype=object)


def _row_order_ids(frame: pd.DataFrame, dates: v.ParsedDates, texts: dict[str, np.ndarray]) -> pd.Series:
    """Stable ids for order-level files without an order column: the same purchase in two
    overlapping exports gets the same id (customer, time, amount, and its rank among equals)."""
    created_at = pd.Series(_dates(frame, dates, "created_at"), index=frame.index, dtype=object)

    def text(column: str, field: str) -> pd.Series:
        return pd.Series(_text_of(frame, texts, column, field), index=frame.index, dtype=object)

    basis = (text("customer", "customer").astype(str) + "|" + created_at.astype(str) + "|"
             + frame["line_total"].round(4).astype(str) + "|" + text("sku", "sku") + "|" + text("title", "title"))
    rank = basis.groupby(basis).cumcount().astype(str)
    return (basis + "|" + rank).map(lambda s: "g-" + hashlib.sha1(s.encode("utf-8")).hexdigest()[:16])


def _flags(codes: np.ndarray, values: np.ndarray, tests) -> list[np.ndarray]:
    """Boolean masks for several tests on a coded text column, each test run once per distinct
    value on that value upper-cased. A test is a set of whole values or a predicate.

    Sets and one upper-casing per value, not a lambda per test and value: the UCI file has 26,000
    distinct invoice numbers and 4,000 SKUs and titles, ~72,000 tests (0.046 -> ~0.01 s)."""
    upper = [u.upper() if isinstance(u, str) else None for u in values]
    out = []
    for test in tests:
        if isinstance(test, frozenset):
            hit = np.array([u in test for u in upper], dtype=bool)
        else:
            hit = np.array([u is not None and bool(test(u)) for u in upper], dtype=bool)
        out.append(hit[codes] if len(values) else np.zeros(len(codes), dtype=bool))
    return out


_BLANK = frozenset({""})


# What a row is (`frame["kind"]`, one of these codes).
_KINDS = ["goods", "shipping", "discount"]
_GOODS, _SHIPPING, _DISCOUNT = range(3)


def _skip_non_goods(frame: pd.DataFrame, batch: ImportBatch, texts: dict[str, np.ndarray]) -> np.ndarray:
    """Sets `frame["kind"]`, lists the rows that are not product sales in `batch.skipped`, and
    returns the mask of the rows kept."""
    sku_c, title_c = frame["sku"].to_numpy(), frame["title"].to_numpy()
    skus, titles = texts["sku"], texts["title"]
    sku_post, sku_disc, sku_other, sku_blank = _flags(sku_c, skus, [
        frozenset(_POSTAGE_CODES), frozenset(_DISCOUNT_CODES),
        lambda u: u in _OTHER_CODES or u.startswith("GIFT_"), _BLANK])
    t_post, t_disc, t_other, t_blank = _flags(title_c, titles, [_POSTAGE_TITLES, _DISCOUNT_TITLES, _OTHER_TITLES,
                                                                _BLANK])
    (no_customer,) = _flags(frame["customer"].to_numpy(), texts["customer"], [_BLANK])
    (return_invoice,) = _flags(frame["order"].to_numpy(), texts["order_id"], [lambda u: u[:1] == "C"])
    postage = sku_post | t_post
    discount = (sku_disc | t_disc) & ~postage
    other = (sku_other | t_other) & ~postage & ~discount
    quantity = frame["quantity"].to_numpy()
    no_price = frame["unit_price"].fillna(0).to_numpy() == 0
    adjustment = (quantity < 0) & no_price & no_customer & ~return_invoice
    no_goods = no_price & t_blank & ~sku_blank
    frame["kind"] = np.select([postage, discount], [_SHIPPING, _DISCOUNT], _GOODS).astype(np.int8)
    skip = other | adjustment | no_goods
    if skip.any():
        lines = frame["line"].to_numpy()
        for i in np.flatnonzero(skip):
            if other[i]:
                code = skus[sku_c[i]]
                reason = f"not a product: {_OTHER_CODES.get(code.upper(), 'voucher or fee')} ({code})"
            elif adjustment[i]:
                reason = "stock adjustment (negative quantity at zero price), not a sale"
            else:
                reason = "no price and no description"
            batch.skipped.append({"line": int(lines[i]), "reason": reason})
        batch.warnings.append(f"{counted(int(skip.sum()), 'row')} left out as not product sales (see skipped)")
    return ~skip


def _match_returns(frame: pd.DataFrame, batch: ImportBatch, dates: v.ParsedDates, live: np.ndarray,
                   texts: dict[str, np.ndarray]) -> np.ndarray:
    """Returns of goods bought earlier by the same customer become refunded quantities (see module doc).

    Only `live` rows take part; returns the mask of the rows to keep (live, and not a matched return).
    Rows are named by position (the frame's order is the file's, so positions sort like labels).
    """
    refunded_qty = np.zeros(len(frame))
    quantity = frame["quantity"].to_numpy()
    goods = frame["kind"].to_numpy() == _GOODS
    is_return = goods & (quantity < 0) & live
    if not is_return.any():
        frame["refunded_qty"] = refunded_qty
        return live
    customer, sku = frame["customer"].to_numpy(), frame["sku"].to_numpy()
    (no_customer,) = _flags(customer, texts["customer"], [_BLANK])
    (no_sku,) = _flags(sku, texts["sku"], [_BLANK])
    ret = np.flatnonzero(is_return & ~no_customer & ~no_sku)
    # Only sales to customers who returned something can match: filter before building keys.
    sales = np.flatnonzero(live & ~is_return & goods & (quantity > 0) & np.isin(customer, np.unique(customer[ret])))
    matched = np.zeros(len(frame), dtype=bool)
    n_matched = 0
    if len(ret) and len(sales):
        key = customer * len(texts["sku"]) + sku     # one integer per (customer, SKU) text pair
        # Stable sorts on (time, row): which sale absorbs a return must not depend on the sort algorithm.
        utc = dates.distinct_utc
        when = frame["when"].to_numpy()
        left = pd.DataFrame({"k": key[ret], "t": utc[when[ret]], "ri": ret})
        right = pd.DataFrame({"k": key[sales], "t": utc[when[sales]], "si": sales})
        left = left.sort_values(["t", "ri"], kind="stable")
        right = right.sort_values(["t", "si"], kind="stable")
        pairs = pd.merge_asof(left, right, on="t", by="k", direction="backward", allow_exact_matches=True)
        pairs = pairs.dropna(subset=["si"])
        if not pairs.empty:
            ri, si = pairs["ri"].to_numpy(dtype=np.int64), pairs["si"].to_numpy().astype(np.int64)
            pairs = pd.DataFrame({"ri": ri, "si": si, "want": -quantity[ri]})
            # Cap per sale line: returns beyond what that line sold stay refund orders.
            cum = pairs.groupby("si")["want"].cumsum().to_numpy()
            pairs = pairs[cum <= quantity[si] + 1e-9]
            refunded = pairs.groupby("si")["want"].sum()
            refunded_qty[refunded.index.to_numpy()] = refunded.to_numpy()
            matched[pairs["ri"].to_numpy()] = True
            n_matched = len(pairs)
    frame["refunded_qty"] = refunded_qty
    n_unmatched = int((is_return & ~matched).sum())
    if n_matched or n_unmatched:
        batch.warnings.append(f"{counted(n_matched, 'returned line')} recorded as refunds on the original sale; "
                              f"{counted(n_unmatched, 'unmatched return line')} kept as refund orders")
    return live & ~matched


def _build(frame: pd.DataFrame, rows: np.ndarray | None, batch: ImportBatch, dates: v.ParsedDates,
           texts: dict[str, np.ndarray]) -> None:
    """Orders, lines, products and customers of the frame's `rows` (None: all of them).

    Columns are picked by row positions as they are needed, not as filtered copies of the whole
    frame: on UCI a filtered frame copied 15 columns of 530,000 rows, and the goods another 10."""
    if (len(frame) if rows is None else len(rows)) == 0:
        return

    def col(name: str, at: np.ndarray | None = None) -> np.ndarray:
        values = frame[name].to_numpy()
        pick = rows if at is None else at
        return values if pick is None else values[pick]

    # One factorisation of the order id serves every per-order sum (bincount, not string groupbys).
    codes, order_codes = pd.factorize(col("order"), sort=False)
    order_ids = texts["order_id"][order_codes]
    n_orders = len(order_ids)
    kind = col("kind")
    line_total = col("line_total").astype(float)
    amount = np.nan_to_num(line_total)
    is_goods = kind == _GOODS

    def per_order(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], weights=values[mask], minlength=n_orders)

    gross = per_order(amount, is_goods)
    ship = per_order(amount, kind == _SHIPPING)
    disc = np.abs(per_order(amount, kind == _DISCOUNT))
    unit_price = col("unit_price").astype(float)
    line_refund = col("refunded_qty").astype(float) * np.nan_to_num(unit_price)
    refunded = per_order(line_refund, is_goods)
    total = gross + ship - disc
    # Order-level fields repeat on every row of an order: the first row of each order holds them.
    # Codes number orders by first appearance, so an order's first row is where its code exceeds
    # every code before it (one pass, not np.unique's sort of 530,000 codes).
    seen_before = np.concatenate(([-1], np.maximum.accumulate(codes)[:-1]))
    first_pos = np.flatnonzero(codes > seen_before)
    first = frame.iloc[first_pos if rows is None else rows[first_pos]]
    derived = np.where(gross < 0, "refunded",
                       np.where((refunded > 0) & (refunded >= gross - 1e-9), "refunded",
                                np.where(refunded > 0, "partially_refunded", "paid")))
    status = first["status"].astype(object).to_numpy()
    status = np.where(pd.isna(status), derived, status)
    customer = _text_of(first, texts, "customer", "customer")
    customer = np.where(customer == "", None, customer)

    def money(values: np.ndarray) -> np.ndarray:
        return money_to_store(pd.Series(values)).to_numpy()

    batch.orders = pd.DataFrame({
        "external_id": np.asarray(order_ids, dtype=object),
        "created_at": _dates(first, dates, "created_at"), "created_utc": _dates(first, dates, "created_utc"),
        "order_date": _dates(first, dates, "order_date"), "currency": first["currency"].to_numpy(),
        "customer_ref": customer, "subtotal": money(gross), "shipping": money(ship),
        "tax": pd.array([pd.NA] * n_orders, dtype="Int64"), "discount": money(disc), "total": money(total),
        "refunded": money(refunded), "status": status,
    }, copy=False)
    in_goods = np.flatnonzero(is_goods)
    goods_rows = in_goods if rows is None else rows[in_goods]

    def goods(name: str) -> np.ndarray:
        return col(name, goods_rows)

    # Text columns as categoricals of the distinct values: no 500,000 strings are made here, and
    # the writer and the summary factorise them for free (codes in, codes out).
    goods_codes = codes[in_goods]
    position = pd.Series(goods_codes).groupby(goods_codes).cumcount().to_numpy()
    keys = [str(i + 1) for i in range(int(position.max()) + 1 if len(position) else 0)]

    def coded_text(at: np.ndarray, field: str, blank_as_na: bool = False) -> pd.Categorical:
        values = texts[field]
        if blank_as_na and (values == "").any():
            blank = int(np.flatnonzero(values == "")[0])
            keep = np.arange(len(values)) != blank
            remap = np.cumsum(keep) - 1
            remap[blank] = -1
            values, at = values[keep], remap[at]
        return pd.Categorical.from_codes(at, categories=pd.Index(values, dtype="str"))

    sku_codes, title_codes = goods("sku"), goods("title")
    batch.lines = pd.DataFrame({
        "order_external_id": coded_text(goods("order"), "order_id"),
        "line_key": pd.Categorical.from_codes(position, categories=pd.Index(keys, dtype="str")),
        "channel_sku": coded_text(sku_codes, "sku", blank_as_na=True),
        "title": coded_text(title_codes, "title", blank_as_na=True),
        "quantity": goods("quantity").astype(float),
        "unit_price": money_to_store(pd.Series(unit_price[in_goods])).to_numpy(),
        "discount": pd.array(np.zeros(len(in_goods), dtype=np.int64), dtype="Int64"),
        "line_total": money_to_store(pd.Series(line_total[in_goods])).to_numpy(),
        "refunded_qty": goods("refunded_qty").astype(float),
    }, copy=False)
    (no_sku, no_category) = (texts["sku"] == "", texts["category"] == "")
    cost, category = goods("cost").astype(float), goods("category")
    has_sku = ~no_sku[sku_codes]
    if has_sku.any() and (np.isfinite(cost[has_sku]).any() or (~no_category[category[has_sku]]).any()):
        with_sku = pd.DataFrame({"sku": pd.array(texts["sku"], dtype="str").take(sku_codes[has_sku]),
                                 "title": pd.array(texts["title"], dtype="str").take(title_codes[has_sku]),
                                 "category": pd.array(texts["category"], dtype="str").take(category[has_sku]),
                                 "cost": cost[has_sku], "currency": goods("currency")[has_sku]})
        last = with_sku.groupby("sku", sort=False).last()
        batch.products = pd.DataFrame({
            "sku": last.index.astype(str), "title": last["title"].where(last["title"] != "", None).to_numpy(),
            "category": last["category"].where(last["category"] != "", None).to_numpy(),
            "unit_cost": money_to_store(last["cost"]).to_numpy(), "currency": last["currency"].to_numpy()})
    customer_all = col("customer")
    known = np.flatnonzero(texts["customer"][customer_all] != "")
    country_c = col("country")[known]
    if len(known) and (texts["country"][country_c] != "").any():
        # Per customer (in order of first appearance) the country of its last row.
        group, customer_codes = pd.factorize(customer_all[known], sort=False)
        last_row = np.full(len(customer_codes), -1, dtype=np.int64)
        np.maximum.at(last_row, group, np.arange(len(group)))     # scatter, no sort
        last = pd.Series(pd.array(texts["country"][country_c[last_row]], dtype="str"))
        batch.customers = pd.DataFrame({"customer_ref": pd.array(texts["customer"][customer_codes], dtype="str"),
                                        "country": last.where(last != "", None).to_numpy()})


FORMATS = [FormatSpec(name="generic", channel=CHANNEL,
                      description="Any CSV/TSV/xlsx of orders or sales: columns mapped by header name "
                                  "(English, Chinese, German, French, Spanish), or by a saved mapping",
                      detect=detect, parse=lambda table: parse(table))]
