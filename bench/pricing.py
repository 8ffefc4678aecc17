"""Bench: price elasticity and the price check, where the truth is known and where it is not.

    python bench/pricing.py [PATH] [--no-demo] [--no-uci] [--seeds 7,11]

1. Demo shops (no file needed): the simulation knows each SKU's true elasticity. Per estimator:
   how many SKUs get an estimate, the share whose 95% interval holds the truth, the median absolute
   error and bias, the median interval width, the time. Beside ours, the textbook baseline: log-log
   OLS of weekly units on the weekly average price paid (revenue / units, all channels together),
   weeks with sales only, with a trend.
2. Holdout, on the demo shops and the UCI file (argv[1]): fit on the lines up to a cutoff (demo: 12
   weeks before its end; UCI: 2011-09-04), then score the next 12 weeks at the prices actually
   posted, as `price_backtest` does (how each SKU x channel's sales of those weeks spread over the
   weeks given the prices; level, season and trend fitted on the window for every predictor alike;
   quiet days of unknown price scored as "nothing sold" whatever the price was). Predictors: no price
   effect (e = 0); the textbook e; ours raw (each SKU's own estimate); ours shrunk (the default,
   with the category and shop); ours gated (shrunk where the shop's own backtest, run on the lines
   up to the cutoff only, allows suggestions; e = 0 elsewhere). Mean deviance per SKU-week, over all
   weeks and over the weeks with a price move. UCI also gets the forecast-style score of the last
   session (level from the 8 weeks before the cutoff, weekly highest price), for comparison.
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

from merchant_ai.pricing.elasticity import PriceElasticity, weekly_history  # noqa: E402
from merchant_ai.pricing.price_backtest import PriceBacktest, deviance, holdout_window, score_weeks  # noqa: E402
from merchant_ai.pricing.price_panel import monday  # noqa: E402

warnings.simplefilter("ignore")
HORIZON = 12


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


def own_only(res: pd.DataFrame, max_ci_width: float = 4.0) -> pd.DataFrame:
    """Each SKU's own estimate (before shrinkage), where one exists and is not too wide."""
    r = res.assign(elasticity=res["own_elasticity"], ci_low=res["own_elasticity"] - 1.96 * res["own_std_err"],
                   ci_high=res["own_elasticity"] + 1.96 * res["own_std_err"])
    return r[r["elasticity"].notna() & (r["ci_high"] - r["ci_low"] <= max_ci_width)]


def demo_truth(seeds: list[int]) -> dict[int, tuple]:
    from merchant_ai.demo.generator import generate

    print("== Demo shops: recovery of the simulation's true elasticities ==")
    print(f"{'seed':>4} {'estimator':<36} {'SKUs':>5} {'CI holds truth':>14} {'med |err|':>9} {'med bias':>9} "
          f"{'med CI width':>12} {'time':>6}")
    shops = {}
    for seed in seeds:
        history = generate(seed, dt.date(2025, 12, 31))
        sales, truth = history.sales_frame(), history.elasticities
        shops[seed] = (sales, truth)
        runs = [
            ("textbook OLS, avg price (baseline)", lambda s: textbook(s)),
            ("ours OLS (rows with sales)", lambda s: PriceElasticity(method="ols").fit(s).results_),
            ("ours Poisson, SKU only", lambda s: PriceElasticity(max_ci_width=np.inf,
                                                                 category_fallback=False).fit(s).results_),
            ("ours Poisson + category (default)", lambda s: PriceElasticity().fit(s).results_),
        ]
        for name, run in runs:
            t0 = time.perf_counter()
            res = run(sales)
            took = time.perf_counter() - t0
            sc = score_truth(res, truth)
            print(f"{seed:>4} {name:<36} {sc['estimated']:>5} {sc['coverage']:>14.2f} {sc['median_abs_err']:>9.2f} "
                  f"{sc['median_bias']:>+9.2f} {sc['median_ci_width']:>12.2f} {took:>5.1f}s")
        default = PriceElasticity().fit(sales).results_
        for level in ("sku", "category", "uncertain"):
            part = default[default["level"] == level]
            if len(part):
                sc = score_truth(part, truth)
                print(f"{'':>4}   default, {level}-level rows only{'':<{12 - len(level) + 3}} {sc['estimated']:>5} "
                      f"{sc['coverage']:>14.2f} {sc['median_abs_err']:>9.2f} {sc['median_bias']:>+9.2f} "
                      f"{sc['median_ci_width']:>12.2f}")
    return shops


