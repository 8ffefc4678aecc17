"""`merchant-ai forecast` / `stock` against the contract, on a small shop filled with SQL."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from merchant_ai.cli.main import main
from merchant_ai.money import to_store

START = dt.date(2023, 1, 2)  # a Monday
WEEKS = 60
AS_OF = START + dt.timedelta(weeks=WEEKS) - dt.timedelta(days=1)  # a Sunday: 60 complete weeks


def _fill(store) -> None:
    rng = np.random.default_rng(3)
    with store.transaction() as conn:
        conn.execute("INSERT INTO channels(id, name, platform, currency) VALUES (1, 'shopify', 'shopify', 'USD')")
        conn.execute("INSERT INTO channels(id, name, platform, currency) VALUES (2, 'etsy', 'etsy', 'USD')")
        conn.execute("INSERT INTO suppliers(id, name, lead_time_days, order_cycle_days, moq, case_pack) "
                     "VALUES (1, '=Acme Ltd', 21, 7, 24, 12)")
        products = [("MUG", "Kitchen", 1, 4.0, 12.0), ("TEA", "Kitchen", 1, 2.0, 6.0),
                    ("LAMP", "Home", None, 20.0, 45.0), ("OLD", "Home", None, 8.0, 20.0)]
        for sku, cat, sup, cost, price in products:
            conn.execute("INSERT INTO products(sku, title, category, supplier_id, unit_cost, list_price) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (sku, sku.title(), cat, sup, to_store(cost), to_store(price)))
        order_id = 0
        for week in range(WEEKS + 4):  # 4 weeks after AS_OF: must never be seen with --as-of AS_OF
            day = START + dt.timedelta(weeks=week, days=2)
            after = day > AS_OF
            lines = {"MUG": 500 if after else rng.poisson(20), "TEA": 500 if after else rng.poisson(6 + week / 10),
                     "LAMP": 500 if after else (rng.poisson(2) if week % 3 == 0 else 0),
                     "OLD": rng.poisson(3) if week < 20 else 0}
            for sku, qty in lines.items():
                if qty <= 0:
                    continue
                order_id += 1
                price = {"MUG": 12.0, "TEA": 6.0, "LAMP": 45.0, "OLD": 20.0}[sku]
                conn.execute("INSERT INTO orders(id, channel_id, external_id, created_at, created_utc, order_date, "
                             "currency, total, status) VALUES (?, ?, ?, ?, ?, ?, 'USD', ?, 'paid')",
                             (order_id, 1 + order_id % 2, f"#{order_id}", f"{day}T10:00:00", f"{day}T10:00:00Z",
                              day.isoformat(), to_store(qty * price)))
                conn.execute("INSERT INTO order_lines(order_id, line_key, sku, title, quantity, unit_price, line_total) "
                             "VALUES (?, '1', ?, ?, ?, ?, ?)", (order_id, sku, sku.title(), float(qty),
                                                                to_store(price), to_store(qty * price)))
        counted = (AS_OF - dt.timedelta(days=3)).isoformat()
        for sku, qty in (("MUG", 15), ("TEA", 400), ("OLD", 30)):
            conn.execute("INSERT INTO inventory_levels(sku, location, quantity, as_of) VALUES (?, '', ?, ?)",
                         (sku, qty, counted))
        conn.execute("INSERT INTO purchase_orders(sku, quantity, expected_at, supplier_id) VALUES ('TEA', 50, ?, 1)",
                     ((AS_OF + dt.timedelta(days=10)).isoformat(),))


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


def test_forecast_json_follows_contract(shop, capsys):
    code, doc = _run(capsys, "forecast", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(), "--json")
    assert code == 0
    assert doc["as_of"] == AS_OF.isoformat() and doc["freq"] == "W" and doc["horizon"] == 12
    keys = {s["key"] for s in doc["series"]}
    assert keys == {"MUG", "TEA", "LAMP", "OLD"}
    mug = next(s for s in doc["series"] if s["key"] == "MUG")
    assert mug["level"] == "sku" and isinstance(mug["model"], str) and mug["model"]
    assert mug["backtest_mase"] is not None and mug["naive_mase"] is not None
    assert len(mug["points"]) == 12
    first = mug["points"][0]
    assert first["period_start"] == (AS_OF + dt.timedelta(days=1)).isoformat()  # the next Monday
    assert dt.date.fromisoformat(first["period_start"]).weekday() == 0
    for p in mug["points"]:
        assert 0 <= p["lower95"] <= p["lower80"] <= p["upper80"] <= p["upper95"]
        assert p["mean"] >= 0
    # MUG sells ~20 a week; the 500-unit weeks after --as-of must not leak in.
    assert 10 < first["mean"] < 30


def test_forecast_as_of_ignores_later_data_and_filters_skus(shop, capsys):
    code, doc = _run(capsys, "forecast", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(),
                     "--sku", "TEA", "--horizon", "4", "--json")
    assert code == 0 and [s["key"] for s in doc["series"]] == ["TEA"] and len(doc["series"][0]["points"]) == 4
    code, later = _run(capsys, "forecast", "--store", str(shop.folder), "--sku", "TEA", "--horizon", "4", "--json")
    assert code == 0 and later["as_of"] > doc["as_of"]
    assert later["series"][0]["points"][0]["mean"] > doc["series"][0]["points"][0]["mean"]


def test_forecast_levels_and_week_start(shop, capsys):
    code, doc = _run(capsys, "forecast", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(),
                     "--level", "shop", "--json")
    assert code == 0
    assert {(s["key"], s["measure"]) for s in doc["series"]} == {("all", "units"), ("all", "revenue")}
    code, doc = _run(capsys, "forecast", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(),
                     "--level", "category", "--freq", "M", "--horizon", "3", "--json")
    assert code == 0 and {s["key"] for s in doc["series"]} == {"Kitchen", "Home"}
    assert all(dt.date.fromisoformat(p["period_start"]).day == 1 for s in doc["series"] for p in s["points"])
    shop.set_setting("week_start", "sunday")
    code, doc = _run(capsys, "forecast", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(),
                     "--level", "channel", "--json")
    assert code == 0 and {s["key"] for s in doc["series"]} == {"shopify", "etsy"}
    assert all(dt.date.fromisoformat(p["period_start"]).weekday() == 6 for s in doc["series"] for p in s["points"])


def test_forecast_uses_cache_until_data_changes(shop, capsys):
    args = ("forecast", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(), "--sku", "MUG", "--json")
    _, first = _run(capsys, *args)
    _, second = _run(capsys, *args)
    assert first["cached"] is False and second["cached"] is True
    assert second["series"] == first["series"]
    shop.bump_data_version()
    _, third = _run(capsys, *args)
    assert third["cached"] is False


def test_forecast_cache_does_not_outlive_a_model_change(shop, capsys, monkeypatch):
    from merchant_ai.analytics import forecast_task

    args = ("forecast", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(), "--sku", "MUG", "--json")
    _run(capsys, *args)
    monkeypatch.setattr(forecast_task, "MODEL_VERSION", forecast_task.MODEL_VERSION + 1)
    _, after_upgrade = _run(capsys, *args)
    assert after_upgrade["cached"] is False


def test_stock_json_follows_contract(shop, capsys, tmp_path):
    csv_path = tmp_path / "po.csv"
    code, doc = _run(capsys, "stock", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(),
                     "--po-csv", str(csv_path), "--json")
    assert code == 0 and doc["as_of"] == AS_OF.isoformat()
    items = {it["sku"]: it for it in doc["items"]}
    for it in doc["items"]:
        for field in ("sku", "on_hand", "days_of_cover", "stockout_date", "safety_stock", "reorder_point",
                      "suggested_qty", "order_by", "status"):
            assert field in it
        assert it["status"] in {"order_now", "order_soon", "ok", "overstock", "dead_stock", "no_stock_data"}
    mug = items["MUG"]  # 15 counted 3 days ago, ~20/week sold since -> about to run out, 21-day lead time
    assert mug["status"] == "order_now" and mug["stockout_before_arrival"] is True
    assert mug["suggested_qty"] >= 24 and mug["suggested_qty"] % 12 == 0  # supplier MOQ 24, case pack 12
    assert items["LAMP"]["status"] == "no_stock_data"
    assert items["OLD"]["status"] == "dead_stock" and items["OLD"]["cash_tied_up"] == pytest.approx(30 * 8.0)
    assert doc["items"][0]["sku"] == "MUG"  # most urgent first
    text = csv_path.read_text()
    assert "'=Acme Ltd" in text and "\n=Acme" not in text and ",=Acme" not in text


def test_cli_errors_use_contract_exit_codes(shop, capsys, monkeypatch, tmp_path):
    assert main(["forecast", "--store", str(shop.folder), "--horizon", "0", "--json"]) == 2
    assert main(["forecast", "--store", str(tmp_path / "nowhere"), "--json"]) == 4
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "wrong")
    assert main(["stock", "--store", str(shop.folder), "--json"]) == 3
    capsys.readouterr()


def test_shop_revenue_forecast_keeps_to_the_main_currency(shop, capsys):
    """Euros and dollars do not add up: a second currency must not lift the revenue forecast."""
    args = ("forecast", "--store", str(shop.folder), "--as-of", AS_OF.isoformat(), "--level", "shop", "--json")
    code, before = _run(capsys, *args)
    with shop.transaction() as conn:
        for week in range(WEEKS):
            day = START + dt.timedelta(weeks=week, days=3)
            oid = 100_000 + week
            conn.execute("INSERT INTO orders(id, channel_id, external_id, created_at, created_utc, order_date, "
                         "currency, total, status) VALUES (?, 2, ?, ?, ?, ?, 'EUR', ?, 'paid')",
                         (oid, f"E{week}", f"{day}T10:00:00", f"{day}T10:00:00Z", day.isoformat(), to_store(50.0)))
            conn.execute("INSERT INTO order_lines(order_id, line_key, sku, title, quantity, unit_price, line_total) "
                         "VALUES (?, '1', 'LAMP', 'Lamp', 1, ?, ?)", (oid, to_store(50.0), to_store(50.0)))
    shop.bump_data_version()
    code, after = _run(capsys, *args)
    assert code == 0
    rev = {d["measure"]: d for d in after["series"]}["revenue"]
    rev_before = {d["measure"]: d for d in before["series"]}["revenue"]
    assert rev["currency"] == "USD"
    assert rev["points"][0]["mean"] == pytest.approx(rev_before["points"][0]["mean"], rel=1e-6)
    units = {d["measure"]: d for d in after["series"]}["units"]
    assert units["points"][0]["mean"] > {d["measure"]: d for d in before["series"]}["units"]["points"][0]["mean"]
