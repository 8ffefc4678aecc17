"""The demo shop's catalogue: categories, products with variants, suppliers and complement pairs.

Hand-written templates (names, option lists, price bands, seasonality profiles) are expanded by a
seeded generator into ~250 SKUs. Keeping the templates as data, not code, lets the simulation stay
generic: a category carries its own yearly profile and a product type may name the type it is
bought with (the complement), so the basket structure the recommender must find is declared here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ProductType:
    name: str                       # e.g. 'Scented candle'
    category: str
    titles: tuple[str, ...]         # product titles of this type
    options: tuple[tuple[str, tuple[str, ...]], ...]   # (option name, values); () = single variant
    price: tuple[float, float]      # list-price band (USD)
    grams: float
    complement: str | None = None   # product type bought together with this one
    pack_qty: float = 0.1           # mean extra units per line (cards and yarn go in multiples)


# Yearly demand profile per category: 12 monthly multipliers (Jan..Dec), mean ~1.
CATEGORY_SEASON: dict[str, tuple[float, ...]] = {
    "Candles":          (0.8, 0.9, 0.8, 0.7, 0.8, 0.6, 0.6, 0.7, 0.9, 1.2, 1.6, 2.4),
    "Tech accessories": (1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.1, 1.3, 1.0, 1.1, 1.3),
    "Stationery":       (1.4, 1.0, 0.8, 0.8, 0.8, 0.7, 0.8, 1.3, 1.4, 0.9, 1.0, 1.3),
    "Kitchen":          (0.8, 0.9, 0.9, 0.9, 1.2, 0.9, 0.8, 0.8, 0.9, 1.0, 1.3, 1.7),
    "Yarn & knitting":  (1.4, 1.3, 1.1, 0.8, 0.6, 0.5, 0.5, 0.6, 0.9, 1.3, 1.5, 1.4),
    "Apparel":          (0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.2, 1.0, 0.9, 0.9, 1.2, 1.6),
    "Jewelry":          (0.8, 1.8, 0.8, 0.8, 1.4, 0.8, 0.7, 0.7, 0.8, 0.8, 1.2, 1.9),
    "Home decor":       (1.0, 0.9, 1.0, 1.0, 0.9, 0.8, 0.8, 0.9, 1.0, 1.1, 1.3, 1.6),
}

PRODUCT_TYPES: tuple[ProductType, ...] = (
    ProductType("Scented candle", "Candles",
                ("Cedar & Smoke Candle", "Fig Leaf Candle", "Sea Salt Candle", "Amber Hearth Candle",
                 "Winter Spruce Candle", "Lavender Fields Candle", "Tobacco Vanilla Candle",
                 "Orchard Apple Candle", "Rosewood Candle", "Morning Linen Candle", "Black Fig Candle",
                 "Sandalwood Candle", "Pine Cabin Candle", "Citrus Grove Candle"),
                (("Size", ("8 oz", "12 oz", "16 oz")),), (14.0, 38.0), 340, complement="Matches"),
    ProductType("Matches", "Candles",
                ("Long Safety Matches", "Matchbox Trio", "Bottle of Cloche Matches"),
                (), (5.0, 12.0), 60, pack_qty=0.4),
    ProductType("Wick trimmer", "Candles", ("Brass Wick Trimmer", "Wick Care Kit"), (), (12.0, 24.0), 90),
    ProductType("Phone case", "Tech accessories",
                ("Woven Linen Phone Case", "Cork Phone Case", "Pressed Flower Phone Case",
                 "Leather Folio Case", "Clear Bumper Case", "Terrazzo Case", "Wildflower Case"),
                (("Model", ("iPhone 15", "iPhone 16", "Galaxy S24")),), (18.0, 42.0), 45,
                complement="Screen protector"),
    ProductType("Screen protector", "Tech accessories", ("Tempered Glass Screen Protector",),
                (("Model", ("iPhone 15", "iPhone 16", "Galaxy S24")),), (9.0, 15.0), 20, pack_qty=0.2),
    ProductType("Charging cable", "Tech accessories", ("Braided USB-C Cable", "Cotton Lightning Cable"),
                (("Length", ("1 m", "2 m")),), (12.0, 20.0), 40),
    ProductType("Notebook", "Stationery",
                ("Linen Dot Grid Notebook", "Marbled Journal", "Pocket Field Notes", "Kraft Sketchbook",
                 "Recycled Lined Notebook"),
                (("Size", ("A5", "A6")),), (9.0, 26.0), 250, complement="Pen"),
    ProductType("Pen", "Stationery", ("Brass Ballpoint Pen", "Fineliner Set", "Walnut Fountain Pen"),
                (), (6.0, 48.0), 30),
    ProductType("Greeting card", "Stationery",
                ("Thank You Card", "Birthday Fox Card", "Botanical Card", "Holiday Card",
                 "Sympathy Card", "Congrats Card", "New Baby Card", "Wedding Card", "Anniversary Card",
                 "Get Well Card"), (), (4.0, 6.5), 25, pack_qty=1.2),
    ProductType("Mug", "Kitchen",
                ("Speckled Stoneware Mug", "Hearth Logo Mug", "Glazed Espresso Cup", "Tall Latte Mug",
                 "Handle-less Tumbler", "Camp Enamel Mug"),
                (("Colour", ("Oat", "Sage", "Charcoal")),), (16.0, 30.0), 420, complement="Coaster set"),
    ProductType("Coaster set", "Kitchen", ("Cork Coaster Set", "Slate Coaster Set"), (), (12.0, 22.0), 300),
    ProductType("Tea towel", "Kitchen", ("Linen Tea Towel", "Waffle Tea Towel", "Printed Herb Tea Towel", "Striped Tea Towel"),
                (("Colour", ("Natural", "Rust", "Navy")),), (11.0, 18.0), 90),
    ProductType("Yarn", "Yarn & knitting",
                ("Merino DK Yarn", "Chunky Wool Yarn", "Alpaca Blend Yarn", "Cotton Sock Yarn", "Mohair Lace Yarn",
                 "Tweed Aran Yarn"),
                (("Colour", ("Cream", "Moss", "Rust", "Slate", "Berry")),), (8.0, 22.0), 100,
                complement="Knitting needles", pack_qty=1.5),
    ProductType("Knitting needles", "Yarn & knitting", ("Bamboo Needles", "Birch Circular Needles"),
                (("Size", ("4 mm", "5 mm", "6 mm")),), (7.0, 16.0), 35),
    ProductType("Knitting pattern", "Yarn & knitting", ("Beginner Hat Pattern Kit", "Cable Scarf Kit"),
                (), (18.0, 45.0), 300),
    ProductType("T-shirt", "Apparel", ("Hearth Logo Tee", "Embroidered Fern Tee", "Thread Heavyweight Tee", "Mountain Line Tee"),
                (("Size", ("S", "M", "L", "XL")), ("Colour", ("Natural", "Black"))), (24.0, 36.0), 200),
    ProductType("Beanie", "Apparel", ("Ribbed Wool Beanie", "Fisherman Beanie", "Pom Pom Beanie"),
                (("Colour", ("Oat", "Forest", "Charcoal")),), (22.0, 34.0), 110),
    ProductType("Socks", "Apparel", ("Wool Hiking Socks", "Cotton Crew Socks"),
                (("Size", ("S/M", "L/XL")),), (12.0, 18.0), 80, pack_qty=0.3),
    ProductType("Earrings", "Jewelry",
                ("Hammered Brass Hoops", "Pressed Fern Studs", "Pearl Drop Earrings", "Moon Studs", "Star Huggies",
                 "Leaf Threaders", "Tiny Heart Studs"),
                (), (18.0, 48.0), 10, complement="Jewelry box"),
    ProductType("Necklace", "Jewelry", ("Sterling Leaf Necklace", "Birthstone Pendant", "Brass Bar Necklace", "Locket Necklace"),
                (("Length", ("16 in", "18 in")),), (28.0, 65.0), 15),
    ProductType("Ring", "Jewelry", ("Stacking Ring", "Signet Ring"),
                (("Size", ("6", "7", "8")),), (22.0, 55.0), 8),
    ProductType("Jewelry box", "Jewelry", ("Linen Jewelry Box",), (), (14.0, 24.0), 150),
    ProductType("Art print", "Home decor",
                ("Botanical Print", "Coastline Print", "Mountain Dawn Print", "Hearth Still Life Print",
                 "Night Garden Print", "Harbour Print", "Wildflower Print"),
                (("Size", ("A4", "A3")),), (18.0, 45.0), 120, complement="Frame"),
    ProductType("Frame", "Home decor", ("Oak Frame",), (("Size", ("A4", "A3")),), (22.0, 38.0), 600),
    ProductType("Cushion cover", "Home decor", ("Linen Cushion Cover", "Woven Stripe Cushion Cover"),
                (("Colour", ("Oat", "Terracotta", "Olive")),), (24.0, 38.0), 300),
)

SUPPLIERS: tuple[tuple[str, tuple[str, ...], tuple[int, int]], ...] = (
    # name, categories supplied, lead-time band in days
    ("Northwick Candle Works", ("Candles",), (14, 21)),
    ("Shenzhen Brightway Accessories", ("Tech accessories",), (35, 60)),
    ("Papercraft Mills", ("Stationery",), (10, 18)),
    ("Old Kiln Pottery", ("Kitchen", "Home decor"), (21, 35)),
    ("Highland Fibre Co.", ("Yarn & knitting", "Apparel"), (28, 45)),
    ("Silver Birch Studio", ("Jewelry",), (7, 12)),
)

VENDOR = "Hearth & Thread"


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def _sku_code(text: str) -> str:
    parts = [p for p in _slug(text).split("-") if p]
    return "".join(p[:2] for p in parts)[:6].upper()


def build_catalog(rng: np.random.Generator, n_skus: int = 250) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Products (one row per variant SKU) and suppliers, trimmed to about `n_skus` SKUs.

    Every product type keeps at least one product so that each complement pair exists even in
    the small catalogues tests use.
    """
    suppliers = pd.DataFrame([
        {"supplier": name, "categories": cats,
         "lead_time_days": int(rng.integers(lo, hi + 1)),
         "moq": float(rng.choice([12, 24, 48])), "case_pack": float(rng.choice([6, 12, 24]))}
        for name, cats, (lo, hi) in SUPPLIERS
    ])
    supplier_of = {c: row.supplier for row in suppliers.itertuples() for c in row.categories}
    rows: list[dict] = []
    full = [(pt, title) for pt in PRODUCT_TYPES for title in pt.titles]
    # Shuffle titles within their type so trimming keeps a varied catalogue; first title of each type first.
    order = sorted(range(len(full)), key=lambda i: (full[i][0].titles.index(full[i][1]) > 0, rng.random()))
    seen_codes: set[str] = set()
    for pos in order:
        if len(rows) >= n_skus:
            break
        pt, title = full[pos]
        base = _sku_code(title)
        code = base
        k = 2
        while code in seen_codes:
            code, k = f"{base}{k}", k + 1
        seen_codes.add(code)
        lo, hi = pt.price
        price = np.round(rng.uniform(lo, hi)) - 0.01 if hi > 10 else np.round(rng.uniform(lo, hi), 1) - 0.01
        cost_share = rng.uniform(0.28, 0.48)
        variants = _variants(pt.options)
        for vi, values in enumerate(variants):
            variant_label = " / ".join(values) if values else ""
            sku = f"HT-{code}" + ("-" + "-".join(_option_code(v) for v in values) if values else "")
            bump = 1.0 + 0.25 * vi / max(len(variants) - 1, 1) if pt.options and pt.options[0][0] in (
                "Size", "Length") else 1.0
            list_price = float(np.round(price * bump) - 0.01) if price > 10 else float(price)
            rows.append({
                "sku": sku, "handle": _slug(title), "parent_sku": f"HT-{code}", "title": title,
                "variant": variant_label, "option_names": tuple(o[0] for o in pt.options),
                "option_values": values, "product_type": pt.name, "category": pt.category,
                "supplier": supplier_of[pt.category], "vendor": VENDOR, "grams": pt.grams,
                "list_price": list_price, "unit_cost": float(np.round(list_price * cost_share, 2)),
                "complement_type": pt.complement, "pack_qty": pt.pack_qty, "variant_index": vi,
            })
    products = pd.DataFrame(rows).reset_index(drop=True)
    return products, suppliers


