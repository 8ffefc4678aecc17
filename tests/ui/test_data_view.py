"""Data view: the paged model loads by page in jobs, sorts, filters, exports; never blocks."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.ui.bare_context import BareJobContext
from ui import data_queries
from ui.context import AppContext
from ui.data_queries import DATASETS, where_clause
from ui.jobs import JobRunner, SyncJobRunner
from ui.tabs.data_tab import DataTab
from ui.widgets.paged_model import LOADING, PagedTableModel

pytestmark = pytest.mark.gui

N_ORDERS = 1500   # two lines each: 3,000 lines, 15 pages of 200


@pytest.fixture
def shop(store):
    """Orders #1..#1500 (order i on day i % 28 + 1), lines SKU-{j % 97}; one title is a formula."""
    with store.transaction() as c:
        c.execute("INSERT INTO channels(id, name, platform) VALUES (1, 'etsy', 'etsy')")
        c.executemany("INSERT INTO customers(id, key, country) VALUES (?, ?, ?)",
                      [(i, f"cust{i:03d}", "GB" if i % 2 else "DE") for i in range(1, 51)])
        c.executemany(
            "INSERT INTO orders(id, channel_id, external_id, customer_id, created_at, created_utc, order_date,"
            " currency, total, status) VALUES (?, 1, ?, ?, ?, ?, ?, 'GBP', ?, 'paid')",
            [(i, f"#{i}", i % 50 + 1, f"2024-05-{i % 28 + 1:02d}T10:00:00", f"2024-05-{i % 28 + 1:02d} 09:00:00",
              f"2024-05-{i % 28 + 1:02d}", i * 10_000) for i in range(1, N_ORDERS + 1)])
        c.executemany(
            "INSERT INTO order_lines(id, order_id, line_key, sku, title, quantity, unit_price, line_total)"
            " VALUES (?, ?, ?, ?, ?, 1, 25000, 25000)",
            [(j, (j + 1) // 2, str(j % 2), f"SKU-{j % 97:02d}",
              "=HYPERLINK(\"x\")" if j == 7 else f"Item {j % 97}") for j in range(1, 2 * N_ORDERS + 1)])
    return store


@pytest.fixture
def runner(qtbot, shop):
    r = JobRunner(shop)
    yield r
    r.cancel_all()
    assert r.wait_all(5)


def _loaded(qtbot, model, name="lines"):
    model.active = True
    with qtbot.waitSignal(model.ids_loaded, timeout=5000):
        if model.dataset.name != name:
            model.set_dataset(name)
        else:
            model.reload()


def _cell(qtbot, model, row, col):
    """Ask like a view does: first a placeholder, then the value once the page job is done."""
    index = model.index(row, col)
    first = model.data(index)
    qtbot.waitUntil(lambda: model.is_loaded(row), timeout=5000)
    return first, model.data(index)


def test_rows_load_by_page_newest_first(qtbot, runner):
    model = PagedTableModel(runner, "lines", page_size=200)
    _loaded(qtbot, model)
    assert model.rowCount() == 2 * N_ORDERS
    assert not any(model.is_loaded(r) for r in (0, 2999))
    placeholder, value = _cell(qtbot, model, 0, 0)
    assert placeholder == LOADING and value == f"#{N_ORDERS}"        # newest line first
    assert model.is_loaded(199) and not model.is_loaded(200)          # one page, not more
    _, last = _cell(qtbot, model, 2 * N_ORDERS - 1, 3)                # jump to the very end
    assert last == "SKU-01"
    assert model.data(model.index(0, 6)) == "2.50"                    # money in currency units


def test_sort_and_filter(qtbot, runner):
    model = PagedTableModel(runner, "lines")
    _loaded(qtbot, model)
    with qtbot.waitSignal(model.ids_loaded, timeout=5000):
        model.sort(3, Qt.SortOrder.AscendingOrder)                   # SKU
    assert _cell(qtbot, model, 0, 3)[1] == "SKU-00"
    assert model.data(model.index(model.rowCount() - 1, 3)) in (LOADING, "SKU-96")

    with qtbot.waitSignal(model.ids_loaded, timeout=5000) as blocker:
        model.set_filter("sku-05 item")
    expected = sum(1 for j in range(1, 2 * N_ORDERS + 1) if j % 97 == 5)
    assert blocker.args == [expected]
    assert _cell(qtbot, model, 0, 3)[1] == "SKU-05"

    with qtbot.waitSignal(model.ids_loaded, timeout=5000) as blocker:
        model.set_filter("no such thing")
    assert blocker.args == [0]


def test_filter_treats_like_wildcards_literally():
    where, params = where_clause(DATASETS["products"], "50% off_")
    assert "ESCAPE" in where
    assert params[0] == "%50\\% off\\_%" or params[0].startswith("%50\\%")


