"""WooCommerce exports: the built-in product CSV exporter and the Analytics orders download.

The product exporter writes header names in the site's language (`Артикул`, `Artikelnummer`,
`UGS`...), lets users export a subset of columns, localises the decimal separator of prices
(`12,50`), escapes values starting with `= + - @` with a leading `'` and joins list cells with
`", "` (a literal comma inside an item is `\\,`). Variations are their own rows pointing at their
parent by SKU or `id:123`; they become products with `parent_sku`, and the variable/grouped
container rows only lend them their category, brand and cost.

The Analytics orders CSV has no item prices and no SKUs: `Product(s)` reads `2× Name, 1× Other`,
so lines carry titles and the order's Net Sales shared by quantity. A refunded order appears
twice, on its order date and (with negative amounts) on its refund date. FORMATS.md section 2.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import numpy as np
import pandas as pd

from merchant_ai.importers import values as v
from merchant_ai.importers.batch import ImportBatch, RowProblem, money_to_store
from merchant_ai.importers.registry import FormatSpec
from merchant_ai.importers.table import Table
from merchant_ai.wording import counted

CHANNEL = "woocommerce"


def _norm(name: str) -> str:
    """Header key: lower case, single spaces, no space before `?` (French typography)."""
    name = re.sub(r"\s+", " ", str(name).replace("\ufeff", "").strip().lower())
    return name.replace(" ?", "?")


# Canonical field -> header names as WooCommerce's translations write them (en, ru, de, fr, es).
_PRODUCT_FIELDS = {
    "id": ("id",),
    "type": ("type", "тип", "typ", "tipo"),
    "sku": ("sku", "артикул", "artikelnummer", "ugs", "référence", "referencia"),
    "name": ("name", "имя", "название", "nom", "nombre"),
    "published": ("published", "опубликован", "veröffentlicht", "publié", "publicado"),
    "in_stock": ("in stock?", "в наличии?", "vorrätig?", "auf lager?", "en stock?", "¿en inventario?",
                 "¿hay existencias?"),
    "stock": ("stock", "запасы", "lager", "lagerbestand", "bestand", "inventario", "existencias"),
    "regular_price": ("regular price", "базовая цена", "regulärer preis", "tarif régulier", "precio normal"),
    "categories": ("categories", "категории", "kategorien", "catégories", "categorías"),
    "parent": ("parent", "родительский", "übergeordnetes produkt", "eltern", "parent", "superior", "padre"),
    # Core COGS (2025+) and the long-standing Cost of Goods plugin's meta key.
    "cost": ("cost of goods", "себестоимость", "selbstkosten", "wareneinsatz", "herstellungskosten",
             "coût des marchandises", "coût de revient", "costo de los productos", "coste de los productos",
             "coste de bienes", "meta: _wc_cog_cost", "meta: _cogs_total_value"),
    "brands": ("brands", "бренды", "marken", "marques", "marcas"),
}
_ORDER_FIELDS = {
    "date": ("date",),
    "order": ("order #",),
    "revenue": ("n. revenue (formatted)", "n. revenue", "net revenue"),
    "status": ("status",),
    "customer": ("customer",),
    "products": ("product(s)",),
    "items": ("items sold",),
    "coupons": ("coupon(s)",),
    "net_sales": ("net sales",),
}
# Analytics shows slugs in server exports and labels in browser downloads: both map here.
_ORDER_STATUS = {
    "completed": "paid", "processing": "paid", "on-hold": "pending", "on hold": "pending",
    "pending": "pending", "pending payment": "pending", "checkout-draft": "pending", "draft": "pending",
    "cancelled": "cancelled", "failed": "cancelled", "refunded": "refunded",
}
_ITEM = re.compile(r"(\d+(?:[.,]\d+)?)\s*×\s*(.*?)(?=, \d+(?:[.,]\d+)?\s*×|$)", re.DOTALL)


def _columns(table: Table, fields: dict[str, tuple[str, ...]]) -> dict[str, str | None]:
    by_norm: dict[str, str] = {}
    for name in table.rows.columns:
        by_norm.setdefault(_norm(name), name)
    return {key: next((by_norm[n] for n in names if n in by_norm), None) for key, names in fields.items()}


def _col(table: Table, name: str | None) -> pd.Series:
    return table.col(name) if name else pd.Series("", index=table.rows.index, dtype=object)


def _problems(batch: ImportBatch, table: Table, column: str | None, parsed, where: np.ndarray) -> np.ndarray:
    parsed.failed = parsed.failed & where
    if column:
        batch.problems.extend(parsed.problems(table, column))
    return np.array(parsed.failed, dtype=bool)


def _line(table: Table, pos: int) -> int:
    return int(table.line_numbers[pos])


# --- products ----------------------------------------------------------------------------------
def detect_products(table: Table) -> float:
    cols = _columns(table, _PRODUCT_FIELDS)
    if cols["id"] is None or cols["type"] is None:
        return 0.0
    key = ("id", "type", "sku", "name", "published", "regular_price", "categories", "parent", "stock", "in_stock")
    return sum(cols[k] is not None for k in key) / len(key)


def parse_products(table: Table, as_of: dt.date | None = None) -> ImportBatch:
    """Simple products and variations as products; `Stock` (when managed) as a stock count.

    `as_of` dates the stock counts (the export has no date of its own): the day of the import.
    """
    batch = ImportBatch(format="woocommerce-products", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    cols = _columns(table, _PRODUCT_FIELDS)
    text = {k: _col(table, c) for k, c in cols.items()}
    ident = text["id"].str.lstrip("#")
    sku = v.strip_escape(text["sku"]).str.strip()
    key = sku.where(sku.ne(""), "id:" + ident)
    no_key = (sku.eq("") & ident.eq("")).to_numpy()
    for pos in np.flatnonzero(no_key):
        batch.problems.append(RowProblem(_line(table, pos), cols["sku"], "", "the product has neither SKU nor ID"))
    types = text["type"].str.lower()
    container = types.str.contains(r"\b(?:variable|grouped)\b", regex=True).to_numpy()
    external = types.str.contains(r"\bexternal\b", regex=True).to_numpy()
    type_names = types.to_numpy()
    for pos in np.flatnonzero(container & ~no_key):
        batch.skipped.append({"line": _line(table, pos), "reason": f"{type_names[pos]} product: a container "
                                                                   "whose variations/children are the products"})
    for pos in np.flatnonzero(external & ~no_key):
        batch.skipped.append({"line": _line(table, pos), "reason": "external/affiliate product (sold elsewhere)"})
    sellable = ~no_key & ~container & ~external

    where = pd.Series(sellable, index=table.rows.index)
    prices = {}
    bad = np.zeros(len(key), dtype=bool)
    for field in ("regular_price", "cost"):
        parsed = v.parse_money(text[field])
        bad |= _problems(batch, table, cols[field], parsed, where)
        prices[field] = parsed.values
    stock = v.parse_quantity(text["stock"])
    bad |= _problems(batch, table, cols["stock"], stock, where)
    published = v.parse_number(text["published"])
    rows = np.flatnonzero(sellable & ~bad)

    # Parent: `id:123` points at the row with that ID; anything else is the parent's SKU.
    key_of_id = pd.Series(key.to_numpy(), index=ident.to_numpy())
    key_of_id = key_of_id[~key_of_id.index.duplicated()]
    parent = v.strip_escape(text["parent"]).str.strip()
    by_id = parent.str.extract(r"^id:(\d+)$", expand=False)
    parent_key = parent.where(by_id.isna(), by_id.map(key_of_id).fillna(parent))
    parent_key = parent_key.replace("", np.nan)

    categories = text["categories"].map(lambda s: (v.split_list(s) or [""])[0])
    brands = text["brands"].map(lambda s: (v.split_list(s) or [""])[0])
    own = pd.DataFrame({"category": categories, "vendor": brands, "title": v.clean_text(text["name"]),
                        "cost": prices["cost"]}).replace("", np.nan)
    own.index = key.to_numpy()
    own = own[~own.index.duplicated()]
    inherited = own.reindex(parent_key.to_numpy())
    inherited.index = table.rows.index
    mine = own.reindex(key.to_numpy())
    mine.index = table.rows.index
    merged = mine.combine_first(inherited)

    # A variation's own attribute values, else what WooCommerce appended to the parent's name
    # when it named the variation ("Tasse - Rot" under "Tasse").
    variant = _attribute_values(table)
    parent_title = inherited["title"].fillna("").astype(str)
    own_title = mine["title"].fillna("").astype(str)
    prefix = parent_title + " - "
    from_name = pd.Series([t[len(p):] if p != " - " and t.startswith(p) else "" for t, p in
                           zip(own_title, prefix, strict=True)], index=table.rows.index)
    variant = variant.where(variant.ne(""), from_name)
    status = np.where(published.values == 1, "active", "draft")
    status = np.where(published.values.isna(), "active", status)
    products = pd.DataFrame({
        "sku": key.iloc[rows].to_numpy(),
        "parent_sku": parent_key.iloc[rows].to_numpy(),
        "title": merged["title"].iloc[rows].to_numpy(),
        "variant": variant.iloc[rows].replace("", pd.NA).to_numpy(),
        "vendor": merged["vendor"].iloc[rows].to_numpy(),
        "category": merged["category"].iloc[rows].to_numpy(),
        "unit_cost": money_to_store(merged["cost"].iloc[rows]).array,
        "list_price": money_to_store(prices["regular_price"].iloc[rows]).array,
        "currency": pd.NA,
        "status": status[rows],
    })
    dupes = products["sku"].duplicated().to_numpy()
    for i in np.flatnonzero(dupes):
        batch.skipped.append({"line": _line(table, rows[i]), "reason": f"SKU {products['sku'].iat[i]} was "
                                                                       "already given on an earlier row"})
    batch.products = products[~dupes]

    # Stock is a count only where the product manages stock (an empty cell means it does not).
    qty = stock.values.iloc[rows].to_numpy()
    counted = ~dupes & ~np.isnan(qty)
    batch.inventory = pd.DataFrame({
        "sku": key.iloc[rows].to_numpy()[counted], "location": "", "quantity": qty[counted],
        "available": qty[counted], "incoming": np.nan, "as_of": (as_of or dt.date.today()).isoformat(),
    })
    return batch.conform()


def _attribute_values(table: Table) -> pd.Series:
    """A variation's attribute values ('Small', 'Red / XL'); lists on parents are not variants."""
    value_cols = [c for c in table.rows.columns if re.match(r"^attribute \d+ value\(s\)$", _norm(c))]
    if not value_cols:
        return pd.Series("", index=table.rows.index, dtype=object)
    parts = pd.concat([table.col(c) for c in value_cols], axis=1)
    single = parts.apply(lambda col: col.where(~col.str.contains(r"(?<!\\),", regex=True), ""))
    return single.apply(lambda r: " / ".join(x.replace("\\,", ",") for x in r if x), axis=1)


