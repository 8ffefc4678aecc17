"""Later files touching orders already stored: refunds of earlier sales, stale re-imports, payout dates.

Fixtures are the hand-written Amazon and Shopify files of test_amazon.py / test_shopify.py; the
expected figures come from their rows (see the comments there).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from merchant_ai.importers import pipeline
from merchant_ai.money import to_store
from merchant_ai.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
ALL_ORDERS = (FIXTURES / "amazon" / "all_orders_by_order_date.txt").read_bytes()
V1_NAME = "settlement_v1_12345678901.txt"
V1 = (FIXTURES / "amazon" / V1_NAME).read_bytes()
SHOPIFY = (FIXTURES / "shopify" / "orders_export_75cols_za.csv").read_bytes()
MUG_ORDER = "111-1000001-0000001"   # sold 2024-03-01, settled later; refund of 12.99 + 1.04 tax


def refunds_only(settlement: bytes) -> bytes:
    """The settlement cut to its header, summary row and Refund rows (the sale is in an earlier file)."""
    lines = settlement.decode().split("\n")
    return ("\n".join(ln for i, ln in enumerate(lines) if i < 2 or "\tRefund\t" in ln) + "\n").encode()


def order(store: Store, external_id: str) -> dict:
    cur = store.connection().execute(
        "SELECT o.status, o.refunded, o.order_date, o.created_at, o.total FROM orders o WHERE o.external_id = ?",
        (external_id,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else {}


def count_orders(store: Store) -> int:
    return store.connection().execute("SELECT count(*) FROM orders").fetchone()[0]


def test_refund_in_a_later_file_attaches_to_the_stored_order(store: Store) -> None:
    pipeline.import_bytes(store, "all_orders.txt", ALL_ORDERS, backup=False)
    before = order(store, MUG_ORDER)
    assert before["status"] == "paid" and before["refunded"] == 0
    res = pipeline.import_bytes(store, "refunds.txt", refunds_only(V1), backup=False)
    after = order(store, MUG_ORDER)
    assert after["refunded"] == to_store(14.03)
    assert after["status"] == "partially_refunded"
    # the sale's date, time and totals stay those of the sale's report
    assert (after["order_date"], after["created_at"], after["total"]) == (
        before["order_date"], before["created_at"], before["total"])
    assert res.counts["refunds_attached"] == 1
    # importing the refunds again changes nothing (no double count)
    pipeline.import_bytes(store, "refunds.txt", refunds_only(V1), backup=False)
    assert order(store, MUG_ORDER)["refunded"] == to_store(14.03)


def test_refund_of_an_unknown_order_is_named_not_silently_dropped(store: Store) -> None:
    res = pipeline.import_bytes(store, "refunds.txt", refunds_only(V1), backup=False)
    assert count_orders(store) == 0            # no order row made up without its sale's date
    assert res.counts["refunds_unmatched"] == 1
    named = [w for w in res.warnings if MUG_ORDER in w]
    assert named and "refunds.txt, line 3, column 'price-amount'" in named[0] and "14.03 USD" in named[0]
    stored = store.connection().execute("SELECT warnings FROM imports").fetchone()[0]
    assert MUG_ORDER in stored                  # the import history keeps the message too
    # once the sale is imported, the same refund file attaches it
    pipeline.import_bytes(store, "all_orders.txt", ALL_ORDERS, backup=False)
    pipeline.import_bytes(store, "refunds.txt", refunds_only(V1), backup=False)
    assert order(store, MUG_ORDER)["refunded"] == to_store(14.03)


def test_undo_of_an_attached_refund_restores_the_order(store: Store) -> None:
    pipeline.import_bytes(store, "all_orders.txt", ALL_ORDERS, backup=False)
    res = pipeline.import_bytes(store, "refunds.txt", refunds_only(V1), backup=False)
    from merchant_ai.importers.writer import undo_import
    undo_import(store, res.import_id, backup=False)
    assert (order(store, MUG_ORDER)["status"], order(store, MUG_ORDER)["refunded"]) == ("paid", 0)


def test_settlement_never_overwrites_the_purchase_date(store: Store) -> None:
    pipeline.import_bytes(store, "all_orders.txt", ALL_ORDERS, backup=False)
    purchased = order(store, MUG_ORDER)
    assert purchased["order_date"] == "2024-03-01"
    pipeline.import_bytes(store, V1_NAME, V1, backup=False)
    settled = order(store, MUG_ORDER)
    assert (settled["order_date"], settled["created_at"]) == (purchased["order_date"], purchased["created_at"])
    assert settled["refunded"] == to_store(14.03)       # the settlement's refund still lands


def test_settlement_first_then_all_orders_corrects_the_date(store: Store) -> None:
    pipeline.import_bytes(store, V1_NAME, V1, backup=False)
    assert order(store, MUG_ORDER)["order_date"] != "2024-03-01"    # posting date until the sale's report
    pipeline.import_bytes(store, "all_orders.txt", ALL_ORDERS, backup=False)
    after = order(store, MUG_ORDER)
    assert after["order_date"] == "2024-03-01"
    # All Orders knows nothing of refunds: it must not turn the refunded order back to paid
    assert (after["status"], after["refunded"]) == ("partially_refunded", to_store(14.03))


def _shopify(edit) -> bytes:
    frame = pd.read_csv(io.BytesIO(SHOPIFY), dtype=str, keep_default_na=False)
    frame = edit(frame)
    return frame.to_csv(index=False).encode()


def _before_refunds(frame: pd.DataFrame) -> pd.DataFrame:
    """The same shop exported before #1002/#1003 were refunded and before #1004 was placed."""
    frame = frame[frame["Name"] != "#1004"].copy()
    first = frame["Financial Status"] != ""
    frame.loc[first & frame["Name"].isin(["#1002", "#1003"]), "Financial Status"] = "paid"
    frame.loc[first, "Refunded Amount"] = "0.00"
    frame["Cancelled at"] = ""
    return frame


def test_reimporting_an_older_export_does_not_downgrade_statuses(store: Store) -> None:
    pipeline.import_bytes(store, "orders_new.csv", SHOPIFY, backup=False)
    assert (order(store, "#1002")["status"], order(store, "#1003")["status"]) == ("partially_refunded", "cancelled")
    older = _shopify(_before_refunds)
    pipeline.import_bytes(store, "orders_old.csv", older, backup=False)
    assert order(store, "#1002")["status"] == "partially_refunded"
    assert order(store, "#1002")["refunded"] == to_store(80)
    assert (order(store, "#1003")["status"], order(store, "#1003")["refunded"]) == ("cancelled", to_store(210))


def test_a_newer_export_may_move_a_status_back(store: Store) -> None:
    """The newest export is the truth: a refund reversed shows as paid again."""
    older = _shopify(_before_refunds)
    pipeline.import_bytes(store, "orders_old.csv", older, backup=False)
    pipeline.import_bytes(store, "orders_new.csv", SHOPIFY, backup=False)
    assert order(store, "#1002")["status"] == "partially_refunded"

    def reversed_refund(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        first = (frame["Name"] == "#1002") & (frame["Financial Status"] != "")
        frame.loc[first, ["Financial Status", "Refunded Amount"]] = ["paid", "0.00"]
        return frame

    pipeline.import_bytes(store, "orders_newest.csv", _shopify(reversed_refund), backup=False)
    assert (order(store, "#1002")["status"], order(store, "#1002")["refunded"]) == ("paid", 0)
