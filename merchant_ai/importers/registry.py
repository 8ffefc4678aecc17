"""Which parser reads a file: every platform module lists its FormatSpecs, the registry asks each.

A platform module under `merchant_ai/importers/` exposes `FORMATS: list[FormatSpec]`. Detection
looks only at the header (cheap, and a header is what distinguishes exports: column sets differ
between platforms far more than between versions of one platform). Modules not yet written are
skipped, so the app works with whatever parsers exist.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from merchant_ai.importers.batch import ImportBatch
from merchant_ai.importers.table import Table

PLATFORM_MODULES = ["shopify", "woocommerce", "ebay", "etsy", "amazon", "generic"]
# Below this confidence a platform parser is not trusted; the generic mapper takes the file.
MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class FormatSpec:
    name: str                                   # 'shopify-orders', 'etsy-order-items', 'generic'
    channel: str                                # channel the rows belong to: 'shopify', 'etsy', ...
    description: str                            # one line for `merchant-ai formats` and the GUI
    detect: Callable[[Table], float]            # 0..1 confidence from the header
    parse: Callable[[Table], ImportBatch]


class UnknownFormat(ValueError):
    """--format named a format no module provides."""

    exit_code = 2


def all_formats() -> list[FormatSpec]:
    """Every FormatSpec of every platform module present, in PLATFORM_MODULES order."""
    specs: list[FormatSpec] = []
    for name in PLATFORM_MODULES:
        module_name = f"merchant_ai.importers.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        specs.extend(getattr(module, "FORMATS", []))
    return specs


def get_format(name: str) -> FormatSpec:
    for spec in all_formats():
        if spec.name == name:
            return spec
    known = ", ".join(s.name for s in all_formats())
    raise UnknownFormat(f"unknown format {name!r}; known formats: {known}")


def detect(table: Table) -> list[tuple[float, FormatSpec]]:
    """All formats scored on this table, best first (a detector that raises scores 0)."""
    scored = []
    for spec in all_formats():
        try:
            score = float(spec.detect(table))
        except Exception:  # noqa: BLE001 - one broken detector must not block the others
            score = 0.0
        scored.append((max(0.0, min(1.0, score)), spec))
    scored.sort(key=lambda pair: -pair[0])
    return scored


def best_format(table: Table) -> FormatSpec | None:
    """The most confident platform format, else the generic one.

    Generic is returned even when it cannot map the file: its problems then say which columns
    are missing (and the Import tab's mapping editor gets the columns to map). None only when
    no generic module exists.
    """
    scored = detect(table)
    for score, spec in scored:
        if spec.name != "generic" and score >= MIN_CONFIDENCE:
            return spec
    return next((spec for _, spec in scored if spec.name == "generic"), None)
