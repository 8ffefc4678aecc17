"""The margin calculator: every fee line of one order, profit, margin, and the exact inverse.

Works with no shop data at all: an owner types a price and a cost and sees where the money goes.

Conventions (the owner sees these next to the inputs):
- `price` is per unit, tax-inclusive or not (`price_includes_tax`); tax (`tax_rate`, percent)
  applies to the items after the order discount. Tax is passed through, never revenue.
- revenue = items net of the order discount + shipping charged + gift wrap (tax excluded).
- An expected return rate refunds that share of revenue; the fees, goods, shipping and ads are
  still paid (the conservative case: most platforms keep at least part of their fee on refunds).
- margin % = profit / (revenue - expected refunds); markup % = profit / costs (goods, packaging,
  shipping paid, ads), i.e. what the owner earns on top of what they spend.
- Fee lines are rounded half-up to the cent, as platforms bill them.

The price for a target margin is solved exactly. Percentage fees apply to the price itself, so the
price is not cost / (1 - margin); and minimums and tiers make the fees piecewise linear in the price.
Between the price points where some rule changes piece, every fee is linear in the price, so the
target equation is linear there: solve it in each piece and keep the lowest solution that lies
inside its own piece (with `whole` tiers a piece's solution may fall outside it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from merchant_ai.pricing.presets import Preset, PresetLibrary
from merchant_ai.pricing.rules import FeeRule

CENT = Decimal("0.01")
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_TOLERANCE = Decimal("1e-12")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _d(value: Any) -> Decimal:
    if value is None:
        return _ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass
class CalcInput:
    """One order as the owner describes it; money per unit unless it says per order."""

    price: Decimal
    unit_cost: Decimal | None = None          # None: unknown (the result says so; never taken as 0)
    quantity: int = 1
    packaging: Decimal = _ZERO                # per unit
    shipping_charged: Decimal = _ZERO         # per order, excl. tax
    shipping_cost: Decimal = _ZERO            # per order: what the label/courier costs
    gift_wrap: Decimal = _ZERO                # per order
    tax_rate: Decimal = _ZERO                 # percent
    price_includes_tax: bool = False
    discount: Decimal = _ZERO                 # per order, off the items
    return_rate: Decimal = _ZERO              # percent of orders refunded
    ad_cost: Decimal = _ZERO                  # per order

    def __post_init__(self) -> None:
        for name in ("price", "packaging", "shipping_charged", "shipping_cost", "gift_wrap", "tax_rate",
                     "discount", "return_rate", "ad_cost"):
            setattr(self, name, _d(getattr(self, name)))
        if self.unit_cost is not None:
            self.unit_cost = _d(self.unit_cost)
        if self.quantity < 1:
            raise ValueError("quantity must be at least 1")
        if self.price < 0:
            raise ValueError("price must not be negative")
        if not _ZERO <= self.tax_rate < 1000:
            raise ValueError("tax rate is a percentage, e.g. 20 for 20%")
        if not _ZERO <= self.return_rate < _HUNDRED:
            raise ValueError("return rate is a percentage below 100")
        for name in ("packaging", "shipping_charged", "shipping_cost", "gift_wrap", "discount", "ad_cost"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name.replace('_', ' ')} must not be negative")
        if self.unit_cost is not None and self.unit_cost < 0:
            raise ValueError("unit cost must not be negative")


@dataclass
class FeeContext:
    """Which rules apply: the channel's preset at a date, for a country/category/plan, with options."""

    preset: Preset
    date: dt.date = field(default_factory=dt.date.today)
    country: str | None = "US"
    category: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_channel(cls, channel: str, library: PresetLibrary | None = None, **kwargs: Any) -> FeeContext:
        return cls(preset=(library or PresetLibrary()).get(channel), **kwargs)

    def match_context(self) -> dict[str, Any]:
        merged = {**self.preset.default_options(), **self.options}
        merged["country"] = (self.country or "").upper() or None
        merged["category"] = norm_category(self.category)
        return merged

    @property
    def currency(self) -> str:
        return self.preset.currency_for(self.country)


def norm_category(category: str | None) -> str | None:
    if not category:
        return None
    return "_".join(category.strip().lower().replace("&", " and ").replace("-", " ").split())


@dataclass
class FeeLine:
    name: str
    amount: Decimal          # rounded to the cent
    exact: Decimal           # unrounded, as the solver uses it
    rule: str                # the rule in words
    rule_id: str
    source: str
    note: str
    base: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "amount": float(self.amount), "rule": self.rule, "rule_id": self.rule_id,
                "source": self.source, "note": self.note,
                "base": None if self.base is None else float(cents(self.base))}


