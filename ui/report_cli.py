"""`merchant-ai report`: build the weekly report and write it as PDF, with no display needed.

Headless by default: when no Qt application runs yet and no platform is chosen, Qt's offscreen
platform is used, so the command works from cron, launchd or Task Scheduler.

The passphrase's key derivation (scrypt, ~0.4 s by design) releases the GIL, so it runs on its own
thread while the report code (pandas & co., ~0.5 s) is imported.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from merchant_ai.cli.common import EXIT_USAGE, CliError, emit_json, progress, read_passphrase
from merchant_ai.wording import counted


class _Background:
    """`fn()` on its own thread; `result()` waits and returns it or raises what it raised.
    A daemon: a failed import (the only thing that can stop us first) does not wait for it."""

    def __init__(self, fn: Callable[[], Any], name: str) -> None:
        self._fn = fn
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def run_report(args: argparse.Namespace) -> int:
    out = args.out
    if out.exists() and out.is_dir():
        raise CliError(f"--out names a folder, not a file: {out}", EXIT_USAGE)
    if not out.parent.exists():
        raise CliError(f"The folder for --out does not exist: {out.parent}", EXIT_USAGE)
    passphrase = read_passphrase(args)               # may prompt: on this thread

    def unlock():
        from merchant_ai.store import Store

        return Store.open(args.store, passphrase)

    opening = _Background(unlock, "unlock")
    from merchant_ai.reports.weekly import BadWeek, build_weekly_report  # pandas & co. while scrypt runs

    store = opening.result()
    try:
        last = [-1.0]

        def report_progress(fraction: float | None, message: str) -> None:
            if fraction is not None and fraction - last[0] >= 0.1:
                last[0] = fraction
                progress(f"{100 * fraction:3.0f}% {message}")

        try:
            report = build_weekly_report(store, args.week, progress=report_progress)
        except BadWeek as exc:
            raise CliError(f"--week: {exc}", EXIT_USAGE) from None
    finally:
        store.close()
    if "QT_QPA_PLATFORM" not in os.environ and not _qt_running():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from ui.report_pdf import render_pdf

    progress("Rendering the PDF...")
    try:
        pages = render_pdf(report, out, getattr(args, "page_size", "auto") or "auto")
    except OSError as exc:
        raise CliError(f"Cannot write the PDF to {out}: {exc}") from None
    if args.json:
        emit_json({"out": str(out), "pages": pages, "week": report.week, "start": report.start,
                   "end": report.end, "actions": len(report.actions())})
    else:
        print(f"Wrote {out} ({counted(pages, 'page')}, week {report.week}: "
              f"{report.start:%Y-%m-%d} to {report.end:%Y-%m-%d})")
    return 0


def _qt_running() -> bool:
    gui = sys.modules.get("PySide6.QtGui")
    return gui is not None and gui.QGuiApplication.instance() is not None
