"""The read side of the store: tidy DataFrames that analytics take as input.

Analytics never run SQL and never read files; they get these frames (pure functions of data).
Every loader takes `as_of` (a date: data up to and including that day) so no model can see the
future. Money comes out as float here (analytics are statistical); the store keeps it exact.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from merchant_ai.money import SCALE
from merchant_ai.store.store import Store

SALES_COLUMNS = [
    "order_id", "order_ref", "channel", "created_at", "order_date", "customer", "sku", "title",
    "category", "quantity", "unit_price", "discount", "revenue", "refunded_qty", "refunded_amount",
    "net_quantity", "net_revenue", "currency", "status", "unit_cost",
]


# The order line's own fields of `sales_lines` (name, SQL, is text); line_id puts each order's lines in id order.
LINE_FIELDS = [
    ("order_id", "l.order_id", False), ("master_sku", "l.sku", True),
    ("other_sku", "CASE WHEN l.sku IS NULL THEN COALESCE(l.channel_sku, l.title) END", True),
    ("title", "l.title", True), ("quantity", "l.quantity", False), ("unit_price", "l.unit_price", False),
    ("discount", "l.discount", False), ("line_total", "l.line_total", False),
    ("refunded_qty", "l.refunded_qty", False), ("line_id", "l.id", False),
]

# Set by `reuse_sales_lines()`: frames already read in this block, by (store, data version, as_of, cancelled).
_READ: contextvars.ContextVar[dict | None] = contextvars.ContextVar("merchant_ai_sales_lines_read", default=None)


@contextmanager
def reuse_sales_lines() -> Iterator[None]:
    """Inside this block a repeated `sales_lines` call (same store, data version, as_of and
    `include_cancelled`) returns the frame read the first time instead of reading it again: the weekly
    report's sections and the stock fit it triggers share one read. Kept in memory only, and
    dropped when the block ends."""
    token = _READ.set({})
    try:
        yield
    finally:
        _READ.reset(token)


def _frame(store: Store, sql: str, params: tuple = ()) -> pd.DataFrame:
    cur = store.connection().execute(sql, params)
    cols = [d[0] for d in cur.description]
    return pd.DataFrame.from_records(cur.fetchall(), columns=cols)


def _as_of_text(as_of: dt.date | str | None) -> str:
    if as_of is None:
        return "9999-12-31"
    return as_of if isinstance(as_of, str) else as_of.isoformat()


def _columns(store: Store, sql: str, params: tuple, names: str) -> dict[str, np.ndarray] | None:
    """The query's columns (named by the space-separated `names`) as object arrays, None when no
    rows. One 2-D object array holds the cells: ~5x faster than transposing the row tuples."""
    rows = store.connection().execute(sql, params).fetchall()
    if not rows:
        return None
    cells = np.array(rows, dtype=object)
    return {name: cells[:, i] for i, name in enumerate(names.split())}


class NotPacked(Exception):
    """The packed read cannot serve this query (a separator inside a value, text in a number
    column, an SQLite without the needed support, a result too long): read row by row instead."""



_SEP = "\x1f"      # ASCII unit separator: never in real SKUs or titles; a value holding one is detected


def _packed_columns(store: Store, columns: list[tuple[str, str, bool]], tail: str,
                    params: tuple) -> dict[str, Any] | None:
    return packed_columns(store.connection(), columns, tail, params)


def packed_columns(conn, columns: list[tuple[str, str, bool]], tail: str,
                   params: tuple) -> dict[str, Any] | None:
    """The columns `(name, SQL expression, is_text)` of `SELECT ... {tail}` (rows in the order
    `tail` sorts them) -- text as pyarrow large_string arrays (NULL -> null), numbers as float
    numpy arrays (NULL -> NaN) -- or None when no rows. Raises `NotPacked` when it cannot.

    Why: the SQLite module builds a Python object per cell (~0.4 µs each), 1.7-2 s for half a million
    order lines. Here SQLite joins every cell into one text (numbers in their round-trip text form,
    text prefixed with "v" so NULL and "" stay apart) and pyarrow splits and parses it in C; text
    stays in arrow, the storage pandas' own text columns use. Every cell is counted back, so a value
    holding the separator cannot shift the columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    fields = [f"CASE WHEN ({expr}) IS NULL THEN '' ELSE 'v' || ({expr}) END" if text else f"ifnull(({expr}), '')"
              for _, expr, text in columns]
    sql = (f"SELECT count(*), group_concat(r, char(31)) FROM (SELECT {' || char(31) || '.join(fields)} AS r "
           f"{tail})")
    try:
        n, packed = conn.execute(sql, params).fetchone()
    except Exception as exc:  # noqa: BLE001 - e.g. "string or blob too big" on a very large shop
        raise NotPacked(str(exc)) from exc
    if not n:
        return None
    k = len(columns)
    if not isinstance(packed, str):
        raise NotPacked("not text")
    cells = pc.split_pattern(pa.array([packed], pa.large_string()), _SEP).values
    del packed
    if len(cells) != n * k:
        raise NotPacked("a value holds the separator")
    out: dict[str, np.ndarray] = {}
    for j, (name, _, text) in enumerate(columns):
        col = cells.take(pa.array(np.arange(j, n * k, k)))
        if text:
            out[name] = pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), pc.utf8_slice_codeunits(col, 1))
        else:
            try:
                numbers = pc.cast(pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col), pa.float64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise NotPacked(f"{name}: not a number") from exc
            out[name] = numbers.to_numpy(zero_copy_only=False)
    return out


