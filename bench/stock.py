"""Policy bench: replay the last 13 weeks of the UCI file with our ordering policy and the velocity rule.

    python bench/stock.py [PATH] [--weeks 13]

Demand is what the shop sold each day; both policies review weekly with a 14-day lead time (the
settings default) and lose sales when the shelf is empty. Prints fill rate and average stock of
each, side by side, for two settings of each policy so the service/stock trade-off is visible,
plus wall time. (The UCI file has no costs or stock counts: stock is in units.)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
from _uci import load_sales, path_from_argv  # noqa: E402

from merchant_ai.analytics.stock_backtest import PolicyBacktest  # noqa: E402


def main() -> None:
    path = path_from_argv()
    weeks = int(sys.argv[sys.argv.index("--weeks") + 1]) if "--weeks" in sys.argv else 13
    t0 = time.perf_counter()
    sales = load_sales(path)
    last = sales["order_date"].max()
    end = last - pd.Timedelta(days=(last.day_of_week + 1) % 7)  # last complete Monday week
    print(f"UCI {path}: {len(sales):,} lines; replay {weeks} weeks ending {end.date()}, lead time 14 days, "
          "weekly review")
    print(f"{'policy':<62}{'fill rate':>10}{'avg stock (units)':>19}{'seconds':>9}")
    for service, cover in ((0.95, None), (0.80, 21)):
        t = time.perf_counter()
        r = PolicyBacktest(weeks=weeks, service_level=service, cover_days=cover).fit(sales, end).result_
        secs = time.perf_counter() - t
        cover_text = 7 if cover is None else cover
        print(f"{'ours: forecast + safety stock @ ' + f'{service:.0%}':<62}{r['ours']['fill_rate']:>10.1%}"
              f"{r['ours']['avg_stock_units']:>19,.0f}{secs:>9.1f}")
        print(f"{'velocity: units/day (30d) x (lead + ' + str(cover_text) + ' days)':<62}"
              f"{r['velocity']['fill_rate']:>10.1%}{r['velocity']['avg_stock_units']:>19,.0f}")
        print(f"  ({r['skus']} SKUs active in the 90 days before the replay, {r['demand_units']:,.0f} units demanded)")
    print(f"wall time {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
