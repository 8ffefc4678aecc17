"""Job functions for the shop's lifecycle: create, unlock, recover, demo, backup, restore, status.

Each is a plain `fn(ctx, ...)` run by `ui.jobs.JobRunner` (key derivation is ~0.5 s of scrypt and
must never run on the GUI thread). They raise the store's own errors; `store_error_text` turns
those into wording for the window (the store's own messages point at CLI commands).
"""

from __future__ import annotations

import datetime as dt
import inspect
import shutil
from dataclasses import dataclass
from pathlib import Path

from merchant_ai.store import (
    KeyFileDamaged,
    Store,
    StoreDamaged,
    StoreExists,
    StoreMissing,
    StoreTooNew,
    WrongPassphrase,
    WrongRecoveryCode,
    default_shop_dir,
    keys,
)
from merchant_ai.store.store import DB_NAME, KEY_NAME
from ui.jobs import JobCancelled, JobContext

DEMO_PASSPHRASE = "demo"


def demo_shop_dir() -> Path:
    """`<user data dir>/shops/demo`, next to the default shop (MERCHANT_AI_HOME moves both)."""
    return default_shop_dir().parent / "demo"


def is_shop_folder(folder: str | Path) -> bool:
    return (Path(folder) / DB_NAME).exists()


def store_error_text(exc_or_message: BaseException | str) -> tuple[str, str]:
    """(kind, message) for the window; kind is one of wrong_passphrase, wrong_code, key_damaged,
    damaged, too_new, missing, exists, other — dialogs offer the matching way out."""
    if isinstance(exc_or_message, str):
        return "other", exc_or_message
    exc = exc_or_message
    if isinstance(exc, WrongPassphrase):
        return "wrong_passphrase", "That passphrase does not open this shop. Nothing was changed."
    if isinstance(exc, WrongRecoveryCode):
        return "wrong_code", str(exc)
    if isinstance(exc, KeyFileDamaged):
        return "key_damaged", ("The shop's key file is missing or damaged, so the passphrase cannot be "
                               "checked. Your data is safe: open the shop with its recovery code to "
                               "write a new key file.")
    if isinstance(exc, StoreDamaged):
        return "damaged", ("The shop's database is damaged or was altered. Nothing was changed. "
                           "You can restore the latest backup.")
    if isinstance(exc, StoreTooNew):
        return "too_new", ("This shop was saved by a newer Merchant AI. Update the app to open it; "
                           "nothing was changed.")
    if isinstance(exc, StoreMissing):
        return "missing", "There is no Merchant AI shop in that folder."
    if isinstance(exc, StoreExists):
        return "exists", "That folder already holds a shop. Open it instead, or choose another folder."
    return "other", str(exc)


@dataclass
class Unlocked:
    """What an unlock job hands back: the open store, plus an error kind when it failed.

    Failures come back as values (not exceptions) so the dialog can offer the right way out.
    """

    store: Store | None
    error_kind: str = ""
    message: str = ""
    recovery_code: str = ""


def _attempt(fn) -> Unlocked:
    try:
        return fn()
    except (WrongPassphrase, WrongRecoveryCode, KeyFileDamaged, StoreDamaged, StoreTooNew,
            StoreMissing, StoreExists, ValueError) as exc:
        kind, message = store_error_text(exc)
        return Unlocked(None, kind, message)


def create_shop(ctx: JobContext, folder: str, passphrase: str, name: str) -> Unlocked:
    def go() -> Unlocked:
        store, code = Store.create(folder, passphrase, name=name)
        return Unlocked(store, recovery_code=code)
    return _attempt(go)


def open_shop(ctx: JobContext, folder: str, passphrase: str) -> Unlocked:
    return _attempt(lambda: Unlocked(Store.open(folder, passphrase)))


def recover_shop(ctx: JobContext, folder: str, code: str, new_passphrase: str) -> Unlocked:
    return _attempt(lambda: Unlocked(Store.recover(folder, code, new_passphrase)))


def restore_latest_backup(ctx: JobContext, folder: str, passphrase: str) -> Unlocked:
    """For a damaged database: keep the damaged file aside (still encrypted), restore the newest backup."""
    def go() -> Unlocked:
        folder_path = Path(folder)
        data_key = keys.unwrap(keys.read_key_file(folder_path / KEY_NAME), passphrase)
        store = Store(folder_path, data_key)
        backups = store.list_backups()
        if not backups:
            return Unlocked(None, "damaged", "The database is damaged and this shop has no backup yet. "
                                             "Nothing was changed.")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        db = folder_path / DB_NAME
        if db.exists():
            shutil.copy2(db, folder_path / f"{DB_NAME}.damaged-{stamp}")
        store.restore(backups[0])
        return Unlocked(store, message=f"Restored the backup {backups[0].name}.")
    return _attempt(go)


def open_or_create_demo(ctx: JobContext, folder: str) -> tuple[Unlocked, bool]:
    """Open the demo shop (passphrase 'demo'), creating it if needed; True if it still needs data."""
    if is_shop_folder(folder):
        result = open_shop(ctx, folder, DEMO_PASSPHRASE)
    else:
        result = create_shop(ctx, folder, DEMO_PASSPHRASE, "Demo shop")
    if result.store is None:
        return result, False
    orders = result.store.connection().execute("SELECT count(*) FROM orders").fetchone()[0]
    return result, orders == 0


def demo_builder():
    """`merchant_ai.demo.build.build_demo`, or None while that module is not part of this build."""
    try:
        from merchant_ai.demo.build import build_demo
    except ImportError:
        return None
    return build_demo


def build_demo_data(ctx: JobContext) -> dict:
    """Fill the open demo shop; progress and cancel go through `ctx`."""
    build = demo_builder()
    if build is None:
        raise RuntimeError("The demo-shop generator is not part of this build yet; the demo shop stays empty.")
    params = inspect.signature(build).parameters
    kwargs = {}
    if "progress" in params:
        kwargs["progress"] = lambda fraction=None, message="", *rest: ctx.progress(fraction, str(message))
    if "cancel" in params:
        kwargs["cancel"] = ctx.cancelled
    from merchant_ai.importers.writer import ImportCancelled

    try:
        result = build(ctx.store, **kwargs)
    except ImportCancelled:
        raise JobCancelled from None
    return result if isinstance(result, dict) else {}


@dataclass
class ShopStatus:
    """What the status bar shows."""

    shop_name: str
    folder: str
    first_order: str | None
    last_order: str | None
    last_import: str | None
    orders: int


def shop_status(ctx: JobContext) -> ShopStatus:
    store = ctx.store
    conn = store.connection()
    first, last, count = conn.execute("SELECT min(order_date), max(order_date), count(*) FROM orders").fetchone()
    last_import = conn.execute("SELECT max(finished_at) FROM imports WHERE status = 'done'").fetchone()[0]
    return ShopStatus(store.get_setting("shop_name", "") or store.folder.name, str(store.folder),
                      first, last, last_import, count)


def backup_now(ctx: JobContext) -> str:
    return str(ctx.store.backup(reason="manual"))


def list_backups(ctx: JobContext) -> list[tuple[str, int]]:
    return [(str(p), p.stat().st_size) for p in ctx.store.list_backups()]


def restore_backup(ctx: JobContext, path: str) -> str:
    ctx.store.restore(path)
    ctx.store.bump_data_version()
    return path


def change_passphrase(ctx: JobContext, current: str, new: str) -> None:
    """Checks the current passphrase first (scrypt), then rewraps the key; no data is re-encrypted."""
    keys.unwrap(keys.read_key_file(ctx.store.key_path), current)
    ctx.store.change_passphrase(new)
