"""Shop-level commands: init, info, demo, backup, restore, recover, passphrase.

`gui`, `report` and `self-test` need Qt, so they live in the Qt layer (`ui/cli_commands.py`) and
reach the parser as a plugin (see `merchant_ai.cli.main`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from merchant_ai.cli.common import (
    EXIT_USAGE,
    CliError,
    add_json_arg,
    add_store_arg,
    emit_json,
    open_store,
    progress,
    read_passphrase,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("init", help="create a new encrypted shop")
    add_store_arg(p)
    p.add_argument("--name", default="My shop", help="the shop's display name")
    add_json_arg(p)
    p.set_defaults(handler=cmd_init)

    p = subparsers.add_parser("info", help="counts and date span of a shop")
    add_store_arg(p)
    add_json_arg(p)
    p.add_argument("--verify", action="store_true", help="also check every page's authentication (slower)")
    p.set_defaults(handler=cmd_info)

    p = subparsers.add_parser("demo", help="build the demo shop (creating the store if needed)")
    add_store_arg(p)
    p.add_argument("--seed", type=int, default=7)
    add_json_arg(p)
    p.set_defaults(handler=cmd_demo)

    p = subparsers.add_parser("backup", help="make an encrypted backup now")
    add_store_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_backup)

    p = subparsers.add_parser("restore", help="replace the shop's database with a backup")
    add_store_arg(p)
    p.add_argument("backup", nargs="?", help="backup file (default: the latest)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_restore)

    p = subparsers.add_parser("recover", help="open with the recovery code and set a new passphrase")
    add_store_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_recover)

    p = subparsers.add_parser("passphrase", help="change the passphrase (instant: the data is not re-encrypted)")
    add_store_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_passphrase)


def cmd_init(args: argparse.Namespace) -> int:
    from merchant_ai.store import Store

    passphrase = read_passphrase(args, "New passphrase: ", confirm=True)
    store, code = Store.create(args.store, passphrase, name=args.name)
    store.close()
    if args.json:
        emit_json({"store": str(args.store), "recovery_code": code})
    else:
        print(f"Created shop in {args.store}.")
        print("Your recovery code (write it down and keep it safe; it is shown only once):")
        print(f"\n    {code}\n")
        print("With it you can open the shop if you forget the passphrase or lose the key file.")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    store = open_store(args)
    info = store.info()
    if args.verify:
        from merchant_ai.store.integrity import verify

        info["integrity"] = verify(store)
    store.close()
    if args.json:
        emit_json(info)
    else:
        for key, value in info.items():
            print(f"{key:>16}: {value}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from merchant_ai.store import Store

    passphrase = read_passphrase(args)
    if (Path(args.store) / "shop.db").exists():
        store = Store.open(args.store, passphrase)
        code = None
    else:
        store, code = Store.create(args.store, passphrase, name="Demo shop")
        progress(f"Created shop in {args.store}. Recovery code: {code}")
    from merchant_ai.demo.build import build_demo

    summary = build_demo(store, seed=args.seed, progress=lambda f, m: progress(f"[{f:4.0%}] {m}"))
    info = store.info()
    store.close()
    if args.json:
        out = {"store": str(args.store), **summary, "info": info}
        if code:
            out["recovery_code"] = code
        emit_json(out)
    else:
        print(f"Demo shop ready in {args.store}: {info['orders']} orders, {info['products']} products, "
              f"{info['customers']} customers ({info['first_order_at']} to {info['last_order_at']}).")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    store = open_store(args)
    path = store.backup(reason="manual")
    store.close()
    if args.json:
        emit_json({"store": str(args.store), "backup": str(path)})
    else:
        print(f"Backup written: {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    store = open_store(args)
    backups = store.list_backups()
    if args.backup:
        target = Path(args.backup)
        if not target.exists():
            raise CliError(f"No such backup: {target}", EXIT_USAGE)
    elif backups:
        target = backups[0]
    else:
        raise CliError(f"{args.store} has no backups to restore.", EXIT_USAGE)
    store.restore(target)
    info = store.info()
    store.close()
    if args.json:
        emit_json({"store": str(args.store), "restored": str(target), "info": info})
    else:
        print(f"Restored {target.name}: {info['orders']} orders.")
    return 0


def _read_recovery_code() -> str:
    env = os.environ.get("MERCHANT_AI_RECOVERY_CODE")
    if env:
        return env
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError("No recovery code: set MERCHANT_AI_RECOVERY_CODE or run interactively.", EXIT_USAGE)
    return input("Recovery code: ")


def _new_passphrase(args: argparse.Namespace) -> str:
    env = os.environ.get("MERCHANT_AI_NEW_PASSPHRASE")
    if env:
        return env
    if getattr(args, "passphrase_file", None):
        return read_passphrase(args)
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError("No new passphrase: set MERCHANT_AI_NEW_PASSPHRASE or run interactively.", EXIT_USAGE)
    import getpass

    first = getpass.getpass("New passphrase: ")
    if getpass.getpass("Repeat it: ") != first:
        raise CliError("The two passphrases differ.", EXIT_USAGE)
    return first


def cmd_recover(args: argparse.Namespace) -> int:
    from merchant_ai.store import Store

    code = _read_recovery_code()
    new = _new_passphrase(args)
    store = Store.recover(args.store, code, new)
    store.close()
    if args.json:
        emit_json({"store": str(args.store), "recovered": True})
    else:
        print("Shop opened with the recovery code; the new passphrase is set.")
    return 0


def cmd_passphrase(args: argparse.Namespace) -> int:
    store = open_store(args)
    store.change_passphrase(_new_passphrase(args))
    store.close()
    if getattr(args, "json", False):
        emit_json({"store": str(args.store), "changed": True})
    else:
        print("Passphrase changed.")
    return 0
