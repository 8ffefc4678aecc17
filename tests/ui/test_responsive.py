"""The window never freezes: a tab's heavy job runs on the job runner while the GUI thread keeps
processing events (a QTimer keeps ticking), shows progress, and its Cancel button stops it.

The real forecast job runs, wrapped in a gate that only opens once the GUI thread has been seen
ticking while the job is busy; if the job ran on the GUI thread, no tick could happen in between and
the gate would time out, so the test fails instead of passing by luck of timing.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer

import ui.tabs.forecast_tab as forecast_tab
from tests.cli.test_forecast_cli import _fill
from ui.context import AppContext
from ui.jobs import JobContext

pytestmark = pytest.mark.gui

TICKS_WANTED = 5


@pytest.fixture
def gated(monkeypatch):
    """Replace the tab's job with the real one behind a gate; returns (gate, gui-thread-ids seen)."""
    gate = threading.Event()
    threads: list[int] = []
    real = forecast_tab.compute_forecast

    def slow_forecast(jc: JobContext, *args, **kwargs):
        threads.append(threading.get_ident())
        jc.progress(0.1, "Waiting for the GUI to tick…")
        while not gate.wait(0.01):
            jc.check()                       # Cancel ends the wait at once
            if len(threads) > 1 or threads[0] == threading.main_thread().ident:
                break                        # on the GUI thread nothing can open the gate
        return real(jc, *args, **kwargs)

    monkeypatch.setattr(forecast_tab, "compute_forecast", slow_forecast)
    return gate, threads


@pytest.fixture
def tab(qtbot, store):
    _fill(store)
    ctx = AppContext(store)                  # the real, threaded job runner
    t = forecast_tab.ForecastTab(ctx)
    qtbot.addWidget(t)
    t.resize(1000, 650)
    yield t
    ctx.runner.cancel_all()
    ctx.runner.wait_all(10.0)


def test_gui_keeps_ticking_while_a_heavy_tab_job_runs(tab, qtbot, gated):
    gate, threads = gated
    ticks_while_busy = []

    def tick():
        if tab.ctx.runner.is_busy():
            ticks_while_busy.append(1)
            if len(ticks_while_busy) >= TICKS_WANTED:
                gate.set()

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    tab.show()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 4, timeout=60_000)
    timer.stop()
    assert threads and threads[0] != threading.main_thread().ident
    assert len(ticks_while_busy) >= TICKS_WANTED
    assert not tab.overlay.isVisible()


def test_overlay_shows_progress_and_cancel_stops_the_job(tab, qtbot, gated):
    gate, _threads = gated
    tab.show()
    qtbot.waitUntil(lambda: tab.overlay.isVisible() and tab.overlay.bar.maximum() > 0, timeout=10_000)
    assert tab.overlay.cancel_button.isVisible() and tab.overlay.cancel_button.isEnabled()
    assert tab.overlay.bar.value() > 0                     # the job's 10 % arrived on the GUI
    tab.overlay.cancel_button.click()
    qtbot.waitUntil(lambda: not tab.ctx.runner.is_busy(), timeout=10_000)
    qtbot.waitUntil(lambda: not tab.overlay.isVisible(), timeout=5_000)
    assert not gate.is_set() and tab.model.rowCount() == 0  # cancelled: no forecast was shown


def test_offline_check_button_cancels_a_running_check(qtbot, store, monkeypatch):
    import ui.tabs.recommendations_tab as rec_tab
    from tests.cli.test_customer_cli import _fill as fill_customers

    started = threading.Event()

    def endless_check(jc: JobContext):
        started.set()
        while True:                          # only Cancel ends it
            jc.check()
            threading.Event().wait(0.01)

    fill_customers(store)
    monkeypatch.setattr(rec_tab, "evaluate", endless_check)
    ctx = AppContext(store)
    tab = rec_tab.RecommendationsTab(ctx)
    qtbot.addWidget(tab)
    tab.eval_button.click()
    qtbot.waitUntil(started.is_set, timeout=10_000)
    assert tab.eval_button.text() == "Cancel check" and "running" in tab.eval_label.text()
    tab.eval_button.click()
    qtbot.waitUntil(lambda: tab.eval_button.text() == "Check the picks", timeout=10_000)
    assert tab.eval_label.text() == "Offline check: cancelled." and tab.eval_button.isEnabled()
    assert not ctx.runner.is_busy("RecommendationsTab.evaluate")
    ctx.runner.cancel_all()
    ctx.runner.wait_all(10.0)
