"""Rolling-origin backtest: every candidate, every series, several origins, scored by MASE.

Selection per series is only as good as the evidence: each candidate is refit at several past
origins using only the data before each, forecasts the user's horizon, and is scored by MASE
(mean absolute error over the in-sample one-step naive MAE, per series and origin). The residuals
of the chosen model give the prediction intervals and the error over a lead time that stock
policy needs; coverage is measured on the latest origin with quantiles learnt from the others.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from merchant_ai.analytics import forecast_models as fm
from merchant_ai.analytics import forecast_statsmodels as fsm
from merchant_ai.analytics.forecast_global import GlobalBoostedModel

QUANTILES = {"lower95": 0.025, "lower80": 0.10, "upper80": 0.90, "upper95": 0.975}


class Cancelled(Exception):
    """The user cancelled a running forecast; nothing is kept."""


@dataclass
class Context:
    """What candidates may look at besides the matrix: calendar, prices, categories, options."""

    h: int
    m: int
    freq: str
    level: str
    periods: pd.DatetimeIndex
    price: np.ndarray
    categories: list[str]
    weight: np.ndarray
    final: bool = False
    max_ets: int = 150
    max_arima: int = 30
    use_statsmodels: bool = True
    use_global: bool = True
    seed: int = 0

    def truncated(self, t: int) -> Context:
        return Context(self.h, self.m, self.freq, self.level, self.periods[:t], self.price[:, :t],
                       self.categories, self.weight[:, :t], False, self.max_ets, self.max_arima,
                       self.use_statsmodels, self.use_global, self.seed)


def _snaive(Y, start, h, ctx):
    out = fm.seasonal_naive(Y, start, h, ctx.m)
    if not ctx.final:  # a backtest origin needs one season; the live forecast two (see issue 4)
        return out if Y.shape[1] >= 2 * ctx.m else _one_season_naive(Y, start, h, ctx.m)
    return out


def _one_season_naive(Y, start, h, m):
    n, T = Y.shape
    out = np.full((n, h), np.nan)
    if T < m:
        return out
    out[:] = Y[:, T - m + (np.arange(h) % m)]
    out[(T - start) < m] = np.nan
    return out


def _ets(Y, start, h, ctx):
    if not ctx.use_statsmodels:
        return np.full((Y.shape[0], h), np.nan)
    rows = fsm.ets_candidates(Y, start, ctx.m, ctx.max_ets)
    return fsm.seasonal_ets(Y, start, h, ctx.m, rows)


def _arima(Y, start, h, ctx):
    # SKU series: never the best on retail data (perf-notes, baselines) and 0.1-0.3 s a fit.
    if not ctx.use_statsmodels or ctx.level == "sku" or Y.shape[0] > ctx.max_arima:
        return np.full((Y.shape[0], h), np.nan)
    return fsm.arima(Y, start, h, np.arange(Y.shape[0]))


def _global(Y, start, h, ctx):
    if not ctx.use_global or Y.shape[0] < 20 or Y.shape[1] < 12:
        return np.full((Y.shape[0], h), np.nan)
    model = GlobalBoostedModel(h, ctx.m, random_state=ctx.seed)
    return model.fit(Y, start, ctx.periods, ctx.freq, ctx.price, ctx.categories, ctx.weight).predict()


@dataclass
class Candidate:
    name: str
    fn: Callable[..., np.ndarray]


# Ordered simplest first: ties go to the earlier one.
CANDIDATES: list[Candidate] = [
    Candidate("naive", lambda Y, s, h, c: fm.naive(Y, s, h)),
    Candidate("seasonal_naive", _snaive),
    Candidate("moving_average_4", lambda Y, s, h, c: fm.moving_average(Y, s, h, 4)),
    Candidate("moving_average_8", lambda Y, s, h, c: fm.moving_average(Y, s, h, 8)),
    Candidate("moving_average_13", lambda Y, s, h, c: fm.moving_average(Y, s, h, 13)),
    Candidate("ses", lambda Y, s, h, c: fm.ses(Y, s, h)),
    Candidate("croston_sba", lambda Y, s, h, c: fm.croston_sba(Y, s, h)),
    Candidate("tsb", lambda Y, s, h, c: fm.tsb(Y, s, h)),
    Candidate("adida", lambda Y, s, h, c: fm.adida(Y, s, h)),
    Candidate("imapa", lambda Y, s, h, c: fm.imapa(Y, s, h)),
    Candidate("damped_trend", lambda Y, s, h, c: fm.damped_holt(Y, s, h)),
    Candidate("ets_seasonal", _ets),
    Candidate("arima", _arima),
    Candidate("global_gbm", _global),
]
COMBO = "combination"
NAMES = [c.name for c in CANDIDATES] + [COMBO]


def run_candidates(Y: np.ndarray, start: np.ndarray, ctx: Context, names: list[str],
                   tick: Callable[[str], None] | None = None) -> dict[str, np.ndarray]:
    out = {}
    for cand in CANDIDATES:
        if cand.name in names:
            if tick:
                tick(cand.name)
            out[cand.name] = cand.fn(Y, start, ctx.h, ctx)
    return out


def naive_scale(Y: np.ndarray, start: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """In-sample one-step naive MAE per series since launch (censored steps left out)."""
    T = Y.shape[1]
    diff = np.abs(np.diff(Y, axis=1))
    ok = (np.arange(1, T)[None, :] > start[:, None]) & (weight[:, 1:] > 0) & (weight[:, :-1] > 0)
    total = np.where(ok, diff, 0).sum(axis=1)
    count = ok.sum(axis=1)
    scale = np.where(count > 0, total / np.clip(count, 1, None), np.nan)
    fallback = np.where(Y.sum(axis=1) > 0, Y.sum(axis=1) / np.clip(T - start, 1, None), 1.0)
    return np.where((scale > 0) & np.isfinite(scale), scale, fallback)


def origins_for(T: int, h: int, n_origins: int, min_train: int, m: int = 1) -> list[int]:
    """Recent origins, newest first, plus the same season a year back when the history holds it.

    The recent origins alone never score a model on the season ahead: on a two-year shop forecast
    in November they all fell in late summer, so a damped trend beat seasonal models and the
    forecast ran flat through a Christmas that last year's line showed plainly.
    """
    spacing = max(1, round(h / 3))
    out = [o for o in (T - h - i * spacing for i in range(n_origins)) if o >= min_train]
    seasonal = T - m
    if m > 1 and seasonal >= max(min_train, m) and seasonal + h <= T and seasonal not in out:
        out.append(seasonal)
    return out


# Not refitted at the recent origins: the statsmodels fits and the boosted model are most of a
# backtest's time (on UCI ~1 s of 2.5 per forecast) and moved no figure there; their factors keep
# coming from the full origins.
NOT_RECENT = ("ets_seasonal", "arima", "global_gbm")


def recent_origins(T: int, h: int, min_train: int) -> list[int]:
    """Origins after the newest full-horizon one (T - h), newest first, every `h / 3` periods.

    Each is scored only on the periods up to T (a partial horizon). They carry the latest evidence
    on a forecast's level bias, which the full-horizon origins only see 12 to 20 weeks late.
    """
    spacing = max(1, round(h / 3))
    return [T - i * spacing for i in range(1, h) if i * spacing < h and T - i * spacing >= min_train]


@dataclass
class BacktestResult:
    origins: list[int]
    scores: dict[str, np.ndarray]                 # name -> (n,) mean MASE over origins
    forecasts: dict[str, list[np.ndarray]]        # name -> per-origin (n, h)
    actuals: list[np.ndarray]                     # per-origin (n, h), NaN where censored/out of range
    scales: list[np.ndarray]                      # per-origin (n,)
    evaluated: np.ndarray                         # (n,) number of origins each series was scored at
    extra: dict = field(default_factory=dict)


def backtest(Y_fit: np.ndarray, Y_true: np.ndarray, start: np.ndarray, ctx: Context, names: list[str],
             n_origins: int = 3, min_train: int = 4,
             tick: Callable[[float, str], None] | None = None) -> BacktestResult:
    """Score candidates at rolling origins. Models see cleaned `Y_fit`; errors use `Y_true`."""
    n, T = Y_fit.shape
    h = ctx.h
    origins = origins_for(T, h, n_origins, min_train, ctx.m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows are expected (series too young)
        return _backtest(Y_fit, Y_true, start, ctx, names, origins, min_train, tick)


def recent_backtest(Y_fit: np.ndarray, Y_true: np.ndarray, start: np.ndarray, ctx: Context, names: list[str],
                    min_train: int = 4, tick: Callable[[float, str], None] | None = None,
                    exclude: np.ndarray | None = None) -> BacktestResult:
    """The candidates but `NOT_RECENT` at `recent_origins`, scored on the periods each has up to the end.

    `exclude` (n, T) marks periods left out of the errors: spikes and flagged promotions. Two to
    eight recent weeks are a thin window; a four-week promotion in it would otherwise read as a
    level the forecasts fell short of, and lift them all.
    """
    origins = recent_origins(Y_fit.shape[1], ctx.h, min_train)
    names = [nm for nm in names if nm not in NOT_RECENT]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _backtest(Y_fit, Y_true, start, ctx, names, origins, min_train, tick, exclude)


def _backtest(Y_fit, Y_true, start, ctx, names, origins, min_train, tick, exclude=None) -> BacktestResult:
    n, T = Y_fit.shape
    h = ctx.h
    forecasts: dict[str, list[np.ndarray]] = {name: [] for name in names if name != COMBO}
    actuals, scales = [], []
    mase = {name: [] for name in forecasts}
    for k, o in enumerate(origins):
        sub = ctx.truncated(o)
        step = (lambda name, k=k: tick(k / max(1, len(origins)), f"backtest origin {k + 1}: {name}")) if tick else None
        fc = run_candidates(Y_fit[:, :o], np.minimum(start, o), sub, names, step)
        a = Y_true[:, o:o + h].astype(float).copy()
        if a.shape[1] < h:
            a = np.concatenate([a, np.full((n, h - a.shape[1]), np.nan)], axis=1)
        w = ctx.weight[:, o:o + h]
        a[:, :w.shape[1]][w <= 0] = np.nan
        if exclude is not None:
            a[:, :w.shape[1]][exclude[:, o:o + h]] = np.nan
        valid = (o - start >= min_train)
        a[~valid] = np.nan
        scale = naive_scale(Y_true[:, :o], np.minimum(start, o), ctx.weight[:, :o])
        actuals.append(a)
        scales.append(scale)
        for name, f in fc.items():
            forecasts[name].append(f)
            with np.errstate(invalid="ignore"):
                mae = np.nanmean(np.abs(f - a), axis=1) if h else np.zeros(n)
            mae = np.where(np.isnan(f).all(axis=1), np.nan, mae)
            mase[name].append(mae / scale)
    evaluated = np.sum([~np.isnan(a).all(axis=1) for a in actuals], axis=0) if actuals else np.zeros(n, int)
    scores = {}
    for name, rows in mase.items():
        if not rows:
            scores[name] = np.full(n, np.nan)
            continue
        stack = np.vstack(rows)
        # A candidate missing at an origin where the series was scored cannot be compared fairly.
        scored = np.vstack([~np.isnan(a).all(axis=1) for a in actuals])
        missing = (np.isnan(stack) & scored).any(axis=0)
        with np.errstate(all="ignore"):
            s = np.nanmean(stack, axis=0)
        scores[name] = np.where(missing, np.nan, s)
    return BacktestResult(origins, scores, forecasts, actuals, scales, evaluated)


CALIBRATION_GRID = np.round(np.arange(0.3, 1.201, 0.05), 2)


def _rescore(result: BacktestResult, name: str) -> None:
    rows = []
    for k, a in enumerate(result.actuals):
        f = result.forecasts[name][k]
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mae = np.nanmean(np.abs(f - a), axis=1)
        rows.append(np.where(np.isnan(f).all(axis=1), np.nan, mae) / result.scales[k])
    scored = np.vstack([~np.isnan(a).all(axis=1) for a in result.actuals])
    stack = np.vstack(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(stack, axis=0)
    result.scores[name] = np.where((np.isnan(stack) & scored).any(axis=0), np.nan, mean)


def calibrate(result: BacktestResult, groups: np.ndarray, names: list[str],
              recent: BacktestResult | None = None) -> dict[str, np.ndarray]:
    """Per demand class and candidate, the factor on forecasts that minimises backtest MASE.

    MASE and WAPE reward the median of future demand, and sales are skewed (most weeks quiet,
    a few big): the mean-type forecasts of smoothing methods sit above the median. One factor per
    (class, model), learnt on thousands of backtest errors before `as_of`, moves them toward it.
    With `recent` (see `recent_backtest`), a model's factor is learnt on the latest evidence: those
    partial-horizon origins plus the newest full one, not the older full origins (models not run
    there keep all full origins). The right factor drifts with the season (on the UCI file about
    0.5 for smooth SKUs in May, 0.9 by September), and the older origins lag it by up to 20 weeks.
    Returns name -> (n,) factor; the backtest forecasts and scores are updated in place.
    """
    factors = {}
    if not result.actuals:
        return factors
    for name in names:
        if name not in result.forecasts:
            continue
        latest = recent is not None and bool(recent.actuals) and name in recent.forecasts
        evidence = [0] if latest else range(len(result.actuals))
        pairs = [(result.forecasts[name][o], result.actuals[o], result.scales[o]) for o in evidence]
        if latest:
            pairs += [(recent.forecasts[name][o], a, recent.scales[o]) for o, a in enumerate(recent.actuals)]
        fac = np.ones(len(groups))
        for g in np.unique(groups):
            rows = groups == g
            best_k, best_err = 1.0, np.inf
            for k in CALIBRATION_GRID:
                err = 0.0
                for f, a, sc in pairs:
                    d = np.abs(k * f[rows] - a[rows]) / sc[rows, None]
                    err += np.nansum(d)
                if err < best_err - 1e-9 * abs(best_err if np.isfinite(best_err) else 0):
                    best_k, best_err = float(k), err
            fac[rows] = best_k
        factors[name] = fac
        result.forecasts[name] = [f * fac[:, None] for f in result.forecasts[name]]
        _rescore(result, name)
    return factors


def select(result: BacktestResult, names: list[str], available: dict[str, np.ndarray],
           tie_tolerance: float = 0.01, combine: bool = True, groups: np.ndarray | None = None,
           shrinkage: float = 0.0, combine_top: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Per-series index into `names` of the chosen model (simplest within the tolerance), and score.

    `available[name]` says whether the candidate has a live forecast for the series. A series'
    scores are shrunk toward its group's mean score per model (weight `shrinkage` against the
    number of origins it was scored at): three noisy origins alone pick the lucky model, not the
    good one; a series too young to be scored gets its group's mean (its class's best model). When `combine`, each series' `combine_top` best candidates (by shrunk score),
    weighted by inverse score, are one more candidate; the weights are kept in
    `result.extra["combo_members"]` / `["combo_weights"]` for the live forecast.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _select(result, names, available, tie_tolerance, combine, groups, shrinkage, combine_top)


def combine_forecasts(stack: np.ndarray, members: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(models, n, h) forecasts -> (n, h): per series, the weighted mean of its member models."""
    idx = np.arange(stack.shape[1])
    return sum(weights[j][:, None] * stack[members[j], idx] for j in range(len(members)))


