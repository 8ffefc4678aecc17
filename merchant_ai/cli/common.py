"""What every subcommand shares: the passphrase rule, opening the store, JSON output, exit codes.

Command modules keep heavy imports (pandas, models) inside their handlers so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import math
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_STORE, EXIT_INPUT = 0, 1, 2, 3, 4, 5


class CliError(Exception):
    """A failure with a message for the user and an exit code from the contract."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_store_arg(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--store", required=required, type=Path, help="the shop folder")
    parser.add_argument("--passphrase-file", type=Path, help="read the passphrase from this file")


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def add_as_of_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", type=parse_date, help="compute as if today were the end of DATE")


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None


def read_passphrase(args: argparse.Namespace, prompt: str = "Passphrase: ", confirm: bool = False) -> str:
    """MERCHANT_AI_PASSPHRASE, else --passphrase-file, else an interactive prompt (never argv)."""
    env = os.environ.get("MERCHANT_AI_PASSPHRASE")
    if env:
        return env
    pfile = getattr(args, "passphrase_file", None)
    if pfile:
        try:
            return Path(pfile).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise CliError(f"Cannot read the passphrase file {pfile}: {exc.strerror}", EXIT_USAGE) from None
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError("No passphrase: set MERCHANT_AI_PASSPHRASE, or use --passphrase-file FILE.", EXIT_USAGE)
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat it: ") != first:
        raise CliError("The two passphrases differ.", EXIT_USAGE)
    return first


def open_store(args: argparse.Namespace):
    """The unlocked store named by --store (errors carry their own exit codes)."""
    from merchant_ai.store import Store

    return Store.open(args.store, read_passphrase(args))


def progress(message: str) -> None:
    """Progress and messages go to stderr so stdout stays one JSON document."""
    print(message, file=sys.stderr, flush=True)


def _default(obj: Any) -> Any:
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def clean_floats(obj: Any) -> Any:
    """NaN/inf are not JSON: they become null."""
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {k: clean_floats(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_floats(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        try:
            return clean_floats(obj.item())
        except (ValueError, AttributeError):
            return obj
    return obj


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(clean_floats(data), default=_default, ensure_ascii=False))
    sys.stdout.write("\n")
    sys.stdout.flush()
