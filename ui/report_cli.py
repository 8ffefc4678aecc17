"""`merchant-ai report`: build the weekly report and write it as PDF, with no display needed.

Headless by default: when no Qt application runs yet and no platform is chosen, Qt's offscreen
platform is used, so the command works from cron, launchd or Task Scheduler.
"""

from __future__ import annotations

import argparse
import os
import sys

from merchant_ai.cli.common import EXIT_USAGE, CliError, emit_json, open_store, progress


def run_report(args: argparse.Namespace) -> int:
    from merchant_ai.reports.weekly import BadWeek, build_weekly_report

    out = args.out
    if out.exists() and out.is_dir():
        raise CliError(f"--out names a folder, not a file: {out}", EXIT_USAGE)
    if not out.parent.exists():
        raise CliError(f"The folder for --out does not exist: {out.parent}", EXIT_USAGE)
    store = open_store(args)
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
        print(f"Wrote {out} ({pages} page{'s' if pages != 1 else ''}, week {report.week}: "
              f"{report.start:%Y-%m-%d} to {report.end:%Y-%m-%d})")
    return 0


def _qt_running() -> bool:
    gui = sys.modules.get("PySide6.QtGui")
    return gui is not None and gui.QGuiApplication.instance() is not None
