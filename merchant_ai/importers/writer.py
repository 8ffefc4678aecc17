"""Put an ImportBatch into the store: one transaction, idempotent, recorded, and undoable.

Idempotence comes from natural keys: orders on (channel, external_id), lines replaced per order,
products on sku, inventory on (sku, location, as_of), customers on key, fees on (channel,
source_key). Importing a file twice, or two overlapping exports, therefore changes nothing the
second time except what the newer export says differently (statuses, refunds, totals).

Later files about stored orders (decisions, see tests/importers/test_order_updates.py):
- A refund whose sale is in an earlier file (settlement, payments report) is an update-only row
  (`batch.order_updates`): it sets the stored order's refunded amount and status, never its date
  or totals. When the order is not in the shop the refund is not written (an order row would need
  the sale's date and amounts): the import goes ahead and its warnings name file, line, column,
  order and amount; importing the sale's report and then the same file again attaches it.
  Refunded amounts merge by maximum, so re-imports never double count (two partial refunds of
  one order in two different settlements record the larger one only).
- A file that reaches less far in time than what the shop holds for its channel is older: its
  statuses and refunds only move orders forward (pending -> paid -> partially refunded ->
  refunded/cancelled). A file at least as recent may move them back (a refund reversed). A file
  that knows nothing of refunds (refunded NA) never lowers a refund status.
- Settlement dates are payout postings (`batch.dates_are_postings`): they date a new order but
  never overwrite the purchase date of a stored one.

Undo: rows an import inserted carry its `import_id`; rows it changed or deleted leave a
before-image in `import_undo`. Undoing restores those images and deletes the rest.

Bulk rows go through `executemany` of prepared tuples: sqlite-utils' `insert_all` of dicts is
about ten times slower on the 541,909-line UCI file (see shared/perf-notes.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from merchant_ai.importers import bulk, privacy
from merchant_ai.importers.batch import ImportBatch
from merchant_ai.store import Store
from merchant_ai.store.queries import NotPacked, packed_columns
from merchant_ai.wording import counted

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]
_CHUNK = 900  # SQLite's default limit on host parameters is 999


_gc_lock = threading.Lock()
_gc_holders = 0


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Hold Python's cyclic garbage collector off for the length of an import.

    A big import makes millions of short-lived objects (row tuples, strings), none in reference
    cycles; each burst of allocations triggers collections that walk every live object again.
    On the UCI file that cost ~1 s (a quarter of the write). Reference counting still frees
    everything; the collector resumes (if it was on) when the last concurrent import leaves.
    """
    global _gc_holders
    with _gc_lock:
        if _gc_holders == 0:
            _gc_paused_was_enabled[0] = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_paused_was_enabled[0]:
                gc.enable()


_gc_paused_was_enabled = [True]


class ImportCancelled(Exception):
    """The user cancelled; the transaction was rolled back and nothing was written."""

    exit_code = 1


class UndoError(ValueError):
    exit_code = 2


@dataclass
class WriteResult:
    import_id: int
    orders_new: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    lines: int = 0
    lines_unchanged: int = 0
    products_new: int = 0
    products_updated: int = 0
    customers_new: int = 0
    inventory: int = 0
    fees: int = 0
    refunds_attached: int = 0
    refunds_unmatched: int = 0
    backup: str | None = None
    warnings: list[str] = field(default_factory=list)   # found while writing (refunds of unknown orders)
    counts: dict = field(default_factory=dict)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def column_values(series: pd.Series) -> list:
    """A column as Python values with every kind of NA as None (what sqlite3 binds)."""
    if series.dtype.kind == "f":
        arr = series.to_numpy(dtype=float, na_value=np.nan)
        return [None if v != v else v for v in arr.tolist()]
    if series.dtype.kind in "iub":
        if series.hasnans:    # nullable ints: to_numpy() would give floats and NaN
            return series.to_numpy(dtype=object, na_value=None).tolist()
        return series.to_numpy().tolist()
    if isinstance(series.dtype, pd.StringDtype) or series.dtype == object:
        arr = series.to_numpy(dtype=object, na_value=None)
        if series.dtype == object:   # object columns may hold NaN/NA of several kinds
            arr = np.where(pd.isna(arr), None, arr)
        return arr.tolist()
    return series.astype(object).where(series.notna(), None).tolist()


def _tuples(frame: pd.DataFrame, cols: Iterable[str]) -> list[tuple]:
    return list(zip(*(column_values(frame[c]) for c in cols), strict=True))


