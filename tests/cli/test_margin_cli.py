"""`merchant-ai margin` in both forms, through `main([...])`, against the CLI contract."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from merchant_ai.cli.main import main


def run_json(capsys, argv):
    code = main(argv)
    out = capsys.readouterr().out
    return code, (json.loads(out) if code == 0 and out.strip() else None)


def test_calculator_contract_and_hand_values(capsys):
    code, data = run_json(capsys, ["margin", "--channel", "etsy", "--price", "20", "--cost", "5",
                                   "--shipping-charged", "4", "--target-margin", "50", "--date", "2025-06-01",
                                   "--json"])
    assert code == 0
    for key in ("channel", "date", "revenue", "fees", "fees_total", "cost", "profit", "margin_pct",
                "markup_pct", "break_even_price", "price_for_target_margin"):
        assert key in data
    assert data["channel"] == "etsy" and data["date"] == "2025-06-01"
    # listing 0.20 + transaction 6.5% x 24 = 1.56 + processing 3% x 24 + 0.25 = 0.97
    assert [(f["name"], f["amount"]) for f in data["fees"]] == [
        ("Listing fee", 0.20), ("Transaction fee", 1.56), ("Payment processing fee", 0.97)]
    assert all(f["rule"] and f["source"].startswith("http") for f in data["fees"])
    assert data["fees_total"] == 2.73 and data["revenue"] == 24.0
    assert data["profit"] == 16.27 and data["margin_pct"] == 67.79
    assert data["break_even_price"] == 2.02 and data["price_for_target_margin"] == 9.46


def test_calculator_options_dates_and_category(capsys):
    code, data = run_json(capsys, ["margin", "--channel", "ebay", "--price", "50", "--cost", "5",
                                   "--shipping-charged", "10", "--date", "2022-06-01", "--json"])
    assert code == 0 and data["fees_total"] == 7.74            # 12.9% x 60, no per-order fee in 2022
    code, data = run_json(capsys, ["margin", "--channel", "amazon", "--price", "12", "--cost", "7",
                                   "--category", "beauty", "--target-margin", "30", "--option",
                                   "fulfillment=fba", "--plan", "individual", "--json"])
    # 15% x 12 = 1.80 + 0.99 per item + FBA 4.60; target price 12.73 as in the table tests plus the fixed fees
    assert code == 0
    assert {f["name"]: f["amount"] for f in data["fees"]} == {
        "Per-item fee (Individual plan)": 0.99, "Referral fee": 1.80, "FBA fulfilment fee": 4.60}


@pytest.mark.parametrize("argv", [
    ["margin"],
    ["margin", "--channel", "etsy", "--price", "10"],                     # no --cost
    ["margin", "--channel", "nowhere", "--price", "10", "--cost", "1"],   # unknown preset
    ["margin", "--channel", "etsy", "--price", "abc", "--cost", "1"],     # not a number
    ["margin", "--channel", "etsy", "--price", "-3", "--cost", "1"],      # negative price
])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc_info:
        raise SystemExit(main(argv))
    assert exc_info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


# --- store form ------------------------------------------------------------------------------------
def _fill(store, weeks=40, seed=0):
    from merchant_ai.importers.batch import ImportBatch
    from merchant_ai.importers.writer import write_batch

    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", periods=weeks, freq="7D")
    price = np.round(15 * np.exp(rng.normal(0, 0.1, weeks)), 2)
    qty = np.maximum(1, np.round(np.exp(2.5 - 2.0 * np.log(price / 15) + rng.normal(0, 0.1, weeks))))
    ids = [f"E{i}" for i in range(weeks)]
    dates = [d.strftime("%Y-%m-%d") for d in days]
    orders = pd.DataFrame({
        "external_id": ids, "created_at": dates, "created_utc": [d + " 12:00:00" for d in dates],
        "order_date": dates, "currency": "USD", "customer_ref": pd.NA,
        "subtotal": ((price * qty + 3) * 10_000).round().astype("int64"), "shipping": 0, "tax": 0,
        "discount": 0, "total": ((price * qty + 3) * 10_000).round().astype("int64"), "refunded": 0,
        "status": "paid"})
    lines = pd.concat([
        pd.DataFrame({"order_external_id": ids, "line_key": "1", "channel_sku": "MUG", "title": "Mug",
                      "quantity": qty, "unit_price": (price * 10_000).round().astype("int64"), "discount": 0,
                      "line_total": (price * qty * 10_000).round().astype("int64"), "refunded_qty": 0.0}),
        pd.DataFrame({"order_external_id": ids, "line_key": "2", "channel_sku": "CARD", "title": "Card",
                      "quantity": 1.0, "unit_price": 30_000, "discount": 0, "line_total": 30_000,
                      "refunded_qty": 0.0})])
    products = pd.DataFrame({"sku": ["MUG", "CARD"], "title": ["Mug", "Card"], "unit_cost": [40_000, pd.NA],
                             "currency": "USD", "status": "active"})
    batch = ImportBatch(format="test", channel="etsy", platform="etsy", orders=orders, lines=lines,
                        products=products)
    write_batch(store, batch, file_name="synthetic.csv", sha256="0" * 64, backup=False)
    return pd.DataFrame({"price": price, "qty": qty, "day": days})


def test_store_form_contract(store, capsys, monkeypatch):
    truth = _fill(store)
    store.close()
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    code, data = run_json(capsys, ["margin", "--store", str(store.folder), "--json"])
    assert code == 0
    items = {(i["sku"], i["channel"]): i for i in data["items"]}
    assert set(items) == {("MUG", "etsy"), ("CARD", "etsy")}
    for item in items.values():
        for key in ("sku", "channel", "units", "revenue", "fees", "cogs", "profit", "margin_pct", "cost_known",
                    "elasticity", "elasticity_ci", "suggested_price"):
            assert key in item
    mug, card = items[("MUG", "etsy")], items[("CARD", "etsy")]
    assert mug["units"] == truth["qty"].sum()
    assert mug["revenue"] == pytest.approx((truth["price"] * truth["qty"]).sum())
    assert mug["cogs"] == pytest.approx(4 * truth["qty"].sum())
    assert mug["profit"] == pytest.approx(mug["revenue"] - mug["fees"] - mug["cogs"])
    assert mug["fees"] > 0 and mug["cost_known"]
    lo, hi = mug["elasticity_ci"]
    assert lo < mug["elasticity"] < hi and lo < -2.0 < hi
    assert mug["suggested_price"] is not None
    assert not card["cost_known"] and card["profit"] is None and card["suggested_price"] is None
    assert card["elasticity"] is None                        # its price never varied
    assert [u["sku"] for u in data["unknown_cost"]] == ["CARD"]

    code, early = run_json(capsys, ["margin", "--store", str(store.folder), "--as-of", "2024-03-31",
                                    "--no-elasticity", "--json"])
    assert code == 0
    early_mug = next(i for i in early["items"] if i["sku"] == "MUG")
    assert early_mug["units"] == truth.loc[truth["day"] <= "2024-03-31", "qty"].sum()


def test_store_form_alerts_use_the_shops_target_margin(store, capsys, monkeypatch):
    """One target for tab, report and CLI: the shop's setting unless --target-margin says otherwise."""
    _fill(store)
    store.set_setting("target_margin_pct", "97.5")
    store.close()
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    args = ["margin", "--store", str(store.folder), "--no-elasticity", "--json"]
    code, shop = run_json(capsys, args)
    assert code == 0 and shop["target_margin_pct"] == 97.5
    assert any(a["alert"] == "below_target" for a in shop["alerts"])       # no product makes 97.5 %
    code, low = run_json(capsys, [*args, "--target-margin", "1"])
    assert code == 0 and low["target_margin_pct"] == 1.0
    assert not any(a["alert"] == "below_target" for a in low["alerts"])


