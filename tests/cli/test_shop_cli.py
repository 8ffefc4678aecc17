"""The shop commands against the CLI contract: JSON shapes and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from merchant_ai.cli.main import main

INFO_KEYS = {"store", "schema_version", "orders", "order_lines", "products", "customers", "channels",
             "first_order_at", "last_order_at", "imports"}


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("MERCHANT_AI_KDF_LOG2N", "14")
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "s3cret pass")


def run_json(capsys, *argv) -> tuple[int, dict]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else {})


def test_init_then_info(tmp_path, capsys):
    shop = str(tmp_path / "shop")
    code, data = run_json(capsys, "init", "--store", shop, "--json")
    assert code == 0
    assert data["store"] == shop and len(data["recovery_code"].replace("-", "")) == 56
    code, info = run_json(capsys, "info", "--store", shop, "--json")
    assert code == 0 and INFO_KEYS <= set(info)
    assert info["orders"] == 0 and info["schema_version"] >= 1 and info["channels"] == []


def test_init_twice_is_a_usage_error(tmp_path, capsys):
    shop = str(tmp_path / "shop")
    assert main(["init", "--store", shop, "--json"]) == 0
    assert main(["init", "--store", shop, "--json"]) == 2
    assert "already holds a shop" in capsys.readouterr().err


def test_wrong_passphrase_exit_3(tmp_path, capsys, monkeypatch):
    shop = str(tmp_path / "shop")
    main(["init", "--store", shop, "--json"])
    capsys.readouterr()
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "nope")
    assert main(["info", "--store", shop, "--json"]) == 3
    captured = capsys.readouterr()
    assert captured.out == "" and "Wrong passphrase" in captured.err
    assert "Traceback" not in captured.err


def test_missing_store_exit_4(tmp_path, capsys):
    assert main(["info", "--store", str(tmp_path / "none"), "--json"]) == 4
    assert "No shop found" in capsys.readouterr().err


def test_passphrase_file(tmp_path, capsys, monkeypatch):
    shop = str(tmp_path / "shop")
    main(["init", "--store", shop, "--json"])
    capsys.readouterr()
    monkeypatch.delenv("MERCHANT_AI_PASSPHRASE")
    pf = tmp_path / "pass.txt"
    pf.write_text("s3cret pass\n", encoding="utf-8")
    code, info = run_json(capsys, "info", "--store", shop, "--passphrase-file", str(pf), "--json")
    assert code == 0 and info["orders"] == 0


def test_recover_and_change_passphrase(tmp_path, capsys, monkeypatch):
    shop = str(tmp_path / "shop")
    _, data = run_json(capsys, "init", "--store", shop, "--json")
    (tmp_path / "shop" / "shop.key").unlink()
    assert main(["info", "--store", shop, "--json"]) == 4
    capsys.readouterr()
    monkeypatch.setenv("MERCHANT_AI_RECOVERY_CODE", data["recovery_code"][:-1] + "A")
    monkeypatch.setenv("MERCHANT_AI_NEW_PASSPHRASE", "brand new")
    code = main(["recover", "--store", shop, "--json"])
    if data["recovery_code"][-1] != "A":
        assert code == 3 and "typo" in capsys.readouterr().err
    monkeypatch.setenv("MERCHANT_AI_RECOVERY_CODE", data["recovery_code"])
    assert main(["recover", "--store", shop, "--json"]) == 0
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "brand new")
    monkeypatch.setenv("MERCHANT_AI_NEW_PASSPHRASE", "third one")
    assert main(["passphrase", "--store", shop, "--json"]) == 0
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "third one")
    assert main(["info", "--store", shop, "--json"]) == 0


def test_backup_restore(tmp_path, capsys):
    shop = str(tmp_path / "shop")
    main(["init", "--store", shop, "--json"])
    capsys.readouterr()
    code, data = run_json(capsys, "backup", "--store", shop, "--json")
    assert code == 0 and os.path.exists(data["backup"])
    code, data = run_json(capsys, "restore", "--store", shop, "--json")
    assert code == 0 and data["info"]["orders"] == 0


def test_usage_error_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["info", "--bogus"])
    assert exc.value.code == 2


def test_real_process_exit_codes_and_no_traceback(tmp_path):
    """The installed entry point behaves the same in a real process (stdout is JSON only)."""
    env = {**os.environ, "MERCHANT_AI_KDF_LOG2N": "14", "MERCHANT_AI_PASSPHRASE": "pw"}
    shop = str(tmp_path / "shop")
    init = subprocess.run([sys.executable, "-m", "merchant_ai", "init", "--store", shop, "--json"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert init.returncode == 0 and json.loads(init.stdout)["store"] == shop
    env["MERCHANT_AI_PASSPHRASE"] = "wrong"
    bad = subprocess.run([sys.executable, "-m", "merchant_ai", "info", "--store", shop, "--json"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 3 and bad.stdout == ""
    assert "Traceback" not in bad.stderr and "ERROR CORE" not in bad.stderr
