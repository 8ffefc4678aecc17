"""`merchant-ai segments` / `recommend` / `bundles` against the contract, on a small shop filled with SQL."""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pytest

from merchant_ai.analytics.customers import SEGMENTS
from merchant_ai.cli.main import main
from merchant_ai.money import to_store

START = dt.date(2024, 1, 1)
AS_OF = dt.date(2024, 9, 30)
SKUS = {"MUG": 12.0, "TEA": 6.0, "LAMP": 45.0, "CANDLE": 9.0, "SOAP": 4.0}


def _fill(store) -> None:
    rng = np.random.default_rng(5)
    with store.transaction() as conn:
        conn.execute("INSERT INTO channels(id, name, platform, currency) VALUES (1, 'shopify', 'shopify', 'USD')")
        for sku, price in SKUS.items():
            conn.execute("INSERT INTO products(sku, title, category, unit_cost, list_price) VALUES (?, ?, 'Home', ?, ?)",
                         (sku, sku.title(), to_store(price / 3), to_store(price)))
        oid = 0
        for c in range(40):
            key = f"{1000 + c}.0" if c % 2 else f"{1000 + c}"  # float-looking ids must come out as 1000
            conn.execute("INSERT INTO customers(id, key) VALUES (?, ?)", (c + 1, key))
            if c < 3:
                conn.execute("INSERT INTO customer_contacts(customer_id, email, first_name, last_name) "
                             "VALUES (?, ?, ?, ?)", (c + 1, f"c{c}@example.com" if c else "=HYPERLINK(\"x\")",
                                                     "-Ann", "Lee"))
            n = 1 + rng.poisson(3 if c < 20 else 0.5)
            days = sorted(rng.integers(0, 300, n))
            for d in days:
                oid += 1
                day = START + dt.timedelta(days=int(d))
                basket = ["MUG", "TEA"] if rng.random() < 0.6 else [str(rng.choice(list(SKUS)))]
                if c == 0:
                    basket = ["SOAP"]  # a faithful re-buyer of one item
                status = "cancelled" if oid % 17 == 0 else "paid"
                conn.execute("INSERT INTO orders(id, channel_id, external_id, customer_id, created_at, created_utc, "
                             "order_date, currency, status) VALUES (?, 1, ?, ?, ?, ?, ?, 'USD', ?)",
                             (oid, f"#{oid}", c + 1, f"{day}T10:00:00", f"{day}T10:00:00Z", day.isoformat(), status))
                for i, sku in enumerate(basket):
                    conn.execute("INSERT INTO order_lines(order_id, line_key, sku, title, quantity, unit_price, "
                                 "line_total) VALUES (?, ?, ?, ?, 1, ?, ?)",
                                 (oid, str(i), sku, sku.title(), to_store(SKUS[sku]), to_store(SKUS[sku])))


@pytest.fixture
def shop(store, monkeypatch):
    _fill(store)
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    return store


def _run(capsys, *args) -> tuple[int, dict | str]:
    code = main(list(args))
    out = capsys.readouterr().out
    try:
        return code, json.loads(out)
    except json.JSONDecodeError:
        return code, out


def test_segments_json_follows_contract(shop, capsys):
    code, doc = _run(capsys, "segments", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(), "--json")
    assert code == 0
    assert doc["as_of"] == AS_OF.isoformat() and doc["horizon_days"] == 90
    keys = {c["customer"] for c in doc["customers"]}
    assert "1001" in keys and "1001.0" not in keys
    for c in doc["customers"]:
        assert set(c) >= {"customer", "recency_days", "frequency", "monetary", "rfm_segment", "cluster",
                          "p_alive", "expected_orders", "predicted_clv"}
        assert c["rfm_segment"] in SEGMENTS and c["frequency"] >= 1 and c["recency_days"] >= 0
    # 40 customers: below the stated rule, so predictions are null with a plain message.
    assert doc["message"] and "Not enough data" in doc["message"]
    assert all(c["p_alive"] is None for c in doc["customers"])


def test_segments_as_of_hides_later_orders(shop, capsys):
    early = START + dt.timedelta(days=100)
    code, doc = _run(capsys, "segments", "--store", str(shop.folder), "--as-of", early.isoformat(), "--json")
    assert code == 0
    assert all(c["recency_days"] >= 0 for c in doc["customers"])
    _, late = _run(capsys, "segments", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(), "--json")
    assert sum(c["frequency"] for c in doc["customers"]) < sum(c["frequency"] for c in late["customers"])


def test_segment_export_is_formula_safe(shop, capsys, tmp_path):
    out = tmp_path / "emails.csv"
    code, doc = _run(capsys, "segments", "--store", str(shop.folder), "--export-csv", str(out), "--json")
    assert code == 0 and doc["export"]["rows"] == 3
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Email", "First Name", "Last Name", "Tags", "Customer ID"]
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "'=HYPERLINK(\"x\")" in cells


def test_recommend_customer_and_sku(shop, capsys):
    code, doc = _run(capsys, "recommend", "--store", str(shop.folder), "--customer", "1000.0", "--k", "3", "--json")
    assert code == 0 and doc["k"] == 3
    res = doc["results"][0]
    assert res["customer"] == "1000" and 1 <= len(res["items"]) <= 3
    assert res["items"][0]["sku"] == "SOAP"  # bought again and again
    assert all(set(i) >= {"sku", "score", "reason"} for i in res["items"])
    code, doc = _run(capsys, "recommend", "--store", str(shop.folder), "--customer", "1000", "--new-only", "--json")
    assert code == 0 and "SOAP" not in {i["sku"] for i in doc["results"][0]["items"]}
    code, doc = _run(capsys, "recommend", "--store", str(shop.folder), "--sku", "MUG", "--json")
    assert code == 0 and doc["results"][0]["sku"] == "MUG"
    assert doc["results"][0]["items"][0]["sku"] == "TEA"


def test_recommend_all_customers_and_usage_error(shop, capsys):
    code, doc = _run(capsys, "recommend", "--store", str(shop.folder), "--all-customers", "--k", "2", "--json")
    assert code == 0 and len(doc["results"]) == 40
    with pytest.raises(SystemExit) as exc:
        main(["recommend", "--store", str(shop.folder)])
    assert exc.value.code == 2


def test_bundles_json(shop, capsys):
    code, doc = _run(capsys, "bundles", "--store", str(shop.folder), "--json")
    assert code == 0
    top = doc["pairs"][0]
    assert {top["a"], top["b"]} == {"MUG", "TEA"}
    assert set(top) >= {"a", "b", "support", "confidence", "lift", "orders"}
    assert top["lift"] > 1 and 0 < top["support"] <= 1 and top["orders"] >= 2
    assert top["combined_margin"] == pytest.approx((12 + 6) * 2 / 3, abs=0.01)
