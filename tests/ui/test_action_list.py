"""The action list in a narrow panel: every row's link stays in view, the text wraps instead."""

from __future__ import annotations

from PySide6.QtCore import QPoint

from ui.widgets.action_list import ActionList

LONG = ("Ask Shenzhen Brightway Accessories to ship the open order of Tempered Glass Screen Protector - "
        "iPhone 15 sooner: it runs out 2027-01-04")


def test_links_stay_visible_in_a_narrow_panel(qtbot, qapp):
    qapp.setStyleSheet("QPushButton { padding: 4px 14px; }")     # wide buttons, as the app's look has
    try:
        panel = ActionList()
        qtbot.addWidget(panel)
        panel.set_actions([{"kind": "stock", "text": LONG, "tab": "stock", "key": "SKU"}] * 3)
        for row in panel.rows:
            row.text.setMinimumWidth(120)       # as the dashboard sets it, so the text stays readable
        panel.resize(260, 500)
        panel.show()
        qtbot.waitExposed(panel)
        for row in panel.rows:
            right = row.link.mapTo(panel, QPoint(row.link.width(), 0)).x()
            assert row.link.isVisible() and right <= panel.width()
            assert row.text.width() < 260 and row.text.height() > row.text.fontMetrics().height()   # wrapped
    finally:
        qapp.setStyleSheet("")
