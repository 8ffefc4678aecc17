"""CLI commands that need Qt, registered into `merchant-ai` as a plugin (entry point
`merchant_ai.commands`): `gui`, `report` (the weekly PDF, rendered with Qt offscreen) and `self-test`.

Each handler imports its module lazily so `merchant-ai --help` and the Qt-free commands stay fast."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("gui", help="open the window")
    p.add_argument("--store", type=Path, help="the shop folder to open")
    p.add_argument("--demo", action="store_true", help="open (building it if needed) the demo shop")
    p.set_defaults(handler=cmd_gui)

    p = subparsers.add_parser("report", help="render the weekly PDF summary (no display needed)")
    p.add_argument("--store", type=Path, required=True, help="the shop folder")
    p.add_argument("--passphrase-file", type=Path, help="read the passphrase from this file (for schedules)")
    p.add_argument("--week", help="ISO week such as 2026-W47 (default: the last complete week)")
    p.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    p.add_argument("--page-size", choices=("auto", "a4", "letter"), default="auto",
                   help="paper size (default: the shop's setting, else the locale's)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=cmd_report)

    p = subparsers.add_parser("self-test", help="check this installation end to end (no display needed)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--keep", type=Path, help="keep the temporary shop and PDF in this folder")
    p.set_defaults(handler=cmd_self_test)


def cmd_gui(args: argparse.Namespace) -> int:
    from ui.app import run

    return run(str(args.store) if args.store else None, demo=args.demo)


def cmd_report(args: argparse.Namespace) -> int:
    from ui.report_cli import run_report

    return run_report(args)


def cmd_self_test(args: argparse.Namespace) -> int:
    from ui.selftest import run_self_test

    return run_self_test(args)
