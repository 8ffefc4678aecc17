"""Entry point: builds the parser from the command modules and maps every failure to an exit code."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from merchant_ai.cli.common import EXIT_ERROR, EXIT_INPUT, EXIT_USAGE, CliError

# Each module defines `register(subparsers)`; handlers are set with `set_defaults(handler=...)`.
COMMAND_MODULES = [
    "merchant_ai.cli.shop_cmds",      # init, info, demo, backup, restore, recover, passphrase
    "merchant_ai.cli.import_cmds",    # import, formats
    "merchant_ai.cli.forecast_cmds",  # forecast, stock
    "merchant_ai.cli.stock_input_cmds",  # promotions, incoming, suppliers
    "merchant_ai.cli.customer_cmds",  # segments, recommend, bundles
    "merchant_ai.cli.margin_cmds",    # margin
    "merchant_ai.cli.data_cmds",      # customer (export / erase), matches
]
# Commands that need Qt (gui, report, self-test) are plugins: the core names no Qt module, it
# asks the installed distribution for `merchant_ai.commands` entry points (the Qt layer declares
# its own in pyproject.toml). A source tree that is not installed falls back to the same name.
PLUGIN_GROUP = "merchant_ai.commands"
FALLBACK_PLUGINS = ["ui.cli_commands"]


def _plugin_modules() -> list[str]:
    from importlib.metadata import entry_points

    found = [ep.value.split(":")[0] for ep in entry_points(group=PLUGIN_GROUP)]
    return found or FALLBACK_PLUGINS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with one line
        self.print_usage(sys.stderr)
        print(f"merchant-ai: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="merchant-ai", description="Offline analytics for small online shops.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    from merchant_ai import __version__

    parser.add_argument("--version", action="version", version=f"merchant-ai {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES + _plugin_modules():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # a feature not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        result = args.handler(args)
        return int(result or 0)
    except KeyboardInterrupt:
        print("merchant-ai: cancelled", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # one clear line; traceback only with --debug
        from merchant_ai.store.errors import StoreError, translate

        if args.debug:
            traceback.print_exc()
        mapped = exc if isinstance(exc, (CliError, StoreError)) else translate(exc)
        if mapped is not None:
            print(f"merchant-ai: {mapped}", file=sys.stderr)
            return mapped.exit_code
        code = getattr(exc, "exit_code", None)
        if isinstance(code, int):
            print(f"merchant-ai: {exc}", file=sys.stderr)
            return code
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            print(f"merchant-ai: {exc.strerror}: {exc.filename}", file=sys.stderr)
            return EXIT_INPUT if args.command == "import" else EXIT_ERROR
        print(f"merchant-ai: unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