@dataclass
class CalcResult:
    channel: str
    date: dt.date
    currency: str
    quantity: int
    revenue: Decimal
    tax: Decimal
    refunds_expected: Decimal
    fees: list[FeeLine]
    fees_total: Decimal
    cost: Decimal | None
    cost_known: bool
    profit: Decimal | None
    profit_per_unit: Decimal | None
    margin_pct: Decimal | None
    markup_pct: Decimal | None
    break_even_price: Decimal | None
    price_for_target_margin: Decimal | None
    target_margin_pct: Decimal | None
    break_even_roas: Decimal | None
    not_per_order: list[dict[str, Any]]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The CLI contract's `margin` calculator shape (plus extra fields)."""
        def num(v: Decimal | None, places: int = 2) -> float | None:
            return None if v is None else float(v.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
        return {
            "channel": self.channel, "date": self.date.isoformat(), "currency": self.currency,
            "quantity": self.quantity, "revenue": num(self.revenue), "tax": num(self.tax),
            "refunds_expected": num(self.refunds_expected),
            "fees": [f.to_dict() for f in self.fees], "fees_total": num(self.fees_total),
            "cost": num(self.cost), "cost_known": self.cost_known, "profit": num(self.profit),
            "profit_per_unit": num(self.profit_per_unit), "margin_pct": num(self.margin_pct),
            "markup_pct": num(self.markup_pct), "break_even_price": num(self.break_even_price),
            "target_margin_pct": num(self.target_margin_pct),
            "price_for_target_margin": num(self.price_for_target_margin),
            "break_even_roas": num(self.break_even_roas), "not_per_order": self.not_per_order,
            "warnings": self.warnings,
        }


class _Order:
    """The order's money as a function of the unit price: what fees and profit are computed from."""

    def __init__(self, inp: CalcInput, rules: list[FeeRule], context: dict[str, Any]) -> None:
        self.inp = inp
        self.rules = rules
        self.context = context
        self.monthly_orders = _d(context.get("monthly_orders")) if context.get("monthly_orders") else None
        self.tax_factor = Decimal(1) + inp.tax_rate / _HUNDRED

    def components(self, price: Decimal) -> dict[str, Decimal]:
        inp = self.inp
        unit_net = price / self.tax_factor if inp.price_includes_tax else price
        item = inp.quantity * unit_net - inp.discount
        return {"item": item, "shipping": inp.shipping_charged, "gift_wrap": inp.gift_wrap,
                "tax": item * inp.tax_rate / _HUNDRED}

    def rule_base(self, rule: FeeRule, comps: dict[str, Decimal]) -> Decimal:
        base = sum((comps[c] for c in rule.base_components(self.context)), _ZERO)
        return base / self.inp.quantity if rule.per == "unit" else base

    def fee(self, rule: FeeRule, comps: dict[str, Decimal]) -> Decimal | None:
        """Unrounded fee of one rule for this order (None: not a per-order cost)."""
        base = self.rule_base(rule, comps)
        if rule.per == "order":
            return rule.amount(base)
        if rule.per == "unit":
            return self.inp.quantity * rule.amount(base)
        if rule.per == "month" and self.monthly_orders:
            return rule.amount(base) / self.monthly_orders
        return None

    def revenue(self, comps: dict[str, Decimal]) -> Decimal:
        return comps["item"] + comps["shipping"] + comps["gift_wrap"]

    def other_costs(self) -> Decimal:
        inp = self.inp
        goods = inp.quantity * ((inp.unit_cost or _ZERO) + inp.packaging)
        return goods + inp.shipping_cost + inp.ad_cost

    def gap(self, price: Decimal, margin: Decimal) -> Decimal:
        """profit - margin x net revenue at `price`, with unrounded fees: zero at the target."""
        comps = self.components(price)
        revenue = self.revenue(comps)
        net = revenue * (1 - self.inp.return_rate / _HUNDRED)
        fees = sum((f for r in self.rules if (f := self.fee(r, comps)) is not None), _ZERO)
        return net - fees - self.other_costs() - margin * net

    def price_breakpoints(self) -> list[Decimal]:
        """Unit prices where some fee changes piece (mapped from the rules' base breakpoints)."""
        points: list[Decimal] = []
        for rule in self.rules:
            edges = rule.breakpoints()
            if not edges:
                continue
            at0 = self.rule_base(rule, self.components(_ZERO))
            slope = self.rule_base(rule, self.components(Decimal(1))) - at0
            if slope == 0:
                continue
            points += [(edge - at0) / slope for edge in edges]
        return sorted({p for p in points if p > 0})

    def solve(self, margin: Decimal) -> Decimal | None:
        """Lowest unit price where margin == `margin` exactly (None when no price reaches it)."""
        edges = [_ZERO, *self.price_breakpoints()]
        for i, low in enumerate(edges):
            high = edges[i + 1] if i + 1 < len(edges) else None
            if high is None:
                x1, x2 = low + 1, low + 2
            else:
                x1, x2 = low + (high - low) / 3, low + 2 * (high - low) / 3
            g1, g2 = self.gap(x1, margin), self.gap(x2, margin)
            if g2 <= g1:          # margin not rising with price on this piece: no crossing from below
                continue
            root = x1 - g1 * (x2 - x1) / (g2 - g1)
            if root < low - _TOLERANCE or (high is not None and root > high + _TOLERANCE):
                continue
            root = max(root, _ZERO)
            if abs(self.gap(root, margin)) <= _TOLERANCE * max(Decimal(1), abs(root)):
                return root
        return None


def calculate(inp: CalcInput, ctx: FeeContext, target_margin_pct: Decimal | float | str | None = None,
              channel: str | None = None) -> CalcResult:
    """Every fee line, profit and margin for one order, plus break-even and target prices."""
    with localcontext() as dec_ctx:
        dec_ctx.prec = 40
        return _calculate(inp, ctx, None if target_margin_pct is None else _d(target_margin_pct), channel)


def _calculate(inp: CalcInput, ctx: FeeContext, target: Decimal | None, channel: str | None) -> CalcResult:
    context = ctx.match_context()
    rules = ctx.preset.select(ctx.date, context)
    order = _Order(inp, rules, context)
    comps = order.components(inp.price)
    warnings = _warnings(ctx, rules, order, comps)

    lines: list[FeeLine] = []
    not_per_order: list[dict[str, Any]] = []
    for rule in rules:
        exact = order.fee(rule, comps)
        if exact is None:
            not_per_order.append({"name": rule.fee, "amount": float(rule.fixed), "per": rule.per,
                                  "rule": rule.describe(), "source": rule.source, "note": rule.note})
            continue
        base = order.rule_base(rule, comps) if (rule.percent or rule.tiers) else None
        lines.append(FeeLine(rule.fee, cents(exact), exact, rule.describe(), rule.id, rule.source, rule.note, base))

    revenue = order.revenue(comps)
    refunds = revenue * inp.return_rate / _HUNDRED
    fees_total = sum((f.amount for f in lines), _ZERO)
    cost_known = inp.unit_cost is not None
    cost = order.other_costs() if cost_known else None
    profit = margin = markup = per_unit = break_even = target_price = roas = None
    if cost_known:
        profit = cents(revenue) - cents(refunds) - fees_total - cents(cost)
        per_unit = profit / inp.quantity
        net = cents(revenue) - cents(refunds)
        margin = profit / net * _HUNDRED if net > 0 else None
        markup = profit / cents(cost) * _HUNDRED if cost > 0 else None
        solved = order.solve(_ZERO)
        break_even = None if solved is None else cents(solved)
        if target is not None:
            if target >= _HUNDRED:
                warnings.append("A target margin must be below 100%.")
            else:
                solved = order.solve(target / _HUNDRED)
                target_price = None if solved is None else cents(solved)
                if solved is None:
                    warnings.append(f"No price reaches a {target}% margin with these fees and costs.")
        before_ads = profit + inp.ad_cost
        roas = revenue / before_ads if before_ads > 0 else None
    else:
        warnings.append("Unit cost unknown: profit and margins are not computed (never assumed zero).")
    return CalcResult(
        channel=channel or ctx.preset.platform, date=ctx.date, currency=ctx.currency, quantity=inp.quantity,
        revenue=revenue, tax=comps["tax"], refunds_expected=refunds, fees=lines, fees_total=fees_total,
        cost=cost, cost_known=cost_known, profit=profit, profit_per_unit=per_unit, margin_pct=margin,
        markup_pct=markup, break_even_price=break_even, price_for_target_margin=target_price,
        target_margin_pct=target, break_even_roas=roas, not_per_order=not_per_order, warnings=warnings)


def _warnings(ctx: FeeContext, rules: list[FeeRule], order: _Order, comps: dict[str, Decimal]) -> list[str]:
    out: list[str] = []
    chosen = {r.fee for r in rules}
    in_force = [r for r in ctx.preset.rules if r.in_force(ctx.date)]
    for fee in sorted({r.fee for r in in_force if "country" in r.when} - chosen):
        out.append(f"{ctx.preset.title}: no '{fee}' rule for country {ctx.country or '(none)'}; "
                   "add one to the preset to include it.")
    for rule in rules:
        if rule.approximate:
            out.append(f"{rule.fee}: approximate figure ({rule.note})")
        if rule.currency and rule.currency != ctx.currency:
            out.append(f"{rule.fee} is set in {rule.currency}, used as-is in {ctx.currency}.")
        low, high = rule.valid_base
        base = order.rule_base(rule, comps)
        if (low is not None and base < low) or (high is not None and base > high):
            out.append(f"{rule.fee}: the source gives this figure only for {low}-{high}; yours is {cents(base)}.")
    return out
