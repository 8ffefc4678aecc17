"""`merchant-ai forecast` and `merchant-ai stock` (shapes in ../shared/cli-contract.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from merchant_ai.cli.common import (
    EXIT_USAGE,
    CliError,
    add_as_of_arg,
    add_json_arg,
    add_store_arg,
    emit_json,
    open_store,
    progress,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    fc = subparsers.add_parser("forecast", help="forecast sales per SKU, category, channel or shop",
                               description="Per-series model chosen by rolling-origin backtest (MASE), "
                                           "with 80/95% intervals.")
    add_store_arg(fc)
    fc.add_argument("--level", choices=["shop", "channel", "category", "sku"], default="sku")
    fc.add_argument("--sku", nargs="+", action="extend", metavar="SKU",
                    help="only these series (keys of the chosen level)")
    fc.add_argument("--freq", choices=["D", "W", "M"], default="W")
    fc.add_argument("--horizon", type=int, default=12, help="periods ahead (default 12)")
    fc.add_argument("--measure", choices=["units", "revenue"], default="units",
                    help="what to forecast (the shop level always gives both)")
    fc.add_argument("--no-cache", action="store_true", help="refit even if a cached result exists")
    add_as_of_arg(fc)
    add_json_arg(fc)
    fc.set_defaults(handler=_forecast)

    st = subparsers.add_parser("stock", help="stock alerts, reorder suggestions and PO lists",
                               description="Days of cover, stockout dates, safety stock and order "
                                           "quantities from the SKU forecast and its backtest error.")
    add_store_arg(st)
    add_as_of_arg(st)
    st.add_argument("--po-csv", type=Path, help="write purchase-order suggestions (by supplier) to this CSV")
    st.add_argument("--policy-backtest", type=int, metavar="WEEKS", default=0,
                    help="also replay the last WEEKS weeks: fill rate and average stock vs the velocity rule")
    st.add_argument("--no-cache", action="store_true", help="refit even if a cached result exists")
    add_json_arg(st)
    st.set_defaults(handler=_stock)


def _progress_printer(enabled: bool):
    state = {"last": -1}

    def report(fraction: float, message: str) -> None:
        pct = int(fraction * 100)
        if enabled and pct // 10 != state["last"] // 10:
            state["last"] = pct
            progress(f"{pct:3d}% {message}")
    return report


def _forecast(args: argparse.Namespace) -> int:
    from merchant_ai.analytics.forecast_task import run_forecast

    if args.horizon < 1 or args.horizon > 520:
        raise CliError("--horizon must be between 1 and 520 periods.", EXIT_USAGE)
    store = open_store(args)
    try:
        result = run_forecast(store, level=args.level, freq=args.freq, horizon=args.horizon, as_of=args.as_of,
                              skus=args.sku, measure=args.measure, progress=_progress_printer(True),
                              use_cache=not args.no_cache)
    finally:
        store.close()
    if args.json:
        emit_json(result)
        return 0
    print(f"Forecast as of {result['as_of']} ({result['freq']}, {result['horizon']} periods)")
    for s in result["series"]:
        nxt = s["points"][0]["mean"] if s["points"] else float("nan")
        mase = "-" if s["backtest_mase"] is None else f"{s['backtest_mase']:.2f}"
        naive = "-" if s["naive_mase"] is None else f"{s['naive_mase']:.2f}"
        print(f"  {s['key']:<24} {s['model']:<20} next {nxt:10.1f}  MASE {mase} (naive {naive})")
    return 0


def _stock(args: argparse.Namespace) -> int:
    from merchant_ai.analytics.forecast_task import run_stock
    from merchant_ai.analytics.stock_policy import to_csv

    store = open_store(args)
    try:
        result = run_stock(store, as_of=args.as_of, progress=_progress_printer(True), use_cache=not args.no_cache)
        if args.policy_backtest:
            from merchant_ai.analytics.stock_backtest import run_policy_backtest

            result["policy_backtest"] = run_policy_backtest(store, as_of=args.as_of, weeks=args.policy_backtest,
                                                            progress=_progress_printer(True))
    finally:
        store.close()
    if args.po_csv:
        import pandas as pd

        frame = pd.DataFrame(result["purchase_orders"],
                             columns=["supplier", "sku", "title", "quantity", "unit_cost", "line_cost",
                                      "order_by", "status"])
        args.po_csv.write_text(to_csv(frame), encoding="utf-8")
        progress(f"wrote {len(frame)} order lines to {args.po_csv}")
    if args.json:
        emit_json(result)
        return 0
    print(f"Stock as of {result['as_of']}")
    for it in result["items"]:
        cover = "-" if it["days_of_cover"] is None else f"{it['days_of_cover']:.0f}d"
        print(f"  {it['status']:<14} {it['sku']:<20} on hand {it['on_hand'] if it['on_hand'] is not None else '-'!s:>8}"
              f"  cover {cover:>6}  order {it['suggested_qty'] or 0:>6.0f} by {it['order_by'] or '-'}")
    return 0
