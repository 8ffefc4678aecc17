"""What sells together and what each customer is likely to buy next.

Everything is built on sparse matrices (orders x items, customers x items) so 500k+ lines stay in a
few hundred MB: pair counts come from one sparse product X.T @ X on the binarised matrix, and only
pairs above the minimum support are ever materialised (no itemset enumeration).

Scores for a customer blend these signals, each scaled to 0..1 per customer:
- "buy again": items the customer bought before, weighted by how often the *shop's* customers
  re-order that item (a learned per-item repeat rate, shrunk towards the shop average), how many
  times this customer bought it and how long ago;
- EASE, a closed-form item-item model over customer histories (finds the new items);
- item-kNN: cosine similarity of items over customer histories, shrunk for rare items (used for
  "similar products"; weight 0 in the default blend because EASE measured better);
- popularity over the last 90 days, the fallback for new customers and new products (per category
  when the product has a category).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from merchant_ai.analytics.customers import normalise_customer_key, to_date
from merchant_ai.wording import counted


def clean_lines(sales: pd.DataFrame, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Lines that count as purchases: not cancelled, a positive net quantity, up to as_of."""
    if sales.empty:
        return sales.iloc[0:0]
    cutoff = to_date(as_of, sales)
    df = sales[pd.to_datetime(sales["order_date"]) <= cutoff]
    df = df[(df["status"].fillna("") != "cancelled") & (df["net_quantity"].fillna(0) > 0) & df["sku"].notna()]
    if df.empty:
        return df
    keys = pd.unique(df["customer"].dropna())
    key_map = dict(zip(keys, map(normalise_customer_key, keys), strict=True))
    return df.assign(customer=df["customer"].map(key_map), order_date=pd.to_datetime(df["order_date"]),
                     sku=df["sku"].astype(str))


def common_titles(lines: pd.DataFrame) -> dict[str, str]:
    """Each SKU's most used title (exports rename products over time)."""
    t = lines[["sku", "title"]].dropna() if len(lines) else pd.DataFrame(columns=["sku", "title"])
    if t.empty:
        return {}
    counts = t.groupby(["sku", "title"]).size().reset_index(name="n")
    counts = counts.sort_values(["sku", "n"], ascending=[True, False]).drop_duplicates("sku")
    return dict(zip(counts["sku"], counts["title"], strict=True))


def binary_matrix(rows: pd.Series, cols: pd.Series, n_rows: int, n_cols: int,
                  values: np.ndarray | None = None) -> sparse.csr_matrix:
    """rows x cols matrix; duplicates summed (`values` None: binary)."""
    data = np.ones(len(rows)) if values is None else values
    m = sparse.csr_matrix((data, (rows.to_numpy(), cols.to_numpy())), shape=(n_rows, n_cols))
    m.sum_duplicates()
    if values is None:
        m.data[:] = 1.0
    return m


def top_k_rows(m: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """Keep the k largest entries of each row (the neighbour lists of item-kNN)."""
    m = m.tocsr()
    rows, cols, vals = [], [], []
    for i in range(m.shape[0]):
        start, end = m.indptr[i], m.indptr[i + 1]
        if end == start:
            continue
        d, c = m.data[start:end], m.indices[start:end]
        if len(d) > k:
            keep = np.argpartition(-d, k)[:k]
            d, c = d[keep], c[keep]
        rows.append(np.full(len(d), i))
        cols.append(c)
        vals.append(d)
    if not rows:
        return sparse.csr_matrix(m.shape)
    return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=m.shape)


def min_orders_for(n_orders: int) -> int:
    """Minimum support as a count: 0.15% of orders, never fewer than 2 (a pair seen once is chance)."""
    return max(2, math.ceil(0.0015 * n_orders))


