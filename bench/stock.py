"""Policy bench: replay the last 13 weeks with our ordering policy and the velocity rule, as trade-off curves.

    python bench/stock.py [PATH] [--weeks 13] [--store DIR]

Default: the UCI file. `--store DIR` replays a shop folder instead (the demo shop, say; the
passphrase comes from MERCHANT_AI_PASSPHRASE), as the app's Stock tab does.

Demand is what the shop sold each day; both policies review weekly with a 14-day lead time (the
settings default, or the shop's own) and lose sales when the shelf is empty. One setting of a
policy is one point of a service/stock trade-off, so each policy is traced over its settings in
the same replay (ours over service levels, the velocity rule over days of cover): fill rate in
units, in value and for the median SKU, and average stock, per setting; then the two curves read
at each other's headline point. (The UCI file has no costs or stock counts: value is the average
selling price.)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
from _uci import DEFAULT_PATH, load_sales  # noqa: E402

from merchant_ai.analytics.stock_backtest import PolicyBacktest  # noqa: E402


def _pct(x: float | None) -> str:
    return "beyond the traced range" if x is None else f"{x:.1%}"


def _num(x: float | None, unit: str = "") -> str:
    return "beyond the traced range" if x is None else f"{x:,.0f}{unit}"


def _change(x: float | None) -> str:
    return "" if x is None else f" ({x:+.0f}%)"


def print_result(r: dict, secs: float) -> None:
    print(f"{r['skus']} SKUs active in the 90 days before the replay, {r['first_day']} to {r['last_day']}, "
          f"{r['demand_units']:,.0f} units demanded; value = {r['value_basis']}; replay {secs:.1f}s")
    head = f"{'setting':<26}{'fill units':>11}{'fill value':>11}{'median SKU':>11}{'avg stock units':>17}{'avg stock value':>17}"
    for name, key, fmt in (("ours", "service_level", lambda v: f"ours @ {v:.0%} service"),
                           ("velocity", "cover_days", lambda v: f"velocity, lead + {v} d")):
        print(head)
        for p in r["curves"][name]:
            print(f"{fmt(p[key]):<26}{p['fill_rate']:>11.1%}{p['fill_rate_value']:>11.1%}"
                  f"{p['median_sku_fill_rate']:>11.1%}{p['avg_stock_units']:>17,.0f}{p['avg_stock_valued']:>17,.0f}")
    for basis in ("units", "value"):
        m = r["matched"][basis]
        print(f"matched ({basis}): ours @ {r['service_level']:.0%}: fill {_pct(m['our_fill_rate'])} with "
              f"{_num(m['our_avg_stock'])}; velocity needs {_num(m['velocity_stock_for_our_fill'])}"
              f"{_change(m['velocity_extra_stock_pct'])} for that fill, gives {_pct(m['velocity_fill_at_our_stock'])}"
              " with our stock")
        print(f"matched ({basis}): velocity lead + {r['cover_days']} d: fill {_pct(m['velocity_fill_rate'])} with "
              f"{_num(m['velocity_avg_stock'])}; ours gives {_pct(m['our_fill_at_velocity_stock'])} with that stock, "
              f"needs {_num(m['our_stock_for_velocity_fill'])}{_change(m['our_stock_change_pct'])} for that fill")


def main() -> None:
    weeks = int(sys.argv[sys.argv.index("--weeks") + 1]) if "--weeks" in sys.argv else 13
    t0 = time.perf_counter()
    if "--store" in sys.argv:
        from merchant_ai.analytics.stock_backtest import run_policy_backtest
        from merchant_ai.store.store import Store

        folder = sys.argv[sys.argv.index("--store") + 1]
        store = Store.open(Path(folder), os.environ["MERCHANT_AI_PASSPHRASE"])
        print(f"shop {folder}: replay {weeks} weeks ending at the last order day")
        t = time.perf_counter()
        r = run_policy_backtest(store, weeks=weeks)
        store.close()
    else:
        path = Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else DEFAULT_PATH
        sales = load_sales(path)
        last = sales["order_date"].max()
        end = last - pd.Timedelta(days=(last.day_of_week + 1) % 7)  # last complete Monday week
        print(f"UCI {path}: {len(sales):,} lines; replay {weeks} weeks ending {end.date()}, lead time 14 days, "
              "weekly review")
        t = time.perf_counter()
        r = PolicyBacktest(weeks=weeks).fit(sales, end).result_
    print_result(r, time.perf_counter() - t)
    print(f"wall time {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