def _chunks(items: list, size: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _select_in(conn, sql: str, values: list, prefix: tuple = ()) -> list[tuple]:
    """Run `sql` (with one `{in}` placeholder list) over `values` in chunks."""
    out: list[tuple] = []
    for part in _chunks(values):
        marks = ",".join("?" * len(part))
        out.extend(conn.execute(sql.format(marks=marks), (*prefix, *part)).fetchall())
    return out


class _Undo:
    """Collects before-images for one import."""

    def __init__(self, conn, import_id: int) -> None:
        self.conn, self.import_id = conn, import_id

    def capture(self, table: str, key_cols: list[str], where_sql: str, params: list, kind: str = "updated",
                chunk_param: bool = True, prefix: tuple = ()) -> None:
        """Copy the rows matching `where_sql` into import_undo as JSON, inside SQLite (no Python loop)."""
        cols = [c[1] for c in self.conn.execute(f"PRAGMA table_info({table})")]
        row_json = "json_object(" + ", ".join(f"'{c}', {c}" for c in cols) + ")"
        key_json = "json_object(" + ", ".join(f"'{c}', {c}" for c in key_cols) + ")"
        sql = (f"INSERT INTO import_undo(import_id, table_name, row_key, kind, before) "
               f"SELECT {self.import_id}, '{table}', {key_json}, '{kind}', {row_json} FROM {table} WHERE {where_sql}")
        if not chunk_param:
            self.conn.execute(sql, params)
            return
        for part in _chunks(params):
            self.conn.execute(sql.format(marks=",".join("?" * len(part))), (*prefix, *part))


def write_batch(store: Store, batch: ImportBatch, *, file_name: str, sha256: str,
                progress: Progress | None = None, cancel: Cancel | None = None,
                backup: bool = True, extra_warnings: list[str] | None = None,
                backup_made: Path | None = None) -> WriteResult:
    """Store `batch` in one transaction after an encrypted backup; returns what changed.
    `backup_made`: the caller already made that backup (unpruned), so it is not made again."""
    with gc_paused():
        return _write_batch(store, batch, file_name=file_name, sha256=sha256, progress=progress, cancel=cancel,
                            backup=backup, extra_warnings=extra_warnings, backup_made=backup_made)


def _write_batch(store: Store, batch: ImportBatch, *, file_name: str, sha256: str, progress: Progress | None,
                 cancel: Cancel | None, backup: bool, extra_warnings: list[str] | None,
                 backup_made: Path | None) -> WriteResult:
    batch.conform()
    step = progress or (lambda f, m: None)

    def check(fraction: float, message: str) -> None:
        if cancel is not None and cancel():
            raise ImportCancelled("Import cancelled; nothing was written.")
        step(fraction, message)

    backup_path = None
    if backup_made is not None:
        backup_path = str(backup_made)
        store.prune_backups()       # the import goes ahead: now the new backup may replace an old one
    elif backup:
        check(0.0, "backing up the shop")
        backup_path = str(store.backup("before-import"))
    key = privacy.secret(store) if privacy.pseudonymize_enabled(store) else None
    warnings = list(batch.warnings) + list(extra_warnings or [])
    with bulk.checkpoint_later(store.connection()), store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO imports(file_name, sha256, format, started_at, status, channel, warnings) "
            "VALUES (?, ?, ?, ?, 'done', ?, ?)",
            (file_name, sha256, batch.format, _now(), batch.channel, json.dumps(warnings, ensure_ascii=False)))
        import_id = int(cur.lastrowid)
        res = WriteResult(import_id=import_id, backup=backup_path)
        undo = _Undo(conn, import_id)
        channel_id = _channel(conn, batch)
        check(0.1, "customers")
        customer_ids = _write_customers(conn, batch, key, import_id, undo, res)
        check(0.25, "products")
        _write_products(conn, batch, channel_id, import_id, undo, res)
        check(0.35, "orders")
        order_ids, stored_before = _write_orders(conn, batch, channel_id, customer_ids, key, import_id, undo, res)
        _write_order_updates(conn, batch, channel_id, file_name, import_id, undo, res)
        check(0.55, "order lines")
        _write_lines(conn, batch, channel_id, order_ids, stored_before, import_id, undo, res,
                     between=lambda f: check(0.55 + 0.25 * f, "order lines"))
        check(0.85, "stock and fees")
        _write_inventory(conn, batch, import_id, undo, res)
        _write_fees(conn, batch, channel_id, import_id, undo, res)
        check(0.95, "recording the import")
        res.counts = {"orders_new": res.orders_new, "orders_updated": res.orders_updated,
                      "orders_unchanged": res.orders_unchanged,
                      "order_lines": res.lines, "order_lines_unchanged": res.lines_unchanged,
                      "products_new": res.products_new,
                      "products_updated": res.products_updated, "customers_new": res.customers_new,
                      "inventory": res.inventory, "fees": res.fees}
        if res.refunds_attached or res.refunds_unmatched:
            res.counts.update(refunds_attached=res.refunds_attached, refunds_unmatched=res.refunds_unmatched)
        conn.execute("UPDATE imports SET finished_at = ?, counts = ?, warnings = ? WHERE id = ?",
                     (_now(), json.dumps(res.counts), json.dumps(warnings + res.warnings, ensure_ascii=False),
                      import_id))
        store.bump_data_version()
    step(1.0, "done")
    return res


BULK_ROWS = 50_000       # order lines from which an import counts as bulk (see _bulk_indexes)


def _channel(conn, batch: ImportBatch) -> int:
    currency = None
    cur = batch.orders["currency"].dropna()
    if not cur.empty:
        currency = str(cur.mode().iloc[0])
    conn.execute("INSERT INTO channels(name, platform, currency) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING",
                 (batch.channel, batch.platform or batch.channel, currency))
    return int(conn.execute("SELECT id FROM channels WHERE name = ?", (batch.channel,)).fetchone()[0])


# --- customers ---------------------------------------------------------------------------------
def _keys(refs: pd.Series, key: bytes | None) -> tuple[pd.Series, pd.Series]:
    """Stored customer key and pseudonymous flag per raw ref (computed once per distinct ref)."""
    codes, uniques = pd.factorize(refs.astype(object).where(refs.notna(), None), sort=False)
    pairs = [privacy.customer_key(u, key) for u in uniques]
    keys = np.array([p[0] for p in pairs] + [None], dtype=object)
    flags = np.array([p[1] for p in pairs] + [False], dtype=bool)
    return (pd.Series(keys[codes], index=refs.index, dtype=object),
            pd.Series(flags[codes], index=refs.index))


