"""`merchant-ai promotions`: add, list, remove, and usage errors with their exit codes."""

from __future__ import annotations

import json

import pytest

from merchant_ai.cli.main import main
from tests.store.test_promotions import _fill


@pytest.fixture
def shop(store, monkeypatch):
    _fill(store)
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    return store


def _run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    try:
        return code, json.loads(captured.out), captured.err
    except json.JSONDecodeError:
        return code, captured.out, captured.err


def test_add_list_remove(shop, capsys):
    s = str(shop.folder)
    code, doc, _ = _run(capsys, "promotions", "--store", s, "--add", "--sku", "MUG", "--from", "2024-09-02",
                        "--to", "2024-09-29", "--note", "autumn sale", "--json")
    assert code == 0 and doc["added"] == 1 and doc["removed"] is None
    assert doc["promotions"] == [{"id": 1, "sku": "MUG", "from": "2024-09-02", "to": "2024-09-29",
                                  "note": "autumn sale", "created_at": doc["promotions"][0]["created_at"]}]
    code, doc, _ = _run(capsys, "promotions", "--store", s, "--add", "--from", "2024-11-29", "--to", "2024-11-29",
                        "--json")
    assert code == 0 and [p["sku"] for p in doc["promotions"]] == [None, "MUG"]
    code, text, _ = _run(capsys, "promotions", "--store", s)
    assert code == 0 and "(whole shop)" in text and "autumn sale" in text
    code, doc, _ = _run(capsys, "promotions", "--store", s, "--remove", "2", "--json")
    assert code == 0 and doc["removed"] == 2 and [p["id"] for p in doc["promotions"]] == [1]


@pytest.mark.parametrize(("args", "message"), [
    (["--add", "--from", "2024-09-02"], "--add needs --from DATE and --to DATE"),
    (["--sku", "MUG"], "go with --add"),
    (["--add", "--sku", "NOPE", "--from", "2024-09-02", "--to", "2024-09-03"], "no product or sale with SKU"),
    (["--add", "--from", "2024-09-03", "--to", "2024-09-02"], "is before from"),
    (["--remove", "7"], "No promotion with id 7"),
])
def test_usage_errors_say_why_and_exit_2(shop, capsys, args, message):
    code, _out, err = _run(capsys, "promotions", "--store", str(shop.folder), *args, "--json")
    assert code == 2 and message in err
