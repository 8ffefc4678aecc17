"""`merchant-ai margin`: the fee/margin calculator, or true profit per SKU x channel from a shop.

Two forms of one command (see ../shared/cli-contract.md):
- calculator (`--price` given): no shop needed; `--store` adds the owner's saved presets;
- store (`--store` without `--price`): per SKU and channel, with elasticity and a suggested price.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from merchant_ai.cli.common import (
    EXIT_USAGE,
    CliError,
    add_as_of_arg,
    add_json_arg,
    emit_json,
    open_store,
    parse_date,
    progress,
)
from merchant_ai.wording import counted


def _shop_target(value: str | None) -> float:
    """The shop's own target margin (Settings; the weekly report reads the same one), else 20 %."""
    try:
        target = float(value) if value else 20.0
    except ValueError:
        return 20.0
    return target if 0.0 <= target <= 99.0 else 20.0


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _option(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, raw = text.split("=", 1)
    try:
        value = json.loads(raw.lower() if raw.lower() in ("true", "false", "null") else raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "margin", help="fees, profit and margin: a calculator, or per SKU x channel from a shop",
        description="With --price: the calculator (every fee line, profit, margin, break-even and "
                    "target-margin prices). With --store and no --price: true profit per SKU and channel.")
    p.add_argument("--store", type=Path, help="the shop folder")
    p.add_argument("--passphrase-file", type=Path, help="read the passphrase from this file")
    p.add_argument("--channel", help="fee preset: etsy, amazon, ebay, shopify_payments (shopify), paypal, "
                                     "stripe, woopayments (woocommerce), or one you saved")
    p.add_argument("--price", type=_money, help="unit price")
    p.add_argument("--cost", type=_money, help="unit cost (COGS)")
    p.add_argument("--quantity", type=int, default=1, help="units in the order (default 1)")
    p.add_argument("--packaging", type=_money, default=Decimal(0), help="packaging per unit")
    p.add_argument("--shipping-charged", type=_money, default=Decimal(0), help="shipping the buyer pays, per order")
    p.add_argument("--shipping-cost", type=_money, default=Decimal(0), help="shipping you pay, per order")
    p.add_argument("--gift-wrap", type=_money, default=Decimal(0), help="gift wrap charged, per order")
    p.add_argument("--tax-rate", type=_money, default=Decimal(0), help="sales tax / VAT rate in percent")
    p.add_argument("--price-includes-tax", action="store_true", help="the price already includes the tax")
    p.add_argument("--discount", type=_money, default=Decimal(0), help="discount per order")
    p.add_argument("--return-rate", type=_money, default=Decimal(0), help="expected returns, percent of orders")
    p.add_argument("--ad-cost", type=_money, default=Decimal(0), help="advertising cost per order")
    p.add_argument("--country", help="seller/payment country, e.g. US, GB (default US)")
    p.add_argument("--category", help="product category, e.g. beauty, books, electronics_accessories")
    p.add_argument("--plan", help="platform plan, e.g. individual/professional (Amazon), basic/shopify/advanced")
    p.add_argument("--option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                   help="preset option, e.g. offsite_ads=true, fulfillment=fba, fee_base_includes_tax=false")
    p.add_argument("--date", type=parse_date, help="fees in force on this date (default today)")
    p.add_argument("--target-margin", type=_money, help="target margin in percent (store form: alert threshold; default: the shop's Settings value, else 20)")
    p.add_argument("--range-pct", type=float, default=20.0, help="store form: allowed price change for suggestions")
    p.add_argument("--no-elasticity", action="store_true", help="store form: skip elasticity and suggestions")
    p.add_argument("--show-preset", metavar="NAME", help="print a fee preset as JSON (a template to edit)")
    p.add_argument("--save-preset", type=Path, metavar="FILE",
                   help="with --store: save an edited or new preset (JSON) in the shop; it overrides a shipped "
                        "preset of the same name")
    p.add_argument("--delete-preset", metavar="NAME", help="with --store: forget a saved preset")
    p.add_argument("--map-channel", metavar="CHANNEL=PRESET",
                   help="with --store: the preset a sales channel's fees follow (e.g. generic=stripe)")
    add_as_of_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_margin)


def cmd_margin(args: argparse.Namespace) -> int:
    if args.show_preset or args.save_preset or args.delete_preset or args.map_channel:
        return _presets(args)
    if args.price is not None:
        return _calculator(args)
    if args.store is None:
        raise CliError("margin needs either --channel, --price and --cost (calculator) or --store (per SKU).",
                       EXIT_USAGE)
    return _from_store(args)


def _calculator(args: argparse.Namespace) -> int:
    from merchant_ai.pricing.calculator import CalcInput, FeeContext, calculate
    from merchant_ai.pricing.presets import PresetError, PresetLibrary

    if not args.channel or args.cost is None:
        raise CliError("The calculator needs --channel, --price and --cost.", EXIT_USAGE)
    library = PresetLibrary()
    if args.store is not None:
        store = open_store(args)
        try:
            library = PresetLibrary.from_store(store)
        finally:
            store.close()
    options = dict(args.option)
    if args.plan:
        options["plan"] = args.plan
    try:
        inp = CalcInput(price=args.price, unit_cost=args.cost, quantity=args.quantity, packaging=args.packaging,
                        shipping_charged=args.shipping_charged, shipping_cost=args.shipping_cost,
                        gift_wrap=args.gift_wrap, tax_rate=args.tax_rate,
                        price_includes_tax=args.price_includes_tax, discount=args.discount,
                        return_rate=args.return_rate, ad_cost=args.ad_cost)
        ctx = FeeContext(preset=library.get(args.channel), date=args.date or dt.date.today(),
                         country=args.country or "US", category=args.category, options=options)
        result = calculate(inp, ctx, target_margin_pct=args.target_margin, channel=args.channel)
    except (ValueError, PresetError) as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    data = result.to_dict()
    if args.json:
        emit_json(data)
        return 0
    cur = data["currency"]
    print(f"{ctx.preset.title} on {data['date']} ({cur}), {counted(data['quantity'], 'unit')}")
    print(f"  revenue (excl. tax)      {data['revenue']:>10.2f}")
    for fee in data["fees"]:
        print(f"  - {fee['name']:<22} {fee['amount']:>10.2f}   {fee['rule']}")
    print(f"  fees total               {data['fees_total']:>10.2f}")
    for key, label in (("cost", "costs"), ("profit", "profit"), ("margin_pct", "margin %"),
                       ("markup_pct", "markup %"), ("break_even_price", "break-even price"),
                       ("price_for_target_margin", "price for target"), ("break_even_roas", "break-even ROAS")):
        if data[key] is not None:
            print(f"  {label:<24} {data[key]:>10.2f}")
    for item in data["not_per_order"]:
        print(f"  (not per order: {item['name']} {item['amount']:.2f} per {item['per']})")
    for warning in data["warnings"]:
        print(f"  note: {warning}")
    return 0


def _from_store(args: argparse.Namespace) -> int:
    from merchant_ai.pricing.presets import PresetLibrary
    from merchant_ai.pricing.product_table import sku_channel_table
    from merchant_ai.store import queries

    store = open_store(args)
    try:
        progress("Loading sales...")
        sales = queries.sales_lines(store, args.as_of)
        orders = queries.orders(store, args.as_of)
        fees = queries.fees(store, args.as_of)
        library = PresetLibrary.from_store(store)
        country = args.country or store.get_setting("country") or "US"
        shop_target = store.get_setting("target_margin_pct")
    finally:
        store.close()
    as_of = args.as_of
    if as_of is None and not sales.empty:
        as_of = sales["order_date"].max().date()
    progress("Computing profit per SKU and channel...")
    target = float(args.target_margin) if args.target_margin is not None else _shop_target(shop_target)
    table = sku_channel_table(sales, orders, fees, library=library, as_of=as_of, target_margin_pct=target,
                              range_pct=args.range_pct, country=country, with_elasticity=not args.no_elasticity)
    table = {"as_of": as_of, "target_margin_pct": target, **table}
    if args.json:
        emit_json(table)
        return 0
    print(f"{'sku':<14} {'channel':<12} {'units':>7} {'revenue':>10} {'fees':>9} {'profit':>10} {'margin%':>8} "
          f"{'elast.':>7} {'suggest':>8}")
    for it in table["items"]:
        fmt = lambda v, w, p=2: f"{v:>{w}.{p}f}" if v is not None else f"{'?':>{w}}"  # noqa: E731
        print(f"{str(it['sku'])[:14]:<14} {it['channel'][:12]:<12} {it['units']:>7.0f} {it['revenue']:>10.2f} "
              f"{fmt(it['fees'], 9)} {fmt(it['profit'], 10)} {fmt(it['margin_pct'], 8, 1)} "
              f"{fmt(it['elasticity'], 7)} {fmt(it['suggested_price'], 8)}")
    if table["unknown_cost"]:
        share = sum(u["revenue_share"] or 0 for u in table["unknown_cost"]) * 100
        print(f"\n{counted(len(table['unknown_cost']), 'SKU')} without a unit cost ({share:.1f}% of revenue): "
              "profit is not computed for them.")
    for alert in table["alerts"][:20]:
        print(f"alert: {alert['sku']} on {alert['channel']}: {alert['alert'].replace('_', ' ')} "
              f"({alert['margin_pct']:.1f}% margin)" if alert["margin_pct"] is not None and
              alert["margin_pct"] == alert["margin_pct"] else f"alert: {alert['sku']} on {alert['channel']}: "
              f"{alert['alert'].replace('_', ' ')}")
    return 0


def _presets(args: argparse.Namespace) -> int:
    """Show, save, delete presets and map channels to them (the owner's fee data lives in the shop)."""
    from merchant_ai.pricing import presets as pr

    if args.show_preset and not (args.save_preset or args.delete_preset or args.map_channel):
        library = pr.PresetLibrary()
        if args.store is not None:
            store = open_store(args)
            try:
                library = pr.PresetLibrary.from_store(store)
            finally:
                store.close()
        try:
            emit_json(library.get(args.show_preset).to_dict())
        except pr.PresetError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        return 0
    if args.store is None:
        raise CliError("--save-preset, --delete-preset and --map-channel need --store.", EXIT_USAGE)
    data = None
    if args.save_preset:
        try:
            data = json.loads(args.save_preset.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CliError(f"Cannot read {args.save_preset}: {exc.strerror}", EXIT_USAGE) from None
        except json.JSONDecodeError as exc:
            raise CliError(f"{args.save_preset} is not JSON: {exc}", EXIT_USAGE) from None
    mapping = None
    if args.map_channel:
        if "=" not in args.map_channel:
            raise CliError("--map-channel takes CHANNEL=PRESET", EXIT_USAGE)
        mapping = [part.strip() for part in args.map_channel.split("=", 1)]
    store = open_store(args)
    done: dict[str, object] = {}
    try:
        if data is not None:
            try:
                pr.save_user_preset(store, data)
            except pr.PresetError as exc:
                raise CliError(str(exc), EXIT_USAGE) from None
            done["saved"] = str(data.get("platform"))
        if args.delete_preset:
            done["deleted"] = args.delete_preset if pr.delete_user_preset(store, args.delete_preset) else None
        if mapping:
            library = pr.PresetLibrary.from_store(store)
            try:
                library.get(mapping[1])
            except pr.PresetError as exc:
                raise CliError(str(exc), EXIT_USAGE) from None
            pr.map_channel(store, mapping[0], mapping[1])
            done["mapped"] = {mapping[0]: mapping[1]}
        store.bump_data_version()
    finally:
        store.close()
    if args.json:
        emit_json(done)
    else:
        progress(", ".join(f"{k}: {v}" for k, v in done.items()))
    return 0
