"""What forecasts and stock alerts read from and write to the store, beyond `queries.py`.

Settings with their defaults, the result cache (`model_cache`, keyed by the store's data version
and the parameters, so an import or edit invalidates it; payloads live inside the encrypted
database, never in a plaintext cache file), and the small edits the Stock tab makes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from typing import Any

from merchant_ai.store.edits import bump, write_stock_count
from merchant_ai.store.store import Store

DEFAULTS = {"week_start": "monday", "default_lead_time_days": "14", "default_service_level": "0.95",
            "default_order_cycle_days": "14"}


def setting(store: Store, key: str) -> str:
    return store.get_setting(key, DEFAULTS.get(key)) or DEFAULTS.get(key, "")


def float_setting(store: Store, key: str) -> float:
    try:
        return float(setting(store, key))
    except ValueError:
        return float(DEFAULTS[key])


def last_order_day(store: Store) -> dt.date | None:
    row = store.connection().execute("SELECT max(order_date) FROM orders WHERE status != 'cancelled'").fetchone()
    return dt.date.fromisoformat(row[0][:10]) if row and row[0] else None


def _cache_key(kind: str, params: dict[str, Any]) -> str:
    text = json.dumps({"kind": kind, **params}, sort_keys=True, default=str)
    return f"{kind}:" + hashlib.sha256(text.encode()).hexdigest()


def cache_get(store: Store, kind: str, params: dict[str, Any]) -> Any | None:
    """The cached result for these parameters at the current data version, else None."""
    row = store.connection().execute("SELECT data_version, payload FROM model_cache WHERE key = ?",
                                     (_cache_key(kind, params),)).fetchone()
    if row is None or int(row[0]) != store.data_version():
        return None
    return json.loads(zlib.decompress(row[1]).decode())


def cache_put(store: Store, kind: str, params: dict[str, Any], payload: Any) -> None:
    blob = zlib.compress(json.dumps(payload, default=str).encode(), 6)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with store.transaction() as conn:
        conn.execute("DELETE FROM model_cache WHERE key LIKE ? AND data_version != ?", (f"{kind}:%", store.data_version()))
        conn.execute("INSERT INTO model_cache(key, data_version, payload, created_at) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET data_version = excluded.data_version, "
                     "payload = excluded.payload, created_at = excluded.created_at",
                     (_cache_key(kind, params), store.data_version(), blob, now))


def update_product_stock_settings(store: Store, sku: str, *, lead_time_days: float | None = None,
                                  moq: float | None = None, case_pack: float | None = None,
                                  order_cycle_days: float | None = None) -> None:
    """Per-SKU overrides edited in the Stock tab (None leaves a value unchanged)."""
    sets = {k: v for k, v in (("lead_time_days", lead_time_days), ("moq", moq), ("case_pack", case_pack),
                              ("order_cycle_days", order_cycle_days)) if v is not None}
    if not sets:
        return
    with store.transaction() as conn:
        exists = conn.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone()
        if exists is None:
            conn.execute("INSERT INTO products(sku) VALUES (?)", (sku,))
        conn.execute(f"UPDATE products SET {', '.join(f'{k} = ?' for k in sets)} WHERE sku = ?",
                     (*sets.values(), sku))
        bump(conn, store)


def record_stock_count(store: Store, sku: str, quantity: float, day: dt.date, location: str = "") -> None:
    """A manual stock count (replaces a count of the same SKU, location and day)."""
    with store.transaction() as conn:
        write_stock_count(conn, sku, quantity, day, location)
        bump(conn, store)