def test_store_form_wrong_passphrase_exits_3(store, monkeypatch, capsys):
    store.close()
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "wrong")
    assert main(["margin", "--store", str(store.folder), "--json"]) == 3
    assert capsys.readouterr().out == ""


def test_presets_show_edit_save_and_map(store, capsys, monkeypatch, tmp_path):
    store.close()
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    code, preset = run_json(capsys, ["margin", "--show-preset", "stripe"])
    assert code == 0 and preset["platform"] == "stripe"
    preset["rules"][0]["percent"] = "2.2"                        # negotiated: 2.2% x 25 + 0.30 = 0.85
    path = tmp_path / "stripe.json"
    path.write_text(json.dumps(preset), encoding="utf-8")
    code, done = run_json(capsys, ["margin", "--store", str(store.folder), "--save-preset", str(path),
                                   "--map-channel", "generic=stripe", "--json"])
    assert code == 0 and done == {"saved": "stripe", "mapped": {"generic": "stripe"}}
    code, data = run_json(capsys, ["margin", "--store", str(store.folder), "--channel", "generic", "--price", "25",
                                   "--cost", "10", "--json"])
    assert code == 0 and data["fees_total"] == 0.85
    code, data = run_json(capsys, ["margin", "--channel", "stripe", "--price", "25", "--cost", "10", "--json"])
    assert data["fees_total"] == 1.03                           # without the shop: the shipped preset
    bad = tmp_path / "bad.json"
    bad.write_text('{"platform": "x", "rules": [{"id": "a", "fee": "A", "base": ["moon"]}]}', encoding="utf-8")
    assert main(["margin", "--store", str(store.folder), "--save-preset", str(bad)]) == 2
    assert main(["margin", "--save-preset", str(path)]) == 2     # needs --store
