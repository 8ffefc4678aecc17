"""Pipeline: detection, all-or-nothing rejection, partial imports, result shape, progress, preview."""

from __future__ import annotations

import shutil

import pytest

from merchant_ai.importers import pipeline
from merchant_ai.importers.registry import UnknownFormat, all_formats
from merchant_ai.store import Store

GOOD = (b"Order,Date,SKU,Title,Qty,Price,Currency,Customer\n"
        b"A1,2021-03-01 10:00:00,MUG-1,Mug,2,5.00,EUR,ann@example.com\n"
        b"A1,2021-03-01 10:00:00,CAP-1,Cap,1,3.50,EUR,ann@example.com\n"
        b"A2,2021-03-05 12:00:00,MUG-1,Mug,1,5.00,EUR,\n")
BAD = GOOD + b"A3,2021-13-45 10:00:00,MUG-1,Mug,1,5.00,EUR,\n"


def _orders(store: Store) -> int:
    return store.connection().execute("SELECT count(*) FROM orders").fetchone()[0]


def test_import_result_has_the_contract_shape(store: Store) -> None:
    res = pipeline.import_bytes(store, "orders.csv", GOOD, backup=False)
    out = res.to_json()
    for key in ("file", "format", "orders", "order_lines", "units", "products", "customers", "revenue",
                "skipped", "warnings", "import_id", "date_span"):
        assert key in out
    assert (out["format"], out["orders"], out["order_lines"], out["units"], out["products"], out["customers"]) == \
        ("generic", 2, 3, 4.0, 2, 1)
    assert out["revenue"] == [{"currency": "EUR", "gross": 18.5, "refunded": 0.0}]
    assert out["date_span"] == ["2021-03-01", "2021-03-05"]
    assert _orders(store) == 2


def test_rejected_file_writes_nothing_and_names_line_and_column(store: Store) -> None:
    with pytest.raises(pipeline.ImportRejected) as info:
        pipeline.import_bytes(store, "orders.csv", BAD, backup=False)
    message = str(info.value)
    assert "orders.csv" in message and "line 5" in message and "'Date'" in message
    assert info.value.exit_code == 5
    assert _orders(store) == 0 and store.data_version() == 0
    assert info.value.to_json()["problems"][0]["line"] == 5


def test_a_rejection_offers_the_good_rows_only_when_there_are_some(store: Store) -> None:
    """The advice names --allow-partial only where it would import something: a file whose
    every row is bad, or whose columns were not found, is only to be fixed. The message names up to
    three problems, then counts the rest."""
    with pytest.raises(pipeline.ImportRejected) as info:
        pipeline.import_bytes(store, "orders.csv", BAD, backup=False)
    assert info.value.partial_possible and "--allow-partial" in str(info.value)
    all_bad = b"Date,Order,Amount\n" + b"".join(b"not a date %d,A%d,%d.00\n" % (i, i, i) for i in range(5))
    with pytest.raises(pipeline.ImportRejected) as info:
        pipeline.import_bytes(store, "all_bad.csv", all_bad, backup=False)
    message = str(info.value)
    assert not info.value.partial_possible and "--allow-partial" not in message
    assert message.count("'Date'") == 3 and "(and 2 more problems)" in message and message.endswith("fix the file.")
    with pytest.raises(pipeline.ImportRejected) as info:
        pipeline.import_bytes(store, "odd.csv", b"foo;bar\n1;2\n", backup=False)
    assert not info.value.partial_possible and "no date column" in str(info.value)
    assert _orders(store) == 0


def test_allow_partial_imports_the_good_rows(store: Store) -> None:
    res = pipeline.import_bytes(store, "orders.csv", BAD, allow_partial=True, backup=False)
    assert res.orders == 2 and _orders(store) == 2
    assert any("left out" in w for w in res.warnings)


def test_reimport_and_overlapping_exports_do_not_double_count(store: Store) -> None:
    pipeline.import_bytes(store, "orders.csv", GOOD, backup=False)
    overlap = GOOD + b"A4,2021-03-06 09:00:00,CAP-1,Cap,3,3.50,EUR,bob@example.com\n"
    pipeline.import_bytes(store, "orders-2.csv", overlap, backup=False)
    pipeline.import_bytes(store, "orders.csv", GOOD, backup=False)
    conn = store.connection()
    assert _orders(store) == 3
    assert conn.execute("SELECT sum(line_total) FROM order_lines").fetchone()[0] == (10 + 3.5 + 5 + 10.5) * 10_000