def test_switching_tables_drops_late_pages(qtbot, runner):
    model = PagedTableModel(runner, "lines")
    _loaded(qtbot, model)
    model.data(model.index(0, 0))                                      # page 0 of lines requested
    _loaded(qtbot, model, "customers")
    qtbot.wait(100)
    assert model.rowCount() == 50
    assert _cell(qtbot, model, 0, 0)[1].startswith("cust")            # customers, not a late lines page
    assert model.columnCount() == len(DATASETS["customers"].columns)


def test_customers_and_orders_columns(qtbot, runner):
    model = PagedTableModel(runner, "customers")
    _loaded(qtbot, model, "customers")
    with qtbot.waitSignal(model.ids_loaded, timeout=5000):
        model.sort(5, Qt.SortOrder.DescendingOrder)                   # by number of orders
    _, orders = _cell(qtbot, model, 0, 5)
    assert orders == "30"                                              # 1500 orders over 50 customers
    _loaded(qtbot, model, "orders")
    assert model.rowCount() == N_ORDERS


def test_export_writes_every_row_formula_safe(qtbot, shop, tmp_path):
    ctx = AppContext(shop, runner=SyncJobRunner(shop))
    ids = data_queries.row_ids(BareJobContext(shop), "lines", 3, False, "")
    path = tmp_path / "lines.csv"
    n = data_queries.export_rows(BareJobContext(shop), "lines", ids, str(path))
    assert n == 2 * N_ORDERS
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["Order", "Date", "Channel", "SKU"]
    assert len(rows) == 2 * N_ORDERS + 1
    assert any(r[4] == "'=HYPERLINK(\"x\")" for r in rows)
    ctx.shutdown()


def test_data_tab_shows_counts_and_switches(qtbot, shop):
    ctx = AppContext(shop)
    tab = DataTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1000, 600)
    assert tab.model.ids_job is None                                   # nothing runs while hidden
    with qtbot.waitSignal(tab.model.ids_loaded, timeout=5000):
        tab.show()
    assert tab.count_label.text() == f"{N_ORDERS:,} orders"
    with qtbot.waitSignal(tab.model.ids_loaded, timeout=5000):
        tab.show_dataset("products")
    qtbot.waitUntil(lambda: "products" in tab.count_label.text(), timeout=5000)
    assert tab.count_label.text().startswith("No products yet")
    ctx.shutdown()


def test_row_ids_is_a_compact_array(shop):
    ids = data_queries.row_ids(BareJobContext(shop), "orders", None, True, "")
    assert ids.dtype == np.int64 and ids[0] == N_ORDERS and len(ids) == N_ORDERS


def test_tabs_render_at_minimum_size(qtbot, shop):
    """Orange's guard: every tab lays out and paints at its smallest size."""
    from ui.tabs.import_tab import ImportTab

    ctx = AppContext(shop)
    for cls in (DataTab, ImportTab):
        tab = cls(ctx)
        qtbot.addWidget(tab)
        tab.show()
        tab.resize(tab.minimumSizeHint())
        image = tab.grab()
        assert not image.isNull() and image.width() > 0
    ctx.runner.cancel_all()
    ctx.shutdown()


def test_created_at_is_shown_to_the_minute(qtbot, runner):
    model = PagedTableModel(runner, "orders", page_size=200)
    _loaded(qtbot, model, "orders")
    col = [c.header for c in DATASETS["orders"].columns].index("Created at")
    _, text = _cell(qtbot, model, 0, col)
    assert len(text) == 16 and text[10] == " " and text.endswith("10:00")


def test_a_line_without_its_own_title_shows_sorts_and_filters_by_its_products(shop):
    """Lines store no title where it is their product's (importers/writer._line_titles); a line
    that stores its own is shown and found by that one."""
    conn = shop.connection()
    conn.execute("INSERT INTO products(sku, title) VALUES ('SKU-05', 'Zinc planter'), ('SKU-06', 'Zinc bucket')")
    conn.execute("UPDATE order_lines SET title = NULL WHERE sku = 'SKU-05'")     # SKU-06 keeps 'Item 6'
    ctx = BareJobContext(shop)
    title = [c.header for c in DATASETS["lines"].columns].index("Title")
    found = data_queries.row_ids(ctx, "lines", None, True, "zinc")
    assert len(found) == conn.execute("SELECT count(*) FROM order_lines WHERE sku = 'SKU-05'").fetchone()[0] > 0
    assert {r[title] for r in data_queries.fetch_rows(ctx, "lines", found.tolist())} == {"Zinc planter"}
    by_title = data_queries.row_ids(ctx, "lines", title, True, "")       # descending: 'Zinc planter' first
    assert data_queries.fetch_rows(ctx, "lines", by_title[:1].tolist())[0][title] == "Zinc planter"
