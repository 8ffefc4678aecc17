"""Counts in words for messages a shop owner reads ("1 order", "3 orders", "12,000 rows").

Why: "1 order(s)" reads like a form, and the importers, CLI, reports and GUI all count things.
"""

from __future__ import annotations


def counted(n: float, noun: str, plural: str | None = None) -> str:
    """`n` with the noun in the singular for one and the plural otherwise (default: noun + "s")."""
    word = noun if n == 1 else (plural or noun + "s")
    return f"{n:,.10g} {word}" if isinstance(n, float) else f"{n:,} {word}"
