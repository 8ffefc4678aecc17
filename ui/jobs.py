"""The one background-job mechanism of the GUI: every query, import and model fit runs here.

Shape (Orange3's task functions + superqt's worker signals):

    def load_sales(ctx: JobContext, as_of):            # a plain function, runs on a pool thread
        frame = queries.sales_lines(ctx.store, as_of)  # the store hands this thread its own connection
        ctx.progress(0.5, "Fitting")                   # also a cancellation point
        ...
        return result

    job = ctx.runner.submit("forecast.fit", load_sales, as_of,
                            on_done=show, on_error=show_error, on_progress=bar.update)

* `on_done(result)`, `on_error(message, traceback_text)`, `on_progress(fraction, message)` and
  `on_cancelled()` are always called on the GUI thread.
* A newer job of the same `kind` cancels the older one; the older one's late result is dropped
  (its `on_cancelled` runs instead). Use distinct kinds for work that may run side by side.
* Cancellation is cooperative: `fn` checks `ctx.cancelled()` (or calls `ctx.check()`, or
  `ctx.progress(...)`, which raise `JobCancelled`); a cancelled job's return value is ignored.
* Errors without an `on_error` go to `JobRunner.failed`, which the main window shows as a banner.
* On close: `runner.cancel_all()` then `runner.wait_all(seconds)`.
* `SyncJobRunner` has the same interface but runs `fn` inline: for unit tests of tab logic.

Why not QtConcurrent/asyncio: one small mechanism that everyone uses is easier to get right
(supersede, drop late results, no dangling threads on close) than several.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from merchant_ai.store.errors import StoreError

__all__ = ["Job", "JobCancelled", "JobContext", "JobRunner", "SyncJobRunner", "error_message"]

# Every runner ever created (weakly): the test fixture checks none leaves threads running.
LIVE_RUNNERS: weakref.WeakSet[JobRunner] = weakref.WeakSet()

_PROGRESS_INTERVAL = 0.05  # seconds: progress is throttled so a tight loop cannot flood the GUI


class JobCancelled(Exception):
    """Raised inside a job function to stop early; the job then ends as cancelled, not failed."""


def error_message(exc: BaseException) -> str:
    """The text a shop owner sees: store errors carry their own wording, others get their type."""
    if isinstance(exc, StoreError):
        return str(exc)
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class JobContext:
    """What a job function receives: the store, progress reporting and the cancel flag.

    Thread-safe by construction: it only sets an Event and emits Qt signals (queued to the GUI).
    """

    def __init__(self, kind: str, store: Any, cancel_event: threading.Event,
                 emit_progress: Callable[[float, str], None]) -> None:
        self.kind = kind
        self.store = store
        self._cancel = cancel_event
        self._emit = emit_progress
        self._last = 0.0

    def cancelled(self) -> bool:
        """True once the job was cancelled or superseded: stop soon, the result will be dropped."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise JobCancelled if cancelled: a one-line cancellation point for loops."""
        if self._cancel.is_set():
            raise JobCancelled

    def progress(self, fraction: float | None, message: str = "") -> None:
        """Report progress (0..1, or None for "busy, unknown"); also a cancellation point."""
        self.check()
        now = time.monotonic()
        if fraction is not None and fraction < 1.0 and now - self._last < _PROGRESS_INTERVAL:
            return
        self._last = now
        self._emit(-1.0 if fraction is None else max(0.0, min(1.0, float(fraction))), message)

    def progress_callback(self) -> Callable[..., None]:
        """`progress(fraction, message)` for core functions that take a plain callback."""
        return self.progress

    def cancel_callback(self) -> Callable[[], bool]:
        """`cancel()` -> bool for core functions that poll a plain callable."""
        return self.cancelled


class _WorkerSignals(QObject):
    """Emitted from the pool thread; the QObject lives on the GUI thread, so delivery is queued."""

    progress = Signal(float, str)
    result = Signal(object)
    error = Signal(str, str)
    cancelled = Signal()


