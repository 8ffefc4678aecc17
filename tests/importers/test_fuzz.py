"""Hypothesis: damaged files never crash the importer and never leave a partial import behind.

A damaged file must end in one of two ways: imported (the damage was harmless) or rejected with
ImportRejected; in the second case the store's row counts and data version are unchanged.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchant_ai.importers import pipeline
from merchant_ai.store import Store

BASE = ("Order,Date,SKU,Title,Qty,Price,Currency,Customer\n"
        + "".join(f"A{i // 2},2021-03-{1 + i % 28:02d} 10:00:00,SKU-{i % 5},\"Mug, size {i}\",{1 + i % 3},"
                  f"{2 + i % 7}.50,EUR,buyer{i % 4}@example.com\n" for i in range(40)))
TABLES = ("orders", "order_lines", "products", "customers", "fees", "inventory_levels", "sku_aliases", "imports")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    import os

    before = os.environ.get("MERCHANT_AI_KDF_LOG2N")
    os.environ["MERCHANT_AI_KDF_LOG2N"] = "14"      # module scope: the autouse monkeypatch is not active yet
    try:
        store, _ = Store.create(tmp_path_factory.mktemp("fuzz") / "shop", "pw")
    finally:
        if before is None:
            os.environ.pop("MERCHANT_AI_KDF_LOG2N", None)
        else:
            os.environ["MERCHANT_AI_KDF_LOG2N"] = before
    yield store
    store.close()


def _state(store: Store) -> tuple:
    conn = store.connection()
    return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES) + (store.data_version(),)


def _mutate(kind: str, seed: int, cut: float) -> bytes:
    rng = random.Random(seed)
    data = BASE.encode()
    if kind == "truncate":
        return data[: int(len(data) * cut)]
    if kind == "shuffle":
        lines = BASE.splitlines(keepends=True)
        rng.shuffle(lines)
        return "".join(lines).encode()
    if kind == "encoding":
        enc = rng.choice(["utf-16", "utf-16-be", "cp1252", "gb18030", "latin-1", "utf-8-sig"])
        return BASE.replace("Mug", "Müg 杯").encode(enc, errors="replace")
    if kind == "misdecoded":       # UTF-16 bytes cut at an odd offset, then more bytes glued on
        return BASE.encode("utf-16")[1: int(len(data) * cut) | 1] + b"\xff\xfe\x00"
    if kind == "flip":
        buf = bytearray(data)
        for _ in range(rng.randint(1, 40)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        return bytes(buf)
    if kind == "garbage":
        return rng.randbytes(rng.randint(0, 3000))
    if kind == "columns":          # a line with a broken quote swallowing the rest of the file
        lines = BASE.splitlines(keepends=True)
        lines[rng.randrange(1, len(lines))] = 'A9,"2021-03-01,broken\n'
        return "".join(lines).encode()
    raise AssertionError(kind)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["truncate", "shuffle", "encoding", "misdecoded", "flip", "garbage", "columns"]),
       seed=st.integers(0, 10_000), cut=st.floats(0.0, 1.0), allow_partial=st.booleans())
def test_damaged_files_never_crash_or_half_import(shop: Store, kind: str, seed: int, cut: float,
                                                  allow_partial: bool) -> None:
    data = _mutate(kind, seed, cut)
    before = _state(shop)
    try:
        pipeline.import_bytes(shop, "fuzz.csv", data, allow_partial=allow_partial, backup=False)
    except pipeline.ImportRejected as exc:
        assert str(exc)
        assert _state(shop) == before
    else:
        after = _state(shop)
        assert after[TABLES.index("imports")] == before[TABLES.index("imports")] + 1


@settings(max_examples=20, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_preview_never_crashes(data: bytes) -> None:
    out = pipeline.preview(data, "x.csv")
    assert isinstance(out["ok"], bool)
