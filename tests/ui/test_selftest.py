"""`merchant-ai self-test`: the whole run passes on this installation; any failing step fails it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

from merchant_ai.selftest_data import WRITERS
from ui import selftest


def _run(capsys, **kwargs) -> tuple[int, dict]:
    args = argparse.Namespace(json=True, keep=kwargs.get("keep"))
    code = selftest.run_self_test(args)
    return code, json.loads(capsys.readouterr().out)


def test_full_self_test_passes_and_reports_every_step(tmp_path, capsys):
    kept = tmp_path / "kept"
    code, doc = _run(capsys, keep=kept)
    failed = [s for s in doc["steps"] if not s["ok"]]
    assert failed == []
    assert code == 0 and doc["ok"] is True
    names = [s["name"] for s in doc["steps"]]
    from merchant_ai.importers.registry import all_formats

    demo_formats = {"shopify-orders", "shopify-products", "shopify-inventory", "etsy-orders", "etsy-order-items",
                    "amazon-all-orders"}
    for spec in all_formats():
        assert spec.name in demo_formats or f"import {spec.name}" in names
    for step in ("forecast", "stock", "segments and lifetime value", "recommendations and bundles",
                 "pricing and margins", "KPIs", "weekly PDF", "window tabs", "reopen and passphrase check"):
        assert step in names
    assert all(set(s) == {"name", "ok", "seconds", "detail"} and s["seconds"] >= 0 for s in doc["steps"])
    # --keep leaves the encrypted shop and the PDF in a private folder.
    assert (kept / "weekly.pdf").read_bytes().startswith(b"%PDF")
    assert (kept / "shop").is_dir()
    if sys.platform != "win32":
        assert kept.stat().st_mode & 0o777 == 0o700


def test_a_failing_step_makes_it_exit_1_and_later_steps_are_skipped(tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"

    def private_temp(prefix: str = "") -> str:
        work.mkdir(mode=0o700)
        return str(work)

    def broken(t):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(selftest.tempfile, "mkdtemp", private_temp)
    monkeypatch.setattr(selftest, "step_create_shop", broken)
    code, doc = _run(capsys)
    assert code == 1 and doc["ok"] is False
    by_name = {s["name"]: s for s in doc["steps"]}
    assert by_name["importer modules"]["ok"] is True
    assert by_name["create encrypted shop"] == {**by_name["create encrypted shop"], "ok": False,
                                                "detail": "RuntimeError: disk on fire"}
    assert by_name["forecast"]["ok"] is False and by_name["forecast"]["detail"].startswith("skipped")
    assert not work.exists()   # the temporary folder is removed without --keep


def test_text_output_has_one_line_per_step_and_a_verdict(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(selftest, "step_create_shop", lambda t: (_ for _ in ()).throw(ValueError("no")))
    monkeypatch.setattr(selftest.tempfile, "mkdtemp", lambda prefix="": str(tmp_path))
    code = selftest.run_self_test(argparse.Namespace(json=False, keep=None))
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].startswith("ok ") and "importer modules" in out[0]
    assert any(line.startswith("FAIL") and "create encrypted shop: ValueError: no" in line for line in out)
    assert out[-1].startswith("self-test FAILED")


def test_an_import_error_names_the_missing_module(tmp_path):
    t = selftest.SelfTest(work=tmp_path)

    def needs_statsmodels():
        raise ModuleNotFoundError("No module named 'statsmodels'", name="statsmodels")

    assert t.run("forecast", needs_statsmodels) is False
    assert t.steps[0].detail.startswith("missing module: statsmodels")
    assert t.ok is False


def test_missing_renderer_fails_the_pdf_step(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ui.report_pdf", None)   # as if the build left the module out
    t = selftest.SelfTest(work=tmp_path)
    t.state["report"] = object()
    assert t.run("weekly PDF", lambda: selftest.step_pdf(t)) is False
    assert t.steps[0].detail == "skipped: renderer missing (ui.report_pdf)"


def test_a_tab_that_does_not_load_fails_the_window_step(tmp_path, qapp, monkeypatch):
    import ui.main_window as main_window

    real = main_window.load_tab

    def broken_pricing(ctx, name, title):
        if name == "pricing":
            return main_window.PlaceholderTab(ctx, title, "The Pricing tab could not be loaded: No module named "
                                                          "'statsmodels'.")
        return real(ctx, name, title)

    monkeypatch.setattr(main_window, "load_tab", broken_pricing)
    t = selftest.SelfTest(work=tmp_path)
    assert t.run("window tabs", lambda: selftest.step_window_tabs(t)) is False
    assert "Pricing" in t.steps[0].detail and "statsmodels" in t.steps[0].detail


def test_keep_folder_must_be_new_or_empty(tmp_path, capsys):
    (tmp_path / "something").write_text("owner's file")
    code, doc = _run(capsys, keep=tmp_path)
    assert code == 1 and doc["steps"][0]["name"] == "work folder"
    assert (tmp_path / "something").read_text() == "owner's file"


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_sample_files_are_detected_as_their_format(fmt):
    import datetime as dt

    from merchant_ai.importers import registry
    from merchant_ai.importers.pipeline import parse_bytes
    from merchant_ai.importers.reading import read_table
    from merchant_ai.selftest_data import SampleProduct, sample_files

    products = [SampleProduct("S-1", "One", 10.0, 4.0), SampleProduct("S-2", "Two", 25.5, 9.0)]
    (sample,) = sample_files(products, dt.date(2026, 11, 20), [fmt])
    assert registry.best_format(read_table(sample.data, sample.name)).name == fmt
    _table, batch = parse_bytes(sample.data, sample.name)
    assert batch.problems == []
    assert Path(sample.name).suffix in {".csv", ".txt"}
