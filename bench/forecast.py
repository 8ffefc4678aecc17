"""Acceptance bench: weekly SKU forecasts on the UCI Online Retail file, and a 4,000-SKU speed run.

    python bench/forecast.py [PATH] [--origins all|last] [--no-speed]

For each forecast origin (the three of ../shared/reference/baselines-uci.md and the last 12 complete
weeks of the file as holdout) it fits our Forecaster with data up to the origin only, then scores
on the next 12 weeks: MASE (per SKU, scaled by the in-sample one-step naive MAE of the training
weeks since 2010-12-06, zero-filled, averaged over SKUs) and WAPE, for SKUs with sales in >= 50%
(smooth) or 10-50% (intermittent) of training weeks, as in the baselines file. Beside ours, in the
same run: naive, seasonal naive, statsmodels SES ("plain ETS"), and every candidate applied alone
to all SKUs, both as public tools run them (raw) and as our pipeline runs them (cleaned + MAE
calibration). Then a synthetic 4,000-SKU, 104-week shop is timed end to end, backtest included.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _uci import load_sales, path_from_argv  # noqa: E402

from merchant_ai.analytics import forecast_backtest as fb  # noqa: E402
from merchant_ai.analytics.forecast import Forecaster  # noqa: E402
from merchant_ai.analytics.forecast_panel import build_panel  # noqa: E402

H = 12
PUBLIC = {  # baselines-uci.md: (best public model, its MASE, naive's MASE)
    ("2011-06-05", "smooth"): ("IMAPA", 1.031, 1.096), ("2011-06-05", "intermittent"): ("IMAPA", 1.702, 1.794),
    ("2011-08-07", "smooth"): ("ADIDA", 1.124, 1.299), ("2011-08-07", "intermittent"): ("TSB", 3.414, 3.469),
    ("2011-09-04", "smooth"): ("IMAPA", 1.251, 1.386), ("2011-09-04", "intermittent"): ("MA(4)", 3.832, 3.963),
}
TRAIN_FROM = pd.Timestamp("2010-12-06")


def statsmodels_ses(Y: np.ndarray, start: np.ndarray, h: int) -> np.ndarray:
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    out = np.zeros((Y.shape[0], h))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(Y.shape[0]):
            y = Y[i, start[i]:]
            if len(y) < 3 or y.sum() == 0:
                out[i] = y[-1] if len(y) else 0.0
                continue
            out[i] = SimpleExpSmoothing(y, initialization_method="estimated").fit().forecast(h)
    return np.clip(out, 0, None)


def evaluate(sales: pd.DataFrame, origin: pd.Timestamp, full_end: pd.Timestamp,
             with_statsmodels_ses: bool = True) -> tuple[dict, dict]:
    t0 = time.perf_counter()
    model = Forecaster(level="sku", freq="W", horizon=H).fit(sales, origin)
    fit_seconds = time.perf_counter() - t0
    p = model.panel_
    full = build_panel(sales, as_of=full_end, level="sku")
    pos = {k: i for i, k in enumerate(full.keys)}
    rows = np.array([pos[k] for k in p.keys])
    A = full.values[rows][:, p.T:p.T + H]
    c0 = int(np.searchsorted(p.periods, TRAIN_FROM))
    Ytr = p.values[:, c0:]
    share = (Ytr > 0).mean(axis=1)
    scale = np.abs(np.diff(Ytr, axis=1)).mean(axis=1)
    groups = {"smooth": (share >= 0.5) & (scale > 0), "intermittent": (share >= 0.1) & (share < 0.5) & (scale > 0)}
    groups["all"] = groups["smooth"] | groups["intermittent"]

    def score(F: np.ndarray) -> dict:
        F = np.where(np.isnan(F), np.nan, F)
        mase = np.abs(A - F).mean(axis=1) / np.where(scale > 0, scale, np.nan)
        return {g: (float(np.nanmean(mase[m])), float(np.abs(A - F)[m].sum() / A[m].sum())) for g, m in groups.items()}

    results = {"OUR SELECTION": score(model.forecast_)}
    # Public-style single models on the raw weekly series (no cleaning, no calibration).
    ctx = fb.Context(H, 52, "W", "sku", p.periods, p.price, p.category, np.ones(p.values.shape), final=True,
                     use_statsmodels=True, use_global=False)
    raw = fb.run_candidates(p.values, p.start, ctx, [c.name for c in fb.CANDIDATES if c.name != "global_gbm"])
    t1 = time.perf_counter()
    if with_statsmodels_ses:  # ~0.1 s a series: only at the holdout origin
        raw["statsmodels SES (plain ETS)"] = statsmodels_ses(p.values, p.start, H)
    ses_seconds = time.perf_counter() - t1
    naive = raw["naive"]
    for name, F in raw.items():
        filled = np.where(np.isnan(F), naive, F)
        results[f"raw {name}" + (" [n/a->naive]" if np.isnan(F).all() else "")] = score(filled)
    for name, F in model.candidate_forecasts_.items():
        filled = np.where(np.isnan(F), model.candidate_forecasts_["naive"], F)
        results[f"ours {name}" + (" [n/a->naive]" if np.isnan(F).all() else "")] = score(filled)
    info = {"fit_seconds": fit_seconds, "ses_seconds": ses_seconds, "groups": {g: int(m.sum()) for g, m in groups.items()},
            "models": pd.Series(model.model_).value_counts().head(8).to_dict(), "coverage": model.coverage_,
            "train_weeks": int(Ytr.shape[1])}
    # Holdout coverage of our 80/95 bands.
    inside80 = ((A >= model.bands_["lower80"]) & (A <= model.bands_["upper80"]))[groups["all"]].mean()
    inside95 = ((A >= model.bands_["lower95"]) & (A <= model.bands_["upper95"]))[groups["all"]].mean()
    info["holdout_coverage"] = (float(inside80), float(inside95))
    return results, info


def print_origin(label: str, origin: str, results: dict, info: dict) -> None:
    print(f"\n=== origin {origin} ({label}; {info['train_weeks']} training weeks; "
          f"SKUs smooth {info['groups']['smooth']}, intermittent {info['groups']['intermittent']}) ===")
    print(f"{'model':<44}{'smooth MASE':>12}{'WAPE':>7}{'interm MASE':>13}{'WAPE':>7}{'all MASE':>10}{'WAPE':>7}")
    ordered = sorted(results.items(), key=lambda kv: (kv[0] != "OUR SELECTION", kv[1]["all"][0]))
    for name, r in ordered:
        print(f"{name:<44}{r['smooth'][0]:>12.3f}{r['smooth'][1]:>7.3f}{r['intermittent'][0]:>13.3f}"
              f"{r['intermittent'][1]:>7.3f}{r['all'][0]:>10.3f}{r['all'][1]:>7.3f}")
    ours = results["OUR SELECTION"]
    naive = results["raw naive"]
    singles = {k: v for k, v in results.items() if k != "OUR SELECTION" and "n/a" not in k}
    for g in ("smooth", "intermittent", "all"):
        best_name, best = min(singles.items(), key=lambda kv: kv[1][g][0])
        gain = 1 - ours[g][0] / naive[g][0]
        line = (f"  {g:<13} ours {ours[g][0]:.3f} vs raw naive {naive[g][0]:.3f} ({gain:+.1%} better); "
                f"best single: {best_name} {best[g][0]:.3f} -> ours {'BETTER' if ours[g][0] < best[g][0] else 'NOT better'}")
        pub = PUBLIC.get((origin, g))
        if pub:
            line += (f"; baselines file: {pub[0]} {pub[1]:.3f} (their naive {pub[2]:.3f}) -> ours "
                     f"{'BETTER' if ours[g][0] < pub[1] else 'NOT better'}")
        print(line)
    print(f"  fit+backtest {info['fit_seconds']:.1f}s (statsmodels SES baseline alone {info['ses_seconds']:.1f}s, holdout origin only); "
          f"backtest coverage 80/95: {info['coverage']['coverage80']:.2f}/{info['coverage']['coverage95']:.2f}; "
          f"holdout coverage 80/95: {info['holdout_coverage'][0]:.2f}/{info['holdout_coverage'][1]:.2f}")
    print(f"  chosen models: {info['models']}")


def synthetic_shop(n_skus: int = 4000, weeks: int = 104, seed: int = 0) -> pd.DataFrame:
    """Mixed smooth/seasonal/intermittent/new SKUs, one line per SKU-week with sales."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    level = rng.lognormal(0.5, 1.2, n_skus)
    season = 1 + rng.uniform(0, 0.6, n_skus)[:, None] * np.sin(2 * np.pi * (t[None, :] + rng.integers(0, 52, n_skus)[:, None]) / 52)
    trend = 1 + rng.normal(0, 0.004, n_skus)[:, None] * t[None, :]
    lam = np.clip(level[:, None] * season * trend, 0.01, None)
    Y = rng.poisson(lam)
    launch = np.where(rng.random(n_skus) < 0.15, rng.integers(0, weeks - 4, n_skus), 0)
    Y[t[None, :] < launch[:, None]] = 0
    i, w = np.nonzero(Y)
    day = pd.Timestamp("2022-01-05") + pd.to_timedelta(w * 7, unit="D")
    q = Y[i, w].astype(float)
    return pd.DataFrame({"order_date": day, "sku": np.char.add("SKU", i.astype(str)), "net_quantity": q,
                         "net_revenue": q * 9.5, "channel": "shop",
                         "category": np.char.add("C", (i % 40).astype(str)), "quantity": q})


