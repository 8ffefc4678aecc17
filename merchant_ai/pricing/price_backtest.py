"""Before suggesting a price: do the shop's own elasticities predict its sales better than ignoring price?

A price suggestion rests on the elasticity, so it is only offered where the elasticity has earned
it on this shop's own recent history. The check is a rolling-origin backtest that uses nothing
after `as_of`:

1. Fit the elasticity model (the same `PriceElasticity` as the suggestions use) on the lines up to
   an origin: the Sunday `horizon_weeks` (12) weeks before `as_of`'s week.
2. For every SKU x channel with a usable estimate whose price moved during the weeks after the
   origin, score how its sales of those weeks spread over the weeks at the prices actually posted:
   in proportion to price ** e. The rival is the same with e = 0 ("price does not matter"). Level,
   season and trend are fitted on the window itself for both alike (a level per SKU x channel, one
   per week shared by the category's SKUs), so neither wins by guessing the level: the question is
   only whether sales went where the prices sent them.
3. Score with the Poisson deviance. A quiet day between two sales at different prices has an
   unknown price and is in the data *because* nothing sold: it is scored as the probability that
   the whole quiet run had no order, over where in it the price changed (the spell-length prior of
   `poisson_fe`), for both predictors alike. Scoring it at a guessed price penalises any model that
   reacts to price: with that, even the demo shops' true elasticities lost to e = 0.
4. Repeat on the 12 weeks before (rolling origin): at least `min_folds` (2) windows, more (up to
   `max_folds`) until they hold `min_moved` (10) weeks with a price move (a known week more than 2%
   off the SKU x channel's usual price of its window). One window decided by chance too often: on
   the UCI file the estimates beat e = 0 on June-August 2011 and lost on March-May and on the
   autumn that followed. A first window that is clear on its own (the per-SKU gains `CLEAR_Z`
   standard errors from zero) is enough: the second costs a refit.

Verdict:
- per shop: suggestions are allowed if the model's total deviance over the checked weeks is lower
  than e = 0's; withheld otherwise, or when the windows hold fewer than `min_moved` price-move weeks
  ("not checked": nothing shows that the estimates predict anything);
- per category, on top: a category with at least `min_moved` price-move weeks of its own where the
  model is clearly worse than e = 0 (its extra deviance, summed per SKU, positive by two standard
  errors over 3+ SKUs) is withheld even when the shop passes. Merely worse is "inconclusive" and
  follows the shop: a few SKUs over a few months cannot overrule the shop's evidence. SKUs without a
  category follow the shop.

Why these levels: the failure this guards against is shop-wide (a wholesaler whose low prices go
with big buyers: price is endogenous and the elasticities point the wrong way, UCI), but a shop can
also have one category whose prices moved with demand. Not per SKU: one or two price moves in 12
weeks are too few to judge.

What it cannot do: on a small shop a few months hold little evidence either way (on the demo shops,
where price truly matters, the true elasticities beat e = 0 by a few deviance units a quarter), so
the verdict there is closer to "not contradicted" than to "proven". Measured in bench/pricing.py and
docs/accuracy.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from merchant_ai.pricing.elasticity import PriceElasticity
from merchant_ai.pricing.poisson_fe import Gaps, change_point_weights, gap_log_likelihood
from merchant_ai.pricing.price_panel import PricePanel, build_panel, daily_history, monday, price_panel

MOVE = 0.02          # a known week's price more than 2% off the window's usual price: a price move

WITHHELD = ("your price history doesn't predict sales better than ignoring price, so no price suggestion "
            "(checked on the last {weeks} weeks: error {model:.3f} with the estimates, {null:.3f} without "
            "a price effect)")
WITHHELD_CATEGORY = ("in this category your price history doesn't predict sales better than ignoring price, so "
                     "no price suggestion (last {weeks} weeks: error {model:.3f} with the estimates, {null:.3f} "
                     "without a price effect)")
NOT_CHECKED = ("your prices changed too rarely in the last {weeks} weeks ({moved} weeks with a price move) to "
               "check that the estimates predict sales, so no price suggestion")
BULK = ("in your history lower prices came with bigger orders (quantity discounts or bulk buyers), not with more "
        "buyers; that says who bought, not what the price did, so no price suggestion (units per order "
        "{size:+.2f}% per +1% price)")
CLEAR_Z = 3.0        # one window whose per-SKU gains are this many standard errors from zero is enough
BULK_MIN = -0.4      # order size falling by more than 0.4% per +1% of price ...
BULK_Z = -3.0        # ... and clearly so: a bulk-buyer pattern, not a price effect
NO_HISTORY = ("not enough sales history with price changes to check the estimates against, so no price "
              "suggestion")


def deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson deviance per row."""
    mu = np.maximum(mu, 1e-9)
    return 2 * (np.where(y > 0, y * np.log(np.maximum(y, 1e-12) / mu), 0.0) - (y - mu))


