"""`merchant-ai import` / `formats` through main(): contract shapes and exit codes."""

from __future__ import annotations

import json

import pytest

from merchant_ai.cli.main import main
from merchant_ai.store import Store

GOOD = (b"Order,Date,SKU,Title,Qty,Price,Currency,Customer\n"
        b"A1,2021-03-01 10:00:00,MUG-1,Mug,2,5.00,EUR,ann@example.com\n"
        b"A2,2021-03-05 12:00:00,CAP-1,Cap,1,3.50,EUR,\n")


@pytest.fixture
def shop(tmp_path, monkeypatch):
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "pw")
    store, _ = Store.create(tmp_path / "shop", "pw")
    store.close()
    return tmp_path / "shop"


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_formats_lists_generic(capsys) -> None:
    assert main(["formats", "--json"]) == 0
    names = {f["name"] for f in _json(capsys)["formats"]}
    assert "generic" in names
    assert main(["formats"]) == 0
    assert "generic" in capsys.readouterr().out


def test_import_json_shape_and_undo(shop, tmp_path, capsys) -> None:
    f = tmp_path / "orders.csv"
    f.write_bytes(GOOD)
    assert main(["import", "--store", str(shop), str(f), "--json"]) == 0
    [imp] = _json(capsys)["imports"]
    assert {k: imp[k] for k in ("file", "format", "orders", "order_lines", "units", "products", "customers")} == \
        {"file": "orders.csv", "format": "generic", "orders": 2, "order_lines": 2, "units": 3.0, "products": 2,
         "customers": 1}
    assert imp["revenue"] == [{"currency": "EUR", "gross": 13.5, "refunded": 0.0}]
    assert imp["skipped"] == [] and isinstance(imp["warnings"], list)
    assert main(["import", "--store", str(shop), "--list", "--json"]) == 0
    assert _json(capsys)["imports"][0]["id"] == imp["import_id"]
    assert main(["import", "--store", str(shop), "--undo", str(imp["import_id"]), "--json"]) == 0
    assert _json(capsys)["undone"] is True
    assert main(["info", "--store", str(shop), "--json"]) == 0
    assert _json(capsys)["orders"] == 0
    assert main(["import", "--store", str(shop), "--undo", str(imp["import_id"])]) == 2


def test_rejected_file_exits_5_with_one_line(shop, tmp_path, capsys) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(GOOD)
    bad.write_bytes(GOOD + b"A3,not a date,MUG-1,Mug,1,5.00,EUR,\n")
    assert main(["import", "--store", str(shop), str(good), str(bad), "--json"]) == 5
    out = capsys.readouterr()
    assert out.out == ""
    err = out.err.strip().splitlines()
    assert err[-1].startswith("merchant-ai: bad.csv") and "bad.csv" in err[-1] and "line 4" in err[-1] and "'Date'" in err[-1]
    assert main(["info", "--store", str(shop), "--json"]) == 0
    assert _json(capsys)["orders"] == 0              # the good file was not written either
    assert main(["import", "--store", str(shop), str(bad), "--allow-partial"]) == 0
    out = capsys.readouterr().out
    assert "revenue " in out and "  (" not in out     # the file names no currency: no gap for one
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"foo;bar\n1;2\n")
    assert main(["import", "--store", str(shop), str(odd)]) == 5
    err = capsys.readouterr().err
    assert "no date column" in err and "--allow-partial" not in err     # no good rows to offer


def test_text_output_counts_a_skipped_row_in_the_singular(shop, capsys) -> None:
    from pathlib import Path

    fixture = Path(__file__).parents[1] / "importers" / "fixtures" / "ebay" / "eBay-OrdersReport-UK-Jun-27-2026.csv"
    assert main(["import", "--store", str(shop), str(fixture)]) == 0
    assert "; 1 row skipped" in capsys.readouterr().out


def test_a_folder_imports_the_exports_inside_it(shop, tmp_path, capsys) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "orders.csv").write_bytes(GOOD)
    (folder / "readme.pdf").write_bytes(b"%PDF-1.4")
    assert main(["import", "--store", str(shop), str(folder), "--json"]) == 0
    assert [r["file"] for r in _json(capsys)["imports"]] == ["orders.csv"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["import", "--store", str(shop), str(empty)]) == 5
    assert "no export files" in capsys.readouterr().err


def test_map_mapping_profiles_and_usage_errors(shop, tmp_path, capsys) -> None:
    f = tmp_path / "sales.csv"
    f.write_bytes(b"when,paid\n2021-01-05,9.99\n")
    args = ["import", "--store", str(shop), str(f), "--json"]
    assert main([*args, "--map", "date=when,amount=paid,currency=USD", "--save-mapping", "mine"]) == 0
    assert _json(capsys)["imports"][0]["revenue"][0]["currency"] == "USD"
    assert main([*args, "--mapping", "mine"]) == 0
    assert _json(capsys)["imports"][0]["orders"] == 1
    assert main([*args, "--mapping", "nope"]) == 2
    assert main([*args, "--format", "nope"]) == 2
    assert main(["import", "--store", str(shop)]) == 2
    missing = tmp_path / "missing.csv"
    assert main(["import", "--store", str(shop), str(missing)]) == 5


def test_the_text_output_says_what_a_reimport_changed(shop, tmp_path, capsys) -> None:
    f = tmp_path / "orders.csv"
    f.write_bytes(GOOD)
    assert main(["import", "--store", str(shop), str(f)]) == 0
    assert "in the shop: 2 new orders; 2 lines written" in capsys.readouterr().out
    assert main(["import", "--store", str(shop), str(f)]) == 0
    out = capsys.readouterr().out
    assert "-> 2 orders, 2 lines" in out and "in the shop: 0 new, 2 unchanged orders; 0 lines written" in out


def test_each_imported_file_is_backed_up_first_and_a_rejected_run_leaves_no_backup(shop, tmp_path, capsys) -> None:
    """The first file's backup is made while the files are read (pipeline.BackupBeside); a run
    that rejects a file writes nothing, not even a backup."""
    good, more, bad = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "bad.csv"
    good.write_bytes(GOOD)
    more.write_bytes(GOOD.replace(b"A1,", b"B1,").replace(b"A2,", b"B2,"))
    bad.write_bytes(GOOD + b"A3,not a date,MUG-1,Mug,1,5.00,EUR,\n")

    def backups() -> list[str]:
        return sorted(p.name for p in (shop / "backups").glob("*.db")) if (shop / "backups").exists() else []

    assert main(["import", "--store", str(shop), str(good), str(bad)]) == 5
    assert backups() == []
    assert main(["import", "--store", str(shop), str(good), str(more), "--json"]) == 0
    assert [i["written"]["orders_new"] for i in _json(capsys)["imports"]] == [2, 2]
    assert len(backups()) == 2 and all("before-import" in b for b in backups())