def _write_customers(conn, batch: ImportBatch, key: bytes | None, import_id: int, undo: _Undo,
                     res: WriteResult) -> dict[str, int]:
    orders, customers = batch.orders, batch.customers
    okeys, oflags = _keys(orders["customer_ref"], key)
    ckeys, cflags = _keys(customers["customer_ref"], key)
    # The earliest order time per key as the least code of the sorted distinct times (UTC text sorts
    # as time): grouping arrow text loads pyarrow's query engine (~0.01 s, once per session) and
    # groups the strings themselves.
    t_codes, t_values = pd.factorize(orders["created_utc"], sort=True)
    timed = pd.DataFrame({"k": okeys, "t": t_codes})
    least = timed[timed["k"].notna() & (t_codes >= 0)].groupby("k", sort=False)["t"].min()
    first_seen = pd.Series(np.asarray(t_values, dtype=object)[least.to_numpy()], index=least.index, dtype=object)
    country = pd.Series(column_values(customers["country"]), index=customers.index, dtype=object)
    countries = pd.DataFrame({"k": ckeys, "c": country}).dropna().groupby("k", sort=False)["c"].last()
    flags = pd.concat([pd.Series(oflags.to_numpy(), index=okeys.to_numpy()),
                       pd.Series(cflags.to_numpy(), index=ckeys.to_numpy())])
    flags = flags[flags.index.notna()]
    flags = flags[~flags.index.duplicated()]
    all_keys = list(flags.index)
    if not all_keys:
        return {}
    # Plain dicts: a pandas lookup per key costs ~20 us, and shops have thousands of customers.
    flags, first_seen, countries = (dict(zip(flags.index, flags.astype(int).tolist(), strict=True)),
                                    first_seen.to_dict(), countries.to_dict())
    existing = dict(_select_in(conn, "SELECT key, id FROM customers WHERE key IN ({marks})", all_keys))
    new = [k for k in all_keys if k not in existing]
    conn.executemany("INSERT INTO customers(key, pseudonymous, first_seen, country, import_id) VALUES (?, ?, ?, ?, ?)",
                     [(k, flags[k], first_seen.get(k), countries.get(k), import_id) for k in new])
    res.customers_new = len(new)
    old = [k for k in all_keys if k in existing]
    if old:
        undo.capture("customers", ["id"], "key IN ({marks})", old)
        conn.executemany("UPDATE customers SET first_seen = CASE WHEN first_seen IS NULL OR ? < first_seen "
                         "THEN ? ELSE first_seen END, country = COALESCE(?, country) WHERE key = ?",
                         [(first_seen.get(k), first_seen.get(k), countries.get(k), k) for k in old
                          if first_seen.get(k) is not None or countries.get(k) is not None])
    ids = dict(_select_in(conn, "SELECT key, id FROM customers WHERE key IN ({marks})", all_keys))
    if key is None and not customers.empty:
        _write_contacts(conn, customers, ckeys, ids, undo)
    return ids


def _write_contacts(conn, customers: pd.DataFrame, ckeys: pd.Series, ids: dict[str, int], undo: _Undo) -> None:
    """Identities, only when the shop keeps them (pseudonymous mode never calls this)."""
    frame = customers.assign(_key=ckeys.to_numpy()).dropna(subset=["_key"]).drop_duplicates("_key", keep="last")
    if frame.empty:
        return
    frame["_id"] = frame["_key"].map(ids)
    cids = [int(c) for c in frame["_id"]]
    undo.capture("customer_contacts", ["customer_id"], "customer_id IN ({marks})", cids)
    marketing = frame["accepts_marketing"].map(lambda v: None if pd.isna(v) else int(bool(v)))
    rows = list(zip(cids, *(column_values(frame[c]) for c in
                            ("email", "first_name", "last_name", "phone", "address")),
                    column_values(marketing), strict=True))
    conn.executemany(
        "INSERT INTO customer_contacts(customer_id, email, first_name, last_name, phone, address, accepts_marketing) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(customer_id) DO UPDATE SET "
        "email = COALESCE(excluded.email, email), first_name = COALESCE(excluded.first_name, first_name), "
        "last_name = COALESCE(excluded.last_name, last_name), phone = COALESCE(excluded.phone, phone), "
        "address = COALESCE(excluded.address, address), "
        "accepts_marketing = COALESCE(excluded.accepts_marketing, accepts_marketing)", rows)


# --- products and aliases ------------------------------------------------------------------------
_PRODUCT_FIELDS = ["parent_sku", "title", "variant", "vendor", "category", "unit_cost", "list_price",
                   "currency", "status"]


def _aliases(conn, channel_id: int) -> dict[str, str]:
    return dict(conn.execute("SELECT channel_sku, sku FROM sku_aliases WHERE channel_id = ?", (channel_id,)))


def _write_products(conn, batch: ImportBatch, channel_id: int, import_id: int, undo: _Undo,
                    res: WriteResult) -> None:
    products = batch.products.dropna(subset=["sku"])
    products = products[products["sku"].astype(str).str.strip() != ""]
    # SKUs sold but not in any products file still belong on the master list (title from the line
    # that sold each last). Worked out per distinct channel SKU: no copy of the lines.
    lines = batch.lines
    alias = _aliases(conn, channel_id)
    codes, uniques = pd.factorize(lines["channel_sku"], sort=False)   # NA: code -1
    uniques = np.asarray(uniques, dtype=object)
    named = np.fromiter((str(u).strip() != "" for u in uniques), dtype=bool, count=len(uniques))
    channel_skus = {str(u) for u, ok in zip(uniques, named, strict=True) if ok}
    rows = np.flatnonzero(np.append(named, False)[codes])
    if len(rows):
        master = np.array([alias.get(u, u) for u in uniques] if alias else list(uniques), dtype=object)
        master_codes, _ = pd.factorize(master, sort=False)
        per_row = master_codes[codes[rows]]
        # drop_duplicates(keep="last") on the master SKU: the last row of each, in row order
        # (a scatter of row positions, not a sort of all 530,000 codes as np.unique would do).
        last_of = np.full(int(master_codes.max()) + 1, -1, dtype=np.int64)
        np.maximum.at(last_of, per_row, np.arange(len(per_row)))
        last = rows[np.sort(last_of[last_of >= 0])]
        sold_sku = master[codes[last]]
        sold_title = lines["title"].iloc[last].to_numpy()
        listed = set(products["sku"])
        if listed:
            unlisted = np.fromiter((s not in listed for s in sold_sku), dtype=bool, count=len(sold_sku))
            sold_sku, sold_title = sold_sku[unlisted], sold_title[unlisted]
        from_lines = pd.DataFrame({"sku": sold_sku, "title": sold_title})
        products = pd.concat([products, from_lines], ignore_index=True) if not from_lines.empty else products
    products = products.drop_duplicates("sku", keep="last")
    for col in _PRODUCT_FIELDS:
        if col not in products.columns:
            products[col] = pd.NA
    skus = [str(s) for s in products["sku"]]
    if skus:
        existing = {r[0] for r in _select_in(conn, "SELECT sku FROM products WHERE sku IN ({marks})", skus)}
        is_new = products["sku"].isin(existing).eq(False).to_numpy()
        new, old = products[is_new], products[~is_new]
        status = new["status"].astype(object).where(new["status"].notna(), "active")
        conn.executemany(
            "INSERT INTO products(sku, parent_sku, title, variant, vendor, category, unit_cost, list_price, "
            "currency, status, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*t, s, import_id) for t, s in zip(
                _tuples(new, ["sku", *_PRODUCT_FIELDS[:-1]]), column_values(status), strict=True)])
        res.products_new = len(new)
        if len(old):
            old_skus = [str(s) for s in old["sku"]]
            stored = dict((r[0], r[1:]) for r in _select_in(
                conn, f"SELECT sku, {', '.join(_PRODUCT_FIELDS)} FROM products WHERE sku IN ({{marks}})", old_skus))
            changed = [row for row in _tuples(old, [*_PRODUCT_FIELDS, "sku"]) if _changes(row[:-1], stored[row[-1]])]
            if changed:
                undo.capture("products", ["sku"], "sku IN ({marks})", [row[-1] for row in changed])
                sets = ", ".join(f"{c} = COALESCE(?, {c})" for c in _PRODUCT_FIELDS)
                conn.executemany(f"UPDATE products SET {sets} WHERE sku = ?", changed)
            res.products_updated = len(changed)
    # Every channel SKU maps to itself until the owner confirms a cross-channel match.
    channel_skus |= set(batch.products["sku"].dropna().astype(str))
    fresh = [s for s in channel_skus if s and s not in alias]
    conn.executemany("INSERT OR IGNORE INTO sku_aliases(channel_id, channel_sku, sku, confirmed, import_id) "
                     "VALUES (?, ?, ?, 0, ?)", [(channel_id, s, s, import_id) for s in fresh])


