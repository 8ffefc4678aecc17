"""A full check of a shop's database: every page's HMAC (SQLCipher) and SQLite's own structure.

Opening only reads the first pages; damage elsewhere shows up when that page is read. This reads
them all, so `merchant-ai info --verify` and the self-test can say "intact" with confidence.
"""

from __future__ import annotations

import sqlcipher3

from merchant_ai.store.store import Store


def _rows(conn: sqlcipher3.Connection, pragma: str) -> list[str]:
    try:
        return [str(r[0]) for r in conn.execute(f"PRAGMA {pragma}").fetchall()]
    except sqlcipher3.DatabaseError as exc:  # a damaged page can stop the check itself
        return [str(exc)]


def verify(store: Store) -> dict:
    """Never raises for damage: returns what it found, so callers can offer the latest backup."""
    conn = store.connection()
    cipher = _rows(conn, "cipher_integrity_check")
    quick = _rows(conn, "quick_check")
    ok = not cipher and quick == ["ok"]
    return {"ok": ok, "cipher_errors": cipher[:20], "sqlite_check": quick[:20]}
