"""The job mechanism: results on the GUI thread, progress, cancel, supersede, errors, no leftovers."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread

from merchant_ai.store.errors import WrongPassphrase
from ui.jobs import JobCancelled, JobRunner, SyncJobRunner

pytestmark = pytest.mark.gui


@pytest.fixture
def runner(qtbot):
    r = JobRunner(max_threads=2)
    yield r
    r.cancel_all()
    assert r.wait_all(5.0)


def _wait_until_cancelled(ctx, started: threading.Event, limit: float = 5.0):
    started.set()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ctx.check()
        time.sleep(0.005)
    return "not cancelled"


def test_result_arrives_on_gui_thread(qtbot, runner):
    seen = {}

    def work(ctx, a, b=0):
        seen["worker_thread"] = QThread.currentThread()
        return a + b

    def done(value):
        seen["value"] = value
        seen["done_thread"] = QThread.currentThread()

    job = runner.submit("add", work, 2, b=3, on_done=done)
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert seen["value"] == 5
    assert job.state == "done"
    assert seen["done_thread"] is QThread.currentThread()          # the GUI thread
    assert seen["worker_thread"] is not QThread.currentThread()    # the work ran elsewhere


def test_progress_is_reported_in_order(qtbot, runner):
    fractions = []

    def work(ctx):
        for i in range(5):
            ctx.progress(i / 4, f"step {i}")
            time.sleep(0.06)  # longer than the throttle, so every step is delivered
        return "ok"

    job = runner.submit("steps", work, on_progress=lambda f, m: fractions.append((f, m)))
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert [f for f, _ in fractions] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert fractions[-1][1] == "step 4"


def test_progress_is_throttled(qtbot, runner):
    fractions = []

    def work(ctx):
        for i in range(10_000):
            ctx.progress(i / 10_000, "tight loop")
        ctx.progress(1.0, "end")

    job = runner.submit("tight", work, on_progress=lambda f, m: fractions.append(f))
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert 1 <= len(fractions) < 200
    assert fractions[-1] == 1.0


def test_cancel_stops_the_job_and_drops_the_result(qtbot, runner):
    started = threading.Event()
    done, cancelled = [], []
    job = runner.submit("long", _wait_until_cancelled, started, on_done=done.append,
                        on_cancelled=lambda: cancelled.append(True))
    assert started.wait(5)
    with qtbot.waitSignal(job.finished, timeout=5000):
        job.cancel()
    assert job.state == "cancelled"
    assert done == [] and cancelled == [True]


def test_late_result_after_cancel_is_dropped(qtbot, runner):
    """A function that ignores the cancel flag still returns; its result must not be delivered."""
    release = threading.Event()
    started = threading.Event()

    def stubborn(ctx):
        started.set()
        release.wait(5)
        return "late"

    done = []
    job = runner.submit("stubborn", stubborn, on_done=done.append)
    assert started.wait(5)
    job.cancel()
    with qtbot.waitSignal(job.finished, timeout=5000):
        release.set()
    assert done == [] and job.state == "cancelled"


def test_newer_job_of_same_kind_supersedes_older(qtbot, runner):
    started = threading.Event()
    results = []
    old = runner.submit("search", _wait_until_cancelled, started, on_done=results.append)
    assert started.wait(5)
    new = runner.submit("search", lambda ctx: "new", on_done=results.append)
    with qtbot.waitSignals([old.finished, new.finished], timeout=5000):
        pass
    assert old.state == "cancelled"
    assert results == ["new"]


def test_other_kinds_are_not_superseded(qtbot, runner):
    results = []
    a = runner.submit("a", lambda ctx: (time.sleep(0.1), "a")[1], on_done=results.append)
    b = runner.submit("b", lambda ctx: "b", on_done=results.append)
    with qtbot.waitSignals([a.finished, b.finished], timeout=5000):
        pass
    assert sorted(results) == ["a", "b"]


def test_error_goes_to_on_error_with_traceback(qtbot, runner):
    errors = []

    def boom(ctx):
        raise ValueError("bad column 'Total'")

    job = runner.submit("boom", boom, on_error=lambda m, tb: errors.append((m, tb)))
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert job.state == "failed"
    message, trace = errors[0]
    assert message == "ValueError: bad column 'Total'"
    assert "Traceback" in trace and "boom" in trace


def test_store_errors_keep_their_own_message(qtbot, runner):
    def unlock(ctx):
        raise WrongPassphrase("That passphrase does not open this shop.")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.submit("unlock", unlock)
    kind, message, _trace = blocker.args
    assert kind == "unlock"
    assert message == "That passphrase does not open this shop."


def test_error_without_handler_reaches_the_default_banner_only_then(qtbot, runner):
    banner = []
    runner.failed.connect(lambda *a: banner.append(a))
    job = runner.submit("handled", lambda ctx: 1 / 0, on_error=lambda m, tb: None)
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert banner == []


def test_store_is_passed_to_the_job(qtbot, runner, store):
    runner.store = store

    def count(ctx):
        return ctx.store.connection().execute("SELECT count(*) FROM orders").fetchone()[0]

    with qtbot.waitSignal(runner.submit("count", count).succeeded, timeout=5000) as blocker:
        pass
    assert blocker.args == [0]


def test_busy_changed_and_active(qtbot, runner):
    states = []
    runner.busy_changed.connect(states.append)
    started = threading.Event()
    job = runner.submit("x", _wait_until_cancelled, started)
    assert started.wait(5)
    assert runner.is_busy("x") and runner.active("x") == [job]
    with qtbot.waitSignal(job.finished, timeout=5000):
        runner.cancel("x")
    assert states == [True, False]
    assert not runner.is_busy()


def test_cancel_all_and_wait_all_leave_no_threads(qtbot):
    runner = JobRunner(max_threads=4)
    events = [threading.Event() for _ in range(4)]
    for i, ev in enumerate(events):
        runner.submit(f"k{i}", _wait_until_cancelled, ev)
    for ev in events:
        assert ev.wait(5)
    assert runner.active_thread_count() == 4
    runner.cancel_all()
    assert runner.wait_all(5.0)
    assert runner.active_thread_count() == 0
    # their deliveries are still queued; on close the runner settles them without the event loop
    cancelled = []
    for job in runner.active():
        job.cancelled_.connect(lambda j=job: cancelled.append(j.kind))
    runner.settle_cancelled()
    assert not runner.is_busy()
    assert sorted(cancelled) == ["k0", "k1", "k2", "k3"]


def test_many_short_jobs_do_not_crash(qtbot, runner):
    """Workers are kept alive past their run(): a stress run would crash if they were freed early."""
    results = []
    jobs = [runner.submit(f"n{i % 7}", lambda ctx, i=i: i, on_done=results.append) for i in range(300)]
    qtbot.waitUntil(lambda: all(j.is_finished() for j in jobs), timeout=10000)
    assert len(results) >= 7          # superseded ones are dropped; the last of each kind is not
    assert {r % 7 for r in results} == set(range(7))


def test_sync_runner_same_interface(qtbot):
    runner = SyncJobRunner()
    seen = []

    def work(ctx, x):
        ctx.progress(1.0, "done")
        return x * 2

    job = runner.submit("double", work, 21, on_done=seen.append,
                        on_progress=lambda f, m: seen.append((f, m)))
    assert job.state == "done"
    assert seen == [(1.0, "done"), 42]

    errors = []
    runner.submit("bad", lambda ctx: [][1], on_error=lambda m, tb: errors.append(m))
    assert errors == ["IndexError: list index out of range"]

    def cancels(ctx):
        raise JobCancelled

    assert runner.submit("c", cancels).state == "cancelled"
