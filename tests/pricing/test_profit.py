"""True profit: real fees where exports carry them, dated presets otherwise, unknown costs flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from merchant_ai.pricing.profit import TrueProfit
from tests.pricing.frames import fees_frame, orders_frame, sales_frame


@pytest.fixture
def shop():
    sales = sales_frame([
        # Etsy order: A 2 x 10 (cost 6), B 1 x 5 (cost unknown); order shipping 5; card fee 1.00 real.
        dict(order_id=1, order_ref="E1", channel="etsy", order_date="2025-06-01", sku="A", quantity=2,
             unit_price=10.0, unit_cost=6.0),
        dict(order_id=1, order_ref="E1", channel="etsy", order_date="2025-06-01", sku="B", quantity=1,
             unit_price=5.0),
        # eBay 2022 (12.9%, no per-order fee) and 2025 (13.6% + 0.40), the latter refunded in full.
        dict(order_id=2, order_ref="B1", channel="ebay", order_date="2022-06-01", sku="A", quantity=1,
             unit_price=30.0, unit_cost=6.0),
        dict(order_id=3, order_ref="B2", channel="ebay", order_date="2025-06-01", sku="A", quantity=1,
             unit_price=30.0, unit_cost=6.0, refunded_qty=1.0),
        # A channel without a preset: fees unknown.
        dict(order_id=4, order_ref="G1", channel="generic", order_date="2025-06-02", sku="A", quantity=1,
             unit_price=10.0, unit_cost=6.0),
        # Amazon with settlement fees.
        dict(order_id=5, order_ref="Z1", channel="amazon", order_date="2025-06-03", sku="A", quantity=1,
             unit_price=20.0, unit_cost=6.0),
    ])
    orders = orders_frame([
        dict(order_id=1, order_ref="E1", channel="etsy", order_date="2025-06-01", shipping=5.0),
        dict(order_id=2, order_ref="B1", channel="ebay", order_date="2022-06-01"),
        dict(order_id=3, order_ref="B2", channel="ebay", order_date="2025-06-01"),
        dict(order_id=4, order_ref="G1", channel="generic", order_date="2025-06-02"),
        dict(order_id=5, order_ref="Z1", channel="amazon", order_date="2025-06-03"),
    ])
    fees = fees_frame([
        dict(channel="etsy", order_ref="E1", sku=None, kind="Card Processing Fees", amount=-1.00,
             posted_at="2025-06-01"),
        dict(channel="ebay", order_ref="B2", sku="A", kind="Shipping label", amount=-3.00, posted_at="2025-06-01"),
        dict(channel="amazon", order_ref="Z1", sku="A", kind="Commission", amount=-3.00, posted_at="2025-06-05"),
        dict(channel="amazon", order_ref="Z1", sku="A", kind="FBAPerUnitFulfillmentFee", amount=-4.00,
             posted_at="2025-06-05"),
        dict(channel="amazon", order_ref=None, sku=None, kind="Subscription Fee", amount=-39.99,
             posted_at="2025-06-05"),
    ])
    return sales, orders, fees


def by_ref(model):
    return model.lines_.set_index(["order_ref", "sku"])


def test_line_profit_hand_computed(shop):
    m = TrueProfit(target_margin_pct=25).fit(*shop)
    lines = by_ref(m)
    # Etsy A: listing 2 x 0.20; transaction 6.5% x 30 order base, A's share 24/30 -> 1.56; card fee 0.80
    a = lines.loc[("E1", "A")]
    assert a["fees"] == pytest.approx(0.40 + 1.56 + 0.80)
    assert a["fee_source"] == "actual+preset"
    assert a["shipping_charged"] == pytest.approx(4.0) and not a["shipping_cost_known"]
    assert a["profit"] == pytest.approx(20 + 4 - 2.76 - 12 - 4)            # 5.24
    b = lines.loc[("E1", "B")]
    assert not b["cost_known"] and np.isnan(b["profit"])
    assert b["fees"] == pytest.approx(0.20 + 0.39 + 0.20)
    # eBay by date: 12.9% x 30 = 3.87 in 2022; 13.6% x 30 + 0.40 = 4.48 in 2025, kept on the refund,
    # plus the real 3.00 label
    assert lines.loc[("B1", "A")]["profit"] == pytest.approx(30 - 3.87 - 6)
    assert lines.loc[("B2", "A")]["profit"] == pytest.approx(0 - 4.48 - 3.00)
    # No preset for 'generic': fees unknown, flagged
    g = lines.loc[("G1", "A")]
    assert g["fee_source"] == "unknown" and np.isnan(g["fees"]) and g["profit"] == pytest.approx(4.0)
    # Amazon settlement fees replace the preset entirely
    z = lines.loc[("Z1", "A")]
    assert z["fee_source"] == "actual" and z["fees"] == pytest.approx(7.0) and z["profit"] == pytest.approx(7.0)
    assert m.unallocated_fees_["amount"].sum() == pytest.approx(39.99)


def test_summary_unknown_costs_and_alerts(shop):
    m = TrueProfit(target_margin_pct=25).fit(*shop)
    s = m.summary(("sku", "channel")).set_index(["sku", "channel"])
    assert s.loc[("A", "etsy"), "margin_pct"] == pytest.approx(5.24 / 24 * 100)
    assert s.loc[("A", "ebay"), "profit"] == pytest.approx(20.13 - 7.48)
    assert s.loc[("A", "ebay"), "units"] == 1
    assert not s.loc[("B", "etsy"), "cost_known"] and np.isnan(s.loc[("B", "etsy"), "profit"])
    assert not s.loc[("A", "generic"), "fees_known"]

    unknown = m.unknown_cost_skus()
    assert unknown["sku"].tolist() == ["B"]
    assert unknown["revenue_share"].iat[0] == pytest.approx(5 / 85)

    alerts = m.alerts()
    assert alerts[["sku", "channel", "alert"]].values.tolist() == [["A", "etsy", "below_target"]]
    monthly = m.summary(("sku", "channel"), freq="M")
    below = m.alerts(monthly)
    assert ["A", "ebay", "below_break_even"] in below[["sku", "channel", "alert"]].values.tolist()


def test_as_of_hides_later_orders_and_fees(shop):
    m = TrueProfit().fit(*shop, as_of="2024-12-31")
    assert m.lines_["order_ref"].tolist() == ["B1"]
    m = TrueProfit().fit(*shop, as_of="2025-06-03")
    # The Amazon settlement is posted 2025-06-05: not known yet, so the preset applies (15% x 20 = 3.00).
    z = by_ref(m).loc[("Z1", "A")]
    assert z["fee_source"] == "preset" and z["fees"] == pytest.approx(3.0)


def test_shop_country_picks_the_preset_rule(shop):
    sales, orders, _ = shop
    m = TrueProfit(country="GB").fit(sales, orders, None)
    # Etsy UK processing 4% x 30 + 0.20 = 1.40 on the order, A's share 0.8 -> 1.12
    a = by_ref(m).loc[("E1", "A")]
    assert a["fees"] == pytest.approx(0.40 + 1.56 + 1.12)


def test_empty_sales():
    empty = sales_frame([dict(order_id=1, order_ref="x", channel="etsy", order_date="2025-01-01", sku="A",
                              quantity=1, unit_price=1.0)]).iloc[0:0]
    m = TrueProfit().fit(empty, None, None)
    assert m.lines_.empty and m.summary().empty
    assert isinstance(m.unknown_cost_skus(), pd.DataFrame)


def test_fees_without_any_source_are_unknown_not_zero(shop):
    s = TrueProfit().fit(*shop).summary(("sku", "channel")).set_index(["sku", "channel"])
    assert np.isnan(s.loc[("A", "generic"), "fees"])
    assert s.loc[("A", "etsy"), "fees_known"] and s.loc[("A", "etsy"), "fees"] > 0


def test_refunds_and_unpriced_pending_orders_are_not_margin_alerts():
    """A refunded order or an Amazon order still waiting for its price is not a price problem."""
    sales = sales_frame([
        dict(order_id=1, order_ref="S1", channel="shopify", order_date="2025-06-01", sku="A", quantity=1,
             unit_price=30.0, unit_cost=6.0),
        # Etsy-style refund: the money back, no returned quantity on record.
        dict(order_id=2, order_ref="S2", channel="shopify", order_date="2025-06-02", sku="D", quantity=1,
             unit_price=30.0, unit_cost=6.0, status="refunded"),
        dict(order_id=3, order_ref="Z1", channel="amazon", order_date="2025-06-03", sku="B", quantity=2,
             unit_price=0.0, unit_cost=5.0, status="pending"),
    ])
    sales.loc[sales["sku"].eq("D"), ["refunded_amount", "net_revenue"]] = [30.0, 0.0]
    m = TrueProfit(target_margin_pct=20).fit(sales, None, None)
    assert m.alerts().empty
    # The shop's profit still carries both: they are real money, just not a verdict on the price.
    full = m.summary(("sku", "channel")).set_index(["sku", "channel"])
    assert full.loc[("B", "amazon"), "profit"] < 0 and full.loc[("D", "shopify"), "profit"] < 0
    priced = m.summary(("sku", "channel"), priced_sales_only=True)
    assert priced["sku"].tolist() == ["A"] and priced["units"].iat[0] == 1
    # A real loss-maker still raises one.
    cheap = sales_frame([dict(order_id=1, order_ref="S1", channel="shopify", order_date="2025-06-01", sku="C",
                              quantity=1, unit_price=5.0, unit_cost=6.0)])
    assert TrueProfit().fit(cheap, None, None).alerts()["alert"].tolist() == ["below_break_even"]
