"""The store's promises: encryption, keys, recovery, damage detection, backups, migrations."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pytest

from merchant_ai.store import (
    KeyFileDamaged,
    Store,
    StoreDamaged,
    StoreExists,
    StoreMissing,
    StoreTooNew,
    WrongPassphrase,
    WrongRecoveryCode,
    keys,
)
from merchant_ai.store.errors import mapped
from merchant_ai.store.integrity import verify
from merchant_ai.store.schema import MIGRATIONS, SCHEMA_VERSION


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    monkeypatch.setenv("MERCHANT_AI_KDF_LOG2N", "14")


@pytest.fixture
def shop(tmp_path):
    store, code = Store.create(tmp_path / "shop", "correct horse", name="Test shop")
    yield store, code
    store.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add_customer(store: Store, key: str, email: str) -> None:
    with store.transaction() as conn:
        cur = conn.execute("INSERT INTO customers(key) VALUES (?)", (key,))
        conn.execute("INSERT INTO customer_contacts(customer_id, email) VALUES (?, ?)", (cur.lastrowid, email))


def test_create_open_and_settings(shop, tmp_path):
    store, code = shop
    assert store.schema_version() == SCHEMA_VERSION
    assert store.get_setting("shop_name") == "Test shop"
    store.close()
    again = Store.open(tmp_path / "shop", "correct horse")
    assert again.info()["orders"] == 0
    again.close()


def test_create_refuses_existing_shop(shop, tmp_path):
    with pytest.raises(StoreExists):
        Store.create(tmp_path / "shop", "x")


def test_wrong_passphrase_changes_nothing(shop, tmp_path):
    store, _ = shop
    store.close()
    before = {p.name: _sha(p) for p in (tmp_path / "shop").iterdir() if p.is_file()}
    with pytest.raises(WrongPassphrase, match="Wrong passphrase"):
        Store.open(tmp_path / "shop", "wrong")
    after = {p.name: _sha(p) for p in (tmp_path / "shop").iterdir() if p.is_file()}
    assert before == after


def test_missing_store(tmp_path):
    with pytest.raises(StoreMissing):
        Store.open(tmp_path / "nothing", "x")


def test_recovery_code_format_and_typos(shop):
    _, code = shop
    key = keys.parse_recovery_code(code)
    assert len(key) == 32
    # Lower case, spaces and look-alike digits are accepted.
    assert keys.parse_recovery_code(code.lower().replace("-", " ").replace("O", "0")) == key
    typo = ("B" if code[0] != "B" else "C") + code[1:]
    with pytest.raises(WrongRecoveryCode, match="typo"):
        keys.parse_recovery_code(typo)
    with pytest.raises(WrongRecoveryCode, match="letters"):
        keys.parse_recovery_code(code[:-3])


def test_lost_key_file_recovered_with_code(shop, tmp_path):
    store, code = shop
    _add_customer(store, "c1", "a@example.com")
    store.close()
    (tmp_path / "shop" / "shop.key").unlink()
    with pytest.raises(KeyFileDamaged, match="recovery code"):
        Store.open(tmp_path / "shop", "correct horse")
    recovered = Store.recover(tmp_path / "shop", code, "new passphrase")
    assert recovered.info()["customers"] == 1
    recovered.close()
    assert Store.open(tmp_path / "shop", "new passphrase").info()["customers"] == 1


def test_damaged_key_file_reported(shop, tmp_path):
    store, _ = shop
    store.close()
    (tmp_path / "shop" / "shop.key").write_text("{ not json", encoding="utf-8")
    with pytest.raises(KeyFileDamaged, match="damaged"):
        Store.open(tmp_path / "shop", "correct horse")


def test_recovery_code_of_another_shop_is_refused(shop, tmp_path):
    store, _ = shop
    store.close()
    other, other_code = Store.create(tmp_path / "other", "pw")
    other.close()
    with pytest.raises(WrongRecoveryCode, match="does not belong"):
        Store.recover(tmp_path / "shop", other_code, "new")
    # The original passphrase still works: nothing was overwritten.
    Store.open(tmp_path / "shop", "correct horse").close()


def test_passphrase_change_is_a_rewrap(shop, tmp_path):
    store, code = shop
    store.close()
    db_before = _sha(tmp_path / "shop" / "shop.db")
    store = Store.open(tmp_path / "shop", "correct horse")
    store.change_passphrase("second")
    store.close()
    assert _sha(tmp_path / "shop" / "shop.db") == db_before
    with pytest.raises(WrongPassphrase):
        Store.open(tmp_path / "shop", "correct horse")
    Store.open(tmp_path / "shop", "second").close()
    assert keys.parse_recovery_code(code)  # the recovery code is unchanged by a passphrase change


def test_tampered_byte_is_detected_and_file_kept(shop, tmp_path):
    store, _ = shop
    for i in range(300):
        _add_customer(store, f"cust{i}", f"person{i}@example.com")
    store.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    db = tmp_path / "shop" / "shop.db"
    data = bytearray(db.read_bytes())
    pos = len(data) - 2000  # inside the last page's encrypted content
    data[pos] ^= 0x01
    db.write_bytes(bytes(data))
    tampered = _sha(db)
    reopened = Store.open(tmp_path / "shop", "correct horse")  # page 1 intact: opens
    report = verify(reopened)
    assert report["ok"] is False and report["cipher_errors"]
    # Reading the damaged page through the store gives our message, not a raw sqlcipher3 error.
    with pytest.raises(StoreDamaged, match="damaged or was altered"), mapped():
        conn = reopened.connection()
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            conn.execute(f"SELECT * FROM {table}").fetchall()
        for (index, table) in conn.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type='index'").fetchall():
            conn.execute(f"SELECT * FROM {table} INDEXED BY {index}").fetchall()
        conn.execute("PRAGMA quick_check").fetchall()
    reopened.close()
    assert _sha(db) == tampered  # reported, never overwritten


def test_tampered_first_page_reported_on_open(shop, tmp_path):
    store, _ = shop
    store.close()
    db = tmp_path / "shop" / "shop.db"
    data = bytearray(db.read_bytes())
    data[100] ^= 0xFF
    db.write_bytes(bytes(data))
    with pytest.raises(StoreDamaged, match="restore"):
        Store.open(tmp_path / "shop", "correct horse")


def test_backup_and_restore_roundtrip(shop):
    store, _ = shop
    _add_customer(store, "before", "b@example.com")
    backup = store.backup(reason="test")
    _add_customer(store, "after", "c@example.com")
    assert store.info()["customers"] == 2
    store.restore(backup)
    assert store.info()["customers"] == 1
    # Restoring made a backup of the state it replaced.
    assert any("before-restore" in p.name for p in store.list_backups())


def test_backups_are_pruned(shop):
    store, _ = shop
    for i in range(5):
        store.backup(reason=f"n{i}", keep=3)
    assert len(store.list_backups()) == 3


def test_store_too_new_is_refused(shop, tmp_path):
    store, _ = shop
    store.connection().execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    store.close()
    with pytest.raises(StoreTooNew, match="newer"):
        Store.open(tmp_path / "shop", "correct horse")


def test_each_migration_runs_from_its_predecessor(tmp_path):
    """Build a shop at every older version, then open it: it migrates, after a backup."""
    for start in range(len(MIGRATIONS)):
        store, _ = Store.create(tmp_path / f"v{start}", "pw")
        conn = store.connection()
        conn.execute("PRAGMA foreign_keys = OFF")
        # Rebuild as version `start`: drop everything, re-apply the first `start` migrations.
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            conn.execute(f"DROP TABLE IF EXISTS {name}")
        conn.execute("PRAGMA user_version = 0")
        store._apply_migrations_until(start)
        store.close()
        reopened = Store.open(tmp_path / f"v{start}", "pw")
        assert reopened.schema_version() == SCHEMA_VERSION
        assert any("before-migration" in p.name for p in reopened.list_backups())
        reopened.close()


def test_no_plaintext_on_disk(shop, tmp_path):
    store, _ = shop
    import time

    markers = [b"marker.person@example.org", b"Unicorn Marker Lamp"]
    started = time.time() - 1
    _add_customer(store, "m1", markers[0].decode())
    with store.transaction() as conn:
        conn.execute("INSERT INTO products(sku, title) VALUES ('SKU-M', ?)", (markers[1].decode(),))
    store.backup(reason="scan")
    conn = store.connection()
    conn.execute("SELECT * FROM products ORDER BY title").fetchall()  # sorts may spill to temp
    files = [p for p in (tmp_path / "shop").rglob("*") if p.is_file()]
    assert files
    for path in Path(tempfile.gettempdir()).glob("*"):  # anything written to temp during the test
        try:
            if path.is_file() and path.stat().st_mtime >= started:
                files.append(path)
        except OSError:
            pass
    for path in files:
        blob = path.read_bytes()
        for marker in markers:
            assert marker not in blob, f"{marker!r} in plaintext in {path}"
    store.close()


def test_kill_during_write_loses_nothing_committed(shop, tmp_path):
    """A writer killed with SIGKILL mid-transaction: the store opens, committed rows intact."""
    import signal
    import subprocess
    import sys
    import time

    store, _ = shop
    store.close()
    script = f"""
