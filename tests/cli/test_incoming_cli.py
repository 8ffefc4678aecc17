"""`merchant-ai incoming`: add, list, receive, cancel, and usage errors with exit code 2."""

from __future__ import annotations

import pytest

from tests.cli.test_promotions_cli import _run
from tests.store.test_promotions import _fill


@pytest.fixture
def shop(store, monkeypatch):
    _fill(store)
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    return store


def test_add_list_receive_cancel(shop, capsys):
    s = str(shop.folder)
    code, doc, _ = _run(capsys, "incoming", "--store", s, "--add", "--sku", "MUG", "--quantity", "48",
                        "--expected", "2024-10-20", "--json")
    assert code == 0 and doc["added"] == 1
    assert doc["orders"][0] == {**doc["orders"][0], "sku": "MUG", "title": "Mug", "quantity": 48.0,
                                "expected_at": "2024-10-20", "status": "open"}
    code, doc, _ = _run(capsys, "incoming", "--store", s, "--add", "--sku", "TEA", "--quantity", "6", "--json")
    assert code == 0 and [o["sku"] for o in doc["orders"]] == ["MUG", "TEA"]
    code, text, _ = _run(capsys, "incoming", "--store", s)
    assert code == 0 and "expected unknown" in text
    code, doc, _ = _run(capsys, "incoming", "--store", s, "--received", "1", "--count", "60", "--json")
    assert code == 0 and doc["received"]["count"] == 60 and [o["id"] for o in doc["orders"]] == [2]
    code, doc, _ = _run(capsys, "incoming", "--store", s, "--cancel", "2", "--json")
    assert code == 0 and doc["cancelled"] == 2 and doc["orders"] == []


@pytest.mark.parametrize(("args", "message"), [
    (["--add", "--sku", "MUG"], "--add needs --sku SKU and --quantity N"),
    (["--quantity", "5"], "go with --add"),
    (["--count", "5"], "--count goes with --received"),
    (["--add", "--sku", "NOPE", "--quantity", "5"], "no product or sale with SKU"),
    (["--add", "--sku", "MUG", "--quantity", "-5"], "not a positive number"),
    (["--received", "9"], "no open purchase order 9"),
    (["--cancel", "9"], "no open purchase order 9"),
])
def test_usage_errors_say_why_and_exit_2(shop, capsys, args, message):
    code, _out, err = _run(capsys, "incoming", "--store", str(shop.folder), *args, "--json")
    assert code == 2 and message in err
