"""`merchant-ai gui`: start Qt, unlock (or create, or build the demo) shop, show the main window."""

from __future__ import annotations

import os
import sys

from PySide6.QtWidgets import QApplication

from ui import platform_check, shop_flow
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.resources import apply_look


def application() -> QApplication:
    """The QApplication (created once, named so QSettings has a stable home)."""
    app = QApplication.instance()
    if app is None:
        QApplication.setApplicationName("Merchant AI")
        QApplication.setOrganizationName("MerchantAI")
        QApplication.setApplicationDisplayName("Merchant AI")
        app = QApplication(sys.argv[:1])
    apply_look(app)
    return app


def run(store_path: str | None = None, demo: bool = False) -> int:
    """Open the app; returns the process exit code (0 also when the owner quits at unlock)."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") \
            and not os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        print("merchant-ai gui: no display found (set DISPLAY, or run under xvfb-run).", file=sys.stderr)
        return 1
    if platform_check.needs_xcb() and (missing := platform_check.missing_xcb_libraries()):
        print(platform_check.missing_libraries_message(missing), file=sys.stderr)
        return 1
    app = application()
    if os.environ.get("MERCHANT_AI_STARTUP_PROBE"):  # bench/startup.py: report when interactive, exit
        from ui.startup_probe import install

        install(app)
    ctx = AppContext()
    store = shop_flow.startup(ctx, store_path, demo)
    if store is None:
        ctx.shutdown()
        return 0
    window = MainWindow(ctx)
    ctx.set_store(store)
    window.show()
    code = app.exec()
    ctx.shutdown()
    return int(code)