def _select(result, names, available, tie_tolerance, combine, groups, shrinkage, combine_top):
    base = [nm for nm in names if nm != COMBO]
    avail = np.vstack([available[nm] for nm in base])
    S = np.where(avail, np.vstack([result.scores[nm] for nm in base]), np.nan)
    n = S.shape[1]
    S = np.where(avail, _shrink(S, result.evaluated, groups, shrinkage), np.nan)
    if combine and COMBO in names and len(base) >= 2:
        filled = np.where(np.isnan(S), np.inf, S)
        k = min(max(2, combine_top), len(base))
        members = np.argsort(filled, axis=0, kind="stable")[:k]          # (k, n)
        top = np.take_along_axis(filled, members, axis=0)
        inv = np.where(np.isfinite(top), 1.0 / np.clip(top, 1e-9, None), 0.0)
        weights = inv / np.where(inv.sum(axis=0) > 0, inv.sum(axis=0), 1.0)
        two = (inv > 0).sum(axis=0) >= 2
        combo_fc, combo_scores = [], []
        for o, a in enumerate(result.actuals):
            F = np.nan_to_num(np.stack([result.forecasts[nm][o] for nm in base]))
            f = combine_forecasts(F, members, weights)
            combo_fc.append(f)
            with np.errstate(invalid="ignore"):
                combo_scores.append(np.nanmean(np.abs(f - a), axis=1) / result.scales[o])
        with np.errstate(all="ignore"):
            cs = np.nanmean(np.vstack(combo_scores), axis=0) if combo_scores else np.full(n, np.nan)
        result.scores[COMBO] = np.where(two, cs, np.nan)
        result.extra["combo_members"] = members
        result.extra["combo_weights"] = weights
        result.forecasts[COMBO] = combo_fc
        S = np.vstack([S, _shrink(result.scores[COMBO][None, :], result.evaluated, groups, shrinkage)])
        full = base + [COMBO]
    else:
        full = base
    filled = np.where(np.isnan(S), np.inf, S)
    best = filled.min(axis=0)
    within = filled <= best[None, :] * (1 + tie_tolerance) + 1e-12
    choice = np.argmax(within, axis=0)
    choice = np.where(np.isfinite(best), choice, -1)
    return np.array([full[c] if c >= 0 else "" for c in choice], dtype=object), np.where(np.isfinite(best), best, np.nan)


