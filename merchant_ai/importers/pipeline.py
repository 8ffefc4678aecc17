"""From a file to stored rows: read, detect, parse, validate, write, with progress and cancel.

Everything before the write is pure, so a file with problems is rejected with nothing written
(`ImportRejected`, exit code 5) unless the caller allows a partial import, in which case the rows
the parser could read are written and the problems come back as warnings. `preview` runs the same
steps without writing, for the Import tab.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import sqlcipher3

from merchant_ai.importers import registry
from merchant_ai.importers.batch import ImportBatch, RowProblem
from merchant_ai.importers.reading import UnreadableFile, read_table
from merchant_ai.importers.table import Table
from merchant_ai.importers.writer import ImportCancelled, gc_paused, write_batch
from merchant_ai.money import SCALE
from merchant_ai.store import Store
from merchant_ai.wording import counted

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]
MAX_LISTED = 200   # problems/skipped rows listed in full; the rest are counted
SHOWN = 3          # problems named in a rejection's one-line message


class ImportRejected(Exception):
    """The file cannot be imported as it is; nothing was written. Exit code 5 (input rejected)."""

    exit_code = 5

    def __init__(self, file_name: str, problems: list[RowProblem], message: str | None = None, *,
                 partial_possible: bool = False) -> None:
        self.file_name = file_name
        self.problems = problems
        # Whether importing only the good rows would import anything: offering it for a file whose
        # columns were not found (or whose every row is bad) only leads to a second rejection.
        self.partial_possible = partial_possible
        if message is None:
            shown = "; ".join(str(p) for p in problems[:SHOWN])
            rest = len(problems) - SHOWN
            more = f" (and {counted(rest, 'more problem')})" if rest > 0 else ""
            advice = "fix the file, or import the good rows with --allow-partial" if partial_possible else "fix the file"
            message = f"{file_name}: {shown or 'cannot be imported'}{more}. Nothing was imported; {advice}."
        super().__init__(message)

    def to_json(self) -> dict:
        return {"file": self.file_name, "rejected": True,
                "problems": [{"line": p.line, "column": p.column, "value": p.value, "reason": p.reason}
                             for p in self.problems[:MAX_LISTED]],
                "problems_total": len(self.problems)}


@dataclass
class ImportResult:
    file: str
    format: str
    channel: str
    orders: int
    order_lines: int
    units: float
    products: int
    customers: int
    revenue: list[dict]
    skipped: list[dict]
    warnings: list[str]
    date_span: list[str | None]
    import_id: int | None = None
    problems: list[RowProblem] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The CLI contract's per-file shape, plus import_id, date_span and the write counts."""
        return {"file": self.file, "format": self.format, "channel": self.channel, "orders": self.orders,
                "order_lines": self.order_lines, "units": self.units, "products": self.products,
                "customers": self.customers, "revenue": self.revenue, "skipped": self.skipped[:MAX_LISTED],
                "skipped_total": len(self.skipped), "warnings": self.warnings, "import_id": self.import_id,
                "date_span": self.date_span, "written": self.counts,
                "problems": [str(p) for p in self.problems[:MAX_LISTED]]}


EXPORT_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xls", ".gz"}


