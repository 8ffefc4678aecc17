"""`merchant-ai suppliers`: set, assign, list, from vendors, delete; usage errors exit 2."""

from __future__ import annotations

import pytest

from tests.cli.test_promotions_cli import _run
from tests.store.test_promotions import _fill


@pytest.fixture
def shop(store, monkeypatch):
    _fill(store)
    with store.transaction() as conn:
        conn.execute("UPDATE products SET vendor = 'Tea Co' WHERE sku = 'TEA'")
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    return store


def test_set_assign_vendors_delete(shop, capsys):
    s = str(shop.folder)
    code, doc, _ = _run(capsys, "suppliers", "--store", s, "--set", "Old Kiln", "--lead-time", "30", "--cycle", "14",
                        "--moq", "24", "--case-pack", "12", "--json")
    assert code == 0 and doc["saved"] == 1
    assert doc["suppliers"] == [{"id": 1, "name": "Old Kiln", "lead_time_days": 30.0, "order_cycle_days": 14.0,
                                 "moq": 24.0, "case_pack": 12.0, "skus": 0}]
    code, doc, _ = _run(capsys, "suppliers", "--store", s, "--assign", "Old Kiln", "--sku", "MUG", "--json")
    assert code == 0 and doc["assigned"] == 1 and doc["suppliers"][0]["skus"] == 1
    code, doc, _ = _run(capsys, "suppliers", "--store", s, "--from-vendors", "--json")
    assert code == 0 and doc["from_vendors"] == {"Tea Co": 1} and [x["name"] for x in doc["suppliers"]] == [
        "Old Kiln", "Tea Co"]
    code, text, _ = _run(capsys, "suppliers", "--store", s)
    assert code == 0 and "Old Kiln" in text and "lead   30 d" in text
    code, doc, _ = _run(capsys, "suppliers", "--store", s, "--delete", "Old Kiln", "--json")
    assert code == 0 and doc["deleted"] == 1 and [x["name"] for x in doc["suppliers"]] == ["Tea Co"]


@pytest.mark.parametrize(("args", "message"), [
    (["--moq", "5"], "go with --set NAME"),
    (["--assign", "X"], "go together"),
    (["--sku", "MUG"], "go together"),
    (["--set", "X", "--moq", "0"], "moq:"),
    (["--assign", "Nobody", "--sku", "MUG"], "no supplier called"),
    (["--delete", "Nobody"], "no supplier called"),
])
def test_usage_errors_say_why_and_exit_2(shop, capsys, args, message):
    code, _out, err = _run(capsys, "suppliers", "--store", str(shop.folder), *args, "--json")
    assert code == 2 and message in err
