"""Where the app's stylesheet and icons live, and applying them to the QApplication.

They sit in the repository's `resources/` folder (next to `ui/`), so the packaged app and a
source checkout find them the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

# A frozen app (PyInstaller) unpacks data files under sys._MEIPASS; the packaging spec must add
# `resources/` there. From source or an editable install it sits next to the `ui` package.
ROOT = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent)) / "resources"


def resource(*parts: str) -> Path:
    return ROOT.joinpath(*parts)


def icon_path() -> Path:
    return resource("icons", "merchant-ai.svg")


def stylesheet() -> str:
    """The app's .qss, or '' if missing (the app still works with Qt's default look)."""
    try:
        text = resource("style.qss").read_text(encoding="utf-8")
    except OSError:
        return ""
    # Qt resolves a relative url() against the working directory, not the .qss: make it absolute.
    return text.replace("@ICONS@", resource("icons").as_posix())


def apply_look(app) -> None:
    """Fusion style + our stylesheet + window icon: the same look on every OS and under Xvfb."""
    from PySide6.QtGui import QColor, QIcon, QPalette

    app.setStyle("Fusion")
    palette = app.palette()
    for role, colour in ((QPalette.ColorRole.Window, "#f6f7fb"), (QPalette.ColorRole.Base, "#ffffff"),
                         (QPalette.ColorRole.AlternateBase, "#f6f8fc"), (QPalette.ColorRole.Button, "#f3f5f9"),
                         (QPalette.ColorRole.Highlight, "#dbe6fe"), (QPalette.ColorRole.HighlightedText, "#111827"),
                         (QPalette.ColorRole.Text, "#1f2937"), (QPalette.ColorRole.WindowText, "#1f2937"),
                         (QPalette.ColorRole.Mid, "#e2e5ec"), (QPalette.ColorRole.Midlight, "#eef0f4")):
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    app.setStyleSheet(stylesheet())
    app.setWindowIcon(QIcon(str(icon_path())))
