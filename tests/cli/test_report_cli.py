"""`merchant-ai report` through `main([...])`: the contract's JSON, exit codes, a readable PDF."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))
from weekly_shop import WEEK, fill  # noqa: E402

from merchant_ai.cli.main import main  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def shop(store, monkeypatch):
    fill(store)
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    return store.folder


def test_report_json_contract(shop, tmp_path, capsys):
    out = tmp_path / "weekly.pdf"
    code = main(["report", "--store", str(shop), "--out", str(out), "--page-size", "letter", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["out"] == str(out) and data["week"] == WEEK and data["pages"] >= 1
    assert out.read_bytes().startswith(b"%PDF")


def test_explicit_week(shop, tmp_path, capsys):
    code = main(["report", "--store", str(shop), "--week", "2026-W40", "--out", str(tmp_path / "w.pdf"), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["week"] == "2026-W40" and data["start"] == "2026-09-27"


@pytest.mark.parametrize("week", ["2026-W60", "last week"])
def test_bad_week_is_a_usage_error(shop, tmp_path, capsys, week):
    out = tmp_path / "w.pdf"
    code = main(["report", "--store", str(shop), "--week", week, "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "--week" in captured.err and "2026-W47" in captured.err and "Traceback" not in captured.err
    assert not out.exists()


def test_wrong_passphrase_and_missing_store(shop, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "wrong")
    assert main(["report", "--store", str(shop), "--out", str(tmp_path / "w.pdf")]) == 3
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    assert main(["report", "--store", str(tmp_path / "nope"), "--out", str(tmp_path / "w.pdf")]) == 4


def test_passphrase_file_for_schedules(shop, tmp_path, capsys, monkeypatch):
    """The README's Task Scheduler / launchd / cron lines pass --passphrase-file."""
    monkeypatch.delenv("MERCHANT_AI_PASSPHRASE")
    secret = tmp_path / "pass.txt"
    secret.write_text("test-pass\n", encoding="utf-8")
    out = tmp_path / "weekly.pdf"
    code = main(["report", "--store", str(shop), "--passphrase-file", str(secret), "--out", str(out), "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["week"] == WEEK