# --- orders and lines ----------------------------------------------------------------------------
_ORDER_FIELDS = ["created_at", "created_utc", "order_date", "currency", "subtotal", "shipping", "tax",
                 "discount", "total", "refunded", "status"]


def _write_orders(conn, batch: ImportBatch, channel_id: int, customer_ids: dict[str, int],
                  key: bytes | None, import_id: int, undo: _Undo,
                  res: WriteResult) -> tuple[dict[str, int], set[int]]:
    """Insert new orders, update stored ones; returns the id per external id, and the ids of the
    orders that were stored before this import (only those can have lines already)."""
    orders = batch.orders.drop_duplicates("external_id", keep="last").copy()
    if orders.empty:
        return {}, set()
    okeys, _ = _keys(orders["customer_ref"], key)
    orders["customer_id"] = okeys.map(customer_ids).astype(object)
    orders["customer_id"] = orders["customer_id"].where(orders["customer_id"].notna(), None)
    ext = [str(e) for e in orders["external_id"].to_numpy(dtype=object)]   # not an arrow scalar per order
    # A channel's first import: none of its orders is stored, and afterwards all of them are this
    # file's, so one read of the channel replaces lookups by id (20,000 ids in chunks on UCI).
    first_import = conn.execute("SELECT 1 FROM orders WHERE channel_id = ? LIMIT 1", (channel_id,)).fetchone() is None
    existing = {} if first_import else dict(_select_in(
        conn, "SELECT external_id, id FROM orders WHERE channel_id = ? AND external_id IN ({marks})", ext,
        prefix=(channel_id,)))
    through = _channel_through(conn, channel_id)
    is_new = ~orders["external_id"].astype(str).isin(existing).to_numpy()
    new, old = orders[is_new], orders[~is_new]
    refunded = new["refunded"].astype("Int64").fillna(0)
    status = new["status"].astype(object).where(new["status"].notna(), "paid")
    cols = ["external_id", "customer_id", *_ORDER_FIELDS[:-2]]
    bound = [column_values(new[c]) for c in cols] + [column_values(refunded), column_values(status)]
    bulk.insert_columns(
        conn, "INSERT INTO orders(channel_id, external_id, customer_id, created_at, created_utc, order_date, "
        "currency, subtotal, shipping, tax, discount, total, refunded, status, import_id)",
        [str(int(channel_id)), *range(len(bound)), str(int(import_id))], bound, len(new))
    res.orders_new = len(new)
    if len(old):
        old_ids = [existing[str(e)] for e in old["external_id"]]
        fields = [c for c in _ORDER_FIELDS if not (batch.dates_are_postings and c in _DATE_FIELDS)]
        cols = ["customer_id", *fields]
        stored = pd.DataFrame(_select_in(conn, f"SELECT id, {', '.join(cols)} FROM orders WHERE id IN ({{marks}})",
                                         old_ids), columns=["id", *cols]).set_index("id")
        stored = stored.reindex(old_ids)
        old = old.assign(**_merged_statuses(old, stored, newer=_is_newer(batch.orders["created_utc"], through)))
        # Only orders the file changes are written (and kept for undo): a re-imported or
        # overlapping export leaves its unchanged orders, and the import that stored them, alone.
        rows = _tuples(old, cols)
        changed = [(row, i) for row, before, i in zip(rows, stored.itertuples(index=False, name=None), old_ids,
                                                      strict=True) if _changes(row, before)]
        if changed:
            ids = [i for _row, i in changed]
            undo.capture("orders", ["id"], "id IN ({marks})", ids)
            sets = ", ".join(f"{c} = COALESCE(?, {c})" for c in cols)
            conn.executemany(f"UPDATE orders SET {sets}, import_id = ? WHERE id = ?",
                             [(*row, import_id, i) for row, i in changed])
        res.orders_updated = len(changed)
        res.orders_unchanged = len(old) - len(changed)
    if first_import:
        ids = dict(conn.execute("SELECT external_id, id FROM orders WHERE channel_id = ?", (channel_id,)))
    else:
        ids = dict(_select_in(conn, "SELECT external_id, id FROM orders WHERE channel_id = ? "
                                    "AND external_id IN ({marks})", ext, prefix=(channel_id,)))
    return ids, set(existing.values())


def _changes(incoming: tuple, stored: tuple) -> bool:
    """Whether `UPDATE ... SET c = COALESCE(?, c)` with `incoming` would change the `stored` row
    (None keeps the stored value; 12500 and 12500.0 are the same amount)."""
    for new, old in zip(incoming, stored, strict=True):
        if new is None or new == old:
            continue
        if isinstance(new, float) and new != new:      # NaN binds as NULL: keeps the stored value
            continue
        return True
    return False