def _shrink(S: np.ndarray, evaluated: np.ndarray, groups: np.ndarray | None, weight: float) -> np.ndarray:
    if weight <= 0 or groups is None:
        return S
    out = S.copy()
    ev = evaluated.astype(float)
    for g in np.unique(groups):
        rows = groups == g
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(S[:, rows], axis=1)
        # A series never scored (too young) takes its group's evidence alone.
        own = np.where(np.isnan(S[:, rows]) & (ev[rows] == 0)[None, :], mean[:, None], S[:, rows])
        out[:, rows] = (own * ev[rows] + weight * mean[:, None]) / (ev[rows] + weight)
    return out


def chosen_residuals(result: BacktestResult, chosen: np.ndarray) -> np.ndarray:
    """(origins, n, h) actual minus forecast of each series' chosen model, over its scale."""
    n = len(chosen)
    out = np.full((len(result.origins), n, len(result.actuals[0][0]) if result.actuals else 0), np.nan)
    for name in set(chosen) - {""}:
        rows = np.flatnonzero(chosen == name)
        for k in range(len(result.origins)):
            f = result.forecasts[name][k][rows]
            out[k, rows] = (result.actuals[k][rows] - f) / result.scales[k][rows, None]
    return out


def interval_quantiles(resid: np.ndarray, groups: np.ndarray, min_count: int = 60) -> dict[str, dict[str, np.ndarray]]:
    """Per group and quantile name, an (h,) array of scaled-residual quantiles.

    Per step where there is enough data; otherwise pooled over steps with sqrt(step) growth.
    """
    h = resid.shape[2] if resid.ndim == 3 else 0
    steps = np.sqrt(np.arange(1, h + 1))
    table = {}
    for g in list(np.unique(groups)) + ["_all"]:
        rows = np.ones(len(groups), bool) if g == "_all" else groups == g
        r = resid[:, rows, :]
        q = {}
        pooled = (r / steps[None, None, :]).ravel()
        pooled = pooled[np.isfinite(pooled)]
        for name, p in QUANTILES.items():
            col = np.full(h, np.nan)
            for j in range(h):
                v = r[:, :, j].ravel()
                v = v[np.isfinite(v)]
                if len(v) >= min_count:
                    col[j] = np.quantile(v, p)
                elif len(pooled) >= 8:
                    col[j] = np.quantile(pooled, p) * steps[j]
            q[name] = col
        table[str(g)] = q
    return table


