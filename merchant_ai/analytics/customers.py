"""Customer segments a shop owner can act on: RFM scores, named groups, and behaviour clusters.

Input is the `sales_lines` frame of `merchant_ai.store.queries` (see SALES_COLUMNS). Money is the
*net* revenue (refunds subtracted); cancelled orders never count, and an order whose net revenue is
not positive (fully refunded) does not count as a purchase either, so a refund cannot make someone a
"Loyal" customer. Guests (no customer key) are left out: they cannot be re-contacted.

Named groups follow the common R/F rule (../shared/reference/customers.md, R `rfm` package):
R and F are quintile scores, 5 = best. "Lost" is the bottom cell of "Hibernating": R = 1 and F = 1
(the least recent fifth of customers who also bought least often); the rest of R1-2/F1-2 is
"Hibernating".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from merchant_ai.importers.privacy import normalise_ref

SEGMENTS = [
    "Champions", "Loyal", "Potential loyalists", "New", "Promising", "Need attention",
    "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost",
]


def normalise_customer_key(key: object) -> str | None:
    """The importer's spelling rule (`17850.0` -> `17850`), so keys typed by the owner or read from
    older frames match the stored ones."""
    return normalise_ref(key)


def to_date(as_of: dt.date | str | pd.Timestamp | None, frame: pd.DataFrame | None = None) -> pd.Timestamp:
    """The as-of day as a midnight Timestamp; defaults to the last order day in the frame."""
    if as_of is None:
        if frame is None or frame.empty:
            return pd.Timestamp(dt.date.today())
        return pd.Timestamp(frame["order_date"].max()).normalize()
    return pd.Timestamp(as_of).normalize()


def customer_orders(sales: pd.DataFrame, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """One row per (customer, order) up to `as_of`: order day, channel and net value.

    Only orders with positive net value count as purchases (see module docstring).
    """
    cols = ["customer", "order_id", "order_date", "channel", "value"]
    if sales.empty:
        return pd.DataFrame({c: [] for c in cols})
    cutoff = to_date(as_of, sales)
    df = sales[(pd.to_datetime(sales["order_date"]) <= cutoff) & sales["customer"].notna()]
    if "status" in df:
        df = df[df["status"].fillna("") != "cancelled"]
    if df.empty:
        return pd.DataFrame({c: [] for c in cols})
    keys = pd.unique(df["customer"])
    key_map = dict(zip(keys, map(normalise_customer_key, keys), strict=True))
    df = df.assign(customer=df["customer"].map(key_map), order_date=pd.to_datetime(df["order_date"]))
    out = (df.groupby(["customer", "order_id"], sort=False)
             .agg(order_date=("order_date", "min"), channel=("channel", "first"), value=("net_revenue", "sum"))
             .reset_index())
    return out[out["value"] > 0].reset_index(drop=True)


def quintile_score(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Scores 1..5 by rank; ties share the lower score so a crowd of one-order customers all get F=1.

    With fewer than five customers the scores still spread over 1..5 by rank position.
    """
    if values.empty:
        return pd.Series([], dtype=int, index=values.index)
    v = values if higher_is_better else -values
    rank = v.rank(method="min")  # 1 = worst
    n = len(v)
    score = np.floor((rank - 1) / n * 5).astype(int) + 1
    return score.clip(1, 5)


def rf_segment(r: int, f: int) -> str:
    """The R/F cell rule from customers.md (first digit R, second F)."""
    if r <= 2:
        if f <= 2:
            return "Lost" if (r == 1 and f == 1) else "Hibernating"
        return "Can't lose them" if f == 5 else "At risk"
    if r == 3:
        if f <= 2:
            return "About to sleep"
        return "Need attention" if f == 3 else "Loyal"
    if f >= 4:
        return "Champions" if r == 5 else "Loyal"
    if f == 1:
        return "New" if r == 5 else "Promising"
    return "Potential loyalists"


