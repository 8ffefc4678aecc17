"""Customer identities: pseudonymous keys, "export my data" and "erase".

In pseudonymous mode (setting `pseudonymize_customers`, on unless the owner turns it off) the
store keeps, per customer, only an HMAC-SHA256 of the normalised e-mail or username under a random
key that lives in the settings table, i.e. inside the encrypted database. The same buyer gets the
same key in every file (repeat purchases and CLV still work), but the key cannot be turned back
into an address, and names, addresses and phones are never written.
Plain numeric ids issued by a platform (`17850`) are already pseudonyms outside that platform and
are kept as they are, so keys stay readable in reports and match the platform's own screens.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets

from merchant_ai.store import Store

SETTING_MODE = "pseudonymize_customers"
SETTING_KEY = "customer_key_secret"
_FLOAT_ID = re.compile(r"^(\d+)\.0+$")
_PLAIN_ID = re.compile(r"^\d+$")


def pseudonymize_enabled(store: Store) -> bool:
    """On by default: a shop that never chose keeps no identities."""
    return (store.get_setting(SETTING_MODE, "1") or "1") not in ("0", "false", "no")


def set_pseudonymize(store: Store, on: bool) -> None:
    """Choose for the imports to come: keep only a keyed hash of each customer's e-mail/username
    (and no names, addresses, phones), or keep identities. Imports already done stay as they are."""
    store.set_setting(SETTING_MODE, "1" if on else "0")


def secret(store: Store) -> bytes:
    """The shop's HMAC key, created on first use (32 random bytes, hex in settings)."""
    value = store.get_setting(SETTING_KEY)
    if not value:
        value = secrets.token_hex(32)
        store.set_setting(SETTING_KEY, value)
    return bytes.fromhex(value)


def normalise_ref(ref: object) -> str | None:
    """One spelling per buyer: trimmed, e-mails lower-cased, `17850.0` -> `17850`."""
    if ref is None or (isinstance(ref, float) and ref != ref):
        return None
    text = str(ref).strip()
    if not text or text.lower() in ("nan", "none", "<na>", "--", "guest"):
        return None
    m = _FLOAT_ID.match(text)
    if m:
        return m.group(1)
    return text.lower() if "@" in text else text


def pseudonymous_key(ref: str, key: bytes) -> str:
    """`c_` + 32 hex chars of HMAC-SHA256(key, normalised ref)."""
    norm = normalise_ref(ref) or ""
    return "c_" + hmac.new(key, norm.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def customer_key(ref: object, key: bytes | None) -> tuple[str | None, bool]:
    """The stored key for a raw ref and whether it is pseudonymous (key None: identities kept)."""
    norm = normalise_ref(ref)
    if norm is None:
        return None, False
    if key is None or _PLAIN_ID.match(norm):
        return norm, False
    return pseudonymous_key(norm, key), True


def find_customer(store: Store, key_or_ref: str) -> int | None:
    """Customer row id from a stored key, or from the raw e-mail/username in pseudonymous mode."""
    conn = store.connection()
    row = conn.execute("SELECT id FROM customers WHERE key = ?", (key_or_ref,)).fetchone()
    if row is None:
        norm = normalise_ref(key_or_ref)
        candidates = {norm} if norm else set()
        if norm:
            candidates.add(pseudonymous_key(norm, secret(store)))
        for cand in candidates:
            row = conn.execute("SELECT id FROM customers WHERE key = ?", (cand,)).fetchone()
            if row:
                break
    return None if row is None else int(row[0])


def export_customer(store: Store, key: str) -> dict:
    """Everything the store holds about one customer (GDPR access request), as plain JSON data."""
    cid = find_customer(store, key)
    if cid is None:
        raise KeyError(f"no customer with key {key!r}")
    conn = store.connection()

    def rows(sql: str, params: tuple) -> list[dict]:
        cur = conn.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    customer = rows("SELECT key, pseudonymous, first_seen, country FROM customers WHERE id = ?", (cid,))[0]
    contact = rows("SELECT email, first_name, last_name, phone, address, accepts_marketing "
                   "FROM customer_contacts WHERE customer_id = ?", (cid,))
    orders = rows("SELECT o.id, c.name AS channel, o.external_id, o.created_at, o.currency, o.total, "
                  "o.refunded, o.status FROM orders o JOIN channels c ON c.id = o.channel_id "
                  "WHERE o.customer_id = ? ORDER BY o.created_utc", (cid,))
    for order in orders:
        order["lines"] = rows("SELECT l.sku, COALESCE(l.title, p.title) AS title, l.quantity, l.unit_price, "
                              "l.line_total, l.refunded_qty FROM order_lines l LEFT JOIN products p ON p.sku = l.sku "
                              "WHERE l.order_id = ? ORDER BY l.id", (order.pop("id"),))
    if contact and contact[0].get("address"):
        try:
            contact[0]["address"] = json.loads(contact[0]["address"])
        except ValueError:
            pass
    return {"customer": customer, "contact": contact[0] if contact else None, "orders": orders,
            "money_unit": "1/10000 of the order currency"}


def erase_customer(store: Store, key: str) -> dict:
    """Erase a customer's identity: contacts deleted, orders kept but unlinked (sales stay true).

    The customer row itself goes, so the key no longer exists; orders become guest orders. A
    backup taken before still holds the data until it is pruned, which the caller should say.
    """
    cid = find_customer(store, key)
    if cid is None:
        raise KeyError(f"no customer with key {key!r}")
    with store.transaction() as conn:
        n_orders = conn.execute("UPDATE orders SET customer_id = NULL WHERE customer_id = ?", (cid,)).rowcount
        conn.execute("DELETE FROM customer_contacts WHERE customer_id = ?", (cid,))
        # Undo before-images hold copies of the identity too: they go with it.
        conn.execute("DELETE FROM import_undo WHERE (table_name = 'customers' AND json_extract(row_key, '$.id') = ?) "
                     "OR (table_name = 'customer_contacts' AND json_extract(row_key, '$.customer_id') = ?)",
                     (cid, cid))
        conn.execute("DELETE FROM customers WHERE id = ?", (cid,))
        store.bump_data_version()
    return {"erased": True, "orders_unlinked": n_orders}
