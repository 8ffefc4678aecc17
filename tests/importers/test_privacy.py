"""Privacy: pseudonymous keys, export-my-data, erase, and no plaintext customer data on disk."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from merchant_ai.importers import pipeline, privacy
from merchant_ai.store import Store


def _file(email: str, title: str) -> bytes:
    return (f"Order,Date,SKU,Title,Qty,Price,Customer\n"
            f"A1,2021-03-01 10:00:00,MUG-1,{title},2,5.00,{email}\n"
            f"A2,2021-03-02 10:00:00,MUG-1,{title},1,5.00,{email}\n"
            f"A3,2021-03-03 10:00:00,MUG-1,{title},1,5.00,other@example.com\n").encode()


def test_keys_are_stable_keyed_and_normalised() -> None:
    key = b"k" * 32
    a = privacy.pseudonymous_key("Ann@Example.com ", key)
    assert a == privacy.pseudonymous_key("ann@example.com", key)
    assert a != privacy.pseudonymous_key("ann@example.com", b"j" * 32)
    assert privacy.customer_key("17850.0", key) == ("17850", False)      # platform ids stay readable
    assert privacy.customer_key("buyer_jo", key)[1] is True
    assert privacy.customer_key("", key) == (None, False)
    assert privacy.customer_key("ann@example.com", None) == ("ann@example.com", False)


def test_export_and_erase_a_customer(store: Store) -> None:
    store.set_setting(privacy.SETTING_MODE, "0")
    pipeline.import_bytes(store, "orders.csv", _file("ann@example.com", "Blue mug"), backup=False)
    pipeline.import_bytes(store, "orders.csv", _file("ann@example.com", "Blue mug"), backup=False)
    data = privacy.export_customer(store, "ann@example.com")
    assert data["customer"]["key"] == "ann@example.com"
    assert [o["external_id"] for o in data["orders"]] == ["A1", "A2"]
    assert data["orders"][0]["lines"][0]["title"] == "Blue mug"
    result = privacy.erase_customer(store, "ann@example.com")
    assert result["orders_unlinked"] == 2
    conn = store.connection()
    assert conn.execute("SELECT count(*) FROM customers WHERE key = 'ann@example.com'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 3       # sales stay
    # no copy of the identity survives in the undo log either
    assert conn.execute("SELECT count(*) FROM import_undo WHERE before LIKE '%ann@example%'").fetchone()[0] == 0
    with pytest.raises(KeyError):
        privacy.export_customer(store, "ann@example.com")


def test_export_finds_a_pseudonymous_customer_by_email(store: Store) -> None:
    pipeline.import_bytes(store, "orders.csv", _file("ann@example.com", "Blue mug"), backup=False)
    data = privacy.export_customer(store, "Ann@example.com")
    assert data["customer"]["pseudonymous"] == 1 and data["contact"] is None
    assert len(data["orders"]) == 2


def _files_containing(roots: list[Path], needles: list[bytes], since: float = 0.0) -> list[str]:
    """Files under `roots` (changed at or after `since`) holding any of the byte strings."""
    hits = []
    for root in roots:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                path = Path(dirpath) / name
                try:
                    st = path.stat()
                    if path.is_symlink() or st.st_size > 200_000_000 or st.st_mtime < since:
                        continue
                    blob = path.read_bytes()
                except OSError:
                    continue
                if any(n in blob for n in needles):
                    hits.append(str(path))
    return hits


def test_no_plaintext_customer_data_on_disk(tmp_path: Path) -> None:
    started = time.time() - 2      # every file the import could have written is newer than this
    marker = uuid.uuid4().hex[:12]
    email, title = f"zz{marker}@example.org", f"Velvet {marker} Teapot"
    shop, _ = Store.create(tmp_path / "shop", "pw")
    shop.set_setting(privacy.SETTING_MODE, "0")             # identities kept: must still be encrypted
    pipeline.import_bytes(shop, "orders.csv", _file(email, title))   # with its backup
    pipeline.import_bytes(shop, "orders.csv", _file(email, title))   # again: before-images in import_undo
    shop.close()
    needles = [email.encode(), title.encode(), marker.encode(), email.encode("utf-16-le")]
    assert _files_containing([tmp_path / "shop"], needles) == []
    # The temp dir is shared with everything else on the machine: only files written meanwhile can be ours.
    assert _files_containing([Path(tempfile.gettempdir())], needles, since=started) == []