def test_progress_is_monotonic_and_cancel_writes_nothing(store: Store) -> None:
    seen: list[float] = []
    pipeline.import_bytes(store, "orders.csv", GOOD, backup=False, progress=lambda f, m: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 5
    with pytest.raises(pipeline.ImportCancelled):
        pipeline.import_bytes(store, "more.csv", GOOD.replace(b"A", b"B"), backup=False,
                              cancel=lambda: len(seen) > 0)
    assert _orders(store) == 2


def test_forced_and_unknown_formats(store: Store) -> None:
    res = pipeline.import_bytes(store, "orders.csv", GOOD, format="generic", backup=False)
    assert res.format == "generic"
    with pytest.raises(UnknownFormat):
        pipeline.import_bytes(store, "orders.csv", GOOD, format="no-such-format", backup=False)
    assert "generic" in {s.name for s in all_formats()}


def test_unrecognised_and_empty_files_are_rejected(store: Store) -> None:
    for data in (b"", b"Name,Colour\nmug,blue\n", b"\x00\xff\x00garbage" * 40):
        with pytest.raises(pipeline.ImportRejected):
            pipeline.import_bytes(store, "x.csv", data, backup=False)
    assert _orders(store) == 0


def test_preview_writes_nothing_and_shows_rows() -> None:
    out = pipeline.preview(GOOD, "orders.csv")
    assert out["ok"] and out["format"] == "generic" and out["orders"] == 2
    assert out["mapping"]["date"] == "Date"
    assert out["orders_preview"][0]["external_id"] == "A1"
    assert len(out["lines_preview"]) == 3
    bad = pipeline.preview(b"", "x.csv")
    assert bad["ok"] is False


def test_import_files_and_mapping(store: Store, tmp_path) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes(b"when;paid\n2021-01-05;9,99\n2021-01-06;5,00\n")
    [res] = pipeline.import_files(store, [path], mapping={"date": "when", "amount": "paid"}, backup=False)
    assert res.orders == 2 and res.revenue[0]["gross"] == pytest.approx(14.99)


def test_preview_of_an_unmappable_file_still_lists_its_columns() -> None:
    out = pipeline.preview(b"Name,Colour\nmug,blue\n", "x.csv")
    assert out["ok"] is False and out["columns"] == ["Name", "Colour"]
    assert any("date" in p for p in out["problems"])


def test_registry_survives_a_broken_detector(monkeypatch) -> None:
    from merchant_ai.importers import registry
    from merchant_ai.importers.reading import read_table

    def broken(table):
        raise RuntimeError("boom")

    bad = registry.FormatSpec("broken", "x", "raises", broken, lambda t: None)
    real = registry.all_formats()
    monkeypatch.setattr(registry, "all_formats", lambda: [bad, *real])
    table = read_table(GOOD, "orders.csv")
    scores = {spec.name: score for score, spec in registry.detect(table)}
    assert scores["broken"] == 0.0
    assert registry.best_format(table).name == "generic"


def test_the_before_import_backup_is_made_beside_the_parse_and_kept_only_for_an_import(store: Store) -> None:
    """The backup runs on a helper thread while the file is parsed. An import that goes ahead keeps
    it (and prunes to the last 10); a rejected or cancelled file leaves the backups as they were,
    so failed attempts never rotate good backups out. The helper's connection is closed."""
    from merchant_ai.store.store import KEEP_BACKUPS

    for i in range(KEEP_BACKUPS):
        store.backup(f"old-{i}")
    before = store.list_backups()
    connections = len(store._all)
    with pytest.raises(pipeline.ImportRejected):
        pipeline.import_bytes(store, "orders.csv", BAD)
    with pytest.raises(pipeline.ImportCancelled):
        pipeline.import_bytes(store, "orders.csv", GOOD, cancel=lambda: True)
    with pytest.raises(pipeline.ImportCancelled):     # cancelled while parsing, after the backup started
        pipeline.import_bytes(store, "orders.csv", GOOD,
                              progress=lambda f, m: None, cancel=iter([False, False, True, True, True]).__next__)
    assert store.list_backups() == before and _orders(store) == 0
    res = pipeline.import_bytes(store, "orders.csv", GOOD)
    after = store.list_backups()
    assert len(after) == KEEP_BACKUPS and after[0] not in before and after[1:] == before[:-1]
    assert "before-import" in after[0].name and res.counts["orders_new"] == 2
    assert len(store._all) == connections       # the helper thread's connection did not stay open
    # The backup is the shop as it was before this import: it opens, and holds none of its orders.
    folder = store.folder.parent / "restored"
    (folder / "backups").mkdir(parents=True)
    shutil.copy(store.key_path, folder / store.key_path.name)
    shutil.copy(after[0], folder / store.db_path.name)
    copy = Store(folder, store._key)
    assert copy.connection().execute("SELECT count(*) FROM orders").fetchone()[0] == 0
    copy.close()


def test_the_result_says_what_the_import_changed_in_the_shop(store: Store) -> None:
    first = pipeline.import_bytes(store, "orders.csv", GOOD, backup=False).to_json()
    assert pipeline.change_summary(first["written"]) == "2 new orders; 3 lines written; 2 new products"
    again = pipeline.import_bytes(store, "orders.csv", GOOD, backup=False).to_json()
    assert again["orders"] == 2     # what the file holds
    assert pipeline.change_summary(again["written"]) == "0 new, 2 unchanged orders; 0 lines written"
    more = GOOD.replace(b"A2,2021-03-05 12:00:00,MUG-1,Mug,1", b"A2,2021-03-05 12:00:00,MUG-1,Mug,3") + \
        b"A3,2021-03-07 09:00:00,CAP-1,Cap,1,3.50,EUR,\n"
    changed = pipeline.import_bytes(store, "orders-2.csv", more, backup=False).to_json()
    assert pipeline.change_summary(changed["written"]) == "1 new, 1 updated, 1 unchanged orders; 2 lines written"
    assert pipeline.change_summary({}) == ""
    # A file of products, stock or fees says what it brought.
    assert pipeline.change_summary({"products_updated": 1, "inventory": 5, "fees": 12, "refunds_attached": 1}) == \
        "1 updated product; 5 stock counts; 12 fees; 1 refund added to its order"
