"""Bench: price elasticity, scored where the truth is known and where it is not, beside baselines.

    python bench/pricing.py [PATH] [--no-demo] [--no-uci]

1. Demo shops (seeds 7 and 11, no file needed): the simulation knows each SKU's true elasticity.
   For each estimator: how many SKUs get an estimate, the share whose 95% interval holds the truth,
   the median absolute error and the median bias. Beside ours, in the same run, the textbook
   baseline: log-log OLS of weekly units on the weekly average price paid (revenue / units, all
   channels together), weeks with sales only, with a trend.
2. UCI file (argv[1]): fit up to 2011-09-04, then predict the next 12 weeks' units per SKU at the
   prices actually posted, as units0 x (price / price0) ** e, against the same with e = 0 (no price
   effect) and with the textbook e. Score: mean Poisson deviance over SKU-weeks whose price is
   known, overall and on the weeks whose price moved by more than 2%. Plus the time of a full fit.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _uci import load_sales, path_from_argv  # noqa: E402

from merchant_ai.pricing.elasticity import PriceElasticity, weekly_history, weekly_panel  # noqa: E402

warnings.simplefilter("ignore")


def textbook(sales: pd.DataFrame, as_of=None, min_weeks: int = 8) -> pd.DataFrame:
    """The usual first attempt: average price paid per week over all channels, sold weeks only."""
    import statsmodels.api as sm

    hist = weekly_history(sales, as_of, by=("sku",))
    hist["avg_price"] = hist["revenue"] / hist["units"]
    rows = []
    for sku, g in hist.groupby("sku"):
        if len(g) < min_weeks or np.std(np.log(g["avg_price"])) < 0.02:
            continue
        t = (g["week"] - g["week"].min()).dt.days.to_numpy() / 364.0
        X = sm.add_constant(np.column_stack([np.log(g["avg_price"].to_numpy()), t]))
        fit = sm.OLS(np.log(g["units"].to_numpy()), X).fit()
        lo, hi = fit.conf_int()[1]
        rows.append({"sku": sku, "elasticity": fit.params[1], "ci_low": lo, "ci_high": hi, "level": "sku"})
    return pd.DataFrame(rows, columns=["sku", "elasticity", "ci_low", "ci_high", "level"])


def score_truth(res: pd.DataFrame, truth: pd.Series) -> dict:
    r = res[res["elasticity"].notna()].copy()
    r["truth"] = r["sku"].map(truth)
    err = r["elasticity"] - r["truth"]
    return {"estimated": len(r), "coverage": float(((r["ci_low"] <= r["truth"]) & (r["truth"] <= r["ci_high"])).mean()),
            "median_abs_err": float(err.abs().median()), "median_bias": float(err.median()),
            "median_ci_width": float((r["ci_high"] - r["ci_low"]).median())}


def demo_part() -> None:
    from merchant_ai.demo.generator import generate

    print("== Demo shops: recovery of the simulation's true elasticities ==")
    print(f"{'seed':>4} {'estimator':<34} {'SKUs':>5} {'CI holds truth':>14} {'med |err|':>9} {'med bias':>9} "
          f"{'med CI width':>12} {'time':>6}")
    for seed in (7, 11):
        history = generate(seed, dt.date(2025, 12, 31))
        sales, truth = history.sales_frame(), history.elasticities
        runs = [
            ("textbook OLS, avg price (baseline)", lambda s: textbook(s)),
            ("ours OLS (sold weeks)", lambda s: PriceElasticity(method="ols").fit(s).results_),
            ("ours Poisson, SKU only", lambda s: PriceElasticity(max_ci_width=np.inf,
                                                                 category_fallback=False).fit(s).results_),
            ("ours Poisson + category (default)", lambda s: PriceElasticity().fit(s).results_),
        ]
        for name, run in runs:
            t0 = time.perf_counter()
            res = run(sales)
            took = time.perf_counter() - t0
            sc = score_truth(res, truth)
            print(f"{seed:>4} {name:<34} {sc['estimated']:>5} {sc['coverage']:>14.2f} {sc['median_abs_err']:>9.2f} "
                  f"{sc['median_bias']:>+9.2f} {sc['median_ci_width']:>12.2f} {took:>5.1f}s")
        default = PriceElasticity().fit(sales).results_
        for level in ("sku", "category"):
            part = default[default["level"] == level]
            if len(part):
                sc = score_truth(part, truth)
                print(f"{'':>4}   default, {level}-level rows only{'':<10} {sc['estimated']:>5} {sc['coverage']:>14.2f} "
                      f"{sc['median_abs_err']:>9.2f} {sc['median_bias']:>+9.2f} {sc['median_ci_width']:>12.2f}")


def deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    mu = np.maximum(mu, 1e-9)
    return 2 * (np.where(y > 0, y * np.log(np.maximum(y, 1e-12) / mu), 0.0) - (y - mu))


def uci_part(path: Path) -> None:
    print(f"\n== UCI: predicting 12 weeks of units at the prices posted ({path.name}) ==")
    sales = load_sales(path)
    cutoff = pd.Timestamp("2011-09-04")
    end = cutoff + pd.Timedelta(weeks=12)
    t0 = time.perf_counter()
    ours = PriceElasticity().fit(sales, as_of=cutoff.date()).results_
    fit_time = time.perf_counter() - t0
    base = textbook(sales, as_of=cutoff.date())
    full = PriceElasticity().fit(sales).results_
    print(f"fit on {sales['sku'].nunique()} SKUs up to {cutoff.date()}: {fit_time:.1f}s; "
          f"estimated {ours['elasticity'].notna().sum()} (textbook: {len(base)}); whole year: "
          f"{full['elasticity'].notna().sum()} estimated, median e {full['elasticity'].median():.2f}")

    panel = weekly_panel(weekly_history(sales[sales["order_date"] <= end]))
    panel["week"] = pd.to_datetime(panel["day"], unit="D")
    train = panel[(panel["week"] <= cutoff) & (panel["week"] > cutoff - pd.Timedelta(weeks=8))]
    ref = train.groupby("sku").agg(units0=("units", "mean"), price0=("price", "median"))
    test = panel[(panel["week"] > cutoff) & (panel["week"] <= end)].join(ref, on="sku", how="inner")
    usable = ours[ours["level"].isin(["sku", "category"])].set_index("sku")["elasticity"]
    e_all = test["sku"].map(ours.set_index("sku")["elasticity"])
    e_ours = test["sku"].map(usable).where(e_all.notna())           # too uncertain: no price effect used
    e_text = test["sku"].map(base.set_index("sku")["elasticity"])
    both = e_all.notna() & e_text.notna()
    test, e_ours, e_text = test[both], e_ours[both].fillna(0.0), e_text[both]
    ratio = (test["price"] / test["price0"]).to_numpy()
    y = test["units"].to_numpy()
    u0 = test["units0"].to_numpy()
    preds = {"no price effect (e = 0)": u0, "textbook e": u0 * ratio ** e_text.to_numpy(),
             "ours e (0 where uncertain)": u0 * ratio ** e_ours.to_numpy()}
    moved = np.abs(np.log(ratio)) > 0.02
    print(f"{'predictor':<26} {'mean deviance, all weeks':>25} {'weeks with a price move':>24}")
    for name, mu in preds.items():
        d = deviance(y, mu)
        print(f"{name:<26} {d.mean():>25.3f} {d[moved].mean():>24.3f}")
    print(f"({len(y)} SKU-weeks of {test['sku'].nunique()} SKUs with both estimates; {moved.sum()} with a price move;"
          f" ours usable for {test.loc[e_ours != 0, 'sku'].nunique()} of those SKUs)")


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--no-demo" not in args:
        demo_part()
    if "--no-uci" not in args:
        uci_part(path_from_argv())