def speed_run() -> None:
    sales = synthetic_shop()
    as_of = pd.Timestamp("2022-01-03") + pd.Timedelta(weeks=104) - pd.Timedelta(days=1)
    t0 = time.perf_counter()
    model = Forecaster(level="sku", freq="W", horizon=H).fit(sales, as_of)
    ours = time.perf_counter() - t0
    t1 = time.perf_counter()
    Forecaster(level="sku", freq="W", horizon=H, candidates=["naive"], combine=False, calibrate=False,
               use_global=False, use_statsmodels=False).fit(sales, as_of)
    base = time.perf_counter() - t1
    print(f"\n=== speed: synthetic shop, {model.panel_.n} SKUs x {model.panel_.T} weeks, 12-week horizon, "
          f"3-origin backtest, all candidates ===")
    print(f"  our selection (all {len(fb.NAMES)} candidates incl. global GBM + seasonal ETS): {ours:.1f}s; "
          f"naive-only pipeline baseline: {base:.1f}s")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    path = path_from_argv()
    only_last = "--origins" in sys.argv and sys.argv[sys.argv.index("--origins") + 1] == "last"
    t0 = time.perf_counter()
    sales = load_sales(path)
    print(f"UCI file {path}: {len(sales):,} cleaned lines, {sales['sku'].nunique():,} SKUs, "
          f"loaded in {time.perf_counter() - t0:.1f}s")
    last_day = sales["order_date"].max()
    last_sunday = last_day - pd.Timedelta(days=(last_day.day_of_week + 1) % 7)  # end of the last full week
    holdout_origin = last_sunday - pd.Timedelta(weeks=H)
    origins = [] if only_last else [("baselines origin", o) for o in ("2011-06-05", "2011-08-07", "2011-09-04")]
    origins.append(("holdout = last 12 complete weeks", str(holdout_origin.date())))
    for label, origin in origins:
        o = pd.Timestamp(origin)
        results, info = evaluate(sales, o, o + pd.Timedelta(weeks=H), with_statsmodels_ses=label.startswith("holdout"))
        print_origin(label, origin, results, info)
    if "--no-speed" not in sys.argv:
        speed_run()
    print(f"\nwall time {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
