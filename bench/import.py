"""Import the UCI Online Retail file into a temporary encrypted store, next to a bare pandas read.

    python bench/import.py [PATH] [--repeat N]

Each side runs in its own fresh process so peak memory (ru_maxrss above the process's baseline
after imports) is its own. With `--repeat N` (default 3) the two sides alternate N times and the
medians are compared, so a burst of load from other work on the machine hits both sides alike;
the ratio of each import to the bare read just before it is printed too. Prints wall time,
lines/s and peak memory side by side, the ratio, and where the import's time goes (read, parse,
write). Target: the whole import within 10x of the bare `pandas.read_csv(engine="pyarrow")` of
the same file. The read stage decompresses and splits the .gz into text cells the way the bare read
does (pyarrow parsing while a gunzip streams in, see importers/reading.py); parse and write run on
one thread, SQLite's insert, index builds and encrypted commit being most of the write.

Other benchmarks can load UCI the way the app does with
`merchant_ai.importers.pipeline.load_uci(path, store)` and then read `queries.sales_lines(store)`.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# This tree's code, not the editable install's: an older checkout (`git worktree add`) run side by
# side with this one must time its own importer.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bare(path: str) -> dict:
    import pandas as pd

    base = _rss_mb()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0, c0 = time.perf_counter(), time.process_time()
    df = pd.read_csv(path, engine="pyarrow")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"wall": wall, "cpu": cpu, "rows": len(df), "peak_mb": _rss_mb() - base, **_split(r0)}


def _split(r0: resource.struct_rusage) -> dict:
    """User and kernel CPU since `r0`. Kernel time here is mostly page faults on fresh memory: it
    varies from run to run with the machine's memory state, while the user time hardly does."""
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return {"user": r1.ru_utime - r0.ru_utime, "sys": r1.ru_stime - r0.ru_stime}


def _import(path: str) -> dict:
    os.environ.setdefault("MERCHANT_AI_KDF_LOG2N", "14")   # the passphrase KDF is not part of an import
    from merchant_ai.importers import pipeline
    from merchant_ai.store import Store

    stages: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store, _ = Store.create(Path(tmp) / "shop", "bench passphrase")
        store.set_setting("currency", "GBP")
        base = _rss_mb()
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0, c0 = time.perf_counter(), time.process_time()
        data = Path(path).read_bytes()
        result = pipeline.import_bytes(store, Path(path).name, data,
                                       progress=lambda f, m: stages.append((time.perf_counter() - t0, m)))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        split = _split(r0)
        peak = _rss_mb() - base
        info = store.info()
        t1 = time.perf_counter()
        store.close()   # writes back what the import left in the WAL (see importers/bulk.checkpoint_later)
        close = time.perf_counter() - t1
    marks = {}
    for t, m in stages:
        marks.setdefault(m.split(" ")[0], t)
    return {"wall": wall, "cpu": cpu, "peak_mb": peak, "orders": result.orders, "lines": result.order_lines,
            "skipped": len(result.skipped), "revenue": result.revenue, "stored_lines": info["order_lines"],
            "parsed_at": marks.get("backing", marks.get("customers", 0.0)), "read_at": marks.get("recognising", 0.0),
            "close": close, **split}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--phase":
        phase, path = sys.argv[2], sys.argv[3]
        print(json.dumps(_bare(path) if phase == "bare" else _import(path)))
        return
    from _uci import path_from_argv, take_int_option

    repeat = take_int_option("--repeat", 3)
    path = str(path_from_argv())
    import gzip

    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as fh:
        n_lines = sum(1 for _ in fh) - 1

    def run(phase: str) -> dict:
        out = subprocess.run([sys.executable, __file__, "--phase", phase, path], capture_output=True, text=True,
                             check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    bares, imps = [], []
    for _ in range(repeat):
        bares.append(run("bare"))
        imps.append(run("import"))

    def median(runs: list[dict]) -> dict:
        """The run with the median wall time (its other figures come along with it)."""
        return sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]

    bare, imp = median(bares), median(imps)
    print(f"file: {path} ({n_lines:,} data lines); median of {repeat} alternating runs per side")
    print("wall s per run: bare " + ", ".join(f"{r['wall']:.2f}" for r in bares)
          + "; import " + ", ".join(f"{r['wall']:.2f}" for r in imps))
    print(f"{'':24}{'wall s':>10}{'cpu s':>10}{'lines/s':>14}{'peak MB':>10}")
    for label, r in (("bare pandas pyarrow read", bare), ("full import (encrypted)", imp)):
        print(f"{label:24}{r['wall']:>10.2f}{r['cpu']:>10.2f}{n_lines / r['wall']:>14,.0f}{r['peak_mb']:>10.0f}")
    print(f"ratio import / bare read: {imp['wall'] / bare['wall']:.1f}x wall, {imp['cpu'] / bare['cpu']:.1f}x cpu "
          f"(target <= 10x; on a shared machine compare ratios, see shared/perf-notes.md)")
    # Each import next to the bare read just before it: load from other jobs comes and goes, and
    # a pair shares it more than two medians taken over the whole run do.
    walls = sorted(i["wall"] / b["wall"] for b, i in zip(bares, imps, strict=True))
    cpus = sorted(i["cpu"] / b["cpu"] for b, i in zip(bares, imps, strict=True))
    print("paired ratios (import / the bare read before it): wall " + ", ".join(f"{r:.1f}x" for r in walls)
          + f" (median {walls[len(walls) // 2]:.1f}x); cpu " + ", ".join(f"{r:.1f}x" for r in cpus)
          + f" (median {cpus[len(cpus) // 2]:.1f}x)")
    def split(runs: list[dict]) -> str:
        user = sorted(r["user"] for r in runs)
        sys_ = sorted(r["sys"] for r in runs)
        return (f"user {user[len(user) // 2]:.2f} s ({user[0]:.2f}-{user[-1]:.2f}), "
                f"kernel {sys_[len(sys_) // 2]:.2f} s ({sys_[0]:.2f}-{sys_[-1]:.2f})")

    print(f"CPU per run, median (range): bare read {split(bares)}; import {split(imps)}. Kernel time is "
          "mostly page faults on fresh memory and varies with the machine's memory state")
    print(f"import stages: read {imp['read_at']:.2f} s, parsed {imp['parsed_at']:.2f} s, "
          f"written {imp['wall']:.2f} s (cumulative); closing the shop after it {imp.get('close', 0.0):.2f} s "
          f"(not in the import's time: the WAL checkpoint the import leaves for later)")
    print(f"imported {imp['orders']:,} orders, {imp['lines']:,} lines ({imp['stored_lines']:,} stored), "
          f"{imp['skipped']:,} rows skipped; revenue {imp['revenue']}")


if __name__ == "__main__":
    main()
