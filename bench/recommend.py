"""Recommendations on the UCI file: HitRate@10 / Recall@10 of ours vs the single-signal baselines.

    python bench/recommend.py [PATH]

Protocols (see merchant_ai/analytics/recommend_eval.py): leave-last-order-out on the whole year, and
the next 30 days after 2011-08-31 and 2011-10-31; each with all items (repeat purchases count) and
new items only. Baselines measured in the same run: popularity (best-sellers of the last 90 days),
"buy again" (own history by learned repeat rate, popularity fill), item-kNN (shrunk cosine), EASE.
Public rows to beat (../shared/reference/baselines-uci.md): "buy again" 0.711 leave-last-out,
0.779 / 0.794 next 30 days; implicit ALS 0.381 leave-last-out new-only, 0.445 / 0.432 next 30 days new-only.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _uci import load_sales, path_from_argv  # noqa: E402

from merchant_ai.analytics.recommend import FrequentPairs  # noqa: E402
from merchant_ai.analytics.recommend_eval import leave_last_order_out, next_window  # noqa: E402

PUBLIC = {("loo", False): "buy again 0.711", ("loo", True): "ALS 0.381",
          ("2011-08-31", False): "buy again 0.779", ("2011-08-31", True): "ALS 0.445",
          ("2011-10-31", False): "buy again 0.794", ("2011-10-31", True): "ALS 0.432"}


def show(title: str, res: dict, seconds: float, public: str) -> None:
    n = next(iter(res.values()))["customers"]
    print(f"\n{title}: {n:,} customers, {seconds:.1f} s; best public row: {public}")
    print(f"  {'method':<12} {'HitRate@10':>11} {'Recall@10':>10}")
    for name, r in res.items():
        print(f"  {name:<12} {r['hit_rate']:>11.3f} {r['recall']:>10.3f}")


def main() -> None:
    path = path_from_argv()
    t = time.perf_counter()
    sales = load_sales(path)
    print(f"loaded {len(sales):,} lines in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    fp = FrequentPairs().fit(sales)
    print(f"frequent pairs: {len(fp.pairs_):,} pairs with >= {fp.min_orders_} of {fp.n_orders_:,} orders "
          f"in {time.perf_counter() - t:.1f} s; top bundle {fp.bundles().iloc[0][['a', 'b', 'lift', 'orders']].to_dict()}")
    for new_only in (False, True):
        label = "new items only" if new_only else "all items"
        t = time.perf_counter()
        res = leave_last_order_out(sales, new_only=new_only)
        show(f"leave-last-order-out, {label}", res, time.perf_counter() - t, PUBLIC[("loo", new_only)])
        for as_of in ("2011-08-31", "2011-10-31"):
            t = time.perf_counter()
            res = next_window(sales, as_of, days=30, new_only=new_only)
            show(f"next 30 days after {as_of}, {label}", res, time.perf_counter() - t, PUBLIC[(as_of, new_only)])


if __name__ == "__main__":
    main()