def holdout(name: str, sales: pd.DataFrame, cutoff: pd.Timestamp) -> tuple:
    """Fit up to `cutoff` (a Sunday), score the next HORIZON weeks; one table per shop."""
    end = cutoff + pd.Timedelta(weeks=HORIZON)
    before = sales[sales["order_date"] <= cutoff]
    t0 = time.perf_counter()
    ours = PriceElasticity().fit(before).results_
    fit_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    check = PriceBacktest().fit(sales, as_of=cutoff.date())
    check_time = time.perf_counter() - t0
    base = textbook(before)
    usable = ours[ours["level"].isin(["sku", "category"])]
    shrunk = usable.set_index("sku")["elasticity"]
    raw = own_only(ours).set_index("sku")["elasticity"]
    allowed = usable[[check.allowed(c if isinstance(c, str) else None)[0] for c in usable["category"]]]
    gated = allowed.set_index("sku")["elasticity"]
    predictors = {"no price effect (e = 0)": pd.Series(dtype=float),
                  "textbook e": base.set_index("sku")["elasticity"],
                  "ours raw (own SKU estimate)": raw, "ours shrunk (default)": shrunk, "ours gated": gated}
    window = holdout_window(sales, cutoff, end)
    shop = check.summary()
    print(f"\n== Holdout, {name}: fit up to {cutoff.date()}, score {HORIZON} weeks to {end.date()} ==")
    print(f"fit {fit_time:.1f}s, price check {check_time:.1f}s: {shop['status']}{_withheld(shop)}")
    if shop["reason"]:
        print(f"  reason: {shop['reason']}")
    backtest = shop
    if shop["deviance_model"] is None:          # withheld before any backtest (bulk orders): run it anyway
        backtest = PriceBacktest(bulk_check=False).fit(sales, as_of=cutoff.date()).summary()
        print("  the backtest alone (without the order-size rule) would say:", backtest["status"])
    if backtest["deviance_model"] is not None:
        print(f"  backtest up to the cutoff: deviance {backtest['deviance_model']:.3f} with the estimates vs "
              f"{backtest['deviance_no_price_effect']:.3f} without, {backtest['price_move_weeks']} price-move weeks "
              f"over {backtest['weeks']} weeks")
    print(f"{'predictor':<30} {'mean deviance, all weeks':>25} {'weeks with a price move':>24} {'SKUs with an e':>15}")
    n_weeks = n_moved = 0
    for label, e in predictors.items():
        rows = score_weeks(window, e)
        weeks = rows["weeks"].sum()
        moved = rows["moved"].to_numpy()
        n_weeks, n_moved = int(weeks), int(moved.sum())
        with_e = rows["sku"].isin(e.index).groupby(rows["sku"]).any().sum() if len(e) else 0
        print(f"{label:<30} {rows['deviance'].sum() / weeks:>25.4f} {rows.loc[moved, 'deviance'].mean():>24.4f} "
              f"{with_e:>15}")
    print(f"({n_weeks} SKU x channel weeks of {window.rows['sku'].nunique()} SKUs whose price moved in the window; "
          f"{n_moved} weeks more than 2% off the usual price)")
    return ours, base, check


