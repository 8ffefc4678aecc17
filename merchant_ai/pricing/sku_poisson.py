"""Every SKU's own Poisson elasticity fit at once: the model of `poisson_fe.fit_poisson_fe` with one
level per channel, for thousands of SKUs in one vectorised Newton / EM loop.

Each SKU has its own coefficients (log price, trend, season: `X` with up to P columns, the unused
ones masked) and a level per SKU x channel, profiled out as in `poisson_fe`. The Newton systems
are P x P per SKU and solved as one stacked batch; the ambiguous days of all SKUs share one E-step.
Per-SKU loops cost a Python round trip per step and SKU, which on the UCI file (3,500 SKUs) was
most of the elasticity fit. Results match `fit_poisson_fe` SKU by SKU (tests/pricing/test_poisson_fe.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from merchant_ai.pricing.poisson_fe import DIVERGED, Gaps, change_point_weights, inflate, missing_information


@dataclass
class BatchFit:
    beta: np.ndarray          # (n_sku, P), NaN where the fit failed
    cov: np.ndarray           # (n_sku, P, P) quasi-Poisson covariance
    ok: np.ndarray            # (n_sku,) bool
    shares: np.ndarray        # P(earlier price) per ambiguous day


def fit_skus(y: np.ndarray, X: np.ndarray, used: np.ndarray, sku: np.ndarray, pair: np.ndarray,
             exposure: np.ndarray, gaps: Gaps | None, prior: str = "uniform", start: BatchFit | None = None,
             max_iter: int = 60, tol: float = 3e-4, edge: np.ndarray | None = None) -> BatchFit:
    """Rows sorted by SKU, then pair. `sku`, `pair`: 0-based codes per row (pairs nested in SKUs);
    `used`: (n_sku, P) bool, the columns each SKU's model has; `gaps` over these rows, its days in
    SKU order (the per-SKU hazards of the `spells` prior are pooled within each SKU); `edge`: rows
    left out of the over-dispersion estimate (see `price_panel`)."""
    edge = np.zeros(len(y), bool) if edge is None else edge
    n, P = X.shape
    n_sku = int(sku.max()) + 1
    n_pair = int(pair.max()) + 1
    sku_start = np.flatnonzero(np.r_[True, sku[1:] != sku[:-1]])
    pair_start = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    sku_of_pair = sku[pair_start]
    pair_sku_start = np.flatnonzero(np.r_[True, sku_of_pair[1:] != sku_of_pair[:-1]])
    totals = np.add.reduceat(y, pair_start)
    X = np.where(used[sku], X, 0.0)
    outer_x = X[:, :, None] * X[:, None, :]                        # (n, P, P), reused every step
    unused_eye = np.zeros((n_sku, P, P))
    idx = np.arange(P)
    unused_eye[:, idx, idx] = (~used).astype(float)
    amb_sku = sku[gaps.a] if gaps is not None else np.zeros(0, np.int64)
    kind_group = None
    if gaps is not None and prior == "spells":
        # Hazards pooled per SKU and kind of price (main / other), as a single-SKU fit pools them.
        lv_sku = np.zeros(len(gaps.spells), np.int64)
        lv_sku[gaps.row_level] = sku
        kind_group = lv_sku * 2 + gaps.kind

    def exposure_of(p: np.ndarray) -> np.ndarray:
        return exposure if gaps is None else gaps.exposure(exposure, p)

    def rates(theta: np.ndarray, t: np.ndarray) -> np.ndarray:
        eta = np.einsum("ij,ij->i", X, theta[sku])
        eta = eta - np.maximum.reduceat(eta, pair_start)[pair]
        e = np.exp(eta)
        return e * (totals / np.maximum(np.add.reduceat(t * e, pair_start), 1e-300))[pair]

    def log_stay(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_lv = len(gaps.spells)
        days = (gaps.known + np.bincount(gaps.level_a, weights=p, minlength=n_lv)
                + np.bincount(gaps.level_b, weights=1 - p, minlength=n_lv))
        m = 2 * n_sku
        hazard = (np.bincount(kind_group, weights=gaps.spells, minlength=m) + 0.5) / (
            np.bincount(kind_group, weights=days, minlength=m) + 1.0)
        stay = np.log1p(-np.clip(hazard, 0.0, 0.9))[kind_group]
        return stay[gaps.level_a], stay[gaps.level_b]

    def system(mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grad = np.add.reduceat(X * (y - mu)[:, None], sku_start)                     # (n_sku, P)
        S = np.add.reduceat(X * mu[:, None], pair_start)                              # (n_pair, P)
        corr = S[:, :, None] * S[:, None, :] / np.maximum(totals, 1e-300)[:, None, None]
        info = (np.add.reduceat(outer_x * mu[:, None, None], sku_start)
                - np.add.reduceat(corr, pair_sku_start) + unused_eye)
        return grad, info

    def solve(info: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        try:
            return np.linalg.solve(info, grad[:, :, None])[:, :, 0], np.ones(n_sku, bool)
        except np.linalg.LinAlgError:
            out, good = np.zeros_like(grad), np.ones(n_sku, bool)
            for s in range(n_sku):
                try:
                    out[s] = np.linalg.solve(info[s], grad[s])
                except np.linalg.LinAlgError:
                    good[s] = False
            return out, good

    ok = np.ones(n_sku, bool) if start is None else start.ok.copy()

    def update(theta: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t = exposure_of(p)
        mu = t * rates(theta, t)
        grad, info = system(mu)
        step, good = solve(info, grad)
        bad = ~good | ~np.all(np.isfinite(step), axis=1)
        ok[bad] = False
        step[bad | ~ok] = 0.0
        size = np.max(np.abs(step), axis=1)
        theta = theta + step * np.minimum(1.0, 2.0 / np.maximum(size, 1e-300))[:, None]
        diverged = np.max(np.abs(theta), axis=1) > DIVERGED
        ok[diverged] = False
        theta[diverged] = 0.0
        if gaps is not None:
            r = rates(theta, t)
            stay = log_stay(p) if kind_group is not None else None
            p = change_point_weights(*gaps.order_rates(r), gaps, stay)
        return theta, p, size

    theta = np.zeros((n_sku, P)) if start is None else np.nan_to_num(start.beta.copy())
    p = (gaps.initial() if start is None else start.shares.copy()) if gaps is not None else np.zeros(0)

    def moved(p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
        if gaps is None or len(p0) == 0:
            return np.zeros(n_sku)
        out = np.zeros(n_sku)
        np.maximum.at(out, amb_sku, np.abs(p1 - p0))
        return out

    state = update(theta, p)
    for it in range(max_iter):
        one = update(state[0], state[1])
        done = (one[2] < tol) & (moved(state[1], one[1]) < 3e-3)
        if it >= 3 and 0 < (~done).sum() < COMPACT * n_sku:
            # A few SKUs still converging: go on with them alone (warm), keep the others' results.
            return _finish_few(y, X, used, sku, pair, exposure, gaps, prior, one, done, ok, max_iter - it, tol,
                               system, rates, exposure_of, sku_start, pair_sku_start, n_pair, edge)
        if gaps is None or done.all():
            state = one
            if done.all():
                break
            continue
        two = update(one[0], one[1])
        # SQUAREM on the shares, with a step length per SKU.
        r, v = one[1] - state[1], two[1] - 2 * one[1] + state[1]
        nr = np.sqrt(np.bincount(amb_sku, weights=r * r, minlength=n_sku))
        nv = np.sqrt(np.bincount(amb_sku, weights=v * v, minlength=n_sku))
        alpha = np.where(nv > 0, np.clip(-nr / np.maximum(nv, 1e-300), -8.0, -1.0), -1.0)[amb_sku]
        jump = np.clip(state[1] - 2 * alpha * r + alpha ** 2 * v, 0.0, 1.0)
        new = update(two[0], jump)
        done = (new[2] < tol) & (moved(state[1], new[1]) < 3e-3)
        state = new
        if done.all():
            break
    return _results(state[0], state[1], ok, y, used, exposure_of, rates, system, sku_start, pair_sku_start, n_pair,
                    edge, X, gaps, sku, pair)


COMPACT = 0.2          # fewer than this share of SKUs left unconverged: continue with those alone


def _finish_few(y, X, used, sku, pair, exposure, gaps, prior, state, done, ok, iters, tol,
                system, rates, exposure_of, sku_start, pair_sku_start, n_pair, edge) -> BatchFit:
    """Results for the converged SKUs from `state`; the rest refitted alone from where they are."""
    theta, p = state[0], state[1]
    out = _results(theta, p, ok, y, used, exposure_of, rates, system, sku_start, pair_sku_start, n_pair, edge,
                   X, gaps, sku, pair)
    rest = np.flatnonzero(~done)
    rows = np.isin(sku, rest)
    sub_gaps, days = gaps.subset(rows) if gaps is not None else (None, np.zeros(0, bool))
    start = BatchFit(beta=theta[rest], cov=np.zeros(0), ok=ok[rest].copy(), shares=p[days])
    sub = fit_skus(y[rows], X[rows], used[rest], np.unique(sku[rows], return_inverse=True)[1],
                   np.unique(pair[rows], return_inverse=True)[1], exposure[rows], sub_gaps, prior, start,
                   max_iter=iters, tol=tol, edge=edge[rows])
    out.beta[rest], out.cov[rest], out.ok[rest] = sub.beta, sub.cov, sub.ok & ok[rest]
    if gaps is not None:
        out.shares[days] = sub.shares
    return out


def _results(theta, p, ok, y, used, exposure_of, rates, system, sku_start, pair_sku_start, n_pair,
             edge, X, gaps, sku, pair) -> BatchFit:
    n = len(y)
    n_sku = len(theta)
    ok = ok.copy()
    t = exposure_of(p)
    mu = t * rates(theta, t)
    _, info = system(mu)
    n_rows = np.diff(np.r_[sku_start, n])
    n_pairs = np.diff(np.r_[pair_sku_start, n_pair])
    dof = n_rows - used.sum(axis=1) - n_pairs
    # Pearson statistic of the rows inside the span, scaled to all rows' degrees of freedom.
    inner = ~edge
    pearson = np.add.reduceat(np.where(inner, (y - mu) ** 2 / np.maximum(mu, 1e-12), 0.0), sku_start)
    n_inner = np.add.reduceat(inner.astype(float), sku_start)
    scale = np.maximum(1.0, pearson * n_rows / np.maximum(n_inner, 1) / np.maximum(dof, 1))
    try:
        inv = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        inv = np.full_like(info, np.nan)
        for s in range(n_sku):
            try:
                inv[s] = np.linalg.inv(info[s])
            except np.linalg.LinAlgError:
                ok[s] = False
    ok &= dof >= 4
    beta = np.where(ok[:, None], theta, np.nan)
    cov = inv * scale[:, None, None]
    if gaps is not None and len(p):
        # Louis' correction for the price coefficient (see poisson_fe.missing_information).
        r = rates(theta, t)
        pair_start = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
        s0 = np.add.reduceat(X[:, 0] * mu, pair_start) / np.maximum(np.add.reduceat(mu, pair_start), 1e-300)
        xc = X[:, 0] - s0[pair]
        v = (xc[gaps.a] * r[gaps.a] - xc[gaps.b] * r[gaps.b]) * gaps.day
        n_sku = len(theta)
        per_gap = missing_information(v, p, gaps)
        lost = np.bincount(sku[gaps.a[gaps.starts]], weights=per_gap, minlength=n_sku)
        cov[:, 0, 0] = inflate(cov[:, 0, 0], inv[:, 0, 0], lost)
    return BatchFit(beta=beta, cov=cov, ok=ok, shares=p.copy())