class PriceBacktest:
    """The per-shop (and per-category) check; verdicts in `shop_` and `categories_`, see `allowed`."""

    def __init__(self, horizon_weeks: int = 12, min_moved: int = 10, min_folds: int = 2, max_folds: int = 3,
                 estimator: dict[str, Any] | None = None, bulk_check: bool = True) -> None:
        self.bulk_check = bulk_check
        self.horizon_weeks = horizon_weeks
        self.min_moved = min_moved
        self.min_folds = min_folds
        self.max_folds = max_folds
        self.estimator = estimator

    def fit(self, sales: pd.DataFrame, as_of: dt.date | str | None = None,
            panel: PricePanel | None = None) -> PriceBacktest:
        """Check on the lines up to `as_of`; `panel`: their `price_panel`, when the caller has it."""
        if as_of is not None:
            sales = sales[pd.to_datetime(sales["order_date"]) <= pd.Timestamp(as_of)]
        scored, moved = [], 0
        daily = daily_history(sales)                  # each window's lines are the days up to its end
        end = None
        if len(sales):
            end = pd.Timestamp(as_of) if as_of is not None else pd.to_datetime(sales["order_date"]).max()
            end = end.normalize()
        panel = panel if panel is not None else build_panel(daily, None if end is None else _day_number(end))
        tiers = _QuantityPricing(sales)
        bulk = {}
        self._bulk(bulk, panel.rows, tiers.slope(None))
        if len(sales) and bulk.get("status") != "withheld":      # a bulk-buyer shop needs no backtest
            window_panel = panel
            for fold in range(self.max_folds):
                # The window: the `horizon_weeks` weeks (Monday to Sunday) up to `end`, the last one
                # possibly cut short by it; the fit sees the lines up to the Sunday before.
                last_monday = int(monday(np.array([_day_number(end)]))[0])
                origin = pd.Timestamp(last_monday - 7 * (self.horizon_weeks - 1) - 1, unit="D")
                past_days = daily[daily["day"] <= _day_number(origin)]
                if past_days.empty:
                    break
                past = build_panel(past_days, _day_number(origin))    # nothing after the origin, not even prices
                rows = self._score_window(window_panel, past, origin)
                if rows is None:
                    break
                scored.append(rows.assign(fold=fold))
                moved += int(rows["moved"].sum())
                enough = fold + 1 >= self.min_folds or abs(_paired_z(pd.concat(scored))) >= CLEAR_Z
                if enough and moved >= self.min_moved:
                    break
                end, window_panel = origin, past
        self.folds_ = len(scored)
        self.scored_ = pd.concat(scored, ignore_index=True) if scored else pd.DataFrame(
            columns=["sku", "category", "d_model", "d_null", "moved", "weeks", "origin", "fold"])
        self.shop_ = self._verdict(self.scored_)
        rows_now = panel.rows
        self._bulk(self.shop_, rows_now, tiers.slope(None))
        self.categories_: dict[str, dict[str, Any]] = {}
        categories = set(self.scored_["category"]) | (set(rows_now["category"]) if len(rows_now) else set())
        for category in sorted(c for c in categories if c):
            rows = self.scored_[self.scored_["category"] == category]
            v = self._verdict(rows)
            if v["status"] == "withheld":
                if _clearly_worse(rows):
                    v["reason"] = WITHHELD_CATEGORY.format(**v["_fmt"])
                else:                   # worse, but within the noise of a few SKUs: the shop decides
                    v.update(status="inconclusive", allowed=None, reason=None)
            self._bulk(v, rows_now[rows_now["category"] == category] if len(rows_now) else rows_now,
                       tiers.slope(category))
            self.categories_[category] = v
        return self

    def _bulk(self, verdict: dict[str, Any], rows: pd.DataFrame, tier: tuple[float, float]) -> None:
        """Withhold where the shop prices by quantity (bigger lines pay less in the same week) *and*
        its lower posted prices went with bigger orders: then the "price effect" is who bought. One
        without the other is not enough: a shop whose export has one line a week (or a day) shows
        order sizes that follow demand, and tiers that never lowered the posted price do no harm."""
        if not self.bulk_check:
            return
        size, se = order_size_elasticity(rows) if len(rows) else (np.nan, np.nan)
        slope, slope_se = tier
        verdict["order_size_elasticity"] = None if not np.isfinite(size) else size
        verdict["quantity_pricing"] = None if not np.isfinite(slope) else slope
        tiers = np.isfinite(slope) and np.isfinite(slope_se) and slope < 0 and slope <= BULK_Z * slope_se
        if tiers and np.isfinite(size) and np.isfinite(se) and size <= BULK_MIN and size <= BULK_Z * se:
            verdict.update(status="withheld", allowed=False, reason=BULK.format(size=size))

    # --- one window --------------------------------------------------------------------------------
    def _score_window(self, panel: PricePanel, past: PricePanel, origin: pd.Timestamp) -> pd.DataFrame | None:
        """Deviances of `panel`'s weeks after `origin` (a Sunday), from a fit on `past` (lines up to it)."""
        window = holdout_window(None, origin, None, panel)
        if window.empty:
            return None
        varied = window.rows["sku"].unique()
        est = PriceElasticity(**(self.estimator or {})).fit_panel(past, skus=varied).results_
        usable = est[est["level"].isin(["sku", "category"])].set_index("sku")["elasticity"]
        window = window.subset(window.rows["sku"].isin(usable.index).to_numpy())
        if window.empty:
            return None
        model = score_weeks(window, usable)
        null = score_weeks(window, pd.Series(dtype=float))
        return model.rename(columns={"deviance": "d_model"}).assign(d_null=null["deviance"].to_numpy(),
                                                                    origin=origin.date())

    # --- verdicts ----------------------------------------------------------------------------------
    def _verdict(self, rows: pd.DataFrame) -> dict[str, Any]:
        weeks = self.horizon_weeks * max(self.folds_, 1)
        n_weeks = int(rows["weeks"].sum()) if len(rows) else 0
        fmt = {"weeks": weeks, "model": np.nan, "null": np.nan, "moved": int(rows["moved"].sum()) if len(rows) else 0}
        out: dict[str, Any] = {"weeks": weeks, "sku_weeks": n_weeks, "price_move_weeks": fmt["moved"],
                               "skus": int(rows["sku"].nunique()) if len(rows) else 0,
                               "deviance_model": None, "deviance_no_price_effect": None}
        if n_weeks == 0:
            out.update(status="not_checked", allowed=False, reason=NO_HISTORY, _fmt=fmt)
            return out
        d_model, d_null = float(rows["d_model"].sum()), float(rows["d_null"].sum())
        out.update(deviance_model=d_model / n_weeks, deviance_no_price_effect=d_null / n_weeks)
        fmt.update(model=out["deviance_model"], null=out["deviance_no_price_effect"])
        if out["price_move_weeks"] < self.min_moved:
            out.update(status="not_checked", allowed=False, reason=NOT_CHECKED.format(**fmt))
        elif d_model < d_null:
            out.update(status="passed", allowed=True, reason=None)
        else:
            out.update(status="withheld", allowed=False, reason=WITHHELD.format(**fmt))
        out["_fmt"] = fmt
        return out

    def allowed(self, category: str | None) -> tuple[bool, str | None]:
        """(suggestions allowed, the reason when not) for a SKU of `category` (None: no category)."""
        cat = self.categories_.get(category or "")
        if cat is not None and cat["status"] == "withheld":
            return False, cat["reason"]
        return bool(self.shop_["allowed"]), self.shop_["reason"]

    def status(self, category: str | None) -> str:
        """The verdict that applies to a SKU of `category`: passed, withheld or not_checked."""
        cat = self.categories_.get(category or "")
        if cat is not None and cat["status"] == "withheld":
            return "withheld"
        return self.shop_["status"]

    def summary(self) -> dict[str, Any]:
        """The shop's verdict and the categories', ready for JSON."""
        def clean(v: dict) -> dict:
            return {k: x for k, x in v.items() if not k.startswith("_")}
        origins = sorted({str(o) for o in self.scored_["origin"].dropna()}) if len(self.scored_) else []
        return {**clean(self.shop_), "origins": origins,
                "categories": {k: clean(v) for k, v in sorted(self.categories_.items())}}