_LISTED_UNMATCHED = 20   # refunds of unknown orders named one by one in the warnings


def _write_order_updates(conn, batch: ImportBatch, channel_id: int, file_name: str, import_id: int,
                         undo: _Undo, res: WriteResult) -> None:
    """Refunds of orders sold before this file: attach them to the stored order, or say why not.

    Only the refunded amount and the status change; the order's date, items and totals stay as
    the sale's export wrote them. A refund whose order is not in the shop is not written (an order
    row needs its sale's date and amounts, which this file lacks): the import goes ahead and a
    warning names the file, line, column, order and amount, so the owner can import the sale's
    report and then this file again (re-importing attaches the refund, never twice).
    """
    updates = batch.order_updates.dropna(subset=["external_id", "refunded"])
    if updates.empty:
        return
    updates = updates.assign(external_id=updates["external_id"].astype(str))
    known = dict(_select_in(conn, "SELECT external_id, id FROM orders WHERE channel_id = ? AND external_id IN "
                                  "({marks})", sorted(set(updates["external_id"])), prefix=(channel_id,)))
    found = updates[updates["external_id"].isin(known)]
    missing = updates[~updates["external_id"].isin(known)]
    if not found.empty:
        ids = [known[e] for e in found["external_id"]]
        stored = pd.DataFrame(_select_in(conn, "SELECT id, status, refunded, total FROM orders WHERE id IN ({marks})",
                                         ids), columns=["id", "status", "refunded", "total"]).set_index("id").reindex(ids)
        refunded = found["refunded"].astype("Int64").to_numpy(dtype=object)
        total = stored["total"].to_numpy()
        status = ["refunded" if t is not None and r >= t - 50 else "partially_refunded"
                  for r, t in zip(refunded, total, strict=True)]
        merged = _merged_statuses(pd.DataFrame({"status": status, "refunded": found["refunded"].astype("Int64")}),
                                  stored, newer=False)
        undo.capture("orders", ["id"], "id IN ({marks})", ids)
        conn.executemany("UPDATE orders SET refunded = ?, status = ?, import_id = ? WHERE id = ?",
                         [(int(r), st, import_id, i) for r, st, i in zip(
                             merged["refunded"], merged["status"], ids, strict=True)])
        res.refunds_attached = len(found)
    if not missing.empty:
        res.refunds_unmatched = len(missing)
        res.warnings.append(
            f"{counted(len(missing), 'refund')} in {file_name} not recorded: their orders are not in the shop yet. "
            f"Import the report with those sales, then {file_name} again.")
        for row in missing.head(_LISTED_UNMATCHED).itertuples(index=False):
            money = f"{int(row.refunded) / 1e4:.2f}" + ("" if pd.isna(row.currency) else f" {row.currency}")
            res.warnings.append(f"{file_name}, line {row.line}, column '{row.column}': refund of {money} for "
                                f"order {row.external_id}, which is not in the shop")
        if len(missing) > _LISTED_UNMATCHED:
            res.warnings.append(f"... and {counted(len(missing) - _LISTED_UNMATCHED, 'more refund')} of unknown orders")


_DATE_FIELDS = ("created_at", "created_utc", "order_date")
# How far an order has gone. A stale export never moves an order back down this scale; equal ranks
# keep what is stored (a cancelled order is not turned into a refunded one, nor back).
_STATUS_RANK = {"pending": 0, "paid": 1, "partially_refunded": 2, "refunded": 3, "cancelled": 3}


def _channel_through(conn, channel_id: int) -> str | None:
    """The latest order time the store holds for a channel (before this import writes)."""
    return conn.execute("SELECT max(created_utc) FROM orders WHERE channel_id = ?", (channel_id,)).fetchone()[0]


def _is_newer(file_times: pd.Series, through: str | None) -> bool:
    """Whether a file reaches at least as far as everything stored for its channel: only such an
    export may move an order's status backwards (a refund reversed, a cancelled order re-opened).
    A re-imported older export reaches less far, so its statuses and refunds only move forward."""
    times = file_times.dropna().astype(str)
    if through is None:
        return True
    return bool(len(times)) and times.max() >= str(through)


def _merged_statuses(incoming: pd.DataFrame, stored: pd.DataFrame, newer: bool) -> dict[str, list]:
    """Status and refunded amount of orders already stored, after this file.

    A file that knows nothing of refunds (refunded NA: Amazon All Orders, eBay orders) never
    lowers a refund status; an older file never lowers any status or refunded amount; a newer
    file that reports refunds is the truth about them.
    """
    status_in = incoming["status"].astype(object).to_numpy()
    refund_in = incoming["refunded"].astype("Int64")
    status_old = stored["status"].to_numpy()
    refund_old = stored["refunded"].to_numpy()
    statuses, refunds = [], []
    for s_new, r_new, s_old, r_old in zip(status_in, refund_in.astype(object).to_numpy(), status_old, refund_old,
                                          strict=True):
        knows_refunds = r_new is not None and r_new is not pd.NA
        if newer and knows_refunds:
            statuses.append(s_new if isinstance(s_new, str) else s_old)
            refunds.append(int(r_new))
            continue
        refunds.append(max(int(r_old or 0), int(r_new)) if knows_refunds else None)
        if not isinstance(s_new, str):
            statuses.append(None)
        elif newer and _STATUS_RANK.get(s_old, 1) < 2 and s_new != "cancelled":
            statuses.append(s_new)   # e.g. pending -> paid, or paid -> pending in a newer export
        else:
            statuses.append(s_new if _STATUS_RANK.get(s_new, 1) > _STATUS_RANK.get(s_old, 1) else s_old)
    return {"status": statuses, "refunded": pd.array(refunds, dtype="Int64")}


_LINE_COLS = ["order_id", "line_key", "sku", "channel_sku", "title", "quantity", "unit_price", "discount",
              "line_total", "refunded_qty"]


