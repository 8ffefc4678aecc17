"""Fixtures every test shares: a fast KDF, a headless Qt, a temp shop, and a dangling-thread guard."""

from __future__ import annotations

import os
import sys

import pytest

# Before any Qt import: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt at 2**14 instead of the production cost: stores open in milliseconds in tests."""
    monkeypatch.setenv("MERCHANT_AI_KDF_LOG2N", "14")


@pytest.fixture
def store(tmp_path):
    """A fresh, empty, unlocked shop in a temp folder (passphrase "test-pass"); closed afterwards."""
    from merchant_ai.store import Store

    shop, _code = Store.create(tmp_path / "shop", "test-pass", name="Test shop")
    yield shop
    shop.close()


@pytest.fixture(autouse=True)
def _no_dangling_jobs(request):
    """Fail a test that leaves job threads running (napari's conftest does the same for its pools).

    Only active when the test used Qt (ui.jobs imported); waits briefly so a job that is just
    finishing is not reported.
    """
    yield
    jobs = sys.modules.get("ui.jobs")
    if jobs is None:
        return
    from PySide6.QtCore import QThreadPool

    leftovers = []
    for runner in list(jobs.LIVE_RUNNERS):
        try:
            if not runner.wait_all(2.0):
                leftovers.append(f"{runner!r}: {runner.active_thread_count()} thread(s)")
                runner.cancel_all()
                runner.wait_all(5.0)
        except RuntimeError:  # the runner's C++ object is already gone: its pool went with it
            continue
    if not QThreadPool.globalInstance().waitForDone(2000):
        leftovers.append("the global QThreadPool")
    if leftovers:
        pytest.fail("test left job threads running: " + "; ".join(leftovers))