class FrequentPairs:
    """Frequently-bought-together pairs with support, confidence, lift, and bundle margins.

    After `fit(sales)`: `pairs_` (a < b, one row per pair with at least `min_orders_` orders),
    `n_orders_`, `item_orders_` (orders per SKU). `min_orders=None` adapts to the shop's size.
    """

    def __init__(self, as_of: dt.date | str | None = None, min_orders: int | None = None) -> None:
        self.as_of = as_of
        self.min_orders = min_orders

    def fit(self, sales: pd.DataFrame, products: pd.DataFrame | None = None) -> FrequentPairs:
        lines = clean_lines(sales, self.as_of)
        cols = ["a", "b", "support", "confidence", "lift", "orders"]
        self.n_orders_ = int(lines["order_id"].nunique()) if len(lines) else 0
        self.min_orders_ = self.min_orders or min_orders_for(self.n_orders_)
        if lines.empty:
            self.pairs_ = pd.DataFrame({c: [] for c in cols})
            self.item_orders_ = pd.Series(dtype=float)
            self.items_, self.prices_, self.costs_, self.titles_ = np.array([]), {}, {}, {}
            return self
        order_idx, orders = pd.factorize(lines["order_id"])
        item_idx, items = pd.factorize(lines["sku"])
        x = binary_matrix(pd.Series(order_idx), pd.Series(item_idx), len(orders), len(items))
        counts = np.asarray(x.sum(axis=0)).ravel()
        # A pair is in no more orders than its rarer item, so items under the minimum are left out of
        # the co-occurrence product (the same pairs in the same order; ~2x faster on the UCI file).
        frequent = np.flatnonzero(counts >= self.min_orders_)
        xf = x[:, frequent]
        co = (xf.T @ xf).tocsr().tocoo()
        keep = (co.row < co.col) & (co.data >= self.min_orders_)
        a, b, n_ab = frequent[co.row[keep]], frequent[co.col[keep]], co.data[keep]
        n = float(self.n_orders_)
        pairs = pd.DataFrame({"a": items[a], "b": items[b], "support": n_ab / n,
                              "confidence": n_ab / counts[a], "lift": n_ab * n / (counts[a] * counts[b]),
                              "orders": n_ab.astype(int)})
        # Confidence is directional: report it from the less frequent item (the stronger rule).
        swap = counts[a] > counts[b]
        pairs.loc[swap, ["a", "b"]] = pairs.loc[swap, ["b", "a"]].to_numpy()
        pairs["confidence"] = n_ab / np.minimum(counts[a], counts[b])
        self.pairs_ = pairs.sort_values(["lift", "orders"], ascending=False).reset_index(drop=True)[cols]
        self.item_orders_ = pd.Series(counts, index=items)
        self.prices_ = lines.groupby("sku")["unit_price"].median().to_dict()
        self.titles_ = common_titles(lines)
        costs = lines.groupby("sku")["unit_cost"].median()
        if products is not None and len(products):
            costs = products.set_index("sku")["unit_cost"].combine_first(costs)
        self.costs_ = costs.dropna().to_dict()
        return self

    def bundles(self, min_lift: float = 1.5, top: int = 50) -> pd.DataFrame:
        """Pairs worth selling as a bundle: lift >= min_lift, ranked by orders x log(lift).

        `combined_price` and `combined_margin` (price minus unit costs, per bundle) are filled when
        both unit costs are known, NaN otherwise (an unknown cost is never taken as zero).
        """
        p = self.pairs_[self.pairs_["lift"] >= min_lift].copy()
        if p.empty:
            return p.assign(combined_price=[], combined_margin=[], score=[])
        p["score"] = p["orders"] * np.log(p["lift"])
        p = p.sort_values("score", ascending=False).head(top)
        price = p["a"].map(self.prices_).astype(float) + p["b"].map(self.prices_).astype(float)
        cost = p["a"].map(self.costs_).astype(float) + p["b"].map(self.costs_).astype(float)
        p["combined_price"] = price
        p["combined_margin"] = price - cost
        return p.reset_index(drop=True)

    def with_item(self, sku: str, k: int = 10) -> pd.DataFrame:
        """Cross-sell list for one product: its partners by lift."""
        p = self.pairs_
        hit = p[(p["a"] == sku) | (p["b"] == sku)].copy()
        hit["other"] = np.where(hit["a"] == sku, hit["b"], hit["a"])
        return hit.sort_values(["lift", "orders"], ascending=False).head(k).reset_index(drop=True)


@dataclass
class Pick:
    sku: str
    score: float
    reason: str


