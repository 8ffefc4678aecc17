"""Product matches dialog: lists suggestions, accepting maps one channel SKU onto the other's product."""

from __future__ import annotations

import pytest

from merchant_ai.importers import pipeline
from tests.importers.test_privacy import _file
from ui.context import AppContext
from ui.dialogs.matches import MatchesDialog
from ui.jobs import SyncJobRunner

pytestmark = pytest.mark.gui


def test_accept_and_reject_suggestions(qtbot, store):
    pipeline.import_bytes(store, "orders.csv", _file("ann@example.com", "Blue mug"), backup=False)
    conn = store.connection()
    conn.execute("INSERT INTO channels(name, platform) VALUES ('etsy', 'etsy'), ('amazon', 'amazon')")
    for channel, sku in (("etsy", "mug_1"), ("amazon", "MUG-001")):
        cid = conn.execute("SELECT id FROM channels WHERE name = ?", (channel,)).fetchone()[0]
        conn.execute("INSERT INTO sku_aliases(channel_id, channel_sku, sku) VALUES (?, ?, ?)", (cid, sku, sku))
    ctx = AppContext(store, runner=SyncJobRunner())
    heard = []
    ctx.data_changed.connect(lambda: heard.append(True))
    d = MatchesDialog(ctx)
    qtbot.addWidget(d)
    assert d.table.rowCount() == 3 and not d.accept_button.isEnabled()
    d.table.selectRow(0)
    s = d.suggestions[0]
    d.accept_button.click()
    master = conn.execute("SELECT sku FROM sku_aliases a JOIN channels c ON c.id = a.channel_id "
                          "WHERE c.name = ? AND a.channel_sku = ?", (s.channel_b, s.sku_b)).fetchone()[0]
    assert master == (s.master_a or s.sku_a) and d.table.rowCount() < 3
    while d.table.rowCount():
        d.table.selectRow(0)
        d.reject_button.click()
    assert "No suggested matches" in d.none_left.text()
    d.reject()
    assert heard == [True]