def holdout_window(sales: pd.DataFrame | None, origin: pd.Timestamp, end: pd.Timestamp | None,
                   panel: PricePanel | None = None) -> PricePanel:
    """The panel rows (and ambiguous days) of the weeks after `origin` (a Sunday) up to `end`, built
    from the lines up to `end` (or `panel`, when already built from them), of the SKU x channels
    whose price moved in those weeks; without each SKU x channel's first and last week."""
    if panel is None:
        panel = price_panel(sales[pd.to_datetime(sales["order_date"]) <= end])
    if panel.empty:
        return panel
    # A SKU x channel's first and last weeks are cut at a sale (see price_panel): not scored.
    window = panel.subset((panel.rows["day"].to_numpy() > _day_number(origin)) & ~panel.rows["edge"].to_numpy())
    by_pair = window.rows.groupby("pair")["price"]
    return window.subset((by_pair.transform("max") > by_pair.transform("min") * (1 + 1e-9)).to_numpy())


def score_weeks(window: PricePanel, elasticity: pd.Series, prior: str = "spells") -> pd.DataFrame:
    """Per row of `window`: the Poisson deviance of how the weeks' sales spread given `elasticity` per
    SKU (missing: 0, no price effect), with `moved` (a known week more than 2% off the usual price)
    and `weeks` (1 on the first row of each SKU x channel week). See the module doc."""
    test = window.rows
    pair = pd.factorize(test["pair"])[0]
    n_pairs = int(pair.max()) + 1
    price = test["price"].to_numpy(float)
    y = test["units"].to_numpy(float)
    t_known = test["exposure"].to_numpy(float)
    gaps = Gaps.from_panel(window)
    t = t_known if gaps is None else gaps.exposure(t_known, gaps.initial())     # for the usual price only
    # The window's usual price per SKU x channel (the most days known at it) and the moves off it.
    days_at = pd.DataFrame({"pair": pair, "price": price, "t": t_known}).groupby(["pair", "price"])["t"].sum()
    usual = days_at.reset_index().sort_values(["pair", "t"], ascending=[True, False], kind="stable") \
        .drop_duplicates("pair").set_index("pair")["price"].reindex(range(n_pairs)).to_numpy(float)
    usual = np.where(np.isfinite(usual), usual, np.bincount(pair, weights=price * t) / np.bincount(pair, weights=t))
    rel = price / usual[pair]
    e = test["sku"].map(elasticity).fillna(0.0).to_numpy(float) if len(elasticity) else np.zeros(len(test))
    shape = rel ** e
    # Common weeks: the category's when it has 3+ SKU x channels here, else the shop's (the rest).
    category = test["category"].fillna("").to_numpy()
    n_in = pd.Series(pair).groupby(category).nunique()
    group = np.where(pd.Series(category).map(n_in).to_numpy() >= 3, category, "")
    if len(np.unique(pair[group == ""])) < 3:
        group = np.where(group == "", "\x00", group)   # too few for shared weeks: their own levels only
    weeks = pd.factorize(pd.Series(group) + "\x1f" + test["day"].astype(str))[0]
    weeks = np.where(group == "\x00", -1, weeks)
    rate, p = _levels_em(y, t_known, shape, pair, weeks, gaps, prior)
    d = deviance(y, t_known * rate)                     # the days whose price is known
    if gaps is not None:
        # -2 log P(nothing sold on the quiet days), charged to the gap's first day's row.
        lik = gap_log_likelihood(*gaps.order_rates(rate), gaps, gaps.log_stay(p) if prior == "spells" else None)
        d = d + np.bincount(gaps.a[gaps.starts], weights=-2 * lik, minlength=len(y))
    week_key = pd.factorize(pd.Series(pair).astype(str) + "\x1f" + test["day"].astype(str))[0]
    first_row = np.r_[True, week_key[1:] != week_key[:-1]]
    return pd.DataFrame({"sku": test["sku"].to_numpy(), "category": category, "deviance": d,
                         "moved": (t_known > 0) & (np.abs(np.log(rel)) > MOVE), "weeks": first_row.astype(float)})


