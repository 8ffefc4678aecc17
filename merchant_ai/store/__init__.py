"""The encrypted shop store: keys, schema, migrations, backups, and the queries analytics read."""

from merchant_ai.store.errors import (
    KeyFileDamaged,
    StoreDamaged,
    StoreError,
    StoreExists,
    StoreMissing,
    StoreTooNew,
    WrongPassphrase,
    WrongRecoveryCode,
)
from merchant_ai.store.store import Store, default_shop_dir

__all__ = [
    "KeyFileDamaged", "Store", "StoreDamaged", "StoreError", "StoreExists", "StoreMissing",
    "StoreTooNew", "WrongPassphrase", "WrongRecoveryCode", "default_shop_dir",
]
