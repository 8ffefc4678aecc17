"""`merchant-ai import` and `merchant-ai formats` (shapes in shared/cli-contract.md).

All files named in one command are parsed and checked before any is written: a rejected file
stops the whole command with exit code 5 and nothing imported. Each accepted file is then
written in its own transaction, so each can be undone on its own (`--undo IMPORT_ID`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from merchant_ai.cli.common import (
    EXIT_INPUT,
    EXIT_USAGE,
    CliError,
    add_json_arg,
    add_store_arg,
    emit_json,
    open_store,
    progress,
)
from merchant_ai.wording import counted


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("import", help="import marketplace exports or any sales CSV/xlsx")
    add_store_arg(p)
    p.add_argument("files", nargs="*", type=Path, metavar="FILE",
                   help="export files, or folders whose export files (.csv .tsv .txt .xlsx .xls .gz) to import")
    p.add_argument("--format", help="force a format (see `merchant-ai formats`)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--mapping", metavar="PROFILE", help="use a saved column mapping (generic files)")
    group.add_argument("--map", metavar="FIELD=COLUMN,...", help="map columns by hand (generic files)")
    p.add_argument("--save-mapping", metavar="PROFILE", help="save the mapping used under this name")
    p.add_argument("--allow-partial", action="store_true", help="import the good rows of a file with problems")
    privacy = p.add_mutually_exclusive_group()
    privacy.add_argument("--anonymous", action="store_true",
                         help="from now on keep only a keyed hash of each buyer's e-mail/username (the default)")
    privacy.add_argument("--keep-identities", action="store_true",
                         help="from now on also keep buyers' names, e-mails, addresses and phones")
    p.add_argument("--undo", type=int, metavar="IMPORT_ID", help="undo an earlier import")
    p.add_argument("--list", action="store_true", help="list past imports")
    add_json_arg(p)
    p.set_defaults(handler=cmd_import)

    p = subparsers.add_parser("formats", help="list the file formats the importer knows")
    add_json_arg(p)
    p.set_defaults(handler=cmd_formats)


def cmd_formats(args: argparse.Namespace) -> int:
    from merchant_ai.importers.registry import all_formats

    specs = all_formats()
    if args.json:
        emit_json({"formats": [{"name": s.name, "channel": s.channel, "description": s.description}
                               for s in specs]})
    else:
        width = max((len(s.name) for s in specs), default=10)
        for s in specs:
            print(f"{s.name:<{width}}  {s.description}")
    return 0


def _mapping(args: argparse.Namespace, store) -> dict[str, str] | None:
    from merchant_ai.importers import generic

    if args.mapping:
        try:
            return generic.load_profile(store, args.mapping)
        except KeyError:
            known = ", ".join(generic.list_profiles(store)) or "none saved yet"
            raise CliError(f"no mapping profile named {args.mapping!r} (profiles: {known})", EXIT_USAGE) from None
    if args.map:
        try:
            return generic.parse_map_option(args.map)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
    return None


def cmd_import(args: argparse.Namespace) -> int:
    from merchant_ai.importers import pipeline, registry, writer

    if args.format:
        try:
            registry.get_format(args.format)
        except registry.UnknownFormat as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
    store = open_store(args)
    if args.anonymous or args.keep_identities:
        from merchant_ai.importers import privacy

        privacy.set_pseudonymize(store, args.anonymous)   # the shop's choice, for this and later imports
    if args.undo is not None:
        try:
            done = writer.undo_import(store, args.undo)
        except writer.UndoError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        emit_json(done) if args.json else progress(f"Import {args.undo} undone.")
        return 0
    if args.list:
        imports = writer.list_imports(store)
        if args.json:
            emit_json({"imports": imports})
        else:
            for rec in imports:
                print(f"{rec['id']:>4}  {rec['started_at']}  {rec['status']:<6}  {rec['format']:<22} {rec['file_name']}")
        return 0
    if not args.files and (args.anonymous or args.keep_identities):
        progress("Imports from now on keep " + ("only pseudonymous customer keys." if args.anonymous
                                               else "customers' identities."))
        return 0
    if not args.files:
        raise CliError("name at least one FILE to import (or use --undo / --list)", EXIT_USAGE)
    files = pipeline.expand_folders(args.files)
    if not files:
        raise CliError("no export files (.csv .tsv .txt .xlsx .xls .gz) in " + ", ".join(map(str, args.files)),
                       EXIT_INPUT)
    mapping = _mapping(args, store)
    parsed = []
    beside = pipeline.BackupBeside(store)      # the first file's backup, made while the files are read
    try:
        for path in files:
            data = path.read_bytes()
            progress(f"Reading {path.name} ...")
            try:
                _table, batch = pipeline.parse_bytes(data, path.name, format=args.format, mapping=mapping)
                pipeline.check_batch(path.name, batch, args.allow_partial)
            except pipeline.ImportRejected as exc:
                raise CliError(str(exc), EXIT_INPUT) from None
            parsed.append((path, data, batch))
        made, beside = beside.made(), None
    finally:
        if beside is not None:      # a file was rejected: nothing is written, the backup goes
            beside.discard()
    results = []
    for path, data, batch in parsed:
        result = pipeline.write_parsed(store, path.name, data, batch, backup_made=made)
        made = None                 # each later file is backed up before its own write
        results.append(result.to_json())
        progress(f"{path.name}: {result.format}, {result.orders} orders, {result.order_lines} lines "
                 f"(import {result.import_id})")
    if args.save_mapping and mapping is not None:
        from merchant_ai.importers import generic

        generic.save_profile(store, args.save_mapping, mapping)
    elif args.save_mapping:
        from merchant_ai.importers import generic

        first = next((b for _, _, b in parsed if b.format == "generic"), None)
        if first is None:
            raise CliError("--save-mapping applies to generic files only", EXIT_USAGE)
        table = pipeline.read_table(parsed[0][1], parsed[0][0].name)
        generic.save_profile(store, args.save_mapping, generic.guess_mapping(table.header))
    if args.json:
        emit_json({"imports": results})
    else:
        for r in results:
            money = ", ".join(" ".join(filter(None, (f"{x['gross']:,.2f}", x["currency"])))
                              + f" (refunded {x['refunded']:,.2f})" for x in r["revenue"])
            print(f"{r['file']}: {r['format']} -> {r['orders']:,} orders, {r['order_lines']:,} lines, "
                  f"{r['units']:,.10g} units, {r['products']:,} products, {r['customers']:,} customers"
                  + (f"; revenue {money}" if money else "")
                  + (f"; {counted(r['skipped_total'], 'row')} skipped" if r["skipped_total"] else ""))
            changed = pipeline.change_summary(r["written"])
            if changed:
                print(f"  in the shop: {changed}")
            for w in r["warnings"]:
                print(f"  note: {w}")
    return 0