def _text_dtype() -> Any:
    """The dtype pandas gives a column of Python strings (pandas 3: arrow-backed "str"), or None
    when that is not arrow-backed text: the packed read then is not used, as its columns could differ."""
    dtype = pd.Series(np.array(["a"], dtype=object)).dtype
    return dtype if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" else None


_TEXT = _text_dtype()


def _text_series(values: Any) -> pd.Series:
    """An arrow text array as the Series pandas makes of the same Python strings: "str", or object
    when every value is missing (pandas infers no text type from None alone)."""
    if values.null_count == len(values):
        return pd.Series(np.full(len(values), None, dtype=object))
    return pd.Series(pd.array(values, dtype=_TEXT))


def _in_line_order(line: dict[str, Any], order_id: np.ndarray, at: np.ndarray):
    """The lines in (order day, order id, line id) order.

    SQLite returns them by order (the orders sorted as the lines must be), each order's lines in
    the unique (order_id, line_key) index's order: by key, so "10" before "2". Sorting by (order
    position, line id) here is a stable sort of nearly sorted integers, cheaper than SQLite sorting
    each order's lines (and than keeping an index by (order_id, id) that every import rebuilds)."""
    line_id = line.pop("line_id").astype(np.int64)
    key = at.astype(np.int64) * (int(line_id.max()) + 1) + line_id if len(line_id) else line_id
    if len(key) < 2 or not (np.diff(key) < 0).any():
        return line, order_id, at
    by = np.argsort(key, kind="stable")
    return ({name: values.take(by) if not isinstance(values, np.ndarray) else values[by]
             for name, values in line.items()}, order_id[by], at[by])


