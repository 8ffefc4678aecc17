"""Text conventions the export writers share: money, timestamps, quoting, and joined frames.

Shopify and Amazon print money with two decimals, Etsy drops trailing zeros in `Item Total`;
Shopify stamps `2025-03-09 14:02:11 -0400` with the offset of that instant; Etsy quotes any value
holding a space. Rows are turned into plain Python strings before the csv module sees them,
because iterating Arrow-backed pandas columns cell by cell is slow.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from merchant_ai.demo.history import DemoHistory
from merchant_ai.demo.shop_calendar import format_offset, utc_offset_minutes

_NEEDS_QUOTES = re.compile(r'[ ,"\n\r]').search


def money_text(x: float | np.ndarray) -> np.ndarray:
    """2-decimal text, as Shopify and Amazon print money."""
    return np.char.mod("%.2f", np.round(np.asarray(x, dtype=float), 2) + 0.0)


def etsy_short(x: np.ndarray) -> np.ndarray:
    """Etsy's Item Total: no trailing zeros (`3.3`, `6`)."""
    return np.array([f"{v:.2f}".rstrip("0").rstrip(".") for v in np.round(np.asarray(x, float), 2)], dtype=object)


def stamp(local: pd.Series, offset: pd.Series) -> pd.Series:
    """'2025-03-09 14:02:11 -0400' (empty for NaT)."""
    text = local.dt.strftime("%Y-%m-%d %H:%M:%S")
    return (text + " " + offset).where(local.notna(), "")


def offset_of(local: pd.Series) -> pd.Series:
    """Each instant's own UTC offset text (a fulfilment in July is -0400 even if the order was -0500)."""
    filled = local.fillna(pd.Timestamp("2000-01-01")).to_numpy().astype("datetime64[s]")
    return pd.Series(format_offset(utc_offset_minutes(filled)), index=local.index)


def write_csv(header: list[str], rows: list[list[str]] | pd.DataFrame, delimiter: str = ",") -> bytes:
    """RFC 4180 minimal quoting with LF line ends, as Shopify and Amazon write (UTF-8, no BOM)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(cells(rows) if isinstance(rows, pd.DataFrame) else rows)
    return buf.getvalue().encode("utf-8")


def cells(frame: pd.DataFrame) -> list[list[str]]:
    """Rows as plain Python strings (iterating Arrow-backed columns cell by cell is slow)."""
    cols = [np.asarray(frame[c].to_numpy(dtype=object, na_value=""), dtype=object) for c in frame.columns]
    return np.stack(cols, axis=1).tolist() if cols and len(frame) else []


def write_etsy_csv(header: list[str], frame: pd.DataFrame) -> bytes:
    """Etsy quotes every value (header included) that holds a space, comma, quote or newline."""
    def cell(value: object) -> str:
        text = str(value)
        return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES(text) else text

    lines = [",".join(cell(h) for h in header)]
    lines.extend(",".join(cell(v) for v in row) for row in cells(frame[header]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def joined(h: DemoHistory, channel: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A channel's orders with buyer details, and its lines with product details."""
    orders = h.orders[h.orders["channel"] == channel]
    cust = h.customers.set_index("customer")
    orders = orders.join(cust[["first_name", "last_name", "email", "username", "street", "town", "city",
                               "province_code", "province", "zip", "country_code", "country"]], on="customer")
    lines = h.lines[h.lines["order_id"].isin(orders["order_id"])]
    prod = h.products.set_index("sku")
    lines = lines.join(prod[["title", "variant", "handle", "option_names", "option_values", "vendor"]], on="sku")
    return orders, lines


def item_name(lines: pd.DataFrame) -> pd.Series:
    return lines["title"] + np.where(lines["variant"].ne(""), " - " + lines["variant"], "")
