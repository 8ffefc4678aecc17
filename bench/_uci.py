"""The UCI Online Retail file as a `sales_lines`-shaped frame, for benchmarks.

Benchmarks take the file's path as an argument. `load_sales(path, via_store=True)` goes the way
the app goes (import into a temporary encrypted store, then `queries.sales_lines`), once the
generic importer lands; `via_store=False` reads with pandas directly, applying the same cleaning
as ../shared/reference/baselines-uci.md so our numbers compare with the public tools' ones.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

DEFAULT_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "online_retail_2010_2011.csv.gz"
_PRODUCT_CODE = re.compile(r"^\d{5}[A-Za-z]{0,3}$")


def path_from_argv() -> Path:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else DEFAULT_PATH
    if not path.exists():
        sys.exit(f"UCI file not found: {path} (pass its path as the first argument)")
    return path


def take_int_option(name: str, default: int) -> int:
    """`name N` from the command line (removed from sys.argv, so the path stays first), at least 1."""
    if name not in sys.argv:
        return default
    at = sys.argv.index(name)
    value = max(1, int(sys.argv[at + 1]))
    del sys.argv[at:at + 2]
    return value


def load_sales(path: str | Path) -> pd.DataFrame:
    """Cleaned UCI lines with the columns analytics expect (see merchant_ai.store.queries)."""
    df = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str},
                     encoding="latin-1" if str(path).endswith(".latin1") else "utf-8")
    df = df[df["InvoiceNo"].str.fullmatch(r"\d+")]
    df = df[df["StockCode"].str.match(_PRODUCT_CODE)]
    df = df[(df["Quantity"] > 0) & (df["UnitPrice"] > 0)]
    created = pd.to_datetime(df["InvoiceDate"])
    customer = df["CustomerID"].str.replace(r"\.0$", "", regex=True)
    out = pd.DataFrame({
        "order_id": df["InvoiceNo"].astype(int),
        "order_ref": df["InvoiceNo"],
        "channel": "generic",
        "created_at": created,
        "order_date": created.dt.normalize(),
        "customer": customer.where(customer.notna(), None),
        "sku": df["StockCode"].str.upper(),
        "title": df["Description"],
        "category": None,
        "quantity": df["Quantity"].astype(float),
        "unit_price": df["UnitPrice"].astype(float),
        "discount": 0.0,
        "revenue": df["Quantity"] * df["UnitPrice"],
        "refunded_qty": 0.0,
        "refunded_amount": 0.0,
        "net_quantity": df["Quantity"].astype(float),
        "net_revenue": df["Quantity"] * df["UnitPrice"],
        "currency": "GBP",
        "status": "paid",
        "unit_cost": float("nan"),
    })
    return out.reset_index(drop=True)