def rfm_table(sales: pd.DataFrame, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Per customer: recency (days), frequency (orders), monetary (net revenue), AOV, tenure, channel mix."""
    orders = customer_orders(sales, as_of)
    cutoff = to_date(as_of, sales)
    cols = ["customer", "recency_days", "frequency", "monetary", "aov", "tenure_days", "first_order",
            "last_order"]
    if orders.empty:
        return pd.DataFrame({c: [] for c in cols})
    g = orders.groupby("customer")
    table = pd.DataFrame({
        "first_order": g["order_date"].min(),
        "last_order": g["order_date"].max(),
        "frequency": g["order_id"].nunique(),
        "monetary": g["value"].sum(),
    })
    table["recency_days"] = (cutoff - table["last_order"]).dt.days.astype(float)
    table["tenure_days"] = (cutoff - table["first_order"]).dt.days.astype(float)
    table["aov"] = table["monetary"] / table["frequency"]
    # pd.crosstab(normalize="index") in effect; it counts with a Python call per cell (4x slower)
    counts = orders.groupby(["customer", "channel"]).size().unstack("channel", fill_value=0)
    mix = counts.div(counts.sum(axis=1), axis=0)
    mix.columns = [f"share_{c}" for c in mix.columns]
    table = table.join(mix)
    return table.reset_index()[cols + list(mix.columns)]


def describe_centre(z: pd.Series, channel_cols: list[str]) -> str:
    """Words from a cluster centre in standard units: what sets the group apart from the average."""
    words = []
    if z["recency"] < -0.5:
        words.append("recent")
    elif z["recency"] > 0.5:
        words.append("lapsed")
    if z["frequency"] > 0.5:
        words.append("frequent")
    elif z["frequency"] < -0.5:
        words.append("rare")
    if z["monetary"] > 0.5:
        words.append("high spend")
    elif z["monetary"] < -0.5:
        words.append("low spend")
    if z["aov"] > 0.7:
        words.append("big baskets")
    elif z["aov"] < -0.7:
        words.append("small baskets")
    if z["tenure"] > 0.7:
        words.append("long-standing")
    elif z["tenure"] < -0.7:
        words.append("newly acquired")
    if channel_cols:
        best = max(channel_cols, key=lambda c: z[c])
        if z[best] > 0.7:
            words.append(f"mostly {best.removeprefix('share_')}")
    return ", ".join(words) if words else "average on every measure"


class CustomerSegmenter:
    """RFM scores, named segments and KMeans clusters as of a date.

    Parameters: `as_of` (None = last order day in the data), `k_range` for the silhouette search,
    `random_state` for KMeans. After `fit(sales)`: `table_` (one row per customer),
    `cluster_descriptions_` ({cluster: words}), `k_`, `silhouette_` (None if too few customers).
    """

    def __init__(self, as_of: dt.date | str | None = None, k_range: tuple[int, int] = (2, 8),
                 random_state: int = 0, silhouette_sample: int = 3000) -> None:
        self.as_of = as_of
        self.k_range = k_range
        self.random_state = random_state
        self.silhouette_sample = silhouette_sample

    def fit(self, sales: pd.DataFrame) -> CustomerSegmenter:
        # One thread: KMeans on a few thousand rows loses 10x to OpenMP oversubscription otherwise.
        with threadpool_limits(1):
            return self._fit(sales)

    def _fit(self, sales: pd.DataFrame) -> CustomerSegmenter:
        self.as_of_ = to_date(self.as_of, sales)
        table = rfm_table(sales, self.as_of_)
        if table.empty:
            self.table_ = table.assign(r_score=[], f_score=[], m_score=[], rfm_segment=[], cluster=[])
            self.cluster_descriptions_, self.k_, self.silhouette_ = {}, 0, None
            return self
        table["r_score"] = quintile_score(table["recency_days"], higher_is_better=False)
        table["f_score"] = quintile_score(table["frequency"])
        table["m_score"] = quintile_score(table["monetary"])
        table["rfm_segment"] = [rf_segment(r, f) for r, f in zip(table["r_score"], table["f_score"], strict=True)]
        self.table_ = table
        self._cluster(table)
        return self

    def _features(self, table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        channel_cols = [c for c in table.columns if c.startswith("share_")]
        if len(channel_cols) < 2:
            channel_cols = []
        feats = pd.DataFrame({
            "recency": np.log1p(table["recency_days"]),
            "frequency": np.log1p(table["frequency"]),
            "monetary": np.log1p(table["monetary"].clip(lower=0)),
            "aov": np.log1p(table["aov"].clip(lower=0)),
            "tenure": np.log1p(table["tenure_days"]),
        })
        for c in channel_cols:
            feats[c] = table[c].fillna(0.0)
        return feats, channel_cols

    def _cluster(self, table: pd.DataFrame) -> None:
        feats, channel_cols = self._features(table)
        n = len(feats)
        x = StandardScaler().fit_transform(feats)
        # Channel shares count half: they describe where people buy, RFM describes how they behave,
        # and a shop with two channels would otherwise split on channel alone.
        x[:, [feats.columns.get_loc(c) for c in channel_cols]] *= 0.5
        lo, hi = self.k_range
        hi = min(hi, n - 1, len(np.unique(x.round(6), axis=0)) - 1)
        if n < 3 or hi < lo:
            table["cluster"] = 0
            self.k_, self.silhouette_ = 1, None
            self.cluster_descriptions_ = {0: "all customers"}
            return
        best = None
        rng = np.random.RandomState(self.random_state)
        sample = rng.choice(n, self.silhouette_sample, replace=False) if n > self.silhouette_sample else None
        for k in range(lo, hi + 1):
            km = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit(x)
            if len(np.unique(km.labels_)) < 2:
                continue
            xs, ls = (x, km.labels_) if sample is None else (x[sample], km.labels_[sample])
            if len(np.unique(ls)) < 2:
                continue
            score = float(silhouette_score(xs, ls))
            if best is None or score > best[0]:
                best = (score, k, km)
        if best is None:
            table["cluster"] = 0
            self.k_, self.silhouette_ = 1, None
            self.cluster_descriptions_ = {0: "all customers"}
            return
        score, k, km = best
        centres = pd.DataFrame(km.cluster_centers_, columns=feats.columns)
        centres[channel_cols] *= 2.0  # back to standard units for the words
        # Stable, meaningful numbering: cluster 0 spends the most.
        order = centres["monetary"].sort_values(ascending=False).index.to_list()
        relabel = {old: new for new, old in enumerate(order)}
        table["cluster"] = pd.Series(km.labels_).map(relabel).to_numpy()
        self.k_, self.silhouette_ = k, score
        self.cluster_centres_ = centres.loc[order].reset_index(drop=True)
        self.cluster_descriptions_ = {relabel[i]: describe_centre(centres.loc[i], channel_cols)
                                      for i in range(k)}

    def overview(self) -> pd.DataFrame:
        """Segment sizes and revenue shares, in the fixed segment order (empty segments kept)."""
        t = self.table_
        total = float(t["monetary"].sum()) if len(t) else 0.0
        g = t.groupby("rfm_segment").agg(customers=("customer", "size"), revenue=("monetary", "sum"))
        g = g.reindex(SEGMENTS).fillna(0.0)
        g["customers"] = g["customers"].astype(int)
        g["revenue_share"] = g["revenue"] / total if total > 0 else 0.0
        return g.reset_index().rename(columns={"index": "rfm_segment"})