# --- Analytics orders --------------------------------------------------------------------------
def detect_orders(table: Table) -> float:
    cols = _columns(table, _ORDER_FIELDS)
    if cols["products"] is None or cols["order"] is None:
        return 0.0
    return sum(c is not None for c in cols.values()) / len(cols)


def split_products(cell: str, items_sold: float | None = None) -> list[tuple[float, str]]:
    """`2× Blue Mug, 1× Tea Towel, Linen` -> [(2, 'Blue Mug'), (1, 'Tea Towel, Linen')].

    Items are split only before `N×`, so commas inside product names survive. A cell without any
    `N×` (a plugin or translation changed the format) is one item of `items_sold` units: splitting
    it on commas would cut product names apart.
    """
    out = [(float(qty.replace(",", ".")), name.strip()) for qty, name in _ITEM.findall(cell or "")]
    if not out and cell and cell.strip():
        qty = items_sold if items_sold is not None and items_sold == items_sold and items_sold > 0 else 1.0
        out = [(float(qty), cell.strip())]
    return out


def parse_orders(table: Table) -> ImportBatch:
    """Orders from Analytics > Orders > Download; refund rows become the order's refunded amount."""
    batch = ImportBatch(format="woocommerce-orders", channel=CHANNEL, platform=CHANNEL)
    if table.rows.empty:
        return batch.conform()
    cols = _columns(table, _ORDER_FIELDS)
    text = {k: _col(table, c) for k, c in cols.items()}
    # The formatted total comes from wc_price(); entities (`&#36;`, `&euro;`, `&nbsp;`) may survive.
    entity = text["revenue"].str.contains("&", regex=False)
    if entity.any():
        text["revenue"] = text["revenue"].where(~entity, text["revenue"][entity].map(html.unescape))
    order = text["order"].str.lstrip("#")
    no_order = order.eq("").to_numpy()
    for pos in np.flatnonzero(no_order):
        batch.problems.append(RowProblem(_line(table, pos), cols["order"], "", "the row has no order number"))
    rows_mask = ~no_order
    dates = v.parse_datetimes(text["date"])
    bad = _problems(batch, table, cols["date"], dates, rows_mask)
    revenue = v.parse_money(text["revenue"], decimal_comma=False)
    bad |= _problems(batch, table, cols["revenue"], revenue, rows_mask)
    # Net Sales is a plain number; the formatted column only tells the currency.
    net = v.parse_money(text["net_sales"], decimal_comma=False)
    bad |= _problems(batch, table, cols["net_sales"], net, rows_mask)
    items_sold = v.parse_quantity(text["items"])
    bad |= _problems(batch, table, cols["items"], items_sold, rows_mask)
    amount = net.values.where(net.values.notna(), revenue.values)
    for field, missing, why in (("date", dates.created_at.isna(), "the row has no date"),
                                ("net_sales", amount.isna(), "the row has no amount")):
        missing = rows_mask & ~bad & missing.to_numpy()
        for pos in np.flatnonzero(missing):
            batch.problems.append(RowProblem(_line(table, pos), cols[field] or cols["revenue"], "", why))
        bad |= missing
    bad_orders = set(order[bad])
    if bad_orders:
        batch.warnings.append(f"{counted(len(bad_orders), 'order')} with unreadable values left out")
    ok = rows_mask & ~order.isin(bad_orders).to_numpy()

    is_refund = ok & (amount < 0).to_numpy()
    is_sale = ok & ~is_refund
    sale_pos = np.flatnonzero(is_sale)
    repeated = order.iloc[sale_pos].duplicated().to_numpy()
    for pos in sale_pos[repeated]:
        batch.skipped.append({"line": _line(table, pos), "reason": "the same order appears again"})
    sale_pos = sale_pos[~repeated]
    sold = set(order.iloc[sale_pos])
    refund_pos = np.flatnonzero(is_refund)
    orphan = ~order.iloc[refund_pos].isin(sold).to_numpy()
    for pos in refund_pos[orphan]:
        batch.skipped.append({"line": _line(table, pos), "reason": "refund of an order not in this file "
                                                                   "(import the report covering its sale)"})
    for pos in refund_pos[~orphan]:
        batch.skipped.append({"line": _line(table, pos), "reason": "refund row: taken into its order's "
                                                                   "refunded amount"})
    refund_pos = refund_pos[~orphan]
    if len(sale_pos) == 0:
        return batch.conform()

    refunded = (-amount.iloc[refund_pos]).groupby(order.iloc[refund_pos].to_numpy()).sum()
    orders = order.iloc[sale_pos].to_numpy()
    total = amount.iloc[sale_pos].to_numpy()
    refunded = refunded.reindex(orders).fillna(0.0).clip(lower=0.0).to_numpy()
    status = text["status"].iloc[sale_pos].str.lower().map(_ORDER_STATUS)
    unknown = status.isna() & text["status"].iloc[sale_pos].ne("")
    if unknown.any():
        batch.warnings.append("order status values not known, taken as paid: "
                              + ", ".join(sorted(set(text["status"].iloc[sale_pos][unknown]))))
    status = status.fillna("paid").to_numpy()
    refund_status = np.where(refunded >= total - 0.005, "refunded", "partially_refunded")
    status = np.where((refunded > 0) & (status != "cancelled"), refund_status, status)
    status = np.where((refunded <= 0) & (status == "refunded"), "paid", status)
    currency = revenue.currency if revenue.currency is not None else pd.Series(pd.NA, index=order.index)
    customer = text["customer"].iloc[sale_pos].str.strip()
    batch.orders = pd.DataFrame({
        "external_id": orders,
        "created_at": dates.created_at.iloc[sale_pos].to_numpy(),
        "created_utc": dates.created_utc.iloc[sale_pos].to_numpy(),
        "order_date": dates.order_date.iloc[sale_pos].to_numpy(),
        "currency": currency.iloc[sale_pos].to_numpy(),
        "customer_ref": customer.replace("", pd.NA).to_numpy(),
        "subtotal": money_to_store(pd.Series(total)).array,
        "shipping": pd.array([pd.NA] * len(orders), dtype="Int64"),
        "tax": pd.array([pd.NA] * len(orders), dtype="Int64"),
        "discount": pd.array([pd.NA] * len(orders), dtype="Int64"),
        "total": money_to_store(pd.Series(total)).array,
        "refunded": money_to_store(pd.Series(refunded)).array,
        "status": status,
    })
    batch.lines = _lines(orders, text["products"].iloc[sale_pos].to_numpy(), total,
                         items_sold.values.iloc[sale_pos].to_numpy())
    if len(batch.lines):
        batch.warnings.append("WooCommerce's orders report gives no item prices: each order's Net Sales "
                              "was shared across its items in proportion to quantity")
    return batch.conform()


