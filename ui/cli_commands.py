"""CLI commands that need Qt, registered into `merchant-ai` as a plugin (entry point
`merchant_ai.commands`): `gui`, and later `report` (PDF rendering) and `self-test`."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("gui", help="open the window")
    p.add_argument("--store", type=Path, help="the shop folder to open")
    p.add_argument("--demo", action="store_true", help="open (building it if needed) the demo shop")
    p.set_defaults(handler=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    from ui.app import run

    return run(str(args.store) if args.store else None, demo=args.demo)
