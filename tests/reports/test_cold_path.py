"""The weekly report's cold path: the model libraries imported on a second thread while the sales
are read, BLAS held to one thread while the sections are made, and statsmodels imported ahead only
when the forecasts are to be fitted."""

from __future__ import annotations

import datetime as dt
import threading

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


def _content(report) -> dict:
    d = report.to_dict()
    d.pop("generated_at")
    return d


def test_imports_ahead_change_nothing_in_the_report(demo_store, monkeypatch):
    ahead = _content(build_weekly_report(demo_store, now=NOW, use_cache=False))
    assert ahead["stock"]["suppliers"] and ahead["customers"]["segments"] and ahead["revenue"]["forecast_model"]

    def nothing_ahead(fitting: bool) -> threading.Thread:
        thread = threading.Thread(target=lambda: None)
        thread.start()
        return thread

    monkeypatch.setattr(weekly, "_import_ahead", nothing_ahead)
    demo_store.bump_data_version()                 # the forecasts are fitted again, not read from the cache
    assert _content(build_weekly_report(demo_store, now=NOW, use_cache=False)) == ahead


def test_sections_run_with_one_blas_thread(demo_store, monkeypatch):
    from threadpoolctl import threadpool_info

    from merchant_ai.reports import customer_sections

    seen: list[int] = []
    real = customer_sections.customer_section

    def spy(*args, **kwargs):
        seen.extend(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")
        return real(*args, **kwargs)

    monkeypatch.setattr(customer_sections, "customer_section", spy)
    build_weekly_report(demo_store, now=NOW, use_cache=False)
    assert seen and set(seen) == {1}


def test_statsmodels_is_imported_ahead_only_when_no_forecast_is_kept(demo_store, monkeypatch):
    asked: list[bool] = []
    real = weekly._import_ahead
    monkeypatch.setattr(weekly, "_import_ahead", lambda fitting: asked.append(fitting) or real(fitting))
    build_weekly_report(demo_store, now=NOW, use_cache=False)           # after the demo's imports: nothing kept
    demo_store.set_setting("target_margin_pct", "25")                    # a settings change keeps the forecasts
    build_weekly_report(demo_store, now=NOW)
    demo_store.bump_data_version()                                       # an import drops them
    build_weekly_report(demo_store, now=NOW)
    assert asked == [True, False, True]


def test_cancel_after_the_read_still_stops_the_build(demo_store):
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 3          # Loading sales, KPIs pass; the forecasts are never started

    with pytest.raises(Cancelled):
        build_weekly_report(demo_store, now=NOW, cancelled=cancelled, use_cache=False)
