"""The shipped fee data: complete, dated, sourced, unambiguous; owners' presets override it."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest

from merchant_ai.pricing.calculator import CalcInput, FeeContext, calculate
from merchant_ai.pricing.presets import (
    PresetError,
    PresetLibrary,
    builtin_names,
    delete_user_preset,
    load_builtin,
    map_channel,
    save_user_preset,
)

PLATFORMS = ["amazon", "ebay", "etsy", "paypal", "shopify_payments", "stripe", "woopayments"]


def test_one_file_per_platform():
    assert builtin_names() == PLATFORMS


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_rule_is_sourced_and_dated(platform):
    preset = load_builtin(platform)
    assert preset.rules
    for rule in preset.rules:
        assert rule.source.startswith(("http://", "https://")), rule.id
        assert rule.note, rule.id
        if rule.effective_from and rule.effective_until:
            assert rule.effective_from < rule.effective_until


@pytest.mark.parametrize("platform", PLATFORMS)
def test_selection_is_never_ambiguous(platform):
    """Every combination of the preset's own options on every change date picks one rule per fee."""
    preset = load_builtin(platform)
    days = [dt.date(2020, 1, 1), *preset.change_dates(), dt.date(2026, 6, 1)]
    values = {name: sorted({True, False} if isinstance(spec.get("default"), bool) else
                           {spec.get("default"), *[r.when[name] for r in preset.rules if name in r.when
                                                  and isinstance(r.when[name], str)]}, key=str)
              for name, spec in preset.options.items()}
    countries = ["US", "GB", "CA"]
    categories = [None, "beauty", "books", "clothing", "electronics_accessories"]
    for day, country, category, combo in itertools.product(days, countries, categories,
                                                           itertools.product(*values.values())):
        context = {**dict(zip(values, combo, strict=True)), "country": country, "category": category}
        rules = preset.select(day, context)
        assert len({r.fee for r in rules}) == len(rules)


def test_ebay_final_value_fee_follows_the_date():
    preset = load_builtin("ebay")

    def fvf(day):
        (rule,) = [r for r in preset.select(day, {"category": None}) if r.fee == "Final value fee"]
        return rule.percent

    assert fvf(dt.date(2023, 2, 14)) == D("12.9")
    assert fvf(dt.date(2023, 2, 15)) == D("13.25")
    assert fvf(dt.date(2025, 2, 13)) == D("13.25")
    assert fvf(dt.date(2025, 2, 14)) == D("13.6")
    per_order = [r for r in preset.select(dt.date(2024, 3, 14), {}) if r.fee == "Per-order fee"]
    assert per_order == []


def test_ambiguous_user_data_is_refused():
    data = load_builtin("stripe").to_dict()
    twin = dict(data["rules"][0], id="stripe.card.copy")
    data["rules"].append(twin)
    lib = PresetLibrary({"stripe": data})
    with pytest.raises(PresetError, match="all match"):
        lib.get("stripe").select(dt.date(2025, 1, 1), {})


def test_invalid_user_preset_is_refused(store):
    with pytest.raises(PresetError):
        save_user_preset(store, {"platform": "mine", "rules": [{"id": "x", "fee": "X", "per": "weekly"}]})


def test_user_preset_overrides_and_adds(store):
    negotiated = load_builtin("stripe").to_dict()
    negotiated["rules"][0]["percent"] = "2.2"      # a negotiated rate: 2.2% x 25 + 0.30 = 0.85
    save_user_preset(store, negotiated)
    save_user_preset(store, {"platform": "local_market", "title": "Craft fair", "currency": "USD", "rules": [
        {"id": "stall", "fee": "Stall commission", "percent": "10", "base": ["item"],
         "source": "https://example.org/fair-terms", "note": "our contract"}]})
    map_channel(store, "generic", "local_market")

    lib = PresetLibrary.from_store(store)
    assert "local_market" in lib.names()
    stripe = calculate(CalcInput(price=D(25), unit_cost=D(1)), FeeContext(lib.get("stripe"), dt.date(2025, 1, 1)))
    assert stripe.fees_total == D("0.85")
    fair = calculate(CalcInput(price=D(25), unit_cost=D(1)),
                     FeeContext(lib.for_channel("generic"), dt.date(2025, 1, 1)))
    assert [(f.name, f.amount) for f in fair.fees] == [("Stall commission", D("2.50"))]

    assert delete_user_preset(store, "stripe")
    lib = PresetLibrary.from_store(store)
    assert lib.get("stripe").rules[0].percent == D("2.9")


def test_channel_names_map_to_presets():
    lib = PresetLibrary()
    assert lib.for_channel("shopify").platform == "shopify_payments"
    assert lib.for_channel("woocommerce").platform == "woopayments"
    assert lib.for_channel("generic") is None

