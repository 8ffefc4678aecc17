"""`merchant-ai customer` (export / erase) and `merchant-ai matches` (list / accept / reject)."""

from __future__ import annotations

import json

import pytest

from merchant_ai.importers import pipeline
from tests.cli.test_promotions_cli import _run
from tests.importers.test_privacy import _file


@pytest.fixture
def shop(store, monkeypatch):
    pipeline.import_bytes(store, "orders.csv", _file("ann@example.com", "Blue mug"), backup=False)
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    return store


def test_export_to_a_file_or_stdout_then_erase(shop, capsys, tmp_path):
    s, out = str(shop.folder), tmp_path / "ann.json"
    code, doc, err = _run(capsys, "customer", "--store", s, "--export", "Ann@example.com", "--out", str(out), "--json")
    assert code == 0 and doc == {"export": str(out), "orders": 2} and "wrote 2 orders" in err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [o["external_id"] for o in data["orders"]] == ["A1", "A2"]
    code, doc, _ = _run(capsys, "customer", "--store", s, "--export", "ann@example.com")
    assert code == 0 and doc["orders"][0]["lines"][0]["title"] == "Blue mug"
    code, _doc, err = _run(capsys, "customer", "--store", s, "--erase", "ann@example.com")
    assert code == 2 and "--yes" in err
    code, doc, err = _run(capsys, "customer", "--store", s, "--erase", "ann@example.com", "--yes", "--json")
    assert code == 0 and doc == {"erased": True, "orders_unlinked": 2} and "Backups taken before" in err
    code, _doc, err = _run(capsys, "customer", "--store", s, "--export", "ann@example.com")
    assert code == 2 and "No customer" in err


def test_matches_accept_and_reject(shop, capsys):
    conn = shop.connection()
    conn.execute("INSERT INTO channels(name, platform) VALUES ('etsy', 'etsy'), ('amazon', 'amazon')")
    for channel, sku in (("etsy", "mug_1"), ("amazon", "MUG-001")):
        cid = conn.execute("SELECT id FROM channels WHERE name = ?", (channel,)).fetchone()[0]
        conn.execute("INSERT INTO sku_aliases(channel_id, channel_sku, sku) VALUES (?, ?, ?)", (cid, sku, sku))
    s = str(shop.folder)
    code, doc, _ = _run(capsys, "matches", "--store", s, "--json")
    pairs = [(m["sku_a"], m["sku_b"]) for m in doc["suggestions"]]
    assert code == 0 and len(pairs) == 3 and all(m["reason"] for m in doc["suggestions"])
    first = doc["suggestions"][0]
    code, doc, _ = _run(capsys, "matches", "--store", s, "--accept", "1", "--json")
    assert code == 0 and doc["accepted"]["sku_b"] == first["sku_b"]
    assert len(doc["suggestions"]) < 3
    code, text, _ = _run(capsys, "matches", "--store", s)
    assert code == 0
    n = len([line for line in text.splitlines() if "~" in line])
    if n:
        code, doc, _ = _run(capsys, "matches", "--store", s, "--reject", "1", "--json")
        assert code == 0 and len(doc["suggestions"]) == n - 1
    code, _doc, err = _run(capsys, "matches", "--store", s, "--accept", "9")
    assert code == 2 and "No suggestion 9" in err


def test_import_can_switch_the_shops_privacy_mode(store, capsys, monkeypatch, tmp_path):
    from merchant_ai.importers import privacy

    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    assert privacy.pseudonymize_enabled(store)                 # on for a new shop
    f = tmp_path / "orders.csv"
    f.write_bytes(_file("ann@example.com", "Blue mug"))
    code, _doc, _err = _run(capsys, "import", "--store", str(store.folder), str(f), "--keep-identities", "--json")
    assert code == 0 and not privacy.pseudonymize_enabled(store)
    assert store.connection().execute("SELECT count(*) FROM customers WHERE key = 'ann@example.com'").fetchone()[0] == 1
    code, _doc, err = _run(capsys, "import", "--store", str(store.folder), "--anonymous")
    assert code == 0 and "only pseudonymous" in err and privacy.pseudonymize_enabled(store)
