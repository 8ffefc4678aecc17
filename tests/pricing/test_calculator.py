"""Hand-computed examples for every preset, to the cent (arithmetic written out in each comment)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from merchant_ai.pricing.calculator import CalcInput, FeeContext, calculate
from merchant_ai.pricing.presets import PresetLibrary

LIB = PresetLibrary()
DAY = dt.date(2025, 6, 1)


def run(channel, price, cost="5", target=None, date=DAY, country="US", category=None, options=None, **inp):
    ctx = FeeContext.for_channel(channel, LIB, date=date, country=country, category=category,
                                 options=options or {})
    return calculate(CalcInput(price=D(price), unit_cost=None if cost is None else D(cost), **inp), ctx,
                     target_margin_pct=target)


def fees(result):
    return {f.name: f.amount for f in result.fees}


# (channel, kwargs, expected fee lines) --------------------------------------------------------------
FEE_CASES = [
    # Etsy US: listing 0.20; transaction 6.5% x (20+4) = 1.56; processing 3% x 24 + 0.25 = 0.97
    ("etsy", dict(price="20", shipping_charged=D(4)),
     {"Listing fee": D("0.20"), "Transaction fee": D("1.56"), "Payment processing fee": D("0.97")}),
    # Etsy UK with an offsite-ad order: processing 4% x 24 + 0.20 = 1.16; offsite 15% x 24 = 3.60
    ("etsy", dict(price="20", shipping_charged=D(4), country="GB", options={"offsite_ads": True}),
     {"Listing fee": D("0.20"), "Transaction fee": D("1.56"), "Payment processing fee": D("1.16"),
      "Offsite Ads fee": D("3.60")}),
    # Offsite ads 12% for shops over $10k: 12% x 24 = 2.88
    ("etsy", dict(price="20", shipping_charged=D(4), options={"offsite_ads": True, "shop_over_10k": True}),
     {"Listing fee": D("0.20"), "Transaction fee": D("1.56"), "Payment processing fee": D("0.97"),
      "Offsite Ads fee": D("2.88")}),
    # Etsy with 8% tax on items: processing on the total 3% x (20+4+1.60) + 0.25 = 1.018 -> 1.02;
    # transaction excludes tax: 1.56; currency conversion 2.5% x 25.60 = 0.64
    ("etsy", dict(price="20", shipping_charged=D(4), tax_rate=D(8), options={"currency_conversion": True}),
     {"Listing fee": D("0.20"), "Transaction fee": D("1.56"), "Payment processing fee": D("1.02"),
      "Currency conversion fee": D("0.64")}),
    # Amazon, most categories: 15% x 1.50 = 0.225 < minimum 0.30 per item; 3 items -> 0.90
    ("amazon", dict(price="1.50", quantity=3), {"Referral fee": D("0.90")}),
    # Amazon, price + shipping: 15% x (20 + 4) = 3.60
    ("amazon", dict(price="20", shipping_charged=D(4)), {"Referral fee": D("3.60")}),
    # Clothing 17% x 20 = 3.40; electronics 8% x 20 = 1.60; device accessories 45% x 20 = 9.00
    ("amazon", dict(price="20", category="Clothing"), {"Referral fee": D("3.40")}),
    ("amazon", dict(price="20", category="consumer electronics"), {"Referral fee": D("1.60")}),
    ("amazon", dict(price="20", category="amazon_device_accessories"), {"Referral fee": D("9.00")}),
    # Beauty, whole-price tiers: 9.00 -> 8% = 0.72; 12.00 -> 15% of all of it = 1.80; 3.00 -> 0.24 -> min 0.30
    ("amazon", dict(price="9", category="beauty"), {"Referral fee": D("0.72")}),
    ("amazon", dict(price="12", category="baby"), {"Referral fee": D("1.80")}),
    ("amazon", dict(price="3", category="beauty"), {"Referral fee": D("0.30")}),
    # Electronics accessories, marginal tiers: 150 -> 15% x 100 + 8% x 50 = 19.00; 80 -> 12.00
    ("amazon", dict(price="150", category="electronics_accessories"), {"Referral fee": D("19.00")}),
    ("amazon", dict(price="80", category="electronics_accessories"), {"Referral fee": D("12.00")}),
    # Individual plan and FBA large standard: 15% x 20 = 3.00; 0.99 per item; FBA 4.60 per unit
    ("amazon", dict(price="20", options={"plan": "individual", "fulfillment": "fba"}),
     {"Per-item fee (Individual plan)": D("0.99"), "Referral fee": D("3.00"), "FBA fulfilment fee": D("4.60")}),
    # Professional plan spread over 100 orders a month: 39.99 / 100 = 0.3999 -> 0.40
    ("amazon", dict(price="20", options={"monthly_orders": 100}),
     {"Selling plan fee": D("0.40"), "Referral fee": D("3.00")}),
    # eBay by date, price 50 + shipping 10 = 60: 12.9% = 7.74 (2022, no per-order fee yet)
    ("ebay", dict(price="50", shipping_charged=D(10), date=dt.date(2022, 6, 1)), {"Final value fee": D("7.74")}),
    # 13.25% x 60 = 7.95 (2023); from 2024-03-15 plus 0.40 per order over $10
    ("ebay", dict(price="50", shipping_charged=D(10), date=dt.date(2023, 6, 1)), {"Final value fee": D("7.95")}),
    ("ebay", dict(price="50", shipping_charged=D(10), date=dt.date(2024, 6, 1)),
     {"Final value fee": D("7.95"), "Per-order fee": D("0.40")}),
    # 2025-02-14 onwards 13.6% x 60 = 8.16
    ("ebay", dict(price="50", shipping_charged=D(10), date=dt.date(2025, 2, 14)),
     {"Final value fee": D("8.16"), "Per-order fee": D("0.40")}),
    ("ebay", dict(price="50", shipping_charged=D(10), date=dt.date(2025, 2, 13)),
     {"Final value fee": D("7.95"), "Per-order fee": D("0.40")}),
    # Sales tax in the base (default): 10% x 50 = 5 tax -> 13.6% x 65 = 8.84; setting off -> 8.16
    ("ebay", dict(price="50", shipping_charged=D(10), tax_rate=D(10)),
     {"Final value fee": D("8.84"), "Per-order fee": D("0.40")}),
    ("ebay", dict(price="50", shipping_charged=D(10), tax_rate=D(10), options={"fee_base_includes_tax": False}),
     {"Final value fee": D("8.16"), "Per-order fee": D("0.40")}),
    # Books 15.3% x 60 = 9.18; international 1.65% x 60 = 0.99
    ("ebay", dict(price="50", shipping_charged=D(10), category="books"),
     {"Final value fee": D("9.18"), "Per-order fee": D("0.40")}),
    ("ebay", dict(price="50", shipping_charged=D(10), options={"international": True}),
     {"Final value fee": D("8.16"), "Per-order fee": D("0.40"), "International fee": D("0.99")}),
    # Per-order fee at the $10 edge: 8 + 2 = 10.00 -> 0.30 (FVF 1.36); 8.01 + 2 -> 0.40
    ("ebay", dict(price="8", shipping_charged=D(2)), {"Final value fee": D("1.36"), "Per-order fee": D("0.30")}),
    ("ebay", dict(price="8.01", shipping_charged=D(2)), {"Final value fee": D("1.36"), "Per-order fee": D("0.40")}),
    # Shopify Payments by plan, price 40: 2.9% + 0.30 = 1.46; 2.5% -> 1.30; 2.4% -> 1.26
    ("shopify", dict(price="40"), {"Card processing fee": D("1.46")}),
    ("shopify", dict(price="40", options={"plan": "shopify"}), {"Card processing fee": D("1.30")}),
    ("shopify", dict(price="40", options={"plan": "advanced"}), {"Card processing fee": D("1.26")}),
    # Third-party gateway on Basic: Shopify's 2% x 40 = 0.80 and no Shopify card fee
    ("shopify", dict(price="40", options={"gateway": "third_party"}), {"Third-party gateway fee": D("0.80")}),
    ("shopify", dict(price="40", options={"international": True}),
     {"Card processing fee": D("1.46"), "International card fee": D("0.60")}),
    # PayPal Checkout 3.49% x 40 + 0.49 = 1.886 -> 1.89; cards 2.99% x 40 + 0.49 = 1.686 -> 1.69
    ("paypal", dict(price="40"), {"PayPal fee": D("1.89")}),
    ("paypal", dict(price="40", options={"method": "cards", "international": True}),
     {"PayPal fee": D("1.69"), "International fee": D("0.60")}),
    # Stripe 2.9% x 25 + 0.30 = 1.025 -> 1.03 (half-up, where half-even would give 1.02)
    ("stripe", dict(price="25"), {"Card processing fee": D("1.03")}),
    # international 1.5% x 25 = 0.375 -> 0.38; conversion 1% x 25 = 0.25
    ("stripe", dict(price="25", options={"international": True, "currency_conversion": True}),
     {"Card processing fee": D("1.03"), "International card fee": D("0.38"), "Currency conversion fee": D("0.25")}),
    # WooPayments US and Canada: 2.9% x 25 + 0.30 = 1.03; +1% international = 0.25
    ("woopayments", dict(price="25"), {"Card processing fee": D("1.03")}),
    ("woopayments", dict(price="25", country="CA", options={"international": True}),
     {"Card processing fee": D("1.03"), "International card fee": D("0.25")}),
]


@pytest.mark.parametrize(("channel", "kwargs", "expected"), FEE_CASES)
def test_fee_lines_to_the_cent(channel, kwargs, expected):
    result = run(channel, **kwargs)
    assert fees(result) == expected
    assert result.fees_total == sum(expected.values())
    for line in result.fees:
        assert line.source.startswith("http") and line.rule


# (channel, kwargs, target %, expected break-even price, expected price for target) --------------------
INVERSE_CASES = [
    # Etsy: profit = 0.905 (P + 4) - 0.20 - 0.25 - 5 ; 50%: 0.405 (P+4) = 5.45 -> P = 9.45679 -> 9.46
    # break-even: 0.905 (P+4) = 5.45 -> P = 2.02210 -> 2.02
    ("etsy", dict(price="20", shipping_charged=D(4)), 50, D("2.02"), D("9.46")),
    # Amazon with the $0.30 minimum binding: cost 0.50; 40%: P - 0.30 - 0.50 = 0.4 P -> 1.3333 (<= 2, where
    # 15% = 0.30) -> 1.33; break-even P = 0.80
    ("amazon", dict(price="1.50", cost="0.50"), 40, D("0.80"), D("1.33")),
    # Beauty whole tiers, cost 7, 30%: 8% piece 0.62 P = 7 -> 11.29 > 10, not its piece;
    # 15% piece 0.55 P = 7 -> 12.727 -> 12.73. Break-even in the 8% piece: 0.92 P = 7 -> 7.61
    ("amazon", dict(price="12", cost="7", category="beauty"), 30, D("7.61"), D("12.73")),
    # Beauty, cost 6, 25%: 8% piece 0.67 P = 6 -> 8.955 -> 8.96 (inside its piece)
    ("amazon", dict(price="12", cost="6", category="beauty"), 25, D("6.52"), D("8.96")),
    # Electronics accessories marginal, cost 100, 20%: above 100: 0.72 P = 107 -> 148.61
    # (below 100: 0.65 P = 100 -> 153.8, outside). Break-even: 0.85 P = 100 -> 117.6 > 100, so
    # 0.92 P = 107 -> 116.30
    ("amazon", dict(price="150", cost="100", category="electronics_accessories"), 20, D("116.30"), D("148.61")),
    # eBay 2025, cost 5, per-order fee steps at $10: 20%: 0.664 P = 5.30 -> 7.98 (<= 10, fee 0.30)
    ("ebay", dict(price="9"), 20, D("6.13"), D("7.98")),
    # 40%: 0.464 P = 5.30 -> 11.42 > 10 (inconsistent); with 0.40: 0.464 P = 5.40 -> 11.6379 -> 11.64
    ("ebay", dict(price="9"), 40, D("6.13"), D("11.64")),
    # (break-even 0.864 P = 5.30 -> 6.13)
    # Shopify basic, cost 20, 30%: 0.671 P = 20.30 -> 30.2534 -> 30.25; break-even 0.971 P = 20.30 -> 20.91
    ("shopify", dict(price="40", cost="20"), 30, D("20.91"), D("30.25")),
    # PayPal Checkout, cost 20, 30%: 0.6651 P = 20.49 -> 30.8074 -> 30.81; break-even 0.9651 P = 20.49 -> 21.23
    ("paypal", dict(price="40", cost="20"), 30, D("21.23"), D("30.81")),
    # Stripe, cost 10, 25%: 0.721 P = 10.30 -> 14.2857 -> 14.29; break-even 0.971 P = 10.30 -> 10.61
    ("stripe", dict(price="25", cost="10"), 25, D("10.61"), D("14.29")),
    # WooPayments, same numbers as Stripe
    ("woopayments", dict(price="25", cost="10"), 25, D("10.61"), D("14.29")),
    # Tax-inclusive price, 20% VAT, Shopify basic, cost 10, 30%:
    # P/1.2 - 0.029 P - 0.30 - 10 = 0.3 P/1.2 -> 0.554333 P = 10.30 -> 18.5809 -> 18.58
    ("shopify", dict(price="24", cost="10", tax_rate=D(20), price_includes_tax=True), 30, D("12.81"), D("18.58")),
]


@pytest.mark.parametrize(("channel", "kwargs", "target", "break_even", "target_price"), INVERSE_CASES)
def test_break_even_and_target_margin_inverse(channel, kwargs, target, break_even, target_price):
    result = run(channel, target=target, **kwargs)
    assert result.break_even_price == break_even
    assert result.price_for_target_margin == target_price
    # The solved price really gives the target margin (within the cent rounding of the price).
    check = run(channel, target=None, **{**kwargs, "price": str(target_price)})
    assert abs(check.margin_pct - D(target)) < D("0.2")


def test_full_order_with_returns_discount_and_ads():
    # qty 2 x 15 - discount 3 = 27 items + 5 shipping = 32 revenue; 10% returns = 3.20
    # fees: listing 0.40, transaction 6.5% x 32 = 2.08, processing 3% x 32 + 0.25 = 1.21 -> 3.69
    # costs: 2 x (4 + 0.50) + shipping 6 + ads 2 = 17; profit 32 - 3.20 - 3.69 - 17 = 8.11
    r = run("etsy", price="15", cost="4", quantity=2, discount=D(3), shipping_charged=D(5), packaging=D("0.5"),
            shipping_cost=D(6), ad_cost=D(2), return_rate=D(10))
    assert r.revenue == D(32) and r.fees_total == D("3.69") and r.cost == D(17)
    assert r.profit == D("8.11")
    assert round(r.margin_pct, 2) == D("28.16")      # 8.11 / 28.80
    assert round(r.markup_pct, 2) == D("47.71")      # 8.11 / 17
    assert round(r.profit_per_unit, 3) == D("4.055")
    assert round(r.break_even_roas, 2) == D("3.17")  # 32 / (8.11 + 2)


def test_unknown_cost_is_flagged_not_zero():
    r = run("stripe", price="25", cost=None)
    assert not r.cost_known and r.profit is None and r.margin_pct is None
    assert r.fees_total == D("1.03")
    assert any("Unit cost unknown" in w for w in r.warnings)


def test_unreachable_target_says_so():
    # Amazon 45% referral: margins can never reach 60%.
    r = run("amazon", price="20", cost="1", category="amazon_device_accessories", target=60)
    assert r.price_for_target_margin is None
    assert any("No price reaches" in w for w in r.warnings)


def test_missing_country_rule_and_approximations_are_warned():
    r = run("etsy", price="20", country="DE")
    assert "Payment processing fee" not in fees(r)
    assert any("no 'Payment processing fee' rule for country DE" in w for w in r.warnings)
    r = run("amazon", price="60", options={"fulfillment": "fba"})
    assert any("only for 10.00-50.00" in w for w in r.warnings)


def test_contract_shape():
    d = run("etsy", price="20", target=30).to_dict()
    for key in ("channel", "date", "revenue", "fees", "fees_total", "cost", "profit", "margin_pct",
                "markup_pct", "break_even_price", "price_for_target_margin"):
        assert key in d
    assert set(d["fees"][0]) >= {"name", "amount", "rule", "source"}


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        CalcInput(price=D(-1))
    with pytest.raises(ValueError):
        CalcInput(price=D(1), quantity=0)
    with pytest.raises(ValueError):
        CalcInput(price=D(1), return_rate=D(100))