def _write_lines(conn, batch: ImportBatch, channel_id: int, order_ids: dict[str, int], stored_before: set[int],
                 import_id: int, undo: _Undo, res: WriteResult, between: Callable[[float], None] | None = None) -> None:
    lines = batch.lines
    if batch.orders_only or lines.empty:
        return
    # Order ids looked up once per distinct order (a dict lookup per line is ~10x slower on UCI).
    codes, uniques = pd.factorize(lines["order_external_id"])    # NA: code -1, no order
    id_of = np.array([order_ids.get(u, -1) for u in _objects(uniques)] + [-1], dtype=np.int64)[codes]
    keep = id_of >= 0
    if not keep.all():
        lines, codes, id_of = lines[keep], codes[keep], id_of[keep]
    order_id = id_of
    # Text columns as object arrays of Python str (None for NA), made once per distinct value: the
    # UCI file has ~4,000 titles and SKUs in 530,000 lines, so the rows share their str objects.
    sku_codes, sku_uniques = pd.factorize(lines["channel_sku"], sort=False)
    channel_of = np.array([None if u == "" else str(u) for u in _objects(sku_uniques)] + [None], dtype=object)
    master_of = _master_skus(pd.Series(channel_of, dtype=object), _aliases(conn, channel_id)).to_numpy(dtype=object)
    channel_sku, sku = channel_of[sku_codes], master_of[sku_codes]
    same_sku = all(m == c for m, c in zip(master_of, channel_of, strict=True))
    key_codes, key_uniques = pd.factorize(lines["line_key"], sort=False)
    key_uniques = _objects(key_uniques)
    key_list: list[str] = []
    index: dict[str, int] = {}   # one code per key text (1 and '1' are the same key once stored)
    for u in key_uniques:
        index.setdefault(str(u), len(index))
        if len(index) > len(key_list):
            key_list.append(str(u))
    key_codes = np.append(np.array([index[str(u)] for u in key_uniques], dtype=np.int64), -1)[key_codes]
    missing = key_codes < 0
    if missing.any():   # no key: the line's position in its order
        position = pd.Series(codes).groupby(codes).cumcount().to_numpy()[missing] + 1
        pos_codes, pos_uniques = pd.factorize(position, sort=False)
        for p in pos_uniques:
            if str(p) not in index:
                index[str(p)] = len(key_list)
                key_list.append(str(p))
        key_codes[missing] = np.array([index[str(p)] for p in pos_uniques], dtype=np.int64)[pos_codes]
    key_of = np.array(key_list, dtype=object)
    # Keys must be unique per order: a parser giving the same key twice gets numbered copies.
    pair = order_id * (len(key_of) + 1) + key_codes
    dup = pd.Series(pair).duplicated().to_numpy()
    if dup.any():
        nth = pd.Series(pair).groupby(pair).cumcount().to_numpy() + 1
        line_key = key_of[key_codes]
        line_key[dup] = [f"{k}#{n}" for k, n in zip(line_key[dup], nth[dup], strict=True)]
    else:
        line_key = key_of[key_codes]
    title = _line_titles(conn, lines["title"], sku_codes, master_of)
    # One array per stored column, in the form executemany binds (object arrays hold None for NA).
    new = {
        "order_id": order_id, "line_key": line_key, "sku": sku, "channel_sku": channel_sku, "title": title,
        "quantity": pd.to_numeric(lines["quantity"], errors="coerce").fillna(0.0).to_numpy(dtype=float),
        "unit_price": _int_array(lines["unit_price"]),
        "discount": lines["discount"].astype("Int64").fillna(0).to_numpy(dtype=np.int64),
        "line_total": _int_array(lines["line_total"]),
        "refunded_qty": pd.to_numeric(lines["refunded_qty"], errors="coerce").fillna(0.0).to_numpy(dtype=float)}
    # Lines are replaced per order (the newest export of an order is the truth about its items),
    # except where they are unchanged: re-importing a big file then rewrites nothing. Only orders
    # stored before this import can hold lines (an order row inserted now has none yet).
    touched = sorted(stored_before.intersection(pd.unique(order_id).tolist()))
    old = _stored_lines(conn, touched) if touched else None
    if old is not None and not old.empty:
        frame = pd.DataFrame({c: pd.Series(v, dtype=object) if v.dtype == object else v for c, v in new.items()})
        same = _unchanged_orders(old, frame)
        changed_ids = sorted(set(old["order_id"].astype(int)) - same)
        if changed_ids:
            undo.capture("order_lines", ["order_id", "line_key"], "order_id IN ({marks})", changed_ids, kind="deleted")
            for part in _chunks(changed_ids):
                conn.execute(f"DELETE FROM order_lines WHERE order_id IN ({','.join('?' * len(part))})", part)
        fresh = ~np.isin(order_id, np.fromiter(same, dtype=np.int64, count=len(same)))
        new = {c: v[fresh] for c, v in new.items()}
        res.lines_unchanged = int(old["order_id"].isin(same).sum())
    n_new = len(new["order_id"])
    # Each bound value costs time: a column equal to another (the master SKU is the channel SKU
    # unless an alias says otherwise) is bound once and used twice; a discount of 0 or no title of
    # its own on every line, and the import id, are written into the statement.
    cols = list(_LINE_COLS)
    if same_sku:
        cols.remove("sku")
    literal: dict[str, int | str] = {}
    if not new["discount"].any():
        cols.remove("discount")
        literal["discount"] = "0"
    if all(t is None for t in pd.unique(new["title"])):     # every line shows its product's title
        cols.remove("title")
        literal["title"] = "NULL"
    literal["sku"] = cols.index("channel_sku")           # used only when the master SKU is the channel's
    row: list[int | str] = [cols.index(c) if c in cols else literal[c] for c in _LINE_COLS]
    with _bulk_indexes(conn, "order_lines", n_new):
        bulk.insert_columns(conn, f"INSERT INTO order_lines({', '.join(_LINE_COLS)}, import_id)",
                            [*row, str(int(import_id))], [new[c] for c in cols], n_new, between=between)
    res.lines = n_new


