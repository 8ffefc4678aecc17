"""Start-up measurement hook: with MERCHANT_AI_STARTUP_PROBE=1 the app prints one line as soon as its
first window is shown and the event loop has gone idle (the owner could type now), then exits.

`bench/startup.py` launches the app (from source and frozen) with it and times the line's arrival.
Nothing else changes: without the variable this module is never imported.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

ENV = "MERCHANT_AI_STARTUP_PROBE"
MARK = "merchant-ai startup-probe: interactive"


class _FirstWindowProbe(QObject):
    """Waits for the first top-level window's Show event, then for an idle event loop."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._seen = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if not self._seen and event.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
            self._seen = True
            self._app.removeEventFilter(self)
            title = obj.windowTitle() or type(obj).__name__
            # A zero timer fires once every pending event (paint, layout) is processed.
            QTimer.singleShot(0, lambda: _report(type(obj).__name__, title))
        return False


def _report(kind: str, title: str) -> None:
    stream = sys.stdout or sys.stderr
    if stream is not None:
        stream.write(f"{MARK} window={kind} title={title!r}\n")
        stream.flush()
    os._exit(0)  # a probe run ends here; nothing was unlocked, nothing to save


def install(app: QApplication) -> None:
    app.installEventFilter(_FirstWindowProbe(app))
