"""The Import tab keeps what a preview parsed, so importing the same bytes does not parse them again."""

from __future__ import annotations

import pytest

from merchant_ai.importers import pipeline
from tests.ui.bare_context import BareJobContext
from ui import import_tasks
from ui.parsed_files import PARSED, ParsedFiles

GOOD = ("Order Date,Order Number,SKU,Product,Qty,Unit Price,Customer\n"
        "2024-03-01,1001,MUG-1,Mug,2,12.50,ann@example.com\n"
        "2024-03-02,1002,CAP-1,Cap,1,8.00,bob@example.com\n")


@pytest.fixture(autouse=True)
def nothing_kept():
    """Other tests' previews may have left batches in the app-wide PARSED."""
    PARSED.clear()
    yield
    PARSED.clear()


@pytest.fixture
def parses(monkeypatch):
    """Counts the parses pipeline makes."""
    calls: list[str] = []
    real = pipeline.parse_bytes

    def spy(data, name, **kwargs):
        calls.append(name)
        return real(data, name, **kwargs)

    monkeypatch.setattr(pipeline, "parse_bytes", spy)
    return calls


def _orders(store) -> list[tuple]:
    return store.connection().execute("SELECT external_id, total FROM orders ORDER BY external_id").fetchall()


def test_an_import_after_its_preview_uses_the_previews_batch(store, tmp_path, parses):
    path = tmp_path / "sales.csv"
    path.write_text(GOOD, encoding="utf-8")
    preview = import_tasks.read_preview(BareJobContext(), str(path))
    assert preview["orders"] == 2 and parses == ["sales.csv"]
    [out] = import_tasks.import_entries(BareJobContext(store), [(str(path), None, None)])
    assert out["status"] == "imported" and parses == ["sales.csv"]          # not parsed again
    assert _orders(store) == [("1001", 250000), ("1002", 80000)]
    assert out["result"]["written"]["orders_new"] == 2 and len(PARSED) == 0   # used once, then gone


def test_a_file_changed_after_its_preview_is_parsed_again(store, tmp_path, parses):
    path = tmp_path / "sales.csv"
    path.write_text(GOOD, encoding="utf-8")
    import_tasks.read_preview(BareJobContext(), str(path))
    path.write_text(GOOD.replace("12.50", "13.00"), encoding="utf-8")     # re-exported in between
    [out] = import_tasks.import_entries(BareJobContext(store), [(str(path), None, None)])
    assert out["status"] == "imported" and parses == ["sales.csv", "sales.csv"]
    assert _orders(store)[0] == ("1001", 260000)


def test_only_a_batch_of_the_asked_format_and_mapping_is_used_and_the_bound_holds(tmp_path):
    _table, batch = pipeline.parse_bytes(GOOD.encode(), "sales.csv")
    kept = ParsedFiles(max_rows=10)
    data = GOOD.encode()
    kept.keep("a", data, None, batch)
    assert kept.take("a", data, "shopify-orders", None) is None and len(kept) == 0   # another format: parse
    kept.keep("a", data, None, batch)
    assert kept.take("a", data, None, {"date": "Order Date"}) is None                 # another mapping
    kept.keep("a", data, None, batch)
    assert kept.take("a", data, batch.format, None) is batch
    kept.keep("a", data, None, batch)     # 4 rows each
    kept.keep("b", data, None, batch)
    kept.keep("c", data, None, batch)     # 12 rows > 10: the oldest ("a") goes
    assert kept.take("a", data, None, None) is None and kept.take("c", data, None, None) is batch
    kept.forget("b")
    assert len(kept) == 0
    small = ParsedFiles(max_rows=3)
    small.keep("big", data, None, batch)   # bigger than the bound: never kept
    assert len(small) == 0