def _packed_texts(line: dict[str, Any], product: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, pd.Series]]:
    """Each line's product position (-1: none) and its sku, title and category Series, worked out
    in arrow: the same values as the row-by-row route's numpy/object steps, without a Python string
    per cell (each distinct SKU is looked up once)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    master = line["master_sku"]
    codes = pc.dictionary_encode(master)
    distinct = pd.Series(pd.array(codes.dictionary.cast(pa.large_string()), dtype=_TEXT))
    skus = pd.Index(product["sku"])
    at_distinct = np.append(skus.get_indexer(distinct), skus.get_indexer(pd.Series([None], dtype=_TEXT)))
    index = codes.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)   # a missing SKU: the last
    sku_at = at_distinct[index]
    pick = pa.array(np.where(sku_at < 0, len(skus), sku_at))                        # -1: no such product
    from_product = {col: pa.array(list(product[col]) + [None], pa.large_string()).take(pick)
                    for col in ("title", "category")}
    return sku_at, {"sku": _text_series(pc.coalesce(master, line["other_sku"])),
                    "title": _text_series(pc.coalesce(line["title"], from_product["title"])),
                    "category": _text_series(from_product["category"])}


def _floats(values: np.ndarray) -> np.ndarray:
    """Numbers as float, None -> NaN (a stray text cell -> NaN, as pd.to_numeric(errors="coerce"))."""
    try:
        return values.astype(float)
    except (TypeError, ValueError):
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)


def _take(values: pd.Series, index: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """values[index], missing where index is -1."""
    return values.array.take(index, allow_fill=True)


def sales_lines(store: Store, as_of: dt.date | str | None = None, include_cancelled: bool = False) -> pd.DataFrame:
    """One row per order line up to `as_of`, with refunds applied.

    Columns (see SALES_COLUMNS): `order_date` is the shop-local day (datetime64, midnight);
    `created_at` is local wall time; `customer` is the customer key or None for guests;
    `revenue` = quantity x unit_price - discount; `refunded_amount` is the line's refunded quantity at
    its unit price, or else its share of an order-level refund; `unit_cost` is NaN when unknown.

    Read in three parts and put together here (the frame one SQL join of lines, orders, customers
    and products would give, ~3x faster on half a million lines): each order's fields once per
    order, with its dates parsed once; each product's once per SKU; only the line's own per line.
    """
    read = _READ.get()
    if read is None:
        return _read_sales_lines(store, _as_of_text(as_of), include_cancelled)
    key = (id(store), store.data_version(), _as_of_text(as_of), include_cancelled)
    if key not in read:
        read[key] = _read_sales_lines(store, key[2], include_cancelled)
    return read[key].copy(deep=False)   # copy-on-write: a caller's edits never reach the shared frame


def _read_sales_lines(store: Store, as_of: str, include_cancelled: bool) -> pd.DataFrame:
    conn = store.connection()
    if conn.in_transaction:
        return _read_sales_parts(store, as_of, include_cancelled)
    conn.execute("BEGIN")       # one snapshot for the three reads: an import may commit between them
    try:
        return _read_sales_parts(store, as_of, include_cancelled)
    finally:
        conn.execute("COMMIT")


def _read_sales_parts(store: Store, as_of: str, include_cancelled: bool) -> pd.DataFrame:
    status = "" if include_cancelled else "AND o.status != 'cancelled'"
    day = (as_of,)
    tail = f"""FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN channels c ON c.id = o.channel_id
        WHERE o.order_date <= ? {status}
        ORDER BY o.order_date, o.id"""       # lines of one order: in id order below (`_in_line_order`)
    product = _columns(store, "SELECT sku, title, category, unit_cost FROM products", (),
                       "sku title category unit_cost") or {k: np.array([], dtype=object)
                                                           for k in ("sku", "title", "category", "unit_cost")}
    # The packed read keeps text in arrow: only for plain text (a stray blob goes row by row, as before).
    packed = _TEXT is not None and all(v is None or isinstance(v, str)
                                       for col in ("sku", "title", "category") for v in product[col])
    try:
        line = _packed_columns(store, LINE_FIELDS, tail, day) if packed else None
    except NotPacked:
        packed = False
    if not packed:
        line = _columns(store, f"SELECT {', '.join(expr for _, expr, _ in LINE_FIELDS)} {tail}", day,
                        " ".join(name for name, _, _ in LINE_FIELDS))
    if line is None:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SALES_COLUMNS})
    # Orders sorted as the lines are, so date parsing meets the first line's order first, as before.
    order = _columns(store, f"""
        SELECT o.id, o.external_id, c.name, o.created_at, o.order_date, cu.key, o.refunded, o.currency, o.status
        FROM orders o JOIN channels c ON c.id = o.channel_id LEFT JOIN customers cu ON cu.id = o.customer_id
        WHERE o.order_date <= ? {status} AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)
        ORDER BY o.order_date, o.id""", day,
        "order_id order_ref channel created_at order_date customer order_refunded currency status")
    orders = pd.DataFrame({
        "order_ref": pd.Series(order["order_ref"]), "channel": pd.Series(order["channel"]),
        "created_at": pd.to_datetime(pd.Series(order["created_at"]).str.slice(0, 19), errors="coerce"),
        "order_date": pd.to_datetime(pd.Series(order["order_date"])), "customer": pd.Series(order["customer"]),
        "order_refunded": _floats(order["order_refunded"]) / SCALE, "currency": pd.Series(order["currency"]),
        "status": pd.Series(order["status"])})
    unit_cost = np.append(_floats(product["unit_cost"]) / SCALE, np.nan)    # index -1: no such product

    order_id = line["order_id"].astype(np.int64)
    at = pd.Index(order["order_id"].astype(np.int64)).get_indexer(order_id)
    line, order_id, at = _in_line_order(line, order_id, at)
    if packed:
        sku_at, texts = _packed_texts(line, product)
    else:
        master_sku = pd.Series(line["master_sku"])
        sku_at = pd.Index(product["sku"]).get_indexer(master_sku)
        title = np.where(pd.isna(line["title"]), np.append(product["title"], None)[sku_at], line["title"])
        texts = {"sku": pd.Series(np.where(pd.isna(line["master_sku"]), line["other_sku"], line["master_sku"])),
                 "title": pd.Series(title), "category": pd.Series(np.append(product["category"], None)[sku_at])}
    df = pd.DataFrame({
        "order_id": order_id, "order_ref": _take(orders["order_ref"], at), "channel": _take(orders["channel"], at),
        "created_at": _take(orders["created_at"], at), "order_date": _take(orders["order_date"], at),
        "customer": _take(orders["customer"], at), "sku": texts["sku"], "title": texts["title"],
        "category": texts["category"],
        "quantity": _floats(line["quantity"]), "unit_price": _floats(line["unit_price"]) / SCALE,
        "discount": _floats(line["discount"]) / SCALE, "line_total": _floats(line["line_total"]) / SCALE,
        "refunded_qty": _floats(line["refunded_qty"]), "order_refunded": _take(orders["order_refunded"], at),
        "currency": _take(orders["currency"], at), "status": _take(orders["status"], at),
        "unit_cost": unit_cost[sku_at]})
    df["refunded_qty"] = df["refunded_qty"].fillna(0.0)
    df["discount"] = df["discount"].fillna(0.0)
    revenue = df["line_total"].where(df["line_total"].notna(), df["quantity"] * df["unit_price"] - df["discount"])
    df["revenue"] = revenue.fillna(0.0)
    # Refunds: per-line quantities where the export has them, else the order's refund pro rata.
    line_refund = (df["refunded_qty"] * df["unit_price"].fillna(0.0)).clip(lower=0)
    order_rev = df.groupby("order_id")["revenue"].transform("sum")
    order_line_refund = line_refund.groupby(df["order_id"]).transform("sum")
    share = np.where(order_rev > 0, df["revenue"] / order_rev.replace(0, np.nan), 0.0)
    pro_rata = (df["order_refunded"].fillna(0.0) * np.nan_to_num(share)).clip(lower=0)
    df["refunded_amount"] = np.where(order_line_refund > 0, line_refund, np.minimum(pro_rata, df["revenue"].clip(lower=0)))
    df["net_quantity"] = (df["quantity"] - df["refunded_qty"]).clip(lower=0)
    df["net_revenue"] = df["revenue"] - df["refunded_amount"]
    return df[SALES_COLUMNS]


def orders(store: Store, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """One row per order (all statuses) with money as float and the customer key."""
    df = _frame(store, """
        SELECT o.id AS order_id, o.external_id AS order_ref, c.name AS channel, o.created_at, o.order_date,
               cu.key AS customer, o.currency, o.subtotal, o.shipping, o.tax, o.discount, o.total,
               o.refunded, o.status
        FROM orders o JOIN channels c ON c.id = o.channel_id LEFT JOIN customers cu ON cu.id = o.customer_id
        WHERE o.order_date <= ? ORDER BY o.order_date, o.id""", (_as_of_text(as_of),))
    for col in ("subtotal", "shipping", "tax", "discount", "total", "refunded"):
        df[col] = pd.to_numeric(df[col], errors="coerce") / SCALE
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df


def products(store: Store) -> pd.DataFrame:
    """Master SKU list with supplier settings resolved (per-SKU override, else supplier, else NaN)."""
    df = _frame(store, """
        SELECT p.sku, p.parent_sku, p.title, p.variant, p.vendor, s.name AS supplier, p.category,
               p.unit_cost, p.list_price, p.currency, p.status,
               COALESCE(p.lead_time_days, s.lead_time_days) AS lead_time_days,
               COALESCE(p.order_cycle_days, s.order_cycle_days) AS order_cycle_days,
               COALESCE(p.moq, s.moq) AS moq, COALESCE(p.case_pack, s.case_pack) AS case_pack
        FROM products p LEFT JOIN suppliers s ON s.id = p.supplier_id ORDER BY p.sku""")
    for col in ("unit_cost", "list_price"):
        df[col] = pd.to_numeric(df[col], errors="coerce") / SCALE
    return df


def product_titles(store: Store) -> dict[str, str]:
    """SKU -> title ("" where the product has none), for showing products by name."""
    rows = store.connection().execute("SELECT sku, title FROM products ORDER BY sku").fetchall()
    return {str(sku): title.strip() if isinstance(title, str) else "" for sku, title in rows}


def _one_count_per_sku(df: pd.DataFrame, when: str) -> pd.DataFrame:
    """Rows that make up each SKU's stock: a products export gives a location-less total, an
    inventory export the same units per location. Summing both would count the stock twice, so
    the newer of the two wins (per-location counts on a tie: they carry more detail)."""
    named = df["location"].fillna("").ne("")
    newest_named = df[when].where(named).groupby(df["sku"]).transform("max")
    newest_total = df[when].where(~named).groupby(df["sku"]).transform("max")
    use_named = newest_named.notna() & (newest_total.isna() | (newest_named >= newest_total))
    return df[named.eq(use_named)]


def inventory_on_hand(store: Store, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Latest stock count per SKU taken on or before `as_of`: the newest count per location,
    summed, or the newest location-less total when that is newer (see `_one_count_per_sku`)."""
    df = _frame(store, """
        SELECT i.sku, i.location, i.quantity, i.available, i.incoming, i.as_of
        FROM inventory_levels i
        JOIN (SELECT sku, location, max(as_of) AS as_of FROM inventory_levels
              WHERE substr(as_of, 1, 10) <= ? GROUP BY sku, location) last
          ON last.sku = i.sku AND last.location = i.location AND last.as_of = i.as_of""",
        (_as_of_text(as_of),))
    if df.empty:
        return pd.DataFrame({"sku": [], "on_hand": [], "incoming": [], "counted_at": []})
    df = _one_count_per_sku(df, "as_of")
    return (df.groupby("sku", as_index=False)
              .agg(on_hand=("quantity", "sum"), incoming=("incoming", "sum"), counted_at=("as_of", "max")))


