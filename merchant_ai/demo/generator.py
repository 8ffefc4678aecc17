"""The seeded simulation of the demo shop: `generate(seed, end_date) -> DemoHistory`.

How a day unfolds: customers (BG/NBD process, `customers.py`) decide to buy; each purchase picks a
primary SKU with probability proportional to its demand weight that day (base popularity x launch
ramp / discontinuation x its category's season x (price / reference price) ** elasticity),
favouring the buyer's favourite category; the basket then gains the product's complement with a
fixed attach rate and a few unrelated extras. All of that is *demand*. Stock then decides what is
sold: lines are served first-come-first-served while stock lasts, the rest is lost (an order
whose every line is lost never happens). The owner reorders from trailing sales with the
supplier's lead time, MOQ and case pack, and some deliveries are late, so stockouts follow
naturally from peaks and delays. Everything is vectorised over customers, lines or SKUs; only the
stock loop walks the days.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from merchant_ai.demo import shop_calendar as cal
from merchant_ai.demo.catalog import CATEGORY_SEASON, build_catalog, complement_pairs
from merchant_ai.demo.customers import CustomerProcess, simulate_customers
from merchant_ai.demo.history import DemoHistory
from merchant_ai.demo.money_rules import price_orders
from merchant_ai.demo.names import TOWNS, identities
from merchant_ai.demo.stock_sim import simulate_stock

CHANNELS = ("shopify", "etsy", "amazon")
CHANNEL_SHARE = np.array([0.47, 0.33, 0.20])
CHANNEL_MARKUP = np.array([1.0, 1.10, 1.15])      # marketplaces carry their fees in the price
SHOP_NAME = "Demo: Hearth & Thread"
FAVOURITE_BOOST = 4.0                             # a buyer's favourite category weighs 4x
ATTACH_RATE = 0.35                                # complement added to the basket at reference price
EXTRA_ITEMS_MEAN = 0.22                           # unrelated extra lines per order
GROWTH = 0.15                                     # yearly log-growth of the shop's demand
WARM_UP_DAYS = 730                                # customer history simulated before the first day shown


def generate(seed: int = 7, end_date: dt.date | None = None, *, n_skus: int = 250, days: int = 730,
             process: CustomerProcess | None = None) -> DemoHistory:
    """Simulate `days` days of the demo shop ending on `end_date` (default: yesterday, local clock).

    Same seed, end date and sizes give identical output on every platform.
    """
    end = end_date or (dt.date.today() - dt.timedelta(days=1))
    start = end - dt.timedelta(days=days - 1)
    rng = np.random.default_rng(seed)
    dates = np.arange(np.datetime64(start), np.datetime64(end) + 1)
    n_days = len(dates)

    products, suppliers = build_catalog(rng, n_skus)
    n_sku = len(products)
    cats = sorted(products["category"].unique())
    cat_idx = products["category"].map({c: i for i, c in enumerate(cats)}).to_numpy()

    lifecycle = _lifecycle(rng, products, n_days)
    life = lifecycle["life"]
    elasticity = _per_parent(products, rng.uniform(-2.5, -1.5, products["parent_sku"].nunique()))
    base = _popularity(rng, products)
    listed = _listings(rng, products)

    cat_share = np.bincount(cat_idx, weights=base, minlength=len(cats))
    # The calendar starts WARM_UP_DAYS before the history so the shop opens with a customer base.
    all_dates = np.arange(np.datetime64(start) - WARM_UP_DAYS, np.datetime64(end) + 1)
    all_season = _category_season(all_dates, cats)                         # (days, n_cats)
    all_shop_season = all_season @ (cat_share / cat_share.sum())
    trend = np.exp(GROWTH * (np.arange(len(all_dates)) - WARM_UP_DAYS - n_days / 2) / 365.0)
    intensity = (trend * cal.WEEKDAY[cal.weekday_index(all_dates)] * cal.holiday_multiplier(all_dates)
                 * all_shop_season)
    intensity = intensity / intensity[WARM_UP_DAYS:].mean()
    season, shop_season = all_season[WARM_UP_DAYS:], all_shop_season[WARM_UP_DAYS:]

    book = _prices(rng, products, lifecycle, dates)
    ratio = book["prices"] / book["reference"][:, None, :]
    effect = np.power(ratio, elasticity[None, None, :])
    # (channels, days, skus): how likely a purchase on that channel and day picks the SKU.
    weight = (base[None, None, :] * life[None, :, :] * (season[:, cat_idx] / shop_season[:, None])[None]
              * listed.T[:, None, :] * effect)

    channel_start = np.array([0, 0, WARM_UP_DAYS + int(0.2 * n_days)])    # Amazon was added later
    cust, events = simulate_customers(rng, intensity, CHANNEL_SHARE, channel_start, process or CustomerProcess())
    # Purchases the process made in all (warm-up included): who has used up their repeats dropped out.
    cust["purchases_total"] = np.bincount(events["customer"].to_numpy(), minlength=len(cust))
    events = events[events["day"] >= WARM_UP_DAYS].reset_index(drop=True)
    events["day"] -= WARM_UP_DAYS
    cust["birth_day"] -= WARM_UP_DAYS
    fav = rng.choice(len(cats), len(cust), p=cat_share / cat_share.sum())
    pairs = complement_pairs(products, rng)
    partner = np.full(n_sku, -1)
    sku_pos = pd.Series(np.arange(n_sku), index=products["sku"])
    partner[sku_pos.loc[pairs["a"]].to_numpy()] = sku_pos.loc[pairs["b"]].to_numpy()

    ev_ch = cust["channel_index"].to_numpy()[events["customer"].to_numpy()]
    ev_day = events["day"].to_numpy()
    lines = _baskets(rng, products, weight, ratio, elasticity, partner, ev_ch, ev_day,
                     fav[events["customer"].to_numpy()], cat_idx, len(cats))
    hour = rng.choice(24, len(events), p=cal.HOURLY)
    seconds = hour * 3600 + rng.integers(0, 3600, len(events))
    events["local"] = dates[ev_day].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    events["channel"] = ev_ch
    events["cancelled"] = rng.random(len(events)) < np.array([0.006, 0.0, 0.012])[ev_ch]

    stock = simulate_stock(rng, products, suppliers, lifecycle, lines, events, n_days)
    lines = lines[stock.fulfilled].reset_index(drop=True)
    events = events.loc[np.unique(lines["event"].to_numpy())].sort_values(["local", "customer"], kind="stable")

    customers = _customer_table(rng, cust, fav, cats, events, n_days)
    orders, lines = price_orders(rng, events, lines, products, book["prices"], book["base"], customers, dates,
                                 CHANNELS)
    products = _product_table(products, lifecycle, elasticity, book, listed, dates)
    complements = _observed_attach(pairs, orders, lines)
    as_date = pd.to_datetime(dates)
    skus = products["sku"].tolist()
    return DemoHistory(
        seed=seed, start=start, end=end, timezone=cal.TIMEZONE, currency="USD", shop_name=SHOP_NAME,
        channels=CHANNELS, products=products, suppliers=suppliers,
        customers=customers[customers["customer"].isin(orders["customer"])].reset_index(drop=True),
        orders=orders, lines=lines, promotions=book["promotions"],
        stockouts=stock.windows(as_date, skus), purchase_orders=stock.purchase_frame(as_date, skus),
        complements=complements,
        demand=pd.DataFrame(stock.demand, index=as_date, columns=skus),
        sales=pd.DataFrame(stock.sales, index=as_date, columns=skus),
        stock=pd.DataFrame(stock.end_stock, index=as_date, columns=skus),
        inventory=_locations(rng, products, stock.end_stock[-1]),
    )


def _per_parent(products: pd.DataFrame, values: np.ndarray) -> np.ndarray:
    codes = pd.factorize(products["parent_sku"])[0]
    return values[codes]


def _lifecycle(rng: np.random.Generator, products: pd.DataFrame, n_days: int) -> dict:
    """Launch and discontinuation days per SKU, product status, and the (days, skus) availability ramp.

    ~13% of products launch during the history (demand ramps up over a few weeks), ~8% are
    discontinued (a clearance sale runs before), and two are drafts not yet on sale.
    """
    codes, parents = pd.factorize(products["parent_sku"])
    n_par = len(parents)
    first_rows = products.groupby(codes).head(1)
    targets = set(products["complement_type"].dropna())
    type_count = first_rows["product_type"].value_counts()
    u = rng.random(n_par)
    launch = np.full(n_par, -10_000)
    stop = np.full(n_par, n_days + 10_000)
    launched = u < 0.13
    launch[launched] = (rng.uniform(0.15, 0.85, int(launched.sum())) * n_days).astype(int)
    ended = (u >= 0.13) & (u < 0.21)
    stop[ended] = (rng.uniform(0.3, 0.92, int(ended.sum())) * n_days).astype(int)
    eligible = ((u >= 0.21) & ~first_rows["product_type"].isin(targets).to_numpy()
                & (type_count.loc[first_rows["product_type"]].to_numpy() > 2))
    drafts = rng.permutation(np.flatnonzero(eligible))[:2]
    launch[drafts] = n_days + 30
    status = np.full(n_par, "active", dtype=object)
    status[ended] = "archived"
    status[drafts] = "draft"
    launch_s, stop_s = launch[codes], stop[codes]
    d = np.arange(n_days)[:, None]
    ramp = np.where(launch_s[None, :] > 0, 1 - np.exp(-(d - launch_s[None, :] + 1) / 20.0), 1.0)
    life = np.where((d >= launch_s[None, :]) & (d < stop_s[None, :]), ramp, 0.0)
    return {"launch_day": launch_s, "end_day": stop_s, "status": status[codes], "life": life,
            "parent_launch": launch, "parent_end": stop}


def _popularity(rng: np.random.Generator, products: pd.DataFrame) -> np.ndarray:
    """Long-tailed product popularity (lognormal) split unevenly over variants; sums to 1."""
    codes, parents = pd.factorize(products["parent_sku"])
    prod_w = rng.lognormal(0.0, 1.0, len(parents))
    n_var = np.bincount(codes)
    share = rng.gamma(3.0, 1.0, len(products))
    share = share / np.bincount(codes, weights=share)[codes]
    w = prod_w[codes] * share * np.sqrt(n_var[codes])
    return w / w.sum()


_ETSY_P = {"Tech accessories": 0.25}
_AMAZON_P = {"Tech accessories": 0.9, "Candles": 0.6, "Kitchen": 0.6, "Stationery": 0.5}


def _listings(rng: np.random.Generator, products: pd.DataFrame) -> np.ndarray:
    """(skus, channels) bool: the web shop lists everything, marketplaces a subset of products.

    Complement products (matches, screen protectors, frames...) are listed everywhere so that a
    pair can be bought together on every channel.
    """
    codes, parents = pd.factorize(products["parent_sku"])
    first = products.groupby(codes).head(1)
    targets = first["product_type"].isin(set(products["complement_type"].dropna())).to_numpy()
    p_etsy = first["category"].map(_ETSY_P).fillna(0.85).to_numpy()
    p_amz = first["category"].map(_AMAZON_P).fillna(0.3).to_numpy()
    etsy = (rng.random(len(parents)) < p_etsy) | targets
    amazon = (rng.random(len(parents)) < p_amz) | targets
    return np.stack([np.ones(len(products), bool), etsy[codes], amazon[codes]], axis=1)


def _category_season(dates: np.ndarray, cats: list[str]) -> np.ndarray:
    """Monthly profiles interpolated to days (cyclic), so seasons change smoothly."""
    doy = (dates - dates.astype("datetime64[Y]")).astype(int)
    x = (doy + 0.5) / 365.25 * 12 - 0.5
    lo = np.floor(x).astype(int)
    frac = x - lo
    out = np.empty((len(dates), len(cats)))
    for k, cat in enumerate(cats):
        prof = np.array(CATEGORY_SEASON[cat])
        out[:, k] = prof[lo % 12] * (1 - frac) + prof[(lo + 1) % 12] * frac
    return out


def _charm(x: np.ndarray) -> np.ndarray:
    """Shop-style prices: $23.99 above ten dollars, cents kept below."""
    return np.where(x > 10, np.ceil(x) - 0.01, np.round(x, 2))


def _prices(rng: np.random.Generator, products: pd.DataFrame, lifecycle: dict, dates: np.ndarray) -> dict:
    """Per channel and day: the regular price (`base`), the price charged (`prices`, after promotions),
    the reference the elasticity is measured against (first regular price), and the promotions.

    Regular prices rise ~8% once for candles and kitchenware (supplier costs went up); each product
    runs ~1.3 promotions of 10-28 days at 15-30% off over two years; discontinued products get a
    35%-off clearance for their last four weeks.
    """
    n_days, n_sku = len(dates), len(products)
    list_price = products["list_price"].to_numpy(float)
    base = np.empty((3, n_days, n_sku))
    raise_day = int(0.55 * n_days)
    raised = products["category"].isin(["Candles", "Kitchen"]).to_numpy()
    for c, markup in enumerate(CHANNEL_MARKUP):
        before = _charm(list_price * markup)
        after = np.where(raised, _charm(list_price * markup * 1.08), before)
        base[c, :raise_day] = before
        base[c, raise_day:] = after
    codes, parents = pd.factorize(products["parent_sku"])
    off = np.zeros((n_days, len(parents)))
    rows = []
    for p in range(len(parents)):
        taken = np.zeros(n_days, bool)
        for _ in range(rng.poisson(1.3 * n_days / 730)):
            length = min(int(rng.integers(10, 29)), n_days)
            start = int(rng.integers(0, max(1, n_days - length)))
            if taken[max(0, start - 14):start + length + 14].any():
                continue
            pct = float(rng.choice([0.15, 0.2, 0.25, 0.3]))
            off[start:start + length, p] = pct
            taken[start:start + length] = True
            rows.append({"parent_sku": parents[p], "start": dates[start], "end": dates[start + length - 1],
                         "discount": pct, "kind": "promotion"})
        end = int(lifecycle["parent_end"][p])
        if end < n_days:
            a = max(0, end - 28)
            off[a:end, p] = 0.35
            rows.append({"parent_sku": parents[p], "start": dates[a], "end": dates[end - 1],
                         "discount": 0.35, "kind": "clearance"})
    prices = np.round(base * (1 - off[:, codes])[None], 2)
    promotions = pd.DataFrame(rows, columns=["parent_sku", "start", "end", "discount", "kind"])
    promotions["start"] = pd.to_datetime(promotions["start"])
    promotions["end"] = pd.to_datetime(promotions["end"])
    return {"prices": prices, "base": base, "reference": base[:, 0, :], "promotions": promotions,
            "raise_day": raise_day}


def _draw(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row, with probability proportional to the row's weights."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum <= u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _baskets(rng: np.random.Generator, products: pd.DataFrame, weight: np.ndarray, ratio: np.ndarray,
             elasticity: np.ndarray, partner: np.ndarray, ev_ch: np.ndarray, ev_day: np.ndarray,
             fav: np.ndarray, cat_idx: np.ndarray, n_cats: int) -> pd.DataFrame:
    """Demand lines (event, sku, quantity, role): a primary pick, its complement, a few extras."""
    n = len(ev_ch)
    pack = products["pack_qty"].to_numpy(float)
    cat_w = np.stack([weight[:, :, cat_idx == k].sum(axis=2) for k in range(n_cats)], axis=2)
    cw = cat_w[ev_ch, ev_day] * (1 + (FAVOURITE_BOOST - 1) * (np.arange(n_cats)[None, :] == fav[:, None]))
    cat = _draw(rng, cw)
    primary = np.zeros(n, dtype=int)
    for k in range(n_cats):
        rows = np.flatnonzero(cat == k)
        skus = np.flatnonzero(cat_idx == k)
        if len(rows):
            primary[rows] = skus[_draw(rng, weight[ev_ch[rows], ev_day[rows]][:, skus])]
    parts = [pd.DataFrame({"event": np.arange(n), "sku": primary, "role": 0})]

    b = partner[primary]
    has = b >= 0
    bb = np.where(has, b, 0)
    live = weight[ev_ch, ev_day, bb] > 0
    p_attach = np.minimum(0.9, ATTACH_RATE * np.power(ratio[ev_ch, ev_day, bb], elasticity[bb]))
    attach = has & live & (rng.random(n) < p_attach)
    parts.append(pd.DataFrame({"event": np.flatnonzero(attach), "sku": b[attach], "role": 1}))

    n_extra = rng.poisson(EXTRA_ITEMS_MEAN, n)
    ev = np.repeat(np.arange(n), n_extra)
    if len(ev):
        parts.append(pd.DataFrame({"event": ev, "sku": _draw(rng, weight[ev_ch[ev], ev_day[ev]]), "role": 2}))
    lines = pd.concat(parts, ignore_index=True)
    lines["quantity"] = 1 + rng.poisson(pack[lines["sku"].to_numpy()])
    lines = (lines.groupby(["event", "sku"], as_index=False, sort=True)
                  .agg(quantity=("quantity", "sum"), role=("role", "min")))
    ok = weight[ev_ch, ev_day].sum(axis=1) > 0
    return lines[ok[lines["event"].to_numpy()]].reset_index(drop=True)


def _customer_table(rng: np.random.Generator, cust: pd.DataFrame, fav: np.ndarray, cats: list[str],
                    events: pd.DataFrame, n_days: int) -> pd.DataFrame:
    """Customers with made-up identities, their channel key, and truth labels.

    Segments: 'one-time' (a single order), 'loyal' (3+ orders and still buying),
    'lapsing' (3+ orders, then dropped out and silent for 120+ days), 'repeat' (the rest).
    """
    ident = identities(rng, len(cust))
    out = pd.concat([cust.reset_index(drop=True), ident], axis=1)
    out["channel"] = np.array(CHANNELS)[out["channel_index"].to_numpy()]
    out["favourite_category"] = np.array(cats)[fav]
    out["key"] = np.select([out["channel"] == "shopify", out["channel"] == "etsy"],
                           [out["email"], out["username"]], None)
    out["key"] = out["key"].where(out["channel"] != "amazon", None)
    stats = events.groupby("customer").agg(orders=("day", "size"), last_day=("day", "max"))
    out = out.join(stats, on="customer")
    out["orders"] = out["orders"].fillna(0).astype(int)
    dropped = out["purchases_total"] - 1 >= out["repeats_allowed"]
    silent = (n_days - 1 - out["last_day"].fillna(0)) >= 120
    out["segment"] = np.select(
        [out["orders"] == 1, (out["orders"] >= 3) & dropped & silent, (out["orders"] >= 3) & ~dropped],
        ["one-time", "lapsing", "loyal"], "repeat")
    town = np.array(TOWNS, dtype=object)[out["town"].to_numpy()]
    out["city"], out["province_code"], out["province"], out["zip"] = town[:, 0], town[:, 1], town[:, 2], town[:, 3]
    out["country_code"], out["country"] = town[:, 4], town[:, 5]
    return out


def _product_table(products: pd.DataFrame, lifecycle: dict, elasticity: np.ndarray, book: dict,
                   listed: np.ndarray, dates: np.ndarray) -> pd.DataFrame:
    out = products.drop(columns=["pack_qty"]).copy()
    n_days = len(dates)
    launch, stop = lifecycle["launch_day"], lifecycle["end_day"]
    out["status"] = lifecycle["status"]
    out["launch_date"] = pd.to_datetime(np.where((launch > 0) & (launch < n_days),
                                                 dates[np.clip(launch, 0, n_days - 1)], np.datetime64("NaT")))
    out["discontinued_date"] = pd.to_datetime(np.where(stop < n_days, dates[np.clip(stop, 0, n_days - 1)],
                                                       np.datetime64("NaT")))
    out["elasticity"] = elasticity
    for c, name in enumerate(CHANNELS):
        out[f"listed_{name}"] = listed[:, c]
        out[f"price_{name}"] = np.where(listed[:, c], book["base"][c, -1], np.nan)
    out["list_price"] = book["base"][0, -1]        # today's regular web-shop price
    return out


def _observed_attach(pairs: pd.DataFrame, orders: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """The complement pairs with how often buyers of `a` also had `b` in the order."""
    live = lines[lines["order_id"].isin(orders.loc[orders["status"] != "cancelled", "order_id"])]
    baskets = live.groupby("sku")["order_id"].apply(set)
    rate = []
    for a, b in zip(pairs["a"], pairs["b"], strict=True):
        with_a = baskets.get(a, set())
        rate.append(len(with_a & baskets.get(b, set())) / len(with_a) if with_a else np.nan)
    return pairs.assign(attach_rate=rate)


def _locations(rng: np.random.Generator, products: pd.DataFrame, on_hand: np.ndarray) -> pd.DataFrame:
    """Final stock per Shopify location: the workshop holds everything, the pop-up a few SKUs.

    The pop-up's share is moved from the workshop, so per-SKU totals equal the simulated stock;
    SKUs the pop-up does not carry are 'not stocked' there (quantity NaN).
    """
    n = len(products)
    popup = (rng.random(n) < 0.2) & (products["status"].to_numpy() == "active")
    moved = np.where(popup, np.minimum(on_hand, rng.integers(1, 6, n)), 0)
    main = pd.DataFrame({"sku": products["sku"], "location": "Hearth & Thread Workshop", "on_hand": on_hand - moved})
    shop = pd.DataFrame({"sku": products["sku"], "location": "Brooklyn Pop-up",
                         "on_hand": np.where(popup, moved, np.nan)})
    return pd.concat([main, shop], ignore_index=True)
