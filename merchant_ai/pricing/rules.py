"""One fee rule from the dated preset data, and how it turns a base amount into a fee.

A rule is data (see `merchant_ai/pricing/fees/*.json`), not code, because platforms change their
fees every year and old orders must be costed with the fees of their own time. Every rule keeps the
dates it applies between and the source it was taken from, so each fee line can say where it came from.

A rule's fee for one application (per order, or per unit) is::

    max(percent part of base + fixed part, minimum)

where the percent part is a flat rate, or tiered by the base: `whole` tiers pick one rate by the
size of the base (Amazon beauty: 8% when the price is $10 or less, else 15% of all of it), `marginal`
tiers charge each slice of the base at its own rate (Amazon electronics accessories: 15% of the part
up to $100, 8% of the rest). Tiers may also carry a fixed amount (eBay's per-order fee by order size).
Exact amounts use Decimal; `amount_array` is the float twin used over whole order histories.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

# Components an amount can be taken of; a rule's `base` lists the ones its percentage applies to.
BASE_COMPONENTS = ("item", "shipping", "gift_wrap", "tax")
PER_VALUES = ("order", "unit", "month", "once")
_HUNDRED = Decimal(100)


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class Tier:
    """A slice of the base: up to `up_to` (inclusive; None = no upper end)."""

    up_to: Decimal | None
    percent: Decimal = Decimal(0)
    fixed: Decimal = Decimal(0)


@dataclass(frozen=True)
class FeeRule:
    id: str
    fee: str                                  # the fee line's name; rules sharing it are alternatives
    per: str = "order"                        # order | unit | month | once
    base: tuple[str, ...] = ("item", "shipping")
    percent: Decimal = Decimal(0)
    fixed: Decimal = Decimal(0)
    minimum: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    tier_mode: str = "whole"                  # whole | marginal
    when: dict[str, Any] = field(default_factory=dict)
    base_tax_setting: str | None = None       # option name that adds 'tax' to the base when true
    currency: str | None = None
    effective_from: dt.date | None = None     # inclusive; None = no known start
    effective_until: dt.date | None = None    # exclusive; None = still in force
    valid_base: tuple[Decimal | None, Decimal | None] = (None, None)   # outside: a warning
    approximate: bool = False
    source: str = ""
    note: str = ""

    # --- construction ----------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeeRule:
        """Build and validate a rule from its JSON form (user presets come through here too)."""
        per = data.get("per", "order")
        if per not in PER_VALUES:
            raise ValueError(f"fee rule {data.get('id')!r}: 'per' must be one of {PER_VALUES}, not {per!r}")
        base = tuple(data.get("base", ["item", "shipping"]))
        unknown = [b for b in base if b not in BASE_COMPONENTS]
        if unknown:
            raise ValueError(f"fee rule {data.get('id')!r}: unknown base component(s) {unknown}")
        tiers = tuple(Tier(_dec(t.get("up_to")), _dec(t.get("percent", 0)), _dec(t.get("fixed", 0)))
                      for t in data.get("tiers") or [])
        if tiers and tiers[-1].up_to is not None:
            raise ValueError(f"fee rule {data.get('id')!r}: the last tier must have up_to null")
        mode = data.get("tier_mode", "whole")
        if mode not in ("whole", "marginal"):
            raise ValueError(f"fee rule {data.get('id')!r}: tier_mode must be 'whole' or 'marginal'")
        valid = data.get("valid_base") or [None, None]
        rule = cls(
            id=str(data["id"]), fee=str(data["fee"]), per=per, base=base,
            percent=_dec(data.get("percent", 0)), fixed=_dec(data.get("fixed", 0)),
            minimum=_dec(data.get("minimum")), tiers=tiers, tier_mode=mode,
            when=dict(data.get("when") or {}), base_tax_setting=data.get("base_tax_setting"),
            currency=data.get("currency"),
            effective_from=_date(data.get("effective_from")), effective_until=_date(data.get("effective_until")),
            valid_base=(_dec(valid[0]), _dec(valid[1])), approximate=bool(data.get("approximate", False)),
            source=str(data.get("source", "")), note=str(data.get("note", "")),
        )
        if rule.effective_from and rule.effective_until and rule.effective_until <= rule.effective_from:
            raise ValueError(f"fee rule {rule.id!r}: effective_until must be after effective_from")
        return rule

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "fee": self.fee, "per": self.per, "base": list(self.base),
            "percent": str(self.percent), "fixed": str(self.fixed),
            "minimum": None if self.minimum is None else str(self.minimum),
            "tiers": [{"up_to": None if t.up_to is None else str(t.up_to), "percent": str(t.percent),
                       "fixed": str(t.fixed)} for t in self.tiers],
            "tier_mode": self.tier_mode, "when": dict(self.when), "base_tax_setting": self.base_tax_setting,
            "currency": self.currency,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_until": self.effective_until.isoformat() if self.effective_until else None,
            "valid_base": [None if v is None else str(v) for v in self.valid_base],
            "approximate": self.approximate, "source": self.source, "note": self.note,
        }
        return out

    # --- selection -------------------------------------------------------------------------
    def in_force(self, day: dt.date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return not (self.effective_until is not None and day >= self.effective_until)

    def matches(self, context: dict[str, Any]) -> bool:
        """Every `when` condition must hold; a list means any of its values."""
        for key, wanted in self.when.items():
            have = context.get(key)
            if isinstance(have, str):
                have = have.strip().lower()
            options = wanted if isinstance(wanted, list) else [wanted]
            options = [o.lower() if isinstance(o, str) else o for o in options]
            if have not in options:
                return False
        return True

    @property
    def specificity(self) -> int:
        return len(self.when)

    def base_components(self, options: dict[str, Any]) -> tuple[str, ...]:
        if self.base_tax_setting and options.get(self.base_tax_setting) and "tax" not in self.base:
            return (*self.base, "tax")
        return self.base

    # --- amounts -----------------------------------------------------------------------------
    def amount(self, base: Decimal) -> Decimal:
        """Unrounded fee for one application to `base` (one order, or one unit)."""
        pct, fixed = self._variable(base)
        total = pct + fixed
        if self.minimum is not None and total < self.minimum:
            return self.minimum
        return total

    def _variable(self, base: Decimal) -> tuple[Decimal, Decimal]:
        if not self.tiers:
            return self.percent * base / _HUNDRED, self.fixed
        if self.tier_mode == "whole":
            for tier in self.tiers:
                if tier.up_to is None or base <= tier.up_to:
                    return tier.percent * base / _HUNDRED, self.fixed + tier.fixed
        pct, low = Decimal(0), Decimal(0)
        fixed = self.fixed
        for tier in self.tiers:
            high = base if tier.up_to is None else min(base, tier.up_to)
            if high > low:
                pct += tier.percent * (high - low) / _HUNDRED
                fixed += tier.fixed if tier.fixed and low == 0 else 0
            low = tier.up_to if tier.up_to is not None else low
            if tier.up_to is None or base <= tier.up_to:
                break
        return pct, fixed

    def describe(self) -> str:
        """The rule in words, shown next to its fee line."""
        parts: list[str] = []
        if self.tiers:
            slices = []
            for tier in self.tiers:
                bit = f"{_fmt(tier.percent)}%" if tier.percent else ""
                if tier.fixed:
                    bit = (bit + " + " if bit else "") + _money(tier.fixed)
                slices.append(f"{bit} {'up to ' + _money(tier.up_to) if tier.up_to is not None else 'above'}")
            kind = "of the whole base by its size" if self.tier_mode == "whole" else "per slice of the base"
            parts.append(f"tiered {kind}: " + "; ".join(slices))
        elif self.percent:
            parts.append(f"{_fmt(self.percent)}%")
        if self.fixed:
            parts.append(f"+ {_money(self.fixed)}" if parts else _money(self.fixed))
        if self.percent or self.tiers:
            parts.append("of " + " + ".join(self.base) + (" (+ tax if set)" if self.base_tax_setting else ""))
        if self.minimum is not None:
            parts.append(f"(minimum {_money(self.minimum)})")
        parts.append(f"per {self.per}")
        return " ".join(parts)

    def breakpoints(self) -> list[Decimal]:
        """Base amounts where the fee formula changes piece (tier edges, where the minimum binds)."""
        points = [t.up_to for t in self.tiers if t.up_to is not None]
        if self.minimum is not None:
            rates = [t.percent for t in self.tiers] or [self.percent]
            fixeds = [self.fixed + t.fixed for t in self.tiers] or [self.fixed]
            for rate, fixed in zip(rates, fixeds, strict=True):
                if rate > 0:
                    points.append((self.minimum - fixed) * _HUNDRED / rate)
        return [p for p in points if p > 0]

    def amount_array(self, base: np.ndarray) -> np.ndarray:
        """Float fees for many bases at once (order histories); same formula as `amount`."""
        base = np.asarray(base, dtype=float)
        if not self.tiers:
            total = base * float(self.percent) / 100 + float(self.fixed)
        elif self.tier_mode == "whole":
            total = np.full(base.shape, np.nan)
            for tier in reversed(self.tiers):
                inside = np.ones(base.shape, bool) if tier.up_to is None else base <= float(tier.up_to)
                total = np.where(inside, base * float(tier.percent) / 100 + float(tier.fixed), total)
            total = total + float(self.fixed)
        else:
            total = np.full(base.shape, float(self.fixed))
            low = 0.0
            for i, tier in enumerate(self.tiers):
                high = np.inf if tier.up_to is None else float(tier.up_to)
                total = total + np.clip(np.minimum(base, high) - low, 0, None) * float(tier.percent) / 100
                if i == 0:
                    total = total + np.where(base > 0, float(tier.fixed), 0.0)
                low = high
        if self.minimum is not None:
            total = np.maximum(total, float(self.minimum))
        return total


def _fmt(value: Decimal | None) -> str:
    """A percentage as written (6.5, 13.25)."""
    return "" if value is None else format(value.normalize(), "f")


def _money(value: Decimal | None) -> str:
    """A money amount with cents (0.20, 10.00)."""
    return "" if value is None else format(value.quantize(Decimal("0.01")), "f")