class Recommender:
    """Next-best products per customer and similar products per SKU (see module docstring).

    Parameters: `as_of`, `neighbours` (kNN list length per item), `shrinkage` (co-buyers needed
    before a similarity counts fully), blend weights `w_again`, `w_knn`, `w_pop`, `w_ease`,
    `recency_days` (decay of past purchases), `ease_lambda` (EASE ridge), `ease_max_items`.
    Default weights were picked on the UCI protocols of bench/recommend.py (buy-again first, EASE
    to fill and for new items; kNN adds nothing there, so it only serves "similar products").
    After `fit(sales)`: `items_`, `customers_`, `history_` (customers x items, orders containing the
    item), `similarity_` (items x items, top-k), `ease_`, `repeat_rate_`, `popularity_`.
    """

    def __init__(self, as_of: dt.date | str | None = None, neighbours: int = 50, shrinkage: float = 10.0,
                 w_again: float = 1.0, w_knn: float = 0.0, w_pop: float = 0.05, recency_days: float = 120.0,
                 popular_days: int = 90, w_ease: float = 0.3, ease_lambda: float = 200.0,
                 ease_max_items: int = 5000) -> None:
        self.as_of = as_of
        self.neighbours = neighbours
        self.shrinkage = shrinkage
        self.w_again = w_again
        self.w_knn = w_knn
        self.w_pop = w_pop
        self.recency_days = recency_days
        self.popular_days = popular_days
        self.w_ease = w_ease
        self.ease_lambda = ease_lambda
        self.ease_max_items = ease_max_items

    def fit(self, sales: pd.DataFrame) -> Recommender:
        self.as_of_ = to_date(self.as_of, sales)
        lines = clean_lines(sales, self.as_of_)
        self.items_ = np.array(sorted(lines["sku"].unique())) if len(lines) else np.array([], dtype=object)
        self.item_index_ = {s: i for i, s in enumerate(self.items_)}
        self.titles_ = common_titles(lines)
        self.category_ = lines.groupby("sku")["category"].first().to_dict() if len(lines) else {}
        n_items = len(self.items_)
        # Popularity: orders containing the item in the recent window, whole history as tie-break.
        recent = lines[lines["order_date"] > self.as_of_ - pd.Timedelta(days=self.popular_days)]
        pop_recent = recent.groupby("sku")["order_id"].nunique().reindex(self.items_).fillna(0.0).to_numpy()
        pop_all = lines.groupby("sku")["order_id"].nunique().reindex(self.items_).fillna(0.0).to_numpy() if n_items else np.zeros(0)
        pop = pop_recent + 0.1 * pop_all
        self.popularity_ = pop / pop.max() if n_items and pop.max() > 0 else pop
        known = lines[lines["customer"].notna()]
        self.customers_ = np.array(sorted(known["customer"].unique())) if len(known) else np.array([], dtype=object)
        self.customer_index_ = {c: i for i, c in enumerate(self.customers_)}
        if not len(known):
            self.history_ = sparse.csr_matrix((0, n_items))
            self.similarity_ = sparse.csr_matrix((n_items, n_items))
            self.repeat_rate_ = np.zeros(n_items)
            self.last_days_ = sparse.csr_matrix((0, n_items))
            self.ease_, self.ease_items_, self.ease_pos_ = None, np.array([], dtype=int), {}
            self.similarity_csc_ = self.similarity_.tocsc()
            return self
        per = known.groupby(["customer", "sku"]).agg(orders=("order_id", "nunique"), last=("order_date", "max")).reset_index()
        rows = per["customer"].map(self.customer_index_)
        cols = per["sku"].map(self.item_index_)
        shape = (len(self.customers_), n_items)
        self.history_ = binary_matrix(rows, cols, *shape, values=per["orders"].to_numpy(float))
        days = (self.as_of_ - per["last"]).dt.days.to_numpy(float)
        self.last_days_ = binary_matrix(rows, cols, *shape, values=days + 1.0)  # +1 keeps day 0 stored
        self._fit_repeat(known)
        self._fit_similarity()
        self._fit_ease()
        return self

    def _fit_ease(self) -> None:
        """EASE (Steck 2019): a closed-form item-item regression, B = I - P / diag(P) with
        P = (X'X + l I)^-1 on the binarised customer histories. It beat item-kNN and the public
        implicit-ALS row on UCI new-item picks (bench/recommend.py). Capped at the `ease_max_items`
        most-bought items to bound memory (n^2 floats)."""
        from scipy import linalg
        from threadpoolctl import threadpool_limits

        b = self.history_.copy()
        b.data[:] = 1.0
        counts = np.asarray(b.sum(axis=0)).ravel()
        keep = np.sort(np.argsort(-counts, kind="stable")[: self.ease_max_items])
        keep = keep[counts[keep] > 0]
        self.ease_items_ = keep
        self.ease_pos_: dict[int, int] = {}
        if len(keep) < 2:
            self.ease_ = None
            return
        g = (b[:, keep].T @ b[:, keep]).toarray()
        g[np.diag_indices_from(g)] += self.ease_lambda
        with threadpool_limits(1):  # on a busy 2-core machine two BLAS threads ran 4x slower than one
            # G is symmetric positive definite: invert through its Cholesky factor (3x cheaper than LU).
            chol, info = linalg.lapack.dpotrf(g, lower=False, overwrite_a=True)
            if info == 0:
                p, info = linalg.lapack.dpotri(chol, lower=False, overwrite_c=True)
                p = np.triu(p) + np.triu(p, 1).T
            if info != 0:
                p = linalg.inv((b[:, keep].T @ b[:, keep]).toarray() + self.ease_lambda * np.eye(len(keep)))
        ease = -p / np.diag(p)[None, :]
        np.fill_diagonal(ease, 0.0)
        self.ease_ = ease
        self.ease_pos_ = {int(item): p for p, item in enumerate(keep)}

    def _fit_repeat(self, known: pd.DataFrame) -> None:
        """Per item: share of its buyers who bought it in two or more orders, among buyers who placed
        two or more orders at all (one-order customers cannot show repeat buying), shrunk to the mean."""
        h = self.history_
        n_orders = known.groupby("customer")["order_id"].nunique().reindex(self.customers_).to_numpy()
        multi = n_orders >= 2
        hm = h[multi]
        buyers = np.asarray((hm > 0).sum(axis=0)).ravel()
        repeaters = np.asarray((hm >= 2).sum(axis=0)).ravel()
        prior = repeaters.sum() / max(buyers.sum(), 1)
        k = 5.0
        self.repeat_rate_ = (repeaters + k * prior) / (buyers + k)

    def _fit_similarity(self) -> None:
        b = self.history_.copy()
        b.data[:] = 1.0
        co = (b.T @ b).tocsr()
        co.setdiag(0)
        co.eliminate_zeros()
        n = np.asarray(b.sum(axis=0)).ravel()
        coo = co.tocoo()
        denom = np.sqrt(n[coo.row] * n[coo.col])
        sim = coo.data / denom * coo.data / (coo.data + self.shrinkage)
        s = sparse.csr_matrix((sim, (coo.row, coo.col)), shape=co.shape)
        self.similarity_ = top_k_rows(s, self.neighbours)
        self.similarity_csc_ = self.similarity_.tocsc()  # column reads for the reasons

    # ---- scoring -------------------------------------------------------------------------
    def _parts(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        h = self.history_[rows]
        last = self.last_days_[rows]
        decay = last.copy()
        decay.data = np.exp(-(decay.data - 1.0) / self.recency_days)
        weight = h.copy()
        weight.data = np.log1p(weight.data) * decay.data
        again = weight.multiply(self.repeat_rate_[None, :]).toarray()
        knn = (weight @ self.similarity_).toarray()
        ease = np.zeros_like(knn)
        if self.ease_ is not None:
            hb = h[:, self.ease_items_]
            hb.data[:] = 1.0
            ease[:, self.ease_items_] = hb @ self.ease_
        return again, knn, ease, h.toarray()

    @staticmethod
    def _scale(m: np.ndarray) -> np.ndarray:
        top = m.max(axis=1, keepdims=True)
        return np.divide(m, top, out=np.zeros_like(m), where=top > 0)

    def score_customers(self, customers: list[str], new_only: bool = False,
                        weights: tuple[float, ...] | None = None) -> np.ndarray:
        """Dense scores (customers x items); unknown customers get popularity only.

        `weights` = (again, knn, pop[, ease]) overrides the fitted blend (used by the evaluation)."""
        return self.blend(self.signals(customers), new_only, weights)

    def signals(self, customers: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
        """Per-customer signals, each scaled to 0..1 (computed once, blended many times in evaluation)."""
        idx = np.array([self.customer_index_.get(normalise_customer_key(c), -1) for c in customers], dtype=int)
        known = np.where(idx >= 0)[0]
        if not len(known):
            return idx, None
        again, knn, ease, hist = self._parts(idx[known])
        return idx, {"again": self._scale(again), "knn": self._scale(knn),
                     "ease": self._scale(np.maximum(ease, 0)), "hist": hist}

    def blend(self, signals: tuple[np.ndarray, dict[str, np.ndarray] | None], new_only: bool = False,
              weights: tuple[float, ...] | None = None) -> np.ndarray:
        idx, parts = signals
        w = tuple(weights) if weights is not None else (self.w_again, self.w_knn, self.w_pop, self.w_ease)
        wa, wk, wp, we = (w + (0.0,))[:4]
        out = np.tile(self.popularity_ * max(wp, 1e-6), (len(idx), 1))
        if parts is not None:
            s = wa * parts["again"] + wk * parts["knn"] + we * parts["ease"] + wp * self.popularity_[None, :]
            if new_only:
                s[parts["hist"] > 0] = -np.inf
            out[idx >= 0] = s
        return out

    def recommend(self, customer: str, k: int = 10, new_only: bool = False) -> list[Pick]:
        """Top-k picks with a reason a shop owner can read."""
        return self.recommend_many([customer], k, new_only)[0]

    def recommend_many(self, customers: list[str], k: int = 10, new_only: bool = False,
                       batch: int = 256) -> list[list[Pick]]:
        """Top-k picks per customer, scored in batches (a whole shop's list in seconds)."""
        keys = [normalise_customer_key(c) for c in customers]
        out: list[list[Pick]] = []
        for start in range(0, len(keys), batch):
            chunk = keys[start:start + batch]
            scores = self.score_customers(chunk, new_only=new_only)
            kk = min(k, scores.shape[1])
            if kk == 0:
                out.extend([] for _ in chunk)
                continue
            top = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
            for key, row_scores, cand in zip(chunk, scores, top, strict=True):
                cand = cand[np.argsort(-row_scores[cand], kind="stable")]
                row = self.customer_index_.get(key, -1)
                bought = self._row(self.history_, row) if row >= 0 else {}
                out.append([Pick(str(self.items_[j]), float(row_scores[j]), self._reason(row, j, bought))
                            for j in cand if np.isfinite(row_scores[j])])
        return out

    def _title(self, j: int) -> str:
        sku = str(self.items_[j])
        title = self.titles_.get(sku)
        return f"{title} ({sku})" if title else sku

    def _row(self, m: sparse.csr_matrix, row: int) -> dict[int, float]:
        a, b = m.indptr[row], m.indptr[row + 1]
        return dict(zip(m.indices[a:b].tolist(), m.data[a:b].tolist(), strict=True))

    def _reason(self, row: int, j: int, bought: dict[int, float] | None = None) -> str:
        if row < 0:
            return "best-seller (no purchase history yet)"
        bought = self._row(self.history_, row) if bought is None else bought
        if j in bought:
            days = int(self._row(self.last_days_, row)[j] - 1)
            return (f"bought {counted(int(bought[j]), 'time')}, last {counted(days, 'day')} ago; "
                    f"{self.repeat_rate_[j]:.0%} of repeat customers re-order it")
        pos = self.ease_pos_
        contrib: dict[int, float] = {}
        if self.ease_ is not None and j in pos:
            have = [i for i in bought if i in pos]
            if have:
                w = self.ease_[[pos[i] for i in have], pos[j]]
                contrib = {i: v for i, v in zip(have, w.tolist(), strict=True) if v > 0}
        if not contrib:
            c = self.similarity_csc_
            a, b = c.indptr[j], c.indptr[j + 1]
            contrib = {i: v for i, v in zip(c.indices[a:b].tolist(), c.data[a:b].tolist(), strict=True)
                       if i in bought and v > 0}
        if contrib:
            i = max(contrib, key=contrib.get)
            return f"bought {self._title(i)}; people who bought it also bought {self._title(j)}"
        return "best-seller"

    def similar(self, sku: str, k: int = 10) -> list[Pick]:
        """Products bought by the same customers; a product without history gets its category's
        best-sellers (or the shop's)."""
        j = self.item_index_.get(sku)
        picks: list[Pick] = []
        if j is not None:
            row = self.similarity_[j]
            order = np.argsort(-row.data)[:k]
            picks = [Pick(str(self.items_[row.indices[o]]), float(row.data[o]),
                          f"people who bought {self._title(j)} also bought {self._title(row.indices[o])}")
                     for o in order]
        if len(picks) < k:
            cat = self.category_.get(sku)
            taken = {p.sku for p in picks} | {sku}
            for i in np.argsort(-self.popularity_, kind="stable"):
                s = str(self.items_[i])
                if s in taken or (cat is not None and self.category_.get(s) != cat):
                    continue
                picks.append(Pick(s, float(self.popularity_[i]) * 0.01,
                                  f"best-seller in {cat}" if cat else "best-seller"))
                if len(picks) >= k:
                    break
        return picks