class _Worker(QRunnable):
    def __init__(self, job: Job, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        super().__init__()
        self._job = job
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self.setAutoDelete(False)  # the Job keeps us referenced until it has finished

    def run(self) -> None:
        job = self._job
        signals = job._worker_signals
        ctx = JobContext(job.kind, job.store, job._cancel_event, signals.progress.emit)
        try:
            result = self._fn(ctx, *self._args, **self._kwargs)
        except JobCancelled:
            signals.cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI, never kill the pool
            if job._cancel_event.is_set():
                signals.cancelled.emit()
            else:
                signals.error.emit(error_message(exc), traceback.format_exc())
        else:
            if job._cancel_event.is_set():
                signals.cancelled.emit()
            else:
                signals.result.emit(result)
        finally:
            job._thread_done.set()


class Job(QObject):
    """Handle of one submitted job; lives on the GUI thread. Its signals fire on the GUI thread.

    `finished` fires exactly once, after whichever of `succeeded`/`failed`/`cancelled_` fired.
    """

    progressed = Signal(float, str)   # fraction (-1 = unknown), message
    succeeded = Signal(object)
    failed = Signal(str, str)         # message, traceback
    cancelled_ = Signal()
    finished = Signal()

    _ids = itertools.count(1)

    def __init__(self, kind: str, store: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.id = next(Job._ids)
        self.kind = kind
        self.store = store
        self.state = "pending"        # pending | running | done | failed | cancelled
        self.fraction: float | None = None
        self.message = ""
        self._cancel_event = threading.Event()
        self._thread_done = threading.Event()
        self._worker_signals = _WorkerSignals()
        self._worker_signals.progress.connect(self._on_progress)
        self._worker_signals.result.connect(self._on_result)
        self._worker_signals.error.connect(self._on_error)
        self._worker_signals.cancelled.connect(self._on_cancelled)
        self._worker: _Worker | None = None
        self._callbacks: dict[str, Callable | None] = {}

    # --- public ---------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the job to stop; its result (if it still comes) is dropped. Safe to call twice."""
        self._cancel_event.set()

    def is_cancelled(self) -> bool:
        return self._cancel_event.is_set()

    def is_finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    # --- delivery (GUI thread) --------------------------------------------------------------
    def _call(self, name: str, *args: Any) -> None:
        callback = self._callbacks.get(name)
        if callback is None:
            return
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, QObject) and not shiboken6.isValid(owner):
            return  # the tab or dialog that asked was closed while the job ran: nobody to tell
        callback(*args)

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        if self._cancel_event.is_set() or self.is_finished():
            return
        self.state = "running"
        self.fraction = None if fraction < 0 else fraction
        self.message = message
        self._call("on_progress", self.fraction, message)
        self.progressed.emit(fraction, message)

    @Slot(object)
    def _on_result(self, result: object) -> None:
        if self._cancel_event.is_set():  # cancelled after the function returned: drop the late result
            self._on_cancelled()
            return
        self._finish("done", "on_done", self.succeeded, result)

    @Slot(str, str)
    def _on_error(self, message: str, trace: str) -> None:
        if self._cancel_event.is_set():
            self._on_cancelled()
            return
        self._finish("failed", "on_error", self.failed, message, trace)

    @Slot()
    def _on_cancelled(self) -> None:
        self._finish("cancelled", "on_cancelled", self.cancelled_)

    def _finish(self, state: str, callback: str, signal: Any, *args: Any) -> None:
        if self.is_finished():
            return
        self.state = state
        try:
            self._call(callback, *args)
            signal.emit(*args)
        finally:
            self.finished.emit()


class JobRunner(QObject):
    """Owns a QThreadPool; submits jobs, supersedes same-kind jobs, cancels and awaits all on close.

    `store` is what `ctx.store` is for jobs submitted from now on (the AppContext sets it).
    """

    failed = Signal(str, str, str)    # kind, message, traceback: jobs without on_error (error banner)
    busy_changed = Signal(bool)       # True while any job is pending or running

    def __init__(self, store: Any = None, parent: QObject | None = None, max_threads: int | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads or max(2, QThreadPool.globalInstance().maxThreadCount()))
        self._jobs: dict[int, Job] = {}
        self._latest: dict[str, Job] = {}
        self._retired: list[tuple[float, _Worker]] = []
        LIVE_RUNNERS.add(self)

    # --- submitting -----------------------------------------------------------------------
    def submit(self, kind: str, fn: Callable[..., Any], *args: Any,
               on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str, str], None] | None = None,
               on_progress: Callable[[float | None, str], None] | None = None,
               on_cancelled: Callable[[], None] | None = None,
               **kwargs: Any) -> Job:
        """Run `fn(ctx, *args, **kwargs)` off the GUI thread; supersede the previous `kind` job."""
        previous = self._latest.get(kind)
        if previous is not None and not previous.is_finished():
            previous.cancel()
        job = Job(kind, self.store)  # no Qt parent: freed by Python once nobody holds it
        job._callbacks = {"on_done": on_done, "on_error": on_error, "on_progress": on_progress,
                          "on_cancelled": on_cancelled}
        if on_error is None:
            job.failed.connect(lambda message, trace, k=kind: self.failed.emit(k, message, trace))
        job.finished.connect(lambda j=job: self._forget(j))
        was_idle = not self._jobs
        self._jobs[job.id] = job
        self._latest[kind] = job
        job._worker = _Worker(job, fn, args, kwargs)
        if was_idle:
            self.busy_changed.emit(True)
        self._start(job)
        return job

    def _start(self, job: Job) -> None:
        self._pool.start(job._worker)

    def _forget(self, job: Job) -> None:
        self._jobs.pop(job.id, None)
        if self._latest.get(job.kind) is job:
            del self._latest[job.kind]
        # The pool thread may still be inside QRunnable::run's epilogue: keep the worker alive
        # until threads are idle (a Python-owned QRunnable freed early would crash the pool).
        if job._worker is not None:
            self._retired.append((time.monotonic(), job._worker))
            job._worker = None
        self._purge_retired()
        if not self._jobs:
            self.busy_changed.emit(False)

    def _purge_retired(self) -> None:
        if self._pool.activeThreadCount() == 0:
            self._retired.clear()
        else:
            cutoff = time.monotonic() - 5.0
            self._retired = [(t, w) for t, w in self._retired if t > cutoff]

    # --- control --------------------------------------------------------------------------
    def active(self, kind: str | None = None) -> list[Job]:
        """Jobs not finished yet (of one kind, or all)."""
        return [j for j in self._jobs.values() if kind is None or j.kind == kind]

    def is_busy(self, kind: str | None = None) -> bool:
        return bool(self.active(kind))

    def cancel(self, kind: str) -> None:
        for job in self.active(kind):
            job.cancel()

    def cancel_all(self) -> None:
        for job in list(self._jobs.values()):
            job.cancel()

    def settle_cancelled(self) -> None:
        """Finish every cancelled job now instead of when its queued delivery arrives.

        On close the threads are idle but their last signals still sit in the event queue; the
        window must be able to say "nothing is running" without spinning the event loop.
        """
        for job in list(self._jobs.values()):
            if job.is_cancelled():
                job._on_cancelled()

    def wait_all(self, timeout: float = 10.0) -> bool:
        """Block until every pool thread is idle (True) or `timeout` seconds passed (False).

        Used on close, after `cancel_all()`; pending deliveries are then dropped or flushed by
        the event loop (cancelled jobs never call `on_done`).
        """
        idle = self._pool.waitForDone(max(0, int(timeout * 1000)))
        if idle:
            self._retired.clear()
        return idle

    def active_thread_count(self) -> int:
        return self._pool.activeThreadCount()


class SyncJobRunner(JobRunner):
    """Same interface, but `fn` runs inline in `submit`, callbacks included: for tab-logic tests."""

    def _start(self, job: Job) -> None:
        job._worker.run()
