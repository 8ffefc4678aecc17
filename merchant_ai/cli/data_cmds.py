"""`merchant-ai customer` (one customer's data: export it, or erase the identity) and
`merchant-ai matches` (the same product under different SKUs on different channels).

An export happens only when asked, to the file named (or stdout). Erasing needs `--yes`: it cannot
be undone, though encrypted backups taken before it still hold the data until they are pruned.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from merchant_ai.cli.common import (
    EXIT_USAGE,
    CliError,
    add_json_arg,
    add_store_arg,
    emit_json,
    open_store,
    progress,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    cu = subparsers.add_parser("customer", help="one customer's data: export it, or erase the identity",
                               description="KEY is the customer key shown in the Customers tab, or the e-mail "
                                           "or username (found through the shop's pseudonymous key).")
    add_store_arg(cu)
    what = cu.add_mutually_exclusive_group(required=True)
    what.add_argument("--export", metavar="KEY", help="everything the shop holds about this customer, as JSON")
    what.add_argument("--erase", metavar="KEY", help="delete the identity; orders stay, as guest orders")
    cu.add_argument("--out", type=Path, help="with --export: write the JSON to this file")
    cu.add_argument("--yes", action="store_true", help="with --erase: confirm (it cannot be undone)")
    add_json_arg(cu)
    cu.set_defaults(handler=_customer)

    ma = subparsers.add_parser("matches", help="products that look the same across channels: list, accept, reject",
                               description="Without options: list suggestions, best first. Accepting maps the "
                                           "second channel SKU onto the first one's master SKU.")
    add_store_arg(ma)
    act = ma.add_mutually_exclusive_group()
    act.add_argument("--accept", type=int, metavar="N", help="suggestion N (from the list) is one product")
    act.add_argument("--reject", type=int, metavar="N", help="suggestion N is two products: stop proposing it")
    add_json_arg(ma)
    ma.set_defaults(handler=_matches)


def _customer(args: argparse.Namespace) -> int:
    from merchant_ai.importers import privacy

    if args.out and not args.export:
        raise CliError("--out goes with --export KEY.", EXIT_USAGE)
    if args.erase and not args.yes:
        raise CliError("Erasing a customer cannot be undone: add --yes to confirm.", EXIT_USAGE)
    store = open_store(args)
    try:
        try:
            result = privacy.export_customer(store, args.export) if args.export else \
                privacy.erase_customer(store, args.erase)
        except KeyError:
            raise CliError(f"No customer {args.export or args.erase!r} in this shop.", EXIT_USAGE) from None
    finally:
        store.close()
    if args.export and args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        progress(f"wrote {len(result['orders'])} orders of this customer to {args.out}")
        result = {"export": str(args.out), "orders": len(result["orders"])}
    elif args.erase:
        progress(f"erased; {result['orders_unlinked']} orders kept as guest orders. Backups taken before "
                 "still hold the data until they are pruned.")
    if args.json or args.export and not args.out:
        emit_json(result)
    return 0


def _suggestion_doc(n: int, s) -> dict:
    return {"n": n, "channel_a": s.channel_a, "sku_a": s.sku_a, "title_a": s.title_a, "channel_b": s.channel_b,
            "sku_b": s.sku_b, "title_b": s.title_b, "score": s.score, "reason": s.reason}


def _matches(args: argparse.Namespace) -> int:
    from merchant_ai.importers import sku_matching

    store = open_store(args)
    doc: dict = {"accepted": None, "rejected": None}
    try:
        found = sku_matching.suggest_matches(store)
        pick = args.accept or args.reject
        if pick is not None:
            if not 1 <= pick <= len(found):
                raise CliError(f"No suggestion {pick}: `merchant-ai matches` lists {len(found)}.", EXIT_USAGE)
            s = found[pick - 1]
            if args.accept:
                doc["accepted"] = {**_suggestion_doc(pick, s), "lines_repointed": sku_matching.accept(store, s)}
            else:
                sku_matching.reject(store, s)
                doc["rejected"] = _suggestion_doc(pick, s)
            found = sku_matching.suggest_matches(store)
        doc["suggestions"] = [_suggestion_doc(n, s) for n, s in enumerate(found, 1)]
    finally:
        store.close()
    if args.json:
        emit_json({"suggestions": doc["suggestions"], "accepted": doc["accepted"], "rejected": doc["rejected"]})
        return 0
    for s in doc["suggestions"]:
        print(f"  {s['n']:>3}  {s['channel_a']}:{s['sku_a']} ~ {s['channel_b']}:{s['sku_b']}  ({s['reason']})")
    if not doc["suggestions"]:
        print("No suggested matches.")
    return 0