def _lines(orders: np.ndarray, products: np.ndarray, totals: np.ndarray, items_sold: np.ndarray) -> pd.DataFrame:
    """Lines from `Product(s)` with Net Sales allocated by quantity.

    Each line gets its quantity's share of the order's Net Sales, rounded to store units; the
    rounding remainder goes to the order's last line so the lines add up to the order exactly.
    """
    items = [(i, n, qty, name) for i, cell in enumerate(products)
             for n, (qty, name) in enumerate(split_products(cell, items_sold[i]), start=1)]
    frame = pd.DataFrame.from_records(items, columns=["pos", "n", "qty", "name"])
    if frame.empty:
        return pd.DataFrame()
    pos = frame["pos"].to_numpy()
    total = money_to_store(pd.Series(totals)).to_numpy(dtype="float64", na_value=np.nan)[pos]
    units = frame.groupby("pos")["qty"].transform("sum").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(units > 0, np.rint(total * frame["qty"].to_numpy() / units), 0.0)
        unit_price = np.where(units > 0, np.rint(total / units), np.nan)
    last = frame["n"].to_numpy() == frame.groupby("pos")["n"].transform("max").to_numpy()
    given = pd.Series(share).groupby(pos).transform("sum").to_numpy()
    share = np.where(last & (units > 0), share + (total - given), share)
    return pd.DataFrame({
        "order_external_id": orders[pos],
        "line_key": frame["n"].astype(str).to_numpy(),
        "channel_sku": frame["name"].to_numpy(),
        "title": frame["name"].to_numpy(),
        "quantity": frame["qty"].to_numpy(dtype=float),
        "unit_price": pd.array(unit_price, dtype="Int64"),
        "discount": pd.array(np.zeros(len(frame), dtype=np.int64), dtype="Int64"),
        "line_total": pd.array(share, dtype="Int64"),
        "refunded_qty": np.zeros(len(frame)),
    })


FORMATS: list[FormatSpec] = [
    FormatSpec("woocommerce-products", CHANNEL, "WooCommerce product CSV export (any site language)",
               detect_products, parse_products),
    FormatSpec("woocommerce-orders", CHANNEL, "WooCommerce Analytics orders download",
               detect_orders, parse_orders),
]