def legacy_uci(sales: pd.DataFrame, cutoff: pd.Timestamp, ours: pd.DataFrame, base: pd.DataFrame,
               check: PriceBacktest) -> None:
    """Last session's score: units0 x (price / price0) ** e, weekly highest price, level from 8 weeks."""
    end = cutoff + pd.Timedelta(weeks=HORIZON)
    hist = weekly_history(sales[sales["order_date"] <= end])
    hist["day"] = hist["week"].to_numpy().astype("datetime64[D]").astype(np.int64)
    # Each SKU x channel's weeks from first to last sale; quiet weeks at the price around them when it agrees.
    rows = []
    for (sku, _channel), g in hist.groupby(["sku", "channel"], sort=False):
        days = np.arange(g["day"].min(), g["day"].max() + 1, 7)
        full = pd.DataFrame({"day": days}).merge(g[["day", "units", "price"]], on="day", how="left")
        before, after = full["price"].ffill(), full["price"].bfill()
        full = full[full["units"].notna() | (before == after)].assign(price=before, units=full["units"].fillna(0.0))
        rows.append(full.assign(sku=sku))
    panel = pd.concat(rows, ignore_index=True)
    panel["week"] = pd.to_datetime(panel["day"], unit="D")
    train = panel[(panel["week"] <= cutoff) & (panel["week"] > cutoff - pd.Timedelta(weeks=8))]
    ref = train.groupby("sku").agg(units0=("units", "mean"), price0=("price", "median"))
    test = panel[(panel["week"] > cutoff) & (panel["week"] <= end)].join(ref, on="sku", how="inner")
    e_all = test["sku"].map(ours.set_index("sku")["elasticity"])
    usable = ours[ours["level"].isin(["sku", "category"])].set_index("sku")["elasticity"]
    e_ours = test["sku"].map(usable).where(e_all.notna())
    e_text = test["sku"].map(base.set_index("sku")["elasticity"])
    both = e_all.notna() & e_text.notna()
    test, e_ours, e_text = test[both], e_ours[both].fillna(0.0), e_text[both]
    ratio = (test["price"] / test["price0"]).to_numpy()
    y, u0 = test["units"].to_numpy(), test["units0"].to_numpy()
    gate = 1.0 if check.shop_["allowed"] else 0.0
    preds = {"no price effect (e = 0)": u0, "textbook e": u0 * ratio ** e_text.to_numpy(),
             "ours shrunk": u0 * ratio ** e_ours.to_numpy(), "ours gated": u0 * ratio ** (gate * e_ours.to_numpy())}
    moved = np.abs(np.log(ratio)) > 0.02
    print(f"\n-- UCI, last session's forecast-style score (level from the 8 weeks before {cutoff.date()}, "
          f"weekly highest price) --")
    print(f"{'predictor':<26} {'mean deviance, all weeks':>25} {'weeks with a price move':>24}")
    for label, mu in preds.items():
        d = deviance(y, mu)
        print(f"{label:<26} {d.mean():>25.3f} {d[moved].mean():>24.3f}")
    print(f"({len(y)} SKU-weeks of {test['sku'].nunique()} SKUs with both estimates; {moved.sum()} with a price move)")


def _withheld(summary: dict) -> str:
    names = [k for k, v in summary["categories"].items() if v["status"] == "withheld"]
    return f" (withheld categories: {', '.join(names)})" if names else ""


def last_sunday(day: pd.Timestamp) -> pd.Timestamp:
    d = int(np.datetime64(day.date(), "D").astype(np.int64))
    return pd.Timestamp(int(monday(np.array([d]))[0]) - 1, unit="D")


if __name__ == "__main__":
    args = sys.argv[1:]
    seeds = [7, 11]
    if "--seeds" in args:
        seeds = [int(x) for x in args[args.index("--seeds") + 1].split(",")]
    if "--no-demo" not in args:
        for seed, (sales, _truth) in demo_truth(seeds).items():
            end = last_sunday(sales["order_date"].max() + pd.Timedelta(days=1))
            holdout(f"demo shop {seed}", sales, end - pd.Timedelta(weeks=HORIZON))
    if "--no-uci" not in args:
        uci = load_sales(path_from_argv())
        cut = pd.Timestamp("2011-09-04")
        legacy_uci(uci, cut, *holdout("UCI", uci, cut))
