"""Time `merchant-ai report` (weekly PDF, offscreen) on the demo shop and on the UCI Online Retail file.

    python bench/report.py [--demo STORE] [--uci STORE] [--uci-file PATH] [--runs N] [--against TREE] [--raw]

Stores given are copied to a temporary folder first (passphrase in MERCHANT_AI_PASSPHRASE, default
"demo-pass"); missing ones are built there (demo ~10 s, UCI ~1 min). Each shop is timed cold (model
cache emptied by a data-version bump, as after an import), warm (second run: the report's sections
come from the store's cache) and "re-made" (the report's own cache entry dropped, as after a change of
settings: every section is computed again, the forecast and stock policy still come from their
caches), next to `merchant-ai info` in the same run as the baseline of process start and unlocking
the store; medians over `--runs` rounds, of wall time and (in brackets) of the process's CPU time, which
other work on a shared machine disturbs less. `--against TREE` also times another source tree (e.g.
`git worktree add /tmp/before <commit>`) on the same stores, its runs interleaved with ours so
machine load hits both alike. The issue asks for "a few seconds".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
UCI_FILE = ROOT.parent / "shared" / "data" / "online_retail_2010_2011.csv.gz"


CPU: list[float] = []   # CPU seconds (user + system) of each `_cli` run, in order: steadier than wall time on a shared machine


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _cli(tree: Path, *args: str) -> tuple[float, str]:
    t, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, "-m", "merchant_ai", *args], capture_output=True, text=True, cwd=tree,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    secs = time.perf_counter() - t
    CPU.append(_children_cpu() - cpu)
    if done.returncode:
        sys.exit(f"merchant-ai {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return secs, done.stdout.strip()


def _bump(folder: Path, passphrase: str) -> None:
    """Empty the model cache (as an import does): the next report is a cold one."""
    from merchant_ai.store import Store

    store = Store.open(folder, passphrase)
    store.bump_data_version()
    store.close()


def _drop_report_cache(folder: Path, passphrase: str) -> None:
    """Forget the kept weekly reports only (as a settings change does): the sections are made again."""
    from merchant_ai.store import Store

    store = Store.open(folder, passphrase)
    with store.transaction() as conn:
        conn.execute("DELETE FROM model_cache WHERE key LIKE 'weekly_report:%'")
    store.close()


def _prepare(given: str | None, build, folder: Path, passphrase: str) -> Path:
    if given:
        shutil.copytree(given, folder)
    else:
        build(folder, passphrase)
    return folder


def _build_demo(folder: Path, passphrase: str) -> None:
    subprocess.run([sys.executable, "-m", "merchant_ai", "demo", "--store", str(folder), "--json"], check=True,
                   capture_output=True, cwd=ROOT, env={**os.environ, "MERCHANT_AI_PASSPHRASE": passphrase})


def _build_uci(path: Path):
    def build(folder: Path, passphrase: str) -> None:
        from merchant_ai.importers.pipeline import load_uci
        from merchant_ai.store import Store

        store, _ = Store.create(folder, passphrase, name="UCI Online Retail")
        try:
            load_uci(path, store)
        finally:
            store.close()
    return build


def _round(tree: Path, folder: Path, out: str, passphrase: str) -> tuple[list[float], list[float], dict]:
    """One cold, one warm and one re-made report run of `tree` on `folder`: wall and CPU seconds."""
    _bump(folder, passphrase)
    cold, _ = _cli(tree, "report", "--store", str(folder), "--out", out, "--json")
    warm, text = _cli(tree, "report", "--store", str(folder), "--out", out, "--json")
    _drop_report_cache(folder, passphrase)
    remade, _ = _cli(tree, "report", "--store", str(folder), "--out", out, "--json")
    return [cold, warm, remade], CPU[-3:], json.loads(text)


def _cells(walls: list[list[float]], cpus: list[list[float]], widths: list[int]) -> str:
    """Median "wall (cpu)" per column (cold, warm, re-made)."""
    return "".join(f"{statistics.median(w[i] for w in walls):.1f} ({statistics.median(c[i] for c in cpus):.1f})"
                   .rjust(width) for i, width in enumerate(widths))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo", help="an existing demo shop folder (copied)")
    ap.add_argument("--uci", help="an existing store with the UCI file imported (copied)")
    ap.add_argument("--uci-file", type=Path, default=UCI_FILE)
    ap.add_argument("--runs", type=int, default=3, help="rounds per shop (medians are printed)")
    ap.add_argument("--against", type=Path, help="another source tree to time in the same run (e.g. the last release)")
    ap.add_argument("--raw", action="store_true", help="also print every run's cold/warm/re-made seconds")
    args = ap.parse_args()
    passphrase = os.environ.setdefault("MERCHANT_AI_PASSPHRASE", "demo-pass")
    trees = [("ours", ROOT)] + ([("against", args.against.resolve())] if args.against else [])
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        shops = [("demo", _prepare(args.demo, _build_demo, Path(tmp) / "demo", passphrase)),
                 ("UCI", _prepare(args.uci, _build_uci(args.uci_file), Path(tmp) / "uci", passphrase))]
        head = (f"{'shop':<6}{'pages':>6}{'week':>10}{'info (baseline) s':>19}{'report cold s':>15}"
                f"{'report warm s':>15}{'re-made s':>11}")
        if args.against:
            head += f"{'against cold s':>16}{'against warm s':>16}{'re-made s':>11}"
        print(f"medians of {args.runs} runs: wall seconds (CPU seconds)")
        print(head)
        for name, folder in shops:
            times: dict[str, list[list[float]]] = {label: [] for label, _ in trees}
            cpus: dict[str, list[list[float]]] = {label: [] for label, _ in trees}
            base, base_cpu = [], []
            for _ in range(args.runs):
                base.append(_cli(ROOT, "info", "--store", str(folder), "--json")[0])
                base_cpu.append(CPU[-1])
                for label, tree in trees:
                    secs, cpu, result = _round(tree, folder, str(Path(tmp) / f"{name}-{label}.pdf"), passphrase)
                    times[label].append(secs)
                    cpus[label].append(cpu)
                    if label == "ours":
                        ours = result

            line = (f"{name:<6}{ours['pages']:>6}{ours['week']:>10}"
                    f"{f'{statistics.median(base):.1f} ({statistics.median(base_cpu):.1f})':>19}"
                    + _cells(times["ours"], cpus["ours"], [15, 15, 11]))
            if args.against:
                line += _cells(times["against"], cpus["against"], [16, 16, 11])
            print(line, flush=True)
            if args.raw:
                for label in times:
                    print(f"  {label} wall/cpu cold, warm, re-made: " + "  ".join(
                        "/".join(f"{x:.2f}" for x in w) + " (" + "/".join(f"{x:.2f}" for x in c) + ")"
                        for w, c in zip(times[label], cpus[label], strict=True)), flush=True)


if __name__ == "__main__":
    main()