def _option_code(value: str) -> str:
    """'8 oz' -> '8OZ', 'iPhone 15' -> 'IPH15', 'Charcoal' -> 'CHAR', 'S/M' -> 'SM'."""
    letters = "".join(ch for ch in value if ch.isalpha()).upper()
    digits = "".join(ch for ch in value if ch.isdigit())
    if not digits:
        return letters[:4]
    return digits + letters[:2] if value[0].isdigit() else letters[:3] + digits


def _variants(options: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = [()]
    for _, values in options:
        combos = [c + (v,) for c in combos for v in values]
    return combos


def complement_pairs(products: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """For each SKU whose type has a complement type, the partner SKU a buyer adds to the basket.

    Variants match where the options agree (an iPhone 15 case goes with an iPhone 15 screen
    protector, an A3 print with an A3 frame); otherwise the partner product is drawn at random.
    """
    by_type = {t: g for t, g in products.groupby("product_type", sort=False)}
    out = []
    partner_product: dict[str, str] = {}
    for row in products.itertuples():
        if not row.complement_type or row.complement_type not in by_type:
            continue
        cands = by_type[row.complement_type]
        if row.parent_sku not in partner_product:
            parents = cands["parent_sku"].unique()
            partner_product[row.parent_sku] = str(parents[rng.integers(len(parents))])
        group = cands[cands["parent_sku"] == partner_product[row.parent_sku]]
        match = group[group["option_values"].apply(lambda v, mine=row.option_values: bool(v) and v == mine)]
        partner = (match if len(match) else group).iloc[0]["sku"]
        out.append({"a": row.sku, "b": partner})
    return pd.DataFrame(out, columns=["a", "b"])