import os
os.environ['MERCHANT_AI_KDF_LOG2N'] = '14'
from merchant_ai.store import Store
s = Store.open({str(tmp_path / 'shop')!r}, 'correct horse')
with s.transaction() as c:
    c.executemany("INSERT INTO customers(key) VALUES (?)", [(f"ok{{i}}",) for i in range(1000)])
print('committed', flush=True)
i = 0
while True:
    with s.transaction() as c:
        c.executemany("INSERT INTO customers(key) VALUES (?)", [(f"b{{i}}-{{j}}",) for j in range(5000)])
    i += 1
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "committed"
    time.sleep(0.8)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    reopened = Store.open(tmp_path / "shop", "correct horse")
    n_ok = reopened.connection().execute("SELECT count(*) FROM customers WHERE key LIKE 'ok%'").fetchone()[0]
    n_batch = reopened.connection().execute("SELECT count(*) FROM customers WHERE key LIKE 'b%'").fetchone()[0]
    assert n_ok == 1000
    assert n_batch % 5000 == 0  # whole transactions only
    assert verify(reopened)["ok"]
    reopened.close()
    assert os.path.exists(tmp_path / "shop" / "shop.db")


def test_info_span_uses_normalised_order_days(shop):
    """created_at keeps each export's own form; the span must come from the shop-local days."""
    store, _ = shop
    rows = [  # (external id, created_at as exported, created_utc, order_date)
        ("a", "2022-09-30T23:30:00-07:00", "2022-10-01 06:30:00", "2022-09-30"),
        ("b", "2023-01-05", "2023-01-05 00:00:00", "2023-01-05"),
        ("c", "2022-12-31T23:30:00+00:00", "2022-12-31 23:30:00", "2022-12-31"),
        ("d", "Sep-15-22", "2022-09-15 00:00:00", "2022-09-15"),   # an older import's raw form
    ]
    with store.transaction() as conn:
        conn.execute("INSERT INTO channels(name, platform) VALUES ('shop', 'shop')")
        conn.executemany("INSERT INTO orders(channel_id, external_id, created_at, created_utc, order_date) "
                         "VALUES (1, ?, ?, ?, ?)", rows)
    info = store.info()
    assert (info["first_order_at"], info["last_order_at"]) == ("2022-09-15", "2023-01-05")
