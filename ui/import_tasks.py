"""What the Import tab runs in jobs, and the Qt-free state of its file queue.

`FileEntry` holds what the tab shows for one picked file (glue's pattern: a plain state object
the widgets bind to, testable without Qt). The job functions read files themselves, so file
bytes never sit in the GUI thread, and return plain dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from merchant_ai.importers import generic, pipeline
from merchant_ai.importers.pipeline import ImportRejected
from merchant_ai.importers.writer import ImportCancelled, UndoError, list_imports, undo_import
from merchant_ai.wording import counted
from ui.jobs import JobCancelled, JobContext
from ui.parsed_files import PARSED

MONEY_COLUMNS = {"subtotal", "shipping", "tax", "discount", "total", "refunded", "unit_price", "line_total",
                 "unit_cost", "list_price", "amount"}


@dataclass
class FileEntry:
    """One file in the queue. `status`: new | previewing | ready | unreadable | rejected | imported | failed."""

    path: str
    status: str = "new"
    preview: dict = field(default_factory=dict)
    format: str | None = None                  # owner's choice among the detected candidates
    mapping: dict[str, str] | None = None      # owner-confirmed mapping for generic files
    problems: list[dict] = field(default_factory=list)   # {line, column, value, reason}
    result: dict = field(default_factory=dict)            # the import's JSON (CLI shape)
    message: str = ""
    partial_possible: bool = False             # rejected, but it has good rows to import on their own

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def is_generic(self) -> bool:
        return self.preview.get("format") == "generic" or self.format == "generic"

    @property
    def importable(self) -> bool:
        return self.status in ("ready", "rejected", "failed")

    def summary(self) -> str:
        """One line for the file list."""
        p = self.preview
        if self.status == "previewing":
            return "Reading…"
        if self.status == "unreadable":
            return "Cannot be imported: " + (p.get("problems") or [self.message or "unreadable"])[0]
        if self.status == "imported":
            r = self.result
            changed = pipeline.change_summary(r.get("written") or {})
            if not (r.get("orders") or r.get("order_lines")):     # a product, stock or fee file
                return f"Imported: {changed}" if changed else "Imported: nothing new"
            return (f"Imported: {r.get('orders', 0):,} orders, {r.get('order_lines', 0):,} lines"
                    + (f" — {changed}" if changed else ""))
        if self.status == "rejected":
            return f"{counted(len(self.problems), 'problem')}: nothing imported yet"
        if self.status == "failed":
            return self.message
        if not p:
            return ""
        parts = [p.get("format", "?")]
        if p.get("orders"):
            parts.append(f"{p['orders']:,} orders")
        if p.get("order_lines"):
            parts.append(f"{p['order_lines']:,} lines")
        if p.get("products") and not p.get("orders"):
            parts.append(f"{p['products']:,} products")
        span = p.get("date_span") or [None, None]
        if span[0]:
            parts.append(f"{span[0]} … {span[1]}")
        return " · ".join(parts)


def read_preview(ctx: JobContext, path: str, format: str | None = None,
                 mapping: dict[str, str] | None = None) -> dict:
    """`pipeline.preview` of one file (read here, off the GUI thread)."""
    ctx.progress(None, f"Reading {Path(path).name}…")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return {"file": Path(path).name, "ok": False, "problems": [f"cannot read the file: {exc.strerror or exc}"]}
    ctx.check()
    result, batch = pipeline.parse_preview(data, Path(path).name, format=format, mapping=mapping or None)
    if batch is not None:
        PARSED.keep(path, data, mapping or None, batch)     # for the import of these same bytes
    if result.get("format") == "generic" and result.get("columns") is not None:
        result["mapping_problems"] = generic.mapping_problems(result.get("mapping") or {}, result["columns"])
    return result


def problem_rows(exc: ImportRejected) -> list[dict]:
    return [{"file": exc.file_name, "line": p.line, "column": p.column, "value": p.value, "reason": p.reason}
            for p in exc.problems]


def import_entries(ctx: JobContext, entries: list[tuple[str, str | None, dict | None]],
                   allow_partial: bool = False) -> list[dict]:
    """Import files one by one (one transaction each, backup before each); never raises per file.

    Returns per file `{"path", "status": imported|rejected|failed, "result"|"problems"|"message"}`.
    A cancel stops the running file (rolled back) and the rest; files done before stay imported.
    """
    out = []
    n = len(entries)
    for i, (path, format, mapping) in enumerate(entries):
        name = Path(path).name
        base = i / n

        def step(fraction: float, message: str, base: float = base, name: str = name) -> None:
            ctx.progress(base + fraction / n, f"{name}: {message}")

        ctx.progress(base, f"{name}: reading")
        try:
            data = Path(path).read_bytes()
            parsed = PARSED.take(path, data, format, mapping or None)
            result = pipeline.import_bytes(ctx.store, name, data, format=format, mapping=mapping or None,
                                           allow_partial=allow_partial, progress=step, cancel=ctx.cancelled,
                                           parsed=parsed)
        except ImportCancelled:
            raise JobCancelled from None
        except ImportRejected as exc:
            out.append({"path": path, "status": "rejected", "problems": problem_rows(exc), "message": str(exc),
                        "partial_possible": exc.partial_possible})
        except OSError as exc:
            out.append({"path": path, "status": "failed", "message": f"Cannot read {name}: {exc.strerror or exc}"})
        else:
            out.append({"path": path, "status": "imported", "result": result.to_json()})
    ctx.progress(1.0, "Done")
    return out


def history(ctx: JobContext) -> list[dict]:
    return list_imports(ctx.store)


def undo(ctx: JobContext, import_id: int) -> dict:
    ctx.progress(None, "Undoing the import (a backup is made first)…")
    try:
        return undo_import(ctx.store, import_id)
    except UndoError as exc:
        raise ValueError(str(exc).capitalize() + ".") from None


def profiles(ctx: JobContext) -> dict[str, dict[str, str]]:
    return generic.list_profiles(ctx.store)


def save_profile(ctx: JobContext, name: str, mapping: dict[str, str]) -> dict[str, dict[str, str]]:
    generic.save_profile(ctx.store, name, mapping)
    return generic.list_profiles(ctx.store)


def privacy_mode(ctx: JobContext) -> bool:
    """Whether imports keep only pseudonymous customer keys (the shop's setting)."""
    from merchant_ai.importers import privacy

    return privacy.pseudonymize_enabled(ctx.store)


def set_privacy_mode(ctx: JobContext, on: bool) -> bool:
    from merchant_ai.importers import privacy

    privacy.set_pseudonymize(ctx.store, on)
    return on
