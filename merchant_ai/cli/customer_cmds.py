"""`merchant-ai segments`, `recommend` and `bundles` (shapes in ../shared/cli-contract.md).

Without `--as-of` the commands work as of the day of the shop's last order, so a shop whose data
stops some time ago still gets meaningful recency (the JSON states the day used).
"""

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
    sg = subparsers.add_parser("segments", help="RFM segments, clusters, churn risk and lifetime value per customer",
                               description="RFM quintile segments, KMeans clusters, P(alive), expected orders "
                                           "and predicted CLV over a horizon (model chosen by backtest).")
    add_store_arg(sg)
    add_as_of_arg(sg)
    sg.add_argument("--horizon-days", type=int, default=90, help="prediction horizon in days (default 90)")
    sg.add_argument("--export-csv", type=Path, metavar="FILE",
                    help="also write an e-mail-tool CSV (Email, First Name, Last Name, Tags) to FILE")
    sg.add_argument("--segment", action="append", metavar="NAME", help="only these segments in --export-csv")
    add_json_arg(sg)
    sg.set_defaults(handler=_segments)

    rc = subparsers.add_parser("recommend", help="next-best products per customer, or what goes with a product")
    add_store_arg(rc)
    add_as_of_arg(rc)
    who = rc.add_mutually_exclusive_group(required=True)
    who.add_argument("--sku", action="append", metavar="SKU", help="products bought with this SKU")
    who.add_argument("--customer", action="append", metavar="KEY", help="picks for this customer")
    who.add_argument("--all-customers", action="store_true", help="picks for every customer")
    rc.add_argument("--k", type=int, default=10, help="items per list (default 10)")
    rc.add_argument("--new-only", action="store_true", help="leave out items the customer already bought")
    add_json_arg(rc)
    rc.set_defaults(handler=_recommend)

    bd = subparsers.add_parser("bundles", help="products frequently bought together")
    add_store_arg(bd)
    add_as_of_arg(bd)
    bd.add_argument("--top", type=int, default=50, help="how many pairs (default 50)")
    bd.add_argument("--min-lift", type=float, default=1.0, help="only pairs with at least this lift (default 1)")
    add_json_arg(bd)
    bd.set_defaults(handler=_bundles)


def _iso(value) -> str | None:
    return None if value is None or value != value else value.date().isoformat()


def segments_result(sales, as_of=None, horizon_days: int = 90) -> tuple[dict, object]:
    """The `segments` document for a sales frame (also used by the Customers tab's job)."""
    import numpy as np

    from merchant_ai.analytics.clv import CustomerValueModel
    from merchant_ai.analytics.customers import CustomerSegmenter

    seg = CustomerSegmenter(as_of=as_of).fit(sales)
    value = CustomerValueModel(as_of=seg.as_of_, horizon_days=horizon_days).fit(sales)
    pred = value.predict(sales)
    table = seg.table_.set_index("customer").join(pred, how="left")
    customers = []
    for key, row in table.iterrows():
        customers.append({
            "customer": key, "recency_days": float(row["recency_days"]), "frequency": int(row["frequency"]),
            "monetary": round(float(row["monetary"]), 2), "rfm_segment": row["rfm_segment"],
            "r_score": int(row["r_score"]), "f_score": int(row["f_score"]), "m_score": int(row["m_score"]),
            "cluster": int(row["cluster"]), "p_alive": _round(row.get("p_alive")),
            "expected_orders": _round(row.get("expected_orders")),
            "likely_orders": _round(row.get("likely_orders")),
            "expected_orders_low": _round(row.get("expected_orders_low")),
            "expected_orders_high": _round(row.get("expected_orders_high")),
            "next_order_date": _iso(row.get("next_order_date")),
            "predicted_clv": None if row.get("predicted_clv") is None or not np.isfinite(row.get("predicted_clv"))
            else round(float(row["predicted_clv"]), 2),
        })
    overview = seg.overview()
    doc = {
        "as_of": seg.as_of_.date().isoformat(), "horizon_days": horizon_days, "customers": customers,
        "segments": [{"segment": r.rfm_segment, "customers": int(r.customers), "revenue": round(float(r.revenue), 2),
                      "revenue_share": round(float(r.revenue_share), 4)} for r in overview.itertuples()],
        "clusters": [{"cluster": int(k), "description": v} for k, v in sorted(seg.cluster_descriptions_.items())],
        "prediction_method": value.method_, "message": value.message_,
        "backtest": value.backtest_,
    }
    if value.bgnbd_ is not None:
        doc["bgnbd"] = {k: float(v) for k, v in value.bgnbd_.param_dict_.items()}
    return doc, seg


def _round(v, nd: int = 4):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return round(f, nd) if f == f else None


