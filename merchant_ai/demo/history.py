"""The ground truth of a simulated shop: what happened, and the parameters that made it happen.

Exports are written from this, and tests of other modules read it to check recovery: the true
elasticities the pricing tab should find, the stockout windows the forecaster must censor, the
complement pairs the recommender should surface, the BG/NBD parameters behind each customer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from merchant_ai.store.queries import SALES_COLUMNS


@dataclass
class DemoHistory:
    seed: int
    start: dt.date
    end: dt.date
    timezone: str
    currency: str
    shop_name: str
    channels: tuple[str, ...]
    # One row per SKU: catalogue fields, status, launch/discontinue dates, `elasticity`, per-channel
    # prices (`price_<channel>`, NaN where not listed), supplier name.
    products: pd.DataFrame
    suppliers: pd.DataFrame            # supplier, lead_time_days, moq, case_pack, categories
    # One row per customer who placed at least one order: key (e-mail / username / None on Amazon),
    # identity, and the truth of the purchase process (lambda_per_day, p_drop, segment).
    customers: pd.DataFrame
    # One row per order: channel, external_id, created_local (naive local), utc_offset ('-0500'),
    # created_utc, order_date, customer, status, money in currency units (floats with 2 decimals).
    orders: pd.DataFrame
    # One row per order line: order_id, line_no, line_key, sku, quantity, unit_price, compare_at,
    # discount (its share of the order's code), line_total (net of it), tax, refunded_qty,
    # role (primary | complement | extra).
    lines: pd.DataFrame
    promotions: pd.DataFrame           # parent_sku, start, end, discount (0.2 = 20% off), kind
    stockouts: pd.DataFrame            # sku, start, end (inclusive), days, lost_units
    purchase_orders: pd.DataFrame      # sku, ordered_on, received_on, quantity, delayed
    complements: pd.DataFrame          # a, b (a's buyers add b), attach_rate observed
    # Daily matrices (index: date, columns: SKUs): unconstrained demand in units (what buyers
    # wanted), units sold, and stock on hand at the end of the day.
    demand: pd.DataFrame
    sales: pd.DataFrame
    stock: pd.DataFrame
    inventory: pd.DataFrame = field(default_factory=pd.DataFrame)  # sku, location, on_hand at end

    @property
    def elasticities(self) -> pd.Series:
        """True price elasticity of demand per SKU (shared by a product's variants)."""
        return self.products.set_index("sku")["elasticity"]

    def expected_counts(self) -> dict:
        """What `Store.info()` should report after the demo's exports are imported."""
        keys = self.orders["customer_key"].dropna()
        return {
            "orders": int(len(self.orders)),
            "order_lines": int(len(self.lines)),
            "products": int(len(self.products)),
            "customers": int(keys.nunique()),
            "channels": sorted(self.orders["channel"].unique().tolist()),
        }

    def sales_frame(self, as_of: dt.date | None = None) -> pd.DataFrame:
        """The truth as `merchant_ai.store.queries.sales_lines` would return it (cancelled left out).

        Lets analytics tests run on the simulated shop without building a store.
        """
        o = self.orders
        if as_of is not None:
            o = o[o["order_date"] <= pd.Timestamp(as_of)]
        o = o[o["status"] != "cancelled"]
        df = self.lines.merge(o, on="order_id", how="inner", suffixes=("", "_order"))
        df = df.merge(self.products[["sku", "title", "category", "unit_cost"]], on="sku", how="left")
        df["revenue"] = df["line_total"]
        line_refund = df["refunded_qty"] * df["unit_price"]
        order_rev = df.groupby("order_id")["revenue"].transform("sum")
        has_line_refund = line_refund.groupby(df["order_id"]).transform("sum") > 0
        pro_rata = df["refunded"] * df["revenue"] / order_rev.replace(0, np.nan)
        df["refunded_amount"] = np.where(has_line_refund, line_refund,
                                         np.minimum(pro_rata.fillna(0.0), df["revenue"]))
        df["net_quantity"] = (df["quantity"] - df["refunded_qty"]).clip(lower=0)
        df["net_revenue"] = df["revenue"] - df["refunded_amount"]
        df["order_ref"] = df["external_id"]
        df["customer"] = df["customer_key"]
        df["created_at"] = df["created_local"]
        return df[SALES_COLUMNS].sort_values(["order_date", "order_id"], kind="stable").reset_index(drop=True)