def order_size_elasticity(rows: pd.DataFrame) -> tuple[float, float]:
    """Slope of log(units per order line) on log price within each SKU x channel (weighted by lines),
    and its standard error clustered by SKU; NaN without price variation.

    A price cut brings more orders of the usual size; a quantity discount brings the same few orders,
    bigger. When the days at a lower price are days of bigger orders, the "price effect" is who
    bought, not what the price did.
    """
    r = rows[(rows["lines"] > 0) & (rows["units"] > 0)]
    if r.empty:
        return np.nan, np.nan
    w = r["lines"].to_numpy(float)
    x = np.log(r["price"].to_numpy(float))
    y = np.log(r["units"].to_numpy(float) / w)
    pair = pd.factorize(r["pair"])[0]
    sw = np.bincount(pair, weights=w)
    xd = x - (np.bincount(pair, weights=w * x) / sw)[pair]
    yd = y - (np.bincount(pair, weights=w * y) / sw)[pair]
    sxx = float(np.sum(w * xd * xd))
    if sxx <= 1e-12:
        return np.nan, np.nan
    slope = float(np.sum(w * xd * yd) / sxx)
    score = pd.Series(w * xd * (yd - slope * xd)).groupby(r["sku"].to_numpy()).sum().to_numpy()
    if len(score) < 2:
        return slope, np.nan
    return slope, float(np.sqrt(np.sum(score ** 2) * len(score) / (len(score) - 1)) / sxx)


