"""Small synthetic frames shaped like `merchant_ai.store.queries` output."""

from __future__ import annotations

import numpy as np
import pandas as pd

from merchant_ai.store.queries import SALES_COLUMNS


def sales_frame(rows: list[dict]) -> pd.DataFrame:
    """Lines from dicts with order_id, order_ref, channel, order_date, sku, quantity, unit_price (+ extras)."""
    df = pd.DataFrame(rows)
    df["order_date"] = pd.to_datetime(df["order_date"])
    df["created_at"] = df["order_date"]
    for col, default in (("customer", None), ("title", None), ("category", None), ("discount", 0.0),
                         ("refunded_qty", 0.0), ("currency", "USD"), ("status", "paid"), ("unit_cost", np.nan)):
        if col not in df:
            df[col] = default
        elif default is not None:
            df[col] = df[col].fillna(default)
    df["quantity"] = df["quantity"].astype(float)
    df["revenue"] = df["quantity"] * df["unit_price"] - df["discount"]
    df["refunded_amount"] = df["refunded_qty"] * df["unit_price"]
    df["net_quantity"] = df["quantity"] - df["refunded_qty"]
    df["net_revenue"] = df["revenue"] - df["refunded_amount"]
    df["unit_cost"] = df["unit_cost"].astype(float)
    return df[SALES_COLUMNS]


def orders_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for col in ("shipping", "tax", "discount", "refunded"):
        if col not in df:
            df[col] = 0.0
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df


def fees_frame(rows: list[dict]) -> pd.DataFrame:
    cols = ["channel", "order_ref", "sku", "kind", "amount", "currency", "posted_at"]
    df = pd.DataFrame(rows, columns=cols)
    return df