def band(mean: np.ndarray, scale: np.ndarray, groups: np.ndarray,
         table: dict[str, dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Interval bounds for (n, h) means; empty groups borrow the all-series quantiles."""
    out = {}
    for name in QUANTILES:
        q = np.vstack([table.get(str(g), table["_all"])[name] for g in groups]) if len(groups) else \
            np.zeros_like(mean)
        q = np.where(np.isnan(q), np.vstack([table["_all"][name]] * len(groups)) if len(groups) else q, q)
        out[name] = np.clip(mean + np.nan_to_num(q) * scale[:, None], 0, None)
    out["lower95"] = np.minimum(out["lower95"], out["lower80"])
    out["upper95"] = np.maximum(out["upper95"], out["upper80"])
    return out


def coverage(resid: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """Share of the latest origin's actuals inside bands learnt from the older origins."""
    if resid.shape[0] < 2:
        return {"coverage80": float("nan"), "coverage95": float("nan"), "points": 0}
    table = interval_quantiles(resid[1:], groups)
    latest = resid[0]
    inside80 = inside95 = total = 0
    for g in np.unique(groups):
        rows = groups == g
        q = table.get(str(g), table["_all"])
        r = latest[rows]
        ok = np.isfinite(r)
        lo80, hi80 = q["lower80"][None, :], q["upper80"][None, :]
        lo95, hi95 = q["lower95"][None, :], q["upper95"][None, :]
        inside80 += int(((r >= lo80) & (r <= hi80) & ok).sum())
        inside95 += int(((r >= lo95) & (r <= hi95) & ok).sum())
        total += int(ok.sum())
    if total == 0:
        return {"coverage80": float("nan"), "coverage95": float("nan"), "points": 0}
    return {"coverage80": inside80 / total, "coverage95": inside95 / total, "points": total}


ERROR_PROBS = np.round(np.arange(0.50, 0.995, 0.01), 2)


def cumulative_error_quantiles(resid: np.ndarray, groups: np.ndarray) -> dict[str, np.ndarray]:
    """Per group, quantiles (ERROR_PROBS x h) of the summed scaled error over the first k steps.

    Quantiles, not an RMS times z: retail errors are heavy-tailed (one wholesale order), and on
    the UCI file an RMS-based safety stock held ~10 weeks of demand for a 95% target.
    """
    out = {}
    if resid.size == 0:
        return out
    cum = np.nancumsum(resid, axis=2)
    cum = np.where(np.isnan(resid), np.nan, cum)
    for g in list(np.unique(groups)) + ["_all"]:
        rows = np.ones(len(groups), bool) if g == "_all" else groups == g
        c = cum[:, rows, :].reshape(-1, cum.shape[2])
        table = np.full((len(ERROR_PROBS), cum.shape[2]), np.nan)
        for k in range(cum.shape[2]):
            v = c[:, k]
            v = v[np.isfinite(v)]
            if len(v) >= 8:
                table[:, k] = np.quantile(v, ERROR_PROBS)
        out[str(g)] = table
    return out