def _load_contacts(store):
    """Contact details for the export (the only read of customer_contacts; queries.py has no loader)."""
    import pandas as pd

    cur = store.connection().execute(
        "SELECT cu.key AS customer, cc.email, cc.first_name, cc.last_name FROM customer_contacts cc "
        "JOIN customers cu ON cu.id = cc.customer_id")
    df = pd.DataFrame.from_records(cur.fetchall(), columns=["customer", "email", "first_name", "last_name"])
    from merchant_ai.analytics.customers import normalise_customer_key

    df["customer"] = df["customer"].map(normalise_customer_key)
    return df


def _segments(args: argparse.Namespace) -> int:
    from merchant_ai.store import queries

    if args.horizon_days <= 0:
        raise CliError("--horizon-days must be positive.", EXIT_USAGE)
    store = open_store(args)
    try:
        sales = queries.sales_lines(store, as_of=args.as_of)
        progress(f"Segmenting {sales['customer'].nunique()} customers...")
        doc, seg = segments_result(sales, as_of=args.as_of, horizon_days=args.horizon_days)
        if doc["message"]:
            progress(doc["message"])
        if args.export_csv:
            from merchant_ai.analytics.segment_export import segment_rows, write_segment_csv

            rows = segment_rows(seg.table_, _load_contacts(store), only=args.segment)
            n = write_segment_csv(args.export_csv, rows)
            progress(f"Wrote {n} customers with an e-mail address to {args.export_csv}")
            doc["export"] = {"file": str(args.export_csv), "rows": n}
    finally:
        store.close()
    if args.json:
        emit_json(doc)
        return 0
    print(f"Segments as of {doc['as_of']} ({len(doc['customers'])} customers)")
    for s in doc["segments"]:
        print(f"  {s['segment']:<20} {s['customers']:>6}  {s['revenue_share']:>6.1%} of revenue")
    for c in doc["clusters"]:
        print(f"  cluster {c['cluster']}: {c['description']}")
    print(f"Predictions: {doc['prediction_method']}" + (f" ({doc['message']})" if doc["message"] else ""))
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from merchant_ai.analytics.customers import normalise_customer_key
    from merchant_ai.analytics.recommend import Recommender
    from merchant_ai.store import queries

    if args.k <= 0:
        raise CliError("--k must be positive.", EXIT_USAGE)
    store = open_store(args)
    try:
        sales = queries.sales_lines(store, as_of=args.as_of)
    finally:
        store.close()
    model = Recommender(as_of=args.as_of).fit(sales)
    results = []
    if args.sku:
        for sku in args.sku:
            picks = model.similar(sku, k=args.k)
            results.append({"sku": sku, "items": [_pick(p) for p in picks]})
    else:
        keys = list(model.customers_) if args.all_customers else [normalise_customer_key(c) for c in args.customer]
        for key in keys:
            if key not in model.customer_index_:
                progress(f"Customer {key} has no purchases up to {model.as_of_.date()}: best-sellers shown.")
        for key, picks in zip(keys, model.recommend_many(keys, k=args.k, new_only=args.new_only), strict=True):
            results.append({"customer": key, "items": [_pick(p) for p in picks]})
    doc = {"as_of": model.as_of_.date().isoformat(), "k": args.k, "new_only": args.new_only, "results": results}
    if args.json:
        emit_json(doc)
        return 0
    for r in results:
        print(f"{'Customer ' + r['customer'] if 'customer' in r else 'With ' + r['sku']}:")
        for item in r["items"]:
            print(f"  {item['sku']:<12} {item['score']:.3f}  {item['reason']}")
    return 0


def _pick(p) -> dict:
    return {"sku": p.sku, "score": round(p.score, 6), "reason": p.reason}


def _bundles(args: argparse.Namespace) -> int:
    from merchant_ai.analytics.recommend import FrequentPairs
    from merchant_ai.store import queries

    store = open_store(args)
    try:
        sales = queries.sales_lines(store, as_of=args.as_of)
        products = queries.products(store)
    finally:
        store.close()
    fp = FrequentPairs(as_of=args.as_of).fit(sales, products)
    b = fp.bundles(min_lift=args.min_lift, top=args.top)
    pairs = [{"a": r.a, "b": r.b, "support": round(float(r.support), 6), "confidence": round(float(r.confidence), 4),
              "lift": round(float(r.lift), 4), "orders": int(r.orders),
              "combined_price": _round(r.combined_price, 2), "combined_margin": _round(r.combined_margin, 2)}
             for r in b.itertuples()]
    doc = {"pairs": pairs, "min_orders": fp.min_orders_, "orders": fp.n_orders_}
    if args.json:
        emit_json(doc)
        return 0
    print(f"Pairs bought together in at least {fp.min_orders_} of {fp.n_orders_} orders:")
    for p in pairs:
        margin = "" if p["combined_margin"] is None else f"  margin {p['combined_margin']:.2f}"
        print(f"  {p['a']} + {p['b']}: {p['orders']} orders, lift {p['lift']:.2f}, "
              f"confidence {p['confidence']:.0%}{margin}")
    return 0