def _line_titles(conn, titles: pd.Series, sku_codes: np.ndarray, master_of: np.ndarray) -> np.ndarray:
    """Each line's title to store: NULL where it is its product's title, which the readers take
    from the product instead (`COALESCE(l.title, p.title)`).

    Why: on UCI nearly every line repeats its product's description; storing it once per product
    instead of on 530,000 lines makes the lines table ~40% smaller, so the import's insert, commit
    and every backup and sales read have less to move. A line sold under another title (a renamed
    listing, a variant name) keeps its own. Compared per distinct SKU and title, not per line.
    `master_of[sku_codes]` is each line's master SKU (code -1: none); the products are written."""
    title_codes, title_uniques = pd.factorize(titles, sort=False)
    distinct = [str(u) for u in _objects(title_uniques)]
    title = np.array(distinct + [None], dtype=object)[title_codes]
    skus = sorted({str(m) for m in master_of if m is not None})
    product_title = dict(_select_in(conn, "SELECT sku, title FROM products WHERE sku IN ({marks}) "
                                          "AND title IS NOT NULL", skus)) if skus else {}
    code_of = {t: i for i, t in enumerate(distinct)}
    # Per distinct SKU (the last slot: no SKU) the code of its product's title; -2 matches no line.
    product_code = np.array([code_of.get(product_title.get(m, None), -2) if m is not None else -2
                             for m in master_of] + [-2], dtype=np.int64)
    same = (title_codes >= 0) & (title_codes == product_code[sku_codes])
    if same.any():
        title[same] = None
    return title


def _objects(uniques) -> np.ndarray:
    """Distinct values as an object array of Python values, converted in one call: iterating an
    arrow-backed array makes one scalar per element (~1 us each; UCI has 26,000 distinct orders)."""
    return np.asarray(uniques, dtype=object)


def _int_array(values: pd.Series) -> np.ndarray:
    """Nullable integers as int64, or as an object array with None where NA (what executemany binds)."""
    ints = values.astype("Int64")
    if not ints.isna().any():
        return ints.to_numpy(dtype=np.int64)
    return ints.to_numpy(dtype=object, na_value=None)


_TEXT_LINE_COLS = ("line_key", "sku", "channel_sku", "title")
_PACKED_FROM = 1_000    # orders from which the stored lines are read packed (see _stored_lines)


def _stored_lines(conn, order_ids: list[int]) -> pd.DataFrame:
    """The stored lines of these orders, columns `_LINE_COLS` (text NA for NULL, numbers float).

    Why packed for many orders: re-importing UCI read 530,000 stored lines as Python tuples and
    made a frame of them (~1.1 s of a ~2.7 s re-import); the packed read (queries.packed_columns)
    gives arrow text and float arrays (~0.65 s). Few orders, or values it cannot carry: row by row."""
    if len(order_ids) >= _PACKED_FROM:
        try:
            cols = packed_columns(conn, [(c, c, c in _TEXT_LINE_COLS) for c in _LINE_COLS],
                                  "FROM order_lines WHERE order_id IN (SELECT value FROM json_each(?))",
                                  (json.dumps(order_ids),))
        except NotPacked:
            pass
        else:
            if cols is None:
                return pd.DataFrame({c: pd.Series(dtype=object) for c in _LINE_COLS})
            return pd.DataFrame({c: pd.Series(pd.array(v, dtype="str")) if c in _TEXT_LINE_COLS
                                 else (v.astype(np.int64) if c == "order_id" else v) for c, v in cols.items()},
                                copy=False)
    return pd.DataFrame(_select_in(conn, f"SELECT {', '.join(_LINE_COLS)} FROM order_lines WHERE order_id IN "
                                         "({marks})", order_ids), columns=_LINE_COLS)


def _unchanged_orders(old: pd.DataFrame, new: pd.DataFrame) -> set[int]:
    """Orders whose stored lines equal the new ones exactly (as a set of rows)."""
    def signature(frame: pd.DataFrame) -> pd.DataFrame:
        cols = {}
        for c in _LINE_COLS[1:]:
            if c in _TEXT_LINE_COLS:     # as arrow text, however the column came (no Python str per cell)
                cols[c] = frame[c].astype("str").fillna("")
            else:
                cols[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
        h = pd.util.hash_pandas_object(pd.DataFrame(cols), index=False).to_numpy()
        key = frame["order_id"].astype(int).to_numpy()
        return pd.DataFrame({"o": key, "h": h}).groupby("o")["h"].agg(["sum", "count"])

    a, b = signature(old), signature(new)
    joined = a.merge(b, left_index=True, right_index=True, suffixes=("_old", "_new"))
    equal = (joined["sum_old"] == joined["sum_new"]) & (joined["count_old"] == joined["count_new"])
    return {int(i) for i in joined.index[equal]}


def _master_skus(channel_sku: pd.Series, alias: dict[str, str]) -> pd.Series:
    """Master SKU per channel SKU (itself unless an alias maps it elsewhere)."""
    if not alias:
        return channel_sku
    codes, uniques = pd.factorize(channel_sku)   # map each distinct SKU once; NA keeps code -1
    master = np.array([alias.get(u, u) for u in uniques] + [None], dtype=object)
    return pd.Series(master[codes], index=channel_sku.index, dtype=object)


@contextlib.contextmanager
def _bulk_indexes(conn, table: str, n_new: int) -> Iterator[None]:
    """Drop a table's secondary indexes around a bulk insert and rebuild them once afterwards.

    Maintaining two B-trees row by row costs more than building them once when the insert is
    large next to the table (the first import of a big file); small imports keep the indexes.
    Inside the import's transaction, so a failure rolls the drop back too.
    """
    existing = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if n_new < BULK_ROWS or n_new < existing:
        yield
        return
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                           "AND sql IS NOT NULL", (table,)).fetchall()
    for name, _sql in indexes:
        conn.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        for _name, sql in indexes:
            conn.execute(sql)


