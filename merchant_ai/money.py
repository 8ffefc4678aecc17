"""Fixed-point money for the store.

Every money column in the store is an INTEGER holding 1/10,000 of the currency unit. Cents are
not enough: real files carry sub-cent unit prices (the UCI shop sells items at 0.001 GBP), and
binary floats would make refunds and fee totals drift. SQL SUM over these integers stays exact.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

SCALE = 10_000
_Q = Decimal(1) / SCALE


def to_store(amount: Decimal | int | float | str | None) -> int | None:
    """Convert an amount to the store's integer representation (None stays None)."""
    if amount is None:
        return None
    try:
        d = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"not a money amount: {amount!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not a finite money amount: {amount!r}")
    return int((d * SCALE).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def from_store(value: int | None) -> Decimal | None:
    """Exact Decimal for a stored integer amount."""
    if value is None:
        return None
    return (Decimal(int(value)) * _Q).quantize(_Q)


def to_float(value: int | None) -> float | None:
    """Float for analytics and JSON output (analytics work in floats; the store never does)."""
    return None if value is None else int(value) / SCALE