def expand_folders(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given; a folder stands for the export files directly inside it (by extension,
    sorted, hidden files left out), so an owner can drop or name the folder their downloads went to."""
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            out.extend(f for f in sorted(path.iterdir())
                       if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in EXPORT_SUFFIXES)
        else:
            out.append(path)
    return out


def change_summary(written: dict) -> str:
    """What an import changed in the shop, in words, from the "written" counts of
    `ImportResult.to_json` ("20,863 new orders; 529,759 lines written; 3,924 new products", and on a
    re-import "0 new, 20,863 unchanged orders; 0 lines written"): the file's totals say what it
    holds, this what was new. Products, stock counts, fees and refunds are named when there are
    some, so a product, inventory or fee file says what it brought. Empty when nothing was counted."""
    def n(key: str) -> int:
        return int(written.get(key) or 0)

    new, updated, same = n("orders_new"), n("orders_updated"), n("orders_unchanged")
    parts = []
    if new or updated or same:
        kinds = [f"{new:,} new"] + ([f"{updated:,} updated"] if updated else []) + \
            ([f"{same:,} unchanged"] if same else [])
        parts.append(", ".join(kinds) + " orders")
    if parts or n("order_lines"):
        parts.append(f"{n('order_lines'):,} lines written")
    if n("products_new") and n("products_updated"):
        parts.append(f"{n('products_new'):,} new, {n('products_updated'):,} updated products")
    elif n("products_new") or n("products_updated"):
        parts.append(counted(n("products_new") or n("products_updated"),
                             "new product" if n("products_new") else "updated product"))
    for key, one, many in (("inventory", "stock count", None), ("fees", "fee", None),
                           ("refunds_attached", "refund added to its order", "refunds added to their orders")):
        if n(key):
            parts.append(counted(n(key), one, many))
    return "; ".join(parts)


def summarise(batch: ImportBatch, file_name: str) -> ImportResult:
    """Counts and money of a parsed batch (what the file holds, before it meets the store)."""
    orders, lines = batch.orders, batch.lines
    revenue = []
    if not orders.empty:
        o = orders.assign(currency=orders["currency"].astype(object).where(orders["currency"].notna(), None))
        line_gross = None
        if not lines.empty and not batch.orders_only:
            lt = pd.to_numeric(lines["line_total"], errors="coerce")
            fallback = pd.to_numeric(lines["quantity"], errors="coerce") * pd.to_numeric(
                lines["unit_price"], errors="coerce")
            lt = lt.where(lt.notna(), fallback).fillna(0)
            codes, uniques = pd.factorize(lines["order_external_id"])
            known = codes >= 0
            line_gross = pd.Series(np.bincount(codes[known], weights=lt.to_numpy(dtype=float)[known],
                                               minlength=len(uniques)), index=np.asarray(uniques, dtype=object).astype(str))
        gross = pd.to_numeric(o["subtotal"], errors="coerce")
        if line_gross is not None:
            gross = o["external_id"].astype(str).map(line_gross).where(lambda s: s.notna(), gross)
        gross = gross.where(gross.notna(), pd.to_numeric(o["total"], errors="coerce")).fillna(0)
        live = (o["status"] != "cancelled").to_numpy()
        refunded = pd.to_numeric(o["refunded"], errors="coerce").fillna(0)
        frame = pd.DataFrame({"currency": o["currency"].fillna("?"), "gross": gross.astype(float),
                              "refunded": refunded.astype(float)})[live]
        for cur, grp in frame.groupby("currency", sort=True):
            revenue.append({"currency": None if cur == "?" else cur,
                            "gross": round(float(grp["gross"].sum()) / SCALE, 4),
                            "refunded": round(float(grp["refunded"].sum()) / SCALE, 4)})
    refs = pd.concat([orders["customer_ref"], batch.customers["customer_ref"]]).dropna()
    refs = refs[refs.astype(str).str.strip() != ""]
    # Distinct values first, then text: the lines' SKUs may be a categorical of 530,000 rows.
    skus = {str(s) for s in pd.unique(batch.products["sku"].dropna())} | {
        str(s) for s in pd.unique(lines["channel_sku"].dropna())}
    days = orders["order_date"].dropna().astype(str)
    return ImportResult(
        file=file_name, format=batch.format, channel=batch.channel, orders=int(orders["external_id"].nunique()),
        order_lines=len(lines), units=float(pd.to_numeric(lines["quantity"], errors="coerce").fillna(0).sum()),
        products=len(skus), customers=int(refs.astype(str).nunique()), revenue=revenue,
        skipped=list(batch.skipped), warnings=list(batch.warnings),
        date_span=[days.min() if len(days) else None, days.max() if len(days) else None],
        problems=list(batch.problems))


def parse_bytes(data: bytes, name: str, *, format: str | None = None, mapping: dict[str, str] | None = None,
                progress: Progress | None = None) -> tuple[Table, ImportBatch]:
    """Read and parse without a store; raises ImportRejected when the file cannot be read at all."""
    step = progress or (lambda f, m: None)
    step(0.0, f"reading {name}")
    try:
        table = read_table(data, name)
    except UnreadableFile as exc:
        raise ImportRejected(name, [RowProblem(1, None, None, str(exc))]) from None
    step(0.15, "recognising the format")
    if mapping:
        from merchant_ai.importers import generic

        spec_name, parser = "generic", lambda t: generic.parse(t, mapping)
    else:
        spec = registry.get_format(format) if format else registry.best_format(table)
        if spec is None:
            raise ImportRejected(name, [RowProblem(1, None, None,
                                 "the format was not recognised and no date and amount columns were found; "
                                 f"columns: {', '.join(table.header[:20])}")])
        spec_name, parser = spec.name, spec.parse
    step(0.2, f"parsing as {spec_name}")
    try:
        batch = parser(table)
    except Exception as exc:  # noqa: BLE001
        # A parser meeting a file it cannot handle must not crash the app: the file is rejected.
        raise ImportRejected(name, [RowProblem(1, None, None, f"the {spec_name} parser could not read this "
                                                               f"file ({type(exc).__name__}: {exc})")]) from None
    batch.warnings = list(table.warnings) + list(batch.warnings)
    return table, batch.conform()


def _fill_currency(store: Store, batch: ImportBatch) -> None:
    """Orders without a currency take the shop's (setting `currency`), if the owner set one."""
    default = store.get_setting("currency")
    if default and batch.orders["currency"].isna().any():
        batch.orders["currency"] = batch.orders["currency"].astype(object).where(
            batch.orders["currency"].notna(), default)


def check_batch(name: str, batch: ImportBatch, allow_partial: bool) -> None:
    """Raise ImportRejected unless the batch may be written."""
    empty = batch.orders.empty and batch.products.empty and batch.inventory.empty and batch.fees.empty \
        and batch.customers.empty
    if batch.problems and not allow_partial:
        raise ImportRejected(name, batch.problems, partial_possible=not empty)
    if empty:
        raise ImportRejected(name, batch.problems or [RowProblem(1, None, None, "the file holds no rows to import")])


def write_parsed(store: Store, name: str, data: bytes, batch: ImportBatch, *, progress: Progress | None = None,
                 cancel: Cancel | None = None, backup: bool = True, backup_made: Path | None = None) -> ImportResult:
    """Write a batch that passed `check_batch` (one transaction) and describe what happened."""
    step = progress or (lambda f, m: None)
    _fill_currency(store, batch)
    result = summarise(batch, name)
    extra = [f"{counted(len(batch.problems), 'row problem')} left out: "
             + "; ".join(str(p) for p in batch.problems[:5])] if batch.problems else []
    try:
        written = write_batch(store, batch, file_name=name, sha256=hashlib.sha256(data).hexdigest(),
                              progress=step, cancel=cancel, backup=backup, extra_warnings=extra,
                              backup_made=backup_made)
    except sqlcipher3.IntegrityError as exc:   # rolled back already: the rows break a store rule
        raise ImportRejected(name, [RowProblem(1, None, None, f"the parsed rows break a store rule ({exc})")]) from None
    result.import_id = written.import_id
    result.counts = written.counts
    result.warnings = result.warnings + extra + written.warnings
    return result


def import_bytes(store: Store, name: str, data: bytes, *, format: str | None = None,
                 mapping: dict[str, str] | None = None, allow_partial: bool = False,
                 progress: Progress | None = None, cancel: Cancel | None = None,
                 backup: bool = True, parsed: ImportBatch | None = None) -> ImportResult:
    """Import one file's bytes into the store in one transaction (see module doc).

    `parsed`: the batch `parse_preview` made of these same bytes with the same format and mapping
    (the Import tab keeps it from the preview), so the file is not read and parsed again."""
    step = progress or (lambda f, m: None)

    def check(fraction: float, message: str) -> None:
        if cancel is not None and cancel():
            raise ImportCancelled("Import cancelled; nothing was written.")
        step(fraction, message)

    check(0.0, f"reading {name}")
    beside = BackupBeside(store) if backup else None
    try:
        with gc_paused():   # millions of short-lived objects, no cycles: see writer.gc_paused
            if parsed is None:
                _table, batch = parse_bytes(data, name, format=format, mapping=mapping,
                                            progress=lambda f, m: check(f * 0.5, m))
                del _table   # the text cells are no longer needed: free them before the write
            else:
                batch = parsed
            check_batch(name, batch, allow_partial)
            check(0.5, "writing")
            made = None
            if beside is not None:
                step(0.5, "backing up the shop")
                made, beside = beside.made(), None
            return write_parsed(store, name, data, batch, progress=lambda f, m: step(0.5 + f * 0.5, m),
                                cancel=cancel, backup=backup, backup_made=made)
    finally:
        if beside is not None:      # the import never reached its write
            beside.discard()


class BackupBeside:
    """The before-import backup, made on a helper thread while the file is read and parsed.

    Why: a backup is SQLite copying and encrypting pages, which runs without the GIL, and the
    parse is mostly Python and pandas, so on two cores the owner waits for the longer of the two
    instead of both in a row (a shop holding the UCI file: a ~60 MB copy before every import).
    The helper first writes back what the previous import left in the WAL, for the same reason.
    The import's write starts only once the backup is done; an edit the owner saves while the
    file is still being parsed is in the store but may miss this backup. A backup whose import
    never starts (a rejected file, a cancel) is deleted, and it pruned nothing: failed attempts
    cannot rotate good backups out."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._path: Path | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="before-import backup", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            # First write back what the previous import left in the WAL (bulk.checkpoint_later),
            # which this import's write would otherwise do before it starts.
            self._store.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._path = self._store.backup("before-import", prune=False)
        except BaseException as exc:  # noqa: BLE001 - raised again on the import's thread
            self._error = exc
        finally:
            self._store.release_connection()

    def made(self) -> Path:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._path is not None
        return self._path

    def discard(self) -> None:
        self._thread.join()
        if self._path is not None:
            self._path.unlink(missing_ok=True)


def import_files(store: Store, paths: Iterable[str | os.PathLike], **kwargs) -> list[ImportResult]:
    """Import several files, each in its own transaction; the first rejection stops the run."""
    results = []
    for path in paths:
        path = Path(path)
        results.append(import_bytes(store, path.name, path.read_bytes(), **kwargs))
    return results


def preview(data: bytes, name: str, format: str | None = None, mapping: dict[str, str] | None = None,
            rows: int = 20) -> dict:
    """What importing would do, without a store: format, counts, span, warnings, first rows."""
    return parse_preview(data, name, format=format, mapping=mapping, rows=rows)[0]


def parse_preview(data: bytes, name: str, format: str | None = None, mapping: dict[str, str] | None = None,
                  rows: int = 20) -> tuple[dict, ImportBatch | None]:
    """`preview`, and the parsed batch (None when the file was rejected) for `import_bytes(parsed=...)`."""
    try:
        table, batch = parse_bytes(data, name, format=format, mapping=mapping)
    except ImportRejected as exc:
        return {"file": name, "ok": False, "problems": [str(p) for p in exc.problems[:MAX_LISTED]]}, None
    summary = summarise(batch, name).to_json()
    candidates = [{"format": s.name, "score": round(score, 3)} for score, s in registry.detect(table)][:5]
    mapping_used = None
    if batch.format == "generic":
        from merchant_ai.importers import generic

        mapping_used = mapping or generic.guess_mapping(table.header)
    return {**summary, "ok": not batch.problems, "columns": table.header, "candidates": candidates,
            "mapping": mapping_used, "encoding": table.encoding, "delimiter": table.delimiter,
            "orders_preview": batch.orders.head(rows).astype(object).where(batch.orders.head(rows).notna(), None)
            .to_dict("records"),
            "lines_preview": batch.lines.head(rows).astype(object).where(batch.lines.head(rows).notna(), None)
            .to_dict("records")}, batch


def load_uci(path: str | os.PathLike, store: Store) -> ImportResult:
    """Import the UCI Online Retail file the way the app does (for benchmarks: then use queries)."""
    path = Path(path)
    store.set_setting("currency", store.get_setting("currency") or "GBP")
    return import_bytes(store, path.name, path.read_bytes(), backup=False)
