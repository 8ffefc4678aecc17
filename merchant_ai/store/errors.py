"""The store's own exceptions, and the one place that maps sqlcipher3's errors onto them.

sqlcipher3's exception classes do not derive from the standard `sqlite3` ones, so code (ours and
sqlite-utils') that catches `sqlite3.DatabaseError` would miss them. Everything above the store
sees only these classes; each carries a message fit to show a shop owner as it is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlcipher3


class StoreError(Exception):
    """Base of every store failure; `exit_code` follows the CLI contract."""

    exit_code = 1


class WrongPassphrase(StoreError):
    exit_code = 3


class WrongRecoveryCode(StoreError):
    exit_code = 3


class KeyFileDamaged(StoreError):
    """The key file is missing or unreadable; the recovery code still opens the shop."""

    exit_code = 4


class StoreDamaged(StoreError):
    """The database failed SQLCipher's page authentication, or is not a database at all."""

    exit_code = 4


class StoreMissing(StoreError):
    exit_code = 4


class StoreTooNew(StoreError):
    """Created by a newer Merchant AI: opening it here could lose data, so we refuse."""

    exit_code = 4


class StoreExists(StoreError):
    exit_code = 2


_DAMAGE_MARKERS = ("file is not a database", "database disk image is malformed", "hmac", "malformed")


def translate(exc: BaseException, where: str = "") -> StoreError | None:
    """Our error for a sqlcipher3 exception, or None if it is not a store failure."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, sqlcipher3.DatabaseError):
        text = str(exc).lower()
        if any(m in text for m in _DAMAGE_MARKERS):
            suffix = f" ({where})" if where else ""
            return StoreDamaged(
                f"The shop database is damaged or was altered{suffix}: {exc}. "
                "Nothing was changed. Restore the latest backup with `merchant-ai restore`."
            )
    return None


@contextlib.contextmanager
def mapped(where: str = "") -> Iterator[None]:
    """Re-raise sqlcipher3 damage errors as StoreDamaged within the block."""
    try:
        yield
    except sqlcipher3.DatabaseError as exc:
        err = translate(exc, where)
        if err is None:
            raise
        raise err from exc
