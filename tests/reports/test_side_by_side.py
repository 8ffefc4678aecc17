"""The weekly report's sections made on two threads give what one thread gives, and a cancel or a
failing section still stops the build cleanly (nothing left running on the report worker)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import Future

import pytest

from merchant_ai.reports import weekly
from merchant_ai.reports.weekly import Cancelled, build_weekly_report

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo_store(store):
    from merchant_ai.demo.build import build_demo
    from merchant_ai.demo.generator import generate

    build_demo(store, history=generate(7, n_skus=12, days=150))
    return store


def _inline(fn):
    """`_submit` stand-in: runs `fn` at once on the calling thread (every section on one thread)."""
    done: Future = Future()
    try:
        done.set_result(fn())
    except BaseException as exc:  # noqa: BLE001 - handed over as the worker's Future would
        done.set_exception(exc)
    return done


def _content(report) -> dict:
    d = report.to_dict()
    d.pop("generated_at")
    return d


def test_two_threads_give_the_one_thread_report(demo_store, monkeypatch):
    both = _content(build_weekly_report(demo_store, now=NOW, use_cache=False))
    assert both["stock"]["suppliers"] and both["customers"]["segments"] and both["revenue"]["forecast_model"]
    worker_used = []
    real = weekly._submit
    monkeypatch.setattr(weekly, "_submit", lambda fn: worker_used.append(fn) or real(fn))
    demo_store.bump_data_version()                 # the forecasts are fitted again, not read from the cache
    assert _content(build_weekly_report(demo_store, now=NOW, use_cache=False)) == both
    assert len(worker_used) == 2                   # the imports, then the worker's share of the sections
    monkeypatch.setattr(weekly, "_submit", _inline)
    demo_store.bump_data_version()
    assert _content(build_weekly_report(demo_store, now=NOW, use_cache=False)) == both


def test_progress_only_moves_forward_with_sections_side_by_side(demo_store):
    seen: list[tuple[float, str]] = []
    lock = threading.Lock()

    def progress(f: float, m: str) -> None:
        with lock:
            seen.append((f, m))

    build_weekly_report(demo_store, now=NOW, progress=progress, use_cache=False)
    fractions = [f for f, _ in seen]
    assert fractions[-1] == 1.0 and all(b >= a - 1e-9 for a, b in zip(fractions, fractions[1:], strict=False))
    messages = " ".join(m for _, m in seen)
    for label in ("Reorder list", "Revenue forecast", "Customers", "Product pairs", "Margins"):
        assert label in messages


def test_cancel_while_sections_run_stops_both_threads(demo_store):
    calls = {"n": 0}
    started = threading.Event()
    returned = threading.Event()
    late: list[str] = []

    def cancelled() -> bool:
        calls["n"] += 1
        if threading.current_thread().name.startswith("weekly-report"):
            started.set()
        return started.is_set() and calls["n"] > 12

    def progress(f: float, m: str) -> None:
        if returned.is_set():
            late.append(m)

    with pytest.raises(Cancelled):
        build_weekly_report(demo_store, now=NOW, progress=progress, cancelled=cancelled, use_cache=False)
    returned.set()
    assert started.is_set()
    assert weekly._submit(lambda: "idle").result(timeout=60) == "idle"    # whatever was queued has run
    assert late == []                  # and no section was still working after the build returned


def test_a_failing_section_is_raised_and_the_others_stop():
    order: list[str] = []
    shares = weekly._Shares(None, 0.0, 1.0, {"a": 1.0, "b": 1.0, "c": 1.0})

    def boom(part):
        order.append("a")
        raise ValueError("section failed")

    tasks = weekly._Tasks([("a", "A", boom), ("b", "B", lambda part: order.append("b")),
                           ("c", "C", lambda part: order.append("c"))], shares, lambda: None)
    tasks.run()
    assert order == ["a"] and not tasks.results
    with pytest.raises(ValueError, match="section failed"):
        tasks.raise_first()


def test_shares_sum_the_parts_done():
    seen: list[float] = []
    shares = weekly._Shares(lambda f, m: seen.append(f), 0.2, 0.6, {"x": 3.0, "y": 1.0})
    x, y = shares.part("x", "X"), shares.part("y", "Y")
    y(1.0, "done")
    x(0.5, "half")
    x(0.2, "late report of an earlier step")       # never moves back
    x(1.0, "done")
    assert seen == pytest.approx([0.3, 0.45, 0.45, 0.6])