# --- stock and fees ------------------------------------------------------------------------------
def _write_inventory(conn, batch: ImportBatch, import_id: int, undo: _Undo, res: WriteResult) -> None:
    inv = batch.inventory.dropna(subset=["sku", "as_of"])
    if inv.empty:
        return
    inv = inv.assign(location=inv["location"].astype(object).where(inv["location"].notna(), ""))
    inv = inv.drop_duplicates(["sku", "location", "as_of"], keep="last")
    keys = list(zip(inv["sku"].astype(str), inv["location"].astype(str), inv["as_of"].astype(str), strict=True))
    for sku, loc, as_of in keys:  # few rows per file (one per variant x location)
        undo.capture("inventory_levels", ["sku", "location", "as_of"], "sku = ? AND location = ? AND as_of = ?",
                     [sku, loc, as_of], chunk_param=False)
    conn.executemany(
        "INSERT INTO inventory_levels(sku, location, quantity, available, incoming, as_of, import_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sku, location, as_of) DO UPDATE SET "
        "quantity = excluded.quantity, available = excluded.available, incoming = excluded.incoming, "
        "import_id = excluded.import_id",
        [(*t, import_id) for t in _tuples(inv, ["sku", "location", "quantity", "available", "incoming", "as_of"])])
    res.inventory = len(inv)


def _write_fees(conn, batch: ImportBatch, channel_id: int, import_id: int, undo: _Undo, res: WriteResult) -> None:
    fees = batch.fees.dropna(subset=["source_key", "amount"])
    if fees.empty:
        return
    fees = fees.drop_duplicates("source_key", keep="last")
    keys = [str(k) for k in fees["source_key"]]
    undo.capture("fees", ["id"], "channel_id = ? AND source_key IN ({marks})", keys, prefix=(channel_id,))
    conn.executemany(
        "INSERT INTO fees(channel_id, order_external_id, sku, kind, amount, currency, posted_at, source_key, import_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(channel_id, source_key) DO UPDATE SET "
        "order_external_id = excluded.order_external_id, sku = excluded.sku, kind = excluded.kind, "
        "amount = excluded.amount, currency = excluded.currency, posted_at = excluded.posted_at, "
        "import_id = excluded.import_id",
        [(channel_id, *t, import_id) for t in _tuples(
            fees, ["order_external_id", "sku", "kind", "amount", "currency", "posted_at", "source_key"])])
    res.fees = len(fees)


# --- ledger and undo -----------------------------------------------------------------------------
def list_imports(store: Store) -> list[dict]:
    """The import history, newest first (the Import tab's list)."""
    cur = store.connection().execute(
        "SELECT id, file_name, format, channel, started_at, finished_at, counts, warnings, status "
        "FROM imports ORDER BY id DESC")
    out = []
    for row in cur.fetchall():
        rec = dict(zip([d[0] for d in cur.description], row, strict=True))
        rec["counts"] = json.loads(rec["counts"] or "{}")
        rec["warnings"] = json.loads(rec["warnings"] or "[]")
        out.append(rec)
    return out


_UNDO_ORDER = ["orders", "customers", "customer_contacts", "products", "inventory_levels", "fees"]
_TAGGED = ["order_lines", "fees", "inventory_levels", "orders", "products"]


def undo_import(store: Store, import_id: int, backup: bool = True) -> dict:
    """Remove what import `import_id` added and restore what it changed, in one transaction.

    Undo is exact when imports are undone newest first; undoing an older import whose rows a later
    import changed again leaves the later import's versions in place (they are tagged with it).
    """
    row = store.connection().execute("SELECT status FROM imports WHERE id = ?", (import_id,)).fetchone()
    if row is None:
        raise UndoError(f"there is no import {import_id}")
    if row[0] == "undone":
        raise UndoError(f"import {import_id} was already undone")
    if backup:
        store.backup(f"before-undo-{import_id}")
    counts: dict[str, int] = {}
    with store.transaction() as conn:
        images = conn.execute("SELECT table_name, kind, before FROM import_undo WHERE import_id = ? ORDER BY id",
                              (import_id,)).fetchall()
        customers = {r[0] for r in conn.execute("SELECT id FROM customers")}
        # 1. restore rows the import changed (they get their old import_id back, so step 2 keeps them)
        for table in _UNDO_ORDER:
            for _, _, before in (i for i in images if i[0] == table and i[1] == "updated"):
                data = json.loads(before)
                if table == "orders" and data.get("customer_id") not in customers:
                    data["customer_id"] = None   # the customer was erased since
                if table == "customer_contacts" and data.get("customer_id") not in customers:
                    continue
                _restore(conn, table, data)
                counts[f"{table}_restored"] = counts.get(f"{table}_restored", 0) + 1
        # 2. delete rows it inserted
        for table in _TAGGED:
            n = conn.execute(f"DELETE FROM {table} WHERE import_id = ?", (import_id,)).rowcount
            counts[f"{table}_removed"] = n
        n = conn.execute("DELETE FROM customers WHERE import_id = ? AND id NOT IN "
                         "(SELECT customer_id FROM orders WHERE customer_id IS NOT NULL)", (import_id,)).rowcount
        counts["customers_removed"] = n
        conn.execute("DELETE FROM sku_aliases WHERE import_id = ? AND confirmed = 0", (import_id,))
        # 3. put back rows it deleted (order lines replaced by this import)
        existing_orders = None
        for table, _, before in (i for i in images if i[1] == "deleted"):
            data = json.loads(before)
            if table == "order_lines":
                if existing_orders is None:
                    existing_orders = {r[0] for r in conn.execute("SELECT id FROM orders")}
                if data["order_id"] not in existing_orders:
                    continue
            _replace(conn, table, data)
            counts[f"{table}_restored"] = counts.get(f"{table}_restored", 0) + 1
        conn.execute("UPDATE imports SET status = 'undone' WHERE id = ?", (import_id,))
        conn.execute("DELETE FROM import_undo WHERE import_id = ?", (import_id,))
        store.bump_data_version()
    return {"import_id": import_id, "undone": True, **counts}


def _restore(conn, table: str, data: dict) -> None:
    """Put a changed row back by its primary key (UPDATE, so no cascade deletes its children)."""
    pk = "customer_id" if table == "customer_contacts" else "id"
    cols = [c for c in data if c != pk]
    n = conn.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in cols)} WHERE {pk} = ?",
                     [*(data[c] for c in cols), data[pk]]).rowcount
    if n == 0:
        _replace(conn, table, data)


def _replace(conn, table: str, data: dict) -> None:
    cols = list(data)
    conn.execute(f"INSERT OR REPLACE INTO {table}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                 [data[c] for c in cols])