class _QuantityPricing:
    """Slope of log(unit price) on log(quantity) between the lines of one SKU x channel in one week,
    and its standard error clustered by SKU, for the shop or one category (`slope`); NaN where no
    week has lines of different sizes and prices.

    Negative: bigger lines paid less at the same time, i.e. quantity tiers or bulk discounts. A
    promotion lowers everyone's price alike and leaves this at zero.
    """

    def __init__(self, sales: pd.DataFrame) -> None:
        qty = pd.to_numeric(sales["quantity"], errors="coerce").to_numpy(float)
        price = pd.to_numeric(sales["unit_price"], errors="coerce").to_numpy(float)
        ok = (qty > 0) & (price > 0)
        df = sales[ok]
        self.sku = pd.factorize(df["sku"])[0]
        self.category = df["category"].fillna("").to_numpy()
        day = pd.to_datetime(df["order_date"]).dt.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)
        channel = pd.factorize(df["channel"])[0]
        key = (self.sku.astype(np.int64) * 64 + channel) * 100_000 + (day - (day + 3) % 7) // 7
        group = np.unique(key, return_inverse=True)[1]
        x, y = np.log(qty[ok]), np.log(price[ok])
        n = np.bincount(group)
        self.xd = x - (np.bincount(group, weights=x) / n)[group]
        self.yd = y - (np.bincount(group, weights=y) / n)[group]

    def slope(self, category: str | None) -> tuple[float, float]:
        m = np.ones(len(self.xd), bool) if category is None else self.category == category
        xd, yd, sku = self.xd[m], self.yd[m], self.sku[m]
        sxx = float(np.sum(xd * xd))
        if sxx <= 1e-12 or float(np.sum(yd * yd)) <= 1e-12:
            return np.nan, np.nan
        slope = float(np.sum(xd * yd) / sxx)
        score = np.bincount(sku, weights=xd * (yd - slope * xd))
        score = score[np.bincount(sku) > 0]
        if len(score) < 2:
            return slope, np.nan
        return slope, float(np.sqrt(np.sum(score ** 2) * len(score) / (len(score) - 1)) / sxx)


