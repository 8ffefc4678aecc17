"""Poisson regression with fixed effects profiled out, days of unknown price, cluster-robust errors.

Every elasticity model here has this shape: units_i ~ Poisson(t_i * exp(a_g(i) [+ d_w(i)] + x_i b)),
over the rows of `price_panel` (a SKU x channel's week at one price, `t` its share of the week),
with a level `a_g` per SKU x channel (or per channel for one SKU), optionally a level `d_w` per
week shared by all SKUs of a pool (the category's own season, holidays and trend, whatever their
shape), and `b` holding the log price (and, without week levels, trend and season terms). The
SKU x channel levels are never columns: for a given (b, d) they are in closed form, and Newton's
method runs on (b, d) with them profiled out (the week block of the information is diagonal, so
the system stays small). Exact (tests/pricing/test_poisson_fe.py compares with statsmodels), and
milliseconds where a GLM with hundreds of dummy columns takes seconds.

Days without sales between two sales at different prices: the price changed in that gap, but when
is unknown. Each such day shares itself between its week's row at the earlier price and the row
at the later one, by the probability that it came before / after the change, given the model (an
EM for the change point, refreshed after every Newton step and sped up with SQUAREM). With c the
number of gap days still at the earlier price, P(c) is proportional to prior(c) x exp(-sum_{w<=c}
oA_w - sum_{w>c} oB_w), o being *orders* a day (units / units per order line: a quiet day is a day
without an order), and day w is at the earlier price with P(c >= w). Two priors: `uniform` (every c
equally likely) and `spells` (geometric spell lengths with one hazard for the SKU x channel's main
prices and one for its other prices, estimated in the same EM: a promotion's price ends within
weeks, a regular price lasts months). Neither is right for every shop; the callers fit both and
treat their difference as uncertainty (see `elasticity.py`).

Covariances: `cov` is the inverse information scaled by the Pearson statistic (quasi-Poisson, not
below 1), with the information the unknown change points take away removed (Louis:
`missing_information`); with `clusters` also `cov_robust`, the CR1 sandwich over clusters (SKUs),
which stays valid when a SKU's weeks are correlated or the variance is not proportional to the mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAIN_SHARE = 0.2        # a price with at least this share of its SKU x channel's known days is a "main" price
DIVERGED = 25.0         # |coefficient| beyond this: the likelihood has no finite maximum (e.g. sales at one price only)


@dataclass
class FEFit:
    beta: np.ndarray
    cov: np.ndarray                  # quasi-Poisson (Pearson-scaled) covariance of beta
    cov_robust: np.ndarray | None    # cluster-robust covariance (None without 2+ clusters)
    n_clusters: int
    dof: int
    scale: float
    mu: np.ndarray                   # fitted means at the final exposures
    exposure: np.ndarray
    theta: np.ndarray                # b and the week levels
    shares: np.ndarray               # P(earlier price) of each ambiguous day


@dataclass
class Gaps:
    """The ambiguous days (see `price_panel`): day j shares itself between row `a[j]` (the earlier
    price) and row `b[j]` (the later); `gap` numbers the gaps 0..n-1, a gap's days consecutive and
    in date order. Per price level (`level_a` / `level_b` index them): `spells` completed, `known`
    days known at it, `kind` 0 for a main price of its SKU x channel and 1 for the others.
    """
    a: np.ndarray
    b: np.ndarray
    gap: np.ndarray
    level_a: np.ndarray
    level_b: np.ndarray
    spells: np.ndarray
    known: np.ndarray
    kind: np.ndarray
    per_line: np.ndarray        # units per order line of each ambiguous day's SKU x channel
    row_level: np.ndarray       # the level of each row (codes as level_a / level_b)
    day: float = 1 / 7          # one ambiguous day, in row exposure units (weeks)

    def __post_init__(self) -> None:
        first = np.r_[True, self.gap[1:] != self.gap[:-1]]
        self.starts = np.flatnonzero(first)                       # each gap's first day
        sizes = np.diff(np.r_[self.starts, len(self.gap)])
        self.start_of = np.repeat(self.starts, sizes)
        self.per_gap = np.repeat(np.arange(len(self.starts)), sizes)

    @classmethod
    def from_panel(cls, panel) -> Gaps | None:
        """From a `price_panel.PricePanel` (or a subset of it); None when no day is ambiguous."""
        return cls.from_arrays(panel.amb, panel.rows["level"].to_numpy(), panel.rows["pair"].to_numpy(),
                               panel.rows["units_per_line"].to_numpy(float), panel.spells, panel.known_days)

    @classmethod
    def from_arrays(cls, amb: dict[str, np.ndarray], level: np.ndarray, pair: np.ndarray, per_line: np.ndarray,
                    spells: np.ndarray, known_days: np.ndarray) -> Gaps | None:
        """`amb`: a, b (row positions), gap; `level`, `pair`, `per_line` per row; `spells`, `known_days`
        per level."""
        if len(amb["a"]) == 0:
            return None
        lv_a, lv_b = level[amb["a"]], level[amb["b"]]
        n, m = len(level), len(lv_a)
        used, code = np.unique(np.r_[level, lv_a, lv_b], return_inverse=True)
        known = known_days[used]
        pair_of = np.zeros(len(used), dtype=np.int64)
        pair_of[code[:n]] = pair
        pair_code = np.unique(pair_of, return_inverse=True)[1]
        kind = (known < MAIN_SHARE * np.bincount(pair_code, weights=known)[pair_code]).astype(np.int64)
        gap = np.unique(amb["gap"], return_inverse=True)[1]
        return cls(a=amb["a"], b=amb["b"], gap=gap, level_a=code[n:n + m], level_b=code[n + m:],
                   spells=spells[used], known=known, kind=kind, per_line=per_line[amb["a"]], row_level=code[:n])

    def subset(self, rows: np.ndarray) -> tuple[Gaps | None, np.ndarray]:
        """The days of the rows where `rows` (bool per row) holds, rows renumbered; and which days."""
        keep = rows[self.a] & rows[self.b]
        if not keep.any():
            return None, keep
        new = np.cumsum(rows) - 1
        return Gaps(a=new[self.a[keep]], b=new[self.b[keep]], gap=np.unique(self.gap[keep], return_inverse=True)[1],
                    level_a=self.level_a[keep], level_b=self.level_b[keep], spells=self.spells, known=self.known,
                    kind=self.kind, per_line=self.per_line[keep], row_level=self.row_level[rows], day=self.day), keep

    def order_rates(self, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Orders per day of each ambiguous day at its earlier and later price, from rows' weekly unit rates.

        A quiet day is a day without an order: its probability is exp(-orders), not exp(-units).
        """
        scale = self.day / self.per_line
        return rate[self.a] * scale, rate[self.b] * scale

    def initial(self) -> np.ndarray:
        """P(earlier price) of each day under the uniform prior with equal rates: (k - w + 1) / (k + 1)."""
        k = np.diff(np.r_[self.starts, len(self.gap)])[self.per_gap].astype(float)
        w = np.arange(len(self.gap)) - self.start_of + 1
        return (k - w + 1) / (k + 1)

    def exposure(self, known: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Row exposures: the known days plus each ambiguous day's expected share."""
        n = len(known)
        return (known + np.bincount(self.a, weights=p, minlength=n) * self.day
                + np.bincount(self.b, weights=1 - p, minlength=n) * self.day)

    def log_stay(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log(1 - daily hazard) of each ambiguous day's earlier and later price, given P(earlier) = p."""
        n_lv = len(self.spells)
        days = (self.known + np.bincount(self.level_a, weights=p, minlength=n_lv)
                + np.bincount(self.level_b, weights=1 - p, minlength=n_lv))
        spells = np.bincount(self.kind, weights=self.spells, minlength=2)
        total = np.bincount(self.kind, weights=days, minlength=2)
        stay = np.log1p(-np.clip((spells + 0.5) / (total + 1.0), 0.0, 0.9))[self.kind]
        return stay[self.level_a], stay[self.level_b]


def change_point_weights(rate_a: np.ndarray, rate_b: np.ndarray, gaps: Gaps,
                         stay: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """P(day at the earlier price) for each ambiguous day, given its order rates at both prices.

    `stay`: log(1 - hazard) per day of the earlier and the later price (the spell-length prior);
    without it every change point of a gap is equally likely a priori.
    """
    if stay is not None:
        rate_a, rate_b = rate_a - stay[0], rate_b - stay[1]
    starts, start_of, per_gap = gaps.starts, gaps.start_of, gaps.per_gap

    def cumsum(x: np.ndarray) -> np.ndarray:                     # within each gap, inclusive
        cs = np.cumsum(x)
        return cs - cs[start_of] + x[start_of]

    tot_b = np.add.reduceat(rate_b, starts)
    log_c = -cumsum(rate_a) - (tot_b[per_gap] - cumsum(rate_b))  # c = this day's position: days 1..w earlier
    log_0 = -tot_b                                               # c = 0: the whole gap at the later price
    top = np.maximum(np.maximum.reduceat(log_c, starts), log_0)
    p = np.exp(log_c - top[per_gap])
    p0 = np.exp(log_0 - top)
    total = np.add.reduceat(p, starts)
    after = total[per_gap] - cumsum(p) + p                       # P(c >= w), unnormalised
    return np.clip(after / (p0 + total)[per_gap], 0.0, 1.0)


def missing_information(v: np.ndarray, shares: np.ndarray, gaps: Gaps) -> np.ndarray:
    """Per gap: the posterior variance of the score's share that depends on where the price changed
    (Louis' missing information), for a score whose day-w term is v[w] when the day is at the earlier
    price and 0 at the later; `shares` = P(change point >= w) from the last E-step.

    The EM's information treats the shares as known; subtracting this gives the information the data
    actually hold. Without it the intervals of sparse SKUs were a third too narrow.
    """
    starts, start_of, per_gap = gaps.starts, gaps.start_of, gaps.per_gap
    cs = np.cumsum(v)
    S = cs - cs[start_of] + v[start_of]                                   # S(c = w)
    last = np.r_[per_gap[1:] != per_gap[:-1], True]
    nxt = np.where(last, 0.0, np.r_[shares[1:], 0.0])
    pc = np.clip(shares - nxt, 0.0, 1.0)                                  # P(c = w); c = 0 adds S = 0
    mean = np.add.reduceat(pc * S, starts)
    return np.maximum(np.add.reduceat(pc * S * S, starts) - mean ** 2, 0.0)


def inflate(var: np.ndarray, info_var: np.ndarray, missing: np.ndarray, cap: float = 0.9) -> np.ndarray:
    """Variance of the price coefficient with the missing information taken out of its information:
    var / (1 - missing x var_unscaled), the lost share capped at `cap`."""
    lost = np.clip(missing * info_var, 0.0, cap)
    return var / (1.0 - lost)


def gap_log_likelihood(rate_a: np.ndarray, rate_b: np.ndarray, gaps: Gaps,
                       stay: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """log P(no order on any day of the gap) per gap, given each day's order rates at both prices.

    The change point is uniform over the gap's k + 1 places, or with `stay` (log(1 - hazard) per day
    of the earlier and later price) follows the spell-length prior. For scoring predictions on days
    whose price is unknown: they are in the data *because* nothing sold, so scoring them at a guessed
    price penalises any prediction that reacts to price.
    """
    if stay is not None:
        return (gap_log_likelihood(rate_a - stay[0], rate_b - stay[1], gaps)
                - gap_log_likelihood(-stay[0], -stay[1], gaps))
    starts, start_of, per_gap = gaps.starts, gaps.start_of, gaps.per_gap

    def cumsum(x: np.ndarray) -> np.ndarray:
        cs = np.cumsum(x)
        return cs - cs[start_of] + x[start_of]

    tot_b = np.add.reduceat(rate_b, starts)
    log_c = -cumsum(rate_a) - (tot_b[per_gap] - cumsum(rate_b))
    log_0 = -tot_b
    top = np.maximum(np.maximum.reduceat(log_c, starts), log_0)
    total = np.add.reduceat(np.exp(log_c - top[per_gap]), starts) + np.exp(log_0 - top)
    k = np.diff(np.r_[starts, len(rate_a)])
    return top + np.log(total) - np.log(k + 1.0)


class _Model:
    """The linear predictor's parts and the profiled Newton system for theta = (b, week levels).

    The SKU x channel levels are profiled out (closed form given theta); week levels, when asked
    for, are parameters like b: their block of the information is diagonal, and the system
    (p + weeks unknowns) is solved densely. Weeks in which nothing of the pool sold have no level
    (their rows predict 0, as the maximum likelihood does in the limit).
    """

    def __init__(self, y: np.ndarray, X: np.ndarray, groups: np.ndarray, weeks: np.ndarray | None) -> None:
        self.y, self.X = y, X
        self.g = np.unique(groups, return_inverse=True)[1]
        self.ng = int(self.g.max()) + 1
        # A few groups (one SKU's channels): sums by group as one small matrix product.
        self.onehot = (self.g[:, None] == np.arange(self.ng)[None, :]).astype(float) if self.ng <= 8 else None
        self.totals = np.bincount(self.g, weights=y, minlength=self.ng)
        self.p = X.shape[1]
        self.live = np.ones(len(y), bool)
        self.nw = 0
        if weeks is not None:
            w = np.unique(weeks, return_inverse=True)[1]
            wt = np.bincount(w, weights=y)
            alive = np.flatnonzero(wt > 0)
            self.live = wt[w] > 0
            code = np.full(len(wt), -1)
            code[alive[1:]] = np.arange(len(alive) - 1)      # the first live week is the reference
            self.w = code[w]
            self.nw = len(alive) - 1
        self.n_levels = self.ng + self.nw

    def eta(self, theta: np.ndarray) -> np.ndarray:
        eta = self.X @ theta[:self.p]
        if self.nw:
            eta = eta + np.where(self.w >= 0, np.r_[theta[self.p:], 0.0][self.w], 0.0)
            eta = np.where(self.live, eta, -np.inf)
        return eta

    def rates(self, theta: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Full-exposure rates with the SKU x channel levels at their optimum given theta and t."""
        eta = self.eta(theta)
        eta = eta - eta.max()
        e = np.exp(eta)
        denom = (t * e) @ self.onehot if self.onehot is not None else np.bincount(self.g, weights=t * e,
                                                                                   minlength=self.ng)
        return e * (self.totals / np.maximum(denom, 1e-300))[self.g]

    def system(self, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Z'(y - mu), profiled information) with Z = [X, week indicators]."""
        g, X, live = self.g, self.X, self.live
        mass = np.maximum(self.totals, 1e-300)
        if not self.nw:                                   # every row is live
            Xm = X * mu[:, None]
            S_b = self.onehot.T @ Xm if self.onehot is not None else np.column_stack(
                [np.bincount(g, weights=Xm[:, j], minlength=self.ng) for j in range(self.p)])
            return X.T @ (self.y - mu), X.T @ Xm - S_b.T @ (S_b / mass[:, None])
        Xl, mul, gl = X[live], mu[live], g[live]
        grad_b = Xl.T @ (self.y[live] - mul)
        S_b = np.column_stack([np.bincount(gl, weights=mul * Xl[:, j], minlength=self.ng) for j in range(self.p)])
        info_bb = Xl.T @ (Xl * mul[:, None]) - S_b.T @ (S_b / mass[:, None])
        wl = self.w[live]
        has = wl >= 0
        grad_d = np.bincount(wl[has], weights=(self.y[live] - mul)[has], minlength=self.nw)
        S_d = np.bincount(gl[has] * self.nw + wl[has], weights=mul[has],
                          minlength=self.ng * self.nw).reshape(self.ng, self.nw)
        W_bd = np.column_stack([np.bincount(wl[has], weights=mul[has] * Xl[has, j], minlength=self.nw)
                                for j in range(self.p)])
        info_bd = W_bd.T - S_b.T @ (S_d / mass[:, None])
        info_dd = np.diag(np.bincount(wl[has], weights=mul[has], minlength=self.nw)) - S_d.T @ (S_d / mass[:, None])
        info = np.block([[info_bb, info_bd], [info_bd.T, info_dd]])
        return np.r_[grad_b, grad_d], info

    def residual_x(self, mu: np.ndarray, cov_theta: np.ndarray) -> np.ndarray:
        """Per-row efficient scores' X part: X minus its mu-weighted projection on all the levels."""
        g, X = self.g, self.X
        means = np.column_stack([np.bincount(g, weights=mu * X[:, j], minlength=self.ng) for j in range(self.p)])
        Xc = X - means[g] / np.maximum(self.totals, 1e-300)[g][:, None]
        if not self.nw:
            return Xc
        # Remove the part explained by the week levels: b's efficient score is s_b - I_bd I_dd^-1 s_d,
        # and I_bd I_dd^-1 = -(cov_bb)^-1 cov_bd, read off the inverse already computed.
        A = -np.linalg.solve(cov_theta[:self.p, :self.p], cov_theta[:self.p, self.p:])    # p x nw
        onehot_part = np.zeros_like(Xc)
        has = self.w >= 0
        onehot_part[has] = A.T[self.w[has]]
        S_d = np.bincount(g[has] * self.nw + self.w[has], weights=mu[has],
                          minlength=self.ng * self.nw).reshape(self.ng, self.nw)
        pair_mean_d = (S_d @ A.T) / np.maximum(self.totals, 1e-300)[:, None]       # ng x p
        return Xc - (onehot_part - pair_mean_d[g])


def fit_poisson_fe(y: np.ndarray, X: np.ndarray, groups: np.ndarray, exposure: np.ndarray | None = None,
                   gaps: Gaps | None = None, prior: str = "uniform", clusters: np.ndarray | None = None,
                   weeks: np.ndarray | None = None, max_iter: int = 60, tol: float = 3e-4,
                   start: FEFit | None = None, edge: np.ndarray | None = None) -> FEFit | None:
    """Fit; None when the information is singular or fewer than 4 residual degrees of freedom remain.

    `groups`: the level per row (SKU x channel); `weeks`: an optional second level per row.
    `prior`: "uniform" or "spells" for the ambiguous days' change points (see the module doc);
    `start`: a fit of the same data (another prior) to start from;
    `edge`: rows left out of the over-dispersion estimate (a SKU x channel's first and last weeks).
    """
    y = np.asarray(y, dtype=float)
    model = _Model(y, np.asarray(X, dtype=float), groups, weeks)
    t0 = np.ones(len(y)) if exposure is None else np.asarray(exposure, dtype=float)
    dof = len(y) - model.p - model.n_levels
    if dof < 4:
        return None
    theta = np.zeros(model.p + model.nw)
    p = gaps.initial() if gaps is not None else np.zeros(0)
    if start is not None:                     # warm start from a fit of the same data (another prior)
        theta, p = start.theta.copy(), start.shares.copy()

    def exposure_of(p: np.ndarray) -> np.ndarray:
        return t0 if gaps is None else gaps.exposure(t0, p)

    def update(theta: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
        """One Newton step on theta, then (with ambiguous days) the E-step for their shares."""
        t = exposure_of(p)
        mu = t * model.rates(theta, t)
        grad, info = model.system(mu)
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        theta = theta + step * min(1.0, 2.0 / max(float(np.max(np.abs(step))), 1e-300))   # damped, same direction
        if np.max(np.abs(theta[:model.p])) > DIVERGED:
            return None
        if gaps is not None:
            stay = gaps.log_stay(p) if prior == "spells" else None
            p = change_point_weights(*gaps.order_rates(model.rates(theta, t)), gaps, stay)
        return theta, p, float(np.max(np.abs(step[:model.p])))

    def close(a: tuple, b: tuple) -> bool:
        moved = float(np.max(np.abs(a[1] - b[1]))) if gaps is not None else 0.0
        return b[2] < tol and moved < 3e-3

    state = update(theta, p)
    if state is None:
        return None
    for _ in range(max_iter):
        one = update(state[0], state[1])
        if one is None:
            return None
        if gaps is None or close(state, one):
            state = one
            if one[2] < tol:
                break
            continue
        two = update(one[0], one[1])
        if two is None:
            return None
        # SQUAREM on the shares (the EM part converges linearly): extrapolate along the last two
        # steps, from the latest theta; bounded, and the Newton/E step after it re-stabilises.
        x0, x1, x2 = state[1], one[1], two[1]
        r, v = x1 - x0, x2 - 2 * x1 + x0
        nv = float(np.linalg.norm(v))
        alpha = max(-8.0, min(-1.0, -float(np.linalg.norm(r)) / nv)) if nv > 0 else -1.0
        jump = np.clip(x0 - 2 * alpha * r + alpha ** 2 * v, 0.0, 1.0)
        new = update(two[0], jump)
        new = new if new is not None else two
        done = close(state, new)
        state = new
        if done:
            break
    theta, p = state[0], state[1]
    t = exposure_of(p)
    mu = t * model.rates(theta, t)
    _, info = model.system(mu)
    live = model.live
    inner = live if edge is None else live & ~edge          # rows cut at a sale say little about dispersion
    pearson = float(np.sum((y[inner] - mu[inner]) ** 2 / np.maximum(mu[inner], 1e-12)))
    scale = max(1.0, pearson * live.sum() / max(int(inner.sum()), 1) / dof)
    try:
        inv = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return None
    lost = 0.0
    if gaps is not None and len(p):
        Xr = model.residual_x(mu, inv)[:, 0]
        rate = model.rates(theta, t)
        v = (Xr[gaps.a] * rate[gaps.a] - Xr[gaps.b] * rate[gaps.b]) * gaps.day
        lost = float(np.sum(missing_information(v, p, gaps)))
    robust, n_cl = None, 0
    if clusters is not None:
        codes = np.unique(clusters, return_inverse=True)[1]
        n_cl = int(codes.max()) + 1
        if n_cl >= 2:
            Xr = model.residual_x(mu, inv)
            score = np.where(live[:, None], Xr * (y - mu)[:, None], 0.0)
            per = np.column_stack([np.bincount(codes, weights=score[:, j], minlength=n_cl) for j in range(model.p)])
            bread = inv[:model.p, :model.p]
            k = model.p + model.n_levels
            corr = n_cl / (n_cl - 1) * (len(y) - 1) / max(len(y) - k, 1)
            robust = bread @ (per.T @ per) @ bread * corr
        else:
            n_cl = 0
    cov = inv[:model.p, :model.p] * scale
    if lost > 0:
        factor = float(inflate(np.array([1.0]), np.array([inv[0, 0]]), np.array([lost]))[0])
        cov = cov.copy()
        cov[0, 0] *= factor
        if robust is not None:
            robust = robust.copy()
            robust[0, 0] *= factor
    return FEFit(beta=theta[:model.p], cov=cov, cov_robust=robust, n_clusters=n_cl,
                 dof=dof, scale=scale, mu=mu, exposure=t, theta=theta, shares=p)
