"""One shop = one folder: `shop.db` (SQLCipher 4), `shop.key` (wrapped data key), `backups/`.

Threading model: one connection per thread. `Store` holds the unwrapped data key in memory and
hands each thread its own SQLCipher connection (`Store.connection()`); opening one with a raw key
costs ~0.1 ms, so jobs simply open their own. WAL mode lets readers run while an import writes.
The GUI thread never calls `connection()` (see docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import sqlcipher3

from merchant_ai.store import keys
from merchant_ai.store.errors import (
    StoreDamaged,
    StoreExists,
    StoreMissing,
    StoreTooNew,
    WrongRecoveryCode,
    mapped,
)
from merchant_ai.store.schema import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:  # sqlite_utils imports pandas and pyarrow (~0.6 s): not on the app's start path
    import sqlite_utils

# The SQLite module binds None ~10x slower than a str (measured: 0.8 us against 0.07 us a value):
# None is not one of the types it binds directly, so it goes through the adapter lookup and ends
# up bound as NULL anyway. A registered adapter is found at once and gives the same NULL. Every
# blank cell of an export is a None at import time (UCI: one per order for tax alone).
sqlcipher3.register_adapter(type(None), lambda _none: None)

DB_NAME = "shop.db"
KEY_NAME = "shop.key"
BACKUP_DIR = "backups"
KEEP_BACKUPS = 10


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _open_raw(path: Path, data_key: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path), timeout=30, isolation_level=None)
    # Silence SQLCipher's "ERROR CORE" stderr lines on a bad key: the user sees our message only.
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
    conn.execute("PRAGMA cipher_memory_security = OFF")
    return conn


def _configure(conn: sqlcipher3.Connection) -> None:
    conn.execute("PRAGMA temp_store = MEMORY")       # no plaintext temp files
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -262144")      # 256 MiB: index lookups need it under SQLCipher
    conn.execute("PRAGMA busy_timeout = 30000")


class Store:
    """An unlocked shop. Create with `Store.create`, open with `Store.open` or `Store.recover`."""

    def __init__(self, folder: Path, data_key: bytes) -> None:
        self.folder = Path(folder)
        self._key = data_key
        self._local = threading.local()
        self._all: list[sqlcipher3.Connection] = []
        self._lock = threading.Lock()

    # --- paths -------------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    @property
    def key_path(self) -> Path:
        return self.folder / KEY_NAME

    @property
    def backup_dir(self) -> Path:
        return self.folder / BACKUP_DIR

    # --- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def create(cls, folder: str | os.PathLike, passphrase: str, name: str = "My shop") -> tuple[Store, str]:
        """Create a new shop; returns it and the recovery code (shown to the owner once)."""
        folder = Path(folder)
        if (folder / DB_NAME).exists() or (folder / KEY_NAME).exists():
            raise StoreExists(f"{folder} already holds a shop; open it instead, or choose another folder.")
        if not passphrase:
            raise ValueError("The passphrase must not be empty.")
        folder.mkdir(parents=True, exist_ok=True)
        data_key = keys.new_data_key()
        keys.write_key_file(folder / KEY_NAME, keys.wrap(data_key, passphrase))
        store = cls(folder, data_key)
        store._migrate_fresh()
        store.set_setting("shop_name", name)
        store.set_setting("created_at", _now())
        return store, keys.recovery_code(data_key)

    @classmethod
    def open(cls, folder: str | os.PathLike, passphrase: str) -> Store:
        folder = Path(folder)
        cls._require_db(folder)
        data_key = keys.unwrap(keys.read_key_file(folder / KEY_NAME), passphrase)
        store = cls(folder, data_key)
        store._check_openable()
        return store

    @classmethod
    def recover(cls, folder: str | os.PathLike, code: str, new_passphrase: str) -> Store:
        """Open with the recovery code and write a fresh key file for `new_passphrase`."""
        folder = Path(folder)
        cls._require_db(folder)
        data_key = keys.parse_recovery_code(code)
        store = cls(folder, data_key)
        try:
            store._check_openable()
        except StoreDamaged:
            raise WrongRecoveryCode("That recovery code is well-formed but does not belong to this shop "
                                    "(or the database is damaged). Nothing was changed.") from None
        store.change_passphrase(new_passphrase)
        return store

    @staticmethod
    def _require_db(folder: Path) -> None:
        if not (folder / DB_NAME).exists():
            raise StoreMissing(f"No shop found in {folder} (expected {DB_NAME}). "
                               "Create one with `merchant-ai init`, or restore a backup.")

    def _check_openable(self) -> None:
        with mapped(str(self.db_path)):
            version = self.connection().execute("PRAGMA user_version").fetchone()[0]
            self.connection().execute("SELECT count(*) FROM sqlite_master").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreTooNew(f"This shop was saved by a newer Merchant AI (schema {version}; this version "
                              f"knows {SCHEMA_VERSION}). Update the app; nothing was changed.")
        if version < SCHEMA_VERSION:
            self.migrate()

    def change_passphrase(self, new_passphrase: str) -> None:
        if not new_passphrase:
            raise ValueError("The passphrase must not be empty.")
        keys.write_key_file(self.key_path, keys.wrap(self._key, new_passphrase))

    def recovery_code(self) -> str:
        return keys.recovery_code(self._key)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(Exception):
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    # --- connections -------------------------------------------------------------------------
    def connection(self) -> sqlcipher3.Connection:
        """This thread's connection (autocommit mode; use `transaction()` to group writes)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with mapped(str(self.db_path)):
                conn = _open_raw(self.db_path, self._key)
                _configure(conn)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over this thread's connection: for schema work and small writes only."""
        import sqlite_utils

        return sqlite_utils.Database(self.connection())

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlcipher3.Connection]:
        """All-or-nothing: commits on success, rolls back on any exception (including cancel)."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # --- schema ------------------------------------------------------------------------------
    def schema_version(self) -> int:
        return self.connection().execute("PRAGMA user_version").fetchone()[0]

    def _migrate_fresh(self) -> None:
        self._apply_migrations(0)

    def migrate(self) -> None:
        """Bring an older shop forward, one migration at a time, after a backup."""
        current = self.schema_version()
        if current >= SCHEMA_VERSION:
            return
        self.backup(reason=f"before-migration-{current}-to-{SCHEMA_VERSION}")
        self._apply_migrations(current)

    def _apply_migrations_until(self, stop: int) -> None:
        """Apply migrations from the current version up to `stop` (tests build old shops this way)."""
        self._apply_migrations(self.schema_version(), stop)

    def _apply_migrations(self, start: int, stop: int = SCHEMA_VERSION) -> None:
        conn = self.connection()
        for version in range(start, stop):
            script = MIGRATIONS[version]
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # --- settings ----------------------------------------------------------------------------
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.connection().execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def set_setting(self, key: str, value: str) -> None:
        self.connection().execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, str(value)),
        )

    def data_version(self) -> int:
        """Bumped by every import/undo/edit; analytics caches are keyed by it."""
        return int(self.get_setting("data_version", "0") or 0)

    def bump_data_version(self) -> int:
        version = self.data_version() + 1
        self.set_setting("data_version", str(version))
        return version

    # --- backups -----------------------------------------------------------------------------
    def backup(self, reason: str = "manual", keep: int = KEEP_BACKUPS, *, prune: bool = True) -> Path:
        """A consistent encrypted copy (SQLite backup API, same key), pruning all but the last `keep`
        unless `prune` is False (a backup that may yet be discarded must not push an old one out)."""
        self.backup_dir.mkdir(exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        safe_reason = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in reason)[:40]
        target = self.backup_dir / f"shop-{stamp}-{safe_reason}.db"
        partial = target.with_suffix(".partial")
        dest = _open_raw(partial, self._key)
        try:
            with mapped(str(self.db_path)):
                self.connection().backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        os.replace(partial, target)
        if prune:
            self.prune_backups(keep)
        return target

    def prune_backups(self, keep: int = KEEP_BACKUPS) -> None:
        for old in self.list_backups()[keep:]:
            with contextlib.suppress(OSError):
                old.unlink()

    def release_connection(self) -> None:
        """Close this thread's connection: for a helper thread that is done with the store, so
        its connection does not stay open until the shop closes."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            return
        self._local.conn = None
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        conn.close()

    def list_backups(self) -> list[Path]:
        """Newest first."""
        if not self.backup_dir.exists():
            return []
        return sorted(self.backup_dir.glob("shop-*.db"), reverse=True)

    def restore(self, backup: str | os.PathLike) -> None:
        """Replace the database with a backup, after checking the backup opens with this shop's key.

        The current database is itself backed up first, so a restore can be undone.
        """
        backup = Path(backup)
        probe = _open_raw(backup, self._key)
        try:
            with mapped(str(backup)):
                probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
                version = probe.execute("PRAGMA user_version").fetchone()[0]
        finally:
            probe.close()
        if version > SCHEMA_VERSION:
            raise StoreTooNew(f"The backup {backup.name} was made by a newer Merchant AI.")
        with contextlib.suppress(Exception):
            self.backup(reason="before-restore")
        self.close()
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                (self.folder / (DB_NAME + suffix)).unlink()
        src = _open_raw(backup, self._key)
        tmp = self.db_path.with_name(DB_NAME + ".restoring")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        dest = _open_raw(tmp, self._key)
        try:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
            src.close()
        os.replace(tmp, self.db_path)
        self._check_openable()

    # --- summary -----------------------------------------------------------------------------
    def info(self) -> dict:
        conn = self.connection()
        with mapped(str(self.db_path)):
            count = lambda table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
            # created_at keeps each export's own form (offsets, date-only): sort by the normalised
            # columns and report shop-local days, as the status bar does.
            span = conn.execute("SELECT min(order_date), max(order_date) FROM orders").fetchone()
            channels = [r[0] for r in conn.execute(
                "SELECT DISTINCT c.name FROM channels c JOIN orders o ON o.channel_id = c.id ORDER BY c.name")]
            imports = conn.execute("SELECT count(*) FROM imports WHERE status = 'done'").fetchone()[0]
            return {
                "store": str(self.folder),
                "shop_name": self.get_setting("shop_name", ""),
                "schema_version": self.schema_version(),
                "orders": count("orders"),
                "order_lines": count("order_lines"),
                "products": count("products"),
                "customers": count("customers"),
                "channels": channels,
                "first_order_at": span[0],
                "last_order_at": span[1],
                "imports": imports,
                "data_version": self.data_version(),
            }


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script (no triggers with inner semicolons in our schema)."""
    lines = [ln.split("--", 1)[0] for ln in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def default_shop_dir() -> Path:
    """Per-user data directory (platformdirs) unless MERCHANT_AI_HOME says otherwise."""
    env = os.environ.get("MERCHANT_AI_HOME")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("MerchantAI", "MerchantAI")) / "shops" / "default"


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)