def quantity_pricing(sales: pd.DataFrame) -> tuple[float, float]:
    """The shop's quantity-pricing slope and its standard error (see `_QuantityPricing`)."""
    return _QuantityPricing(sales).slope(None) if len(sales) else (np.nan, np.nan)


def _day_number(ts: pd.Timestamp) -> int:
    return int(np.datetime64(pd.Timestamp(ts).normalize().date(), "D").astype(np.int64))


def _paired_z(rows: pd.DataFrame) -> float:
    """The model's gain over e = 0 (deviance saved), summed per SKU: mean over its standard error."""
    per_sku = (rows["d_null"] - rows["d_model"]).groupby(rows["sku"].to_numpy()).sum()
    if len(per_sku) < 3 or per_sku.std(ddof=1) == 0:
        return 0.0
    return float(per_sku.mean() / (per_sku.std(ddof=1) / np.sqrt(len(per_sku))))


def _clearly_worse(rows: pd.DataFrame, z: float = 2.0) -> bool:
    """The model's extra deviance over e = 0, summed per SKU, is positive by `z` standard errors (3+ SKUs)."""
    per_sku = (rows["d_model"] - rows["d_null"]).groupby(rows["sku"].to_numpy()).sum()
    if len(per_sku) < 3:
        return False
    se = per_sku.std(ddof=1) / np.sqrt(len(per_sku))
    return bool(per_sku.mean() > z * se)


def _levels_em(y: np.ndarray, t_known: np.ndarray, shape: np.ndarray, pair: np.ndarray, weeks: np.ndarray,
               gaps: Gaps | None, prior: str, rounds: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """`_levels` fitted to the same likelihood that is scored: known days, plus the quiet days shared
    between their two prices by their probability given the rates and the change-point `prior`.
    Returns the rates and the shares."""
    if gaps is None:
        return _levels(y, t_known, shape, pair, weeks), np.zeros(0)
    p = gaps.initial()
    if np.allclose(shape[gaps.a], shape[gaps.b]):
        return _levels(y, gaps.exposure(t_known, p), shape, pair, weeks), p
    for _ in range(rounds):
        rate = _levels(y, gaps.exposure(t_known, p), shape, pair, weeks)
        stay = gaps.log_stay(p) if prior == "spells" else None
        new = change_point_weights(*gaps.order_rates(rate), gaps, stay)
        done = float(np.max(np.abs(new - p))) < 1e-4
        p = new
        if done:
            break
    return _levels(y, gaps.exposure(t_known, p), shape, pair, weeks), p


def _levels(y: np.ndarray, t: np.ndarray, shape: np.ndarray, pair: np.ndarray, weeks: np.ndarray,
            passes: int = 200) -> np.ndarray:
    """Full-week rates shape x exp(level of the SKU x channel + level of the group's week), levels fitted.

    Iterative proportional fitting of the Poisson likelihood with the price part held fixed; rows
    with `weeks` < 0 get no week level.
    """
    n_p = int(pair.max()) + 1
    tot_p = np.bincount(pair, weights=y, minlength=n_p)
    has_w = weeks >= 0
    w = np.where(has_w, weeks, 0)
    n_w = int(w.max()) + 1
    tot_w = np.bincount(w[has_w], weights=y[has_w], minlength=n_w)
    week_lv = np.ones(n_w)
    base = t * shape
    for _ in range(passes if has_w.any() else 1):
        wl = np.where(has_w, week_lv[w], 1.0)
        pair_lv = tot_p / np.maximum(np.bincount(pair, weights=base * wl, minlength=n_p), 1e-300)
        if not has_w.any():
            break
        pl = pair_lv[pair]
        new = tot_w / np.maximum(np.bincount(w[has_w], weights=(base * pl)[has_w], minlength=n_w), 1e-300)
        done = np.max(np.abs(new - week_lv) / np.maximum(new, 1e-12)) < 1e-8
        week_lv = new
        if done:
            break
    wl = np.where(has_w, week_lv[w], 1.0)
    pair_lv = tot_p / np.maximum(np.bincount(pair, weights=base * wl, minlength=n_p), 1e-300)
    return shape * pair_lv[pair] * wl
