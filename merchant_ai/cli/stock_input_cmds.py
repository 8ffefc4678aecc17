"""`merchant-ai promotions`, `incoming` and `suppliers`: the owner's inputs to forecasts and stock alerts.

Each lists what is stored when called without an action, and prints that list after one (as JSON
with `--json`). A mistake is a usage error (exit 2) whose message names the field; nothing is stored.
"""

from __future__ import annotations

import argparse

from merchant_ai.cli.common import (
    EXIT_USAGE,
    CliError,
    add_json_arg,
    add_store_arg,
    emit_json,
    open_store,
    parse_date,
    progress,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    pr = subparsers.add_parser("promotions", help="flag promotions and one-off events so forecasts ignore them",
                               description="Without options: list the flags. A flagged period is treated "
                                           "like a one-off spike: forecasts and stock alerts use the usual level.")
    add_store_arg(pr)
    action = pr.add_mutually_exclusive_group()
    action.add_argument("--add", action="store_true", help="flag --from .. --to (for --sku, or the whole shop)")
    action.add_argument("--remove", type=int, metavar="ID", help="delete the flag with this id")
    pr.add_argument("--sku", help="the master SKU (leave out for a sitewide sale)")
    pr.add_argument("--from", dest="start", type=parse_date, metavar="DATE", help="first day (YYYY-MM-DD)")
    pr.add_argument("--to", dest="end", type=parse_date, metavar="DATE", help="last day, included")
    pr.add_argument("--note", default="", help="what happened (e.g. 'Black Friday 30%% off')")
    add_json_arg(pr)
    pr.set_defaults(handler=_promotions)

    inc = subparsers.add_parser("incoming", help="open purchase orders: stock on its way, received or cancelled",
                                description="Without options: list the open orders. Stock alerts count them as "
                                            "arriving on their expected day (or after the lead time).")
    add_store_arg(inc)
    act = inc.add_mutually_exclusive_group()
    act.add_argument("--add", action="store_true", help="record an order: --sku, --quantity [, --expected]")
    act.add_argument("--received", type=int, metavar="ID", help="mark an order received (records a stock count)")
    act.add_argument("--cancel", type=int, metavar="ID", help="cancel an open order")
    inc.add_argument("--sku")
    inc.add_argument("--quantity", type=float)
    inc.add_argument("--expected", type=parse_date, metavar="DATE", help="expected arrival (YYYY-MM-DD)")
    inc.add_argument("--count", type=float, help="with --received: the stock counted after receiving "
                                                 "(default: the estimate plus the quantity received)")
    add_json_arg(inc)
    inc.set_defaults(handler=_incoming)

    sp = subparsers.add_parser("suppliers", help="suppliers: lead time, order cycle, MOQ, case pack; who supplies what",
                               description="Without options: list the suppliers. A SKU's own setting (Stock tab) "
                                           "overrides its supplier's; an empty one falls back to the shop default.")
    add_store_arg(sp)
    sact = sp.add_mutually_exclusive_group()
    sact.add_argument("--set", metavar="NAME", help="create or update the supplier NAME with the settings given")
    sact.add_argument("--assign", metavar="NAME", help="make NAME the supplier of --sku SKU ... ('' for none)")
    sact.add_argument("--delete", metavar="NAME", help="delete a supplier (its SKUs keep their own settings)")
    sact.add_argument("--from-vendors", action="store_true",
                      help="one supplier per product vendor, for SKUs that have none yet")
    sp.add_argument("--lead-time", type=float, metavar="DAYS")
    sp.add_argument("--cycle", type=float, metavar="DAYS", help="order cycle: days between orders")
    sp.add_argument("--moq", type=float)
    sp.add_argument("--case-pack", type=float)
    sp.add_argument("--sku", nargs="+", action="extend", metavar="SKU")
    add_json_arg(sp)
    sp.set_defaults(handler=_suppliers)


def _promotions(args: argparse.Namespace) -> int:
    from merchant_ai.store import promotions as promo

    if args.add and (args.start is None or args.end is None):
        raise CliError("--add needs --from DATE and --to DATE.", EXIT_USAGE)
    if not args.add and (args.start or args.end or args.sku or args.note):
        raise CliError("--sku, --from, --to and --note go with --add.", EXIT_USAGE)
    store = open_store(args)
    added = removed = None
    try:
        if args.add:
            try:
                added = promo.add_promotion(store, args.start, args.end, sku=args.sku, note=args.note)
            except promo.PromotionError as exc:
                raise CliError(str(exc), EXIT_USAGE) from None
        elif args.remove is not None:
            if not promo.remove_promotion(store, args.remove):
                raise CliError(f"No promotion with id {args.remove}; `merchant-ai promotions` lists them.",
                               EXIT_USAGE)
            removed = args.remove
        flags = promo.list_promotions(store)
    finally:
        store.close()
    if args.json:
        emit_json({"promotions": flags, "added": added, "removed": removed})
        return 0
    if added is not None:
        progress(f"added promotion {added}")
    if removed is not None:
        progress(f"removed promotion {removed}")
    for f in flags:
        print(f"  {f['id']:>4}  {f['from']} .. {f['to']}  {f['sku'] or '(whole shop)':<20} {f['note']}")
    if not flags:
        print("No promotions flagged.")
    return 0


def _incoming(args: argparse.Namespace) -> int:
    from merchant_ai.store import purchase_orders as po

    if args.add and (not args.sku or args.quantity is None):
        raise CliError("--add needs --sku SKU and --quantity N.", EXIT_USAGE)
    if not args.add and (args.sku or args.quantity is not None or args.expected):
        raise CliError("--sku, --quantity and --expected go with --add.", EXIT_USAGE)
    if args.count is not None and args.received is None:
        raise CliError("--count goes with --received ID.", EXIT_USAGE)
    store = open_store(args)
    doc: dict = {"added": None, "received": None, "cancelled": None}
    try:
        try:
            if args.add:
                doc["added"] = po.add_order(store, args.sku, args.quantity, args.expected)
            elif args.received is not None:
                doc["received"] = po.receive_order(store, args.received, count=args.count)
            elif args.cancel is not None:
                if not po.cancel_order(store, args.cancel):
                    raise po.PurchaseOrderError(f"id: no open purchase order {args.cancel}.")
                doc["cancelled"] = args.cancel
        except po.PurchaseOrderError as exc:
            raise CliError(f"{exc} (`merchant-ai incoming` lists the open orders)", EXIT_USAGE) from None
        doc["orders"] = po.list_orders(store)
    finally:
        store.close()
    if args.json:
        emit_json({"orders": doc["orders"], "added": doc["added"], "received": doc["received"],
                   "cancelled": doc["cancelled"]})
        return 0
    got = doc["received"]
    if got is not None:
        progress(f"received order {got['id']}: {got['quantity']:g} x {got['sku']}; "
                 + (f"stock count now {got['count']:g}" if got["count"] is not None
                    else "no stock count recorded (none before; count it in the Stock tab)"))
    for o in doc["orders"]:
        print(f"  {o['id']:>4}  {o['sku']:<20} {o['quantity']:>8g}  expected {o['expected_at'] or 'unknown':<10}"
              f"  {o['supplier'] or ''}")
    if not doc["orders"]:
        print("No open purchase orders.")
    return 0


def _suppliers(args: argparse.Namespace) -> int:
    from merchant_ai.store import suppliers as sup

    settings = {k: v for k, v in (("lead_time_days", args.lead_time), ("order_cycle_days", args.cycle),
                                  ("moq", args.moq), ("case_pack", args.case_pack)) if v is not None}
    if settings and args.set is None:
        raise CliError("--lead-time, --cycle, --moq and --case-pack go with --set NAME.", EXIT_USAGE)
    if (args.assign is None) != (not args.sku):
        raise CliError("--assign NAME and --sku SKU ... go together.", EXIT_USAGE)
    store = open_store(args)
    doc: dict = {"saved": None, "assigned": None, "deleted": None, "from_vendors": None}
    try:
        try:
            if args.set is not None:
                doc["saved"] = sup.save_supplier(store, args.set, **settings)
            elif args.assign is not None:
                doc["assigned"] = sup.assign(store, args.sku, args.assign or None)
            elif args.delete is not None:
                doc["deleted"] = sup.delete_supplier(store, args.delete)
            elif args.from_vendors:
                doc["from_vendors"] = sup.from_vendors(store)
        except sup.SupplierError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        doc["suppliers"] = sup.list_suppliers(store)
    finally:
        store.close()
    if args.json:
        emit_json({"suppliers": doc["suppliers"], **{k: doc[k] for k in ("saved", "assigned", "deleted",
                                                                           "from_vendors")}})
        return 0
    fmt = lambda v: "-" if v is None else f"{v:g}"  # noqa: E731
    for s in doc["suppliers"]:
        print(f"  {s['name']:<28} lead {fmt(s['lead_time_days']):>4} d  cycle {fmt(s['order_cycle_days']):>4} d  "
              f"MOQ {fmt(s['moq']):>5}  case {fmt(s['case_pack']):>4}  {s['skus']} SKUs")
    if not doc["suppliers"]:
        print("No suppliers yet.")
    return 0