def inventory_history(store: Store, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Every stock count up to `as_of` (for stockout censoring), summed over locations per day
    (a day with per-location counts ignores a location-less total of the same day)."""
    df = _frame(store, "SELECT sku, location, quantity, substr(as_of, 1, 10) AS day FROM inventory_levels "
                       "WHERE substr(as_of, 1, 10) <= ?", (_as_of_text(as_of),))
    if df.empty:
        return pd.DataFrame({"sku": [], "day": [], "on_hand": []})
    named = df["location"].fillna("").ne("")
    day_has_named = named.groupby([df["sku"], df["day"]]).transform("any")
    df = df[named | ~day_has_named]
    out = df.groupby(["sku", "day"], as_index=False)["quantity"].sum().rename(columns={"quantity": "on_hand"})
    out["day"] = pd.to_datetime(out["day"])
    return out


def open_purchase_orders(store: Store) -> pd.DataFrame:
    return _frame(store, "SELECT sku, quantity, expected_at FROM purchase_orders WHERE status = 'open'")


def fees(store: Store, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Real fees carried by exports (negative = charged to the seller)."""
    df = _frame(store, """
        SELECT c.name AS channel, f.order_external_id AS order_ref, f.sku, f.kind, f.amount, f.currency, f.posted_at
        FROM fees f JOIN channels c ON c.id = f.channel_id
        WHERE COALESCE(substr(f.posted_at, 1, 10), '') <= ?""", (_as_of_text(as_of),))
    df["amount"] = pd.to_numeric(df["amount"], errors="coerce") / SCALE
    return df
