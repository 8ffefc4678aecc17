"""Time `merchant-ai report` (weekly PDF, offscreen) on the demo shop and on the UCI Online Retail file.

    python bench/report.py [--demo STORE] [--uci STORE] [--uci-file PATH] [--runs N] [--against TREE]

Stores given are copied to a temporary folder first (passphrase in MERCHANT_AI_PASSPHRASE, default
"demo-pass"); missing ones are built there (demo ~10 s, UCI ~1 min). Each shop is timed cold (model
cache emptied by a data-version bump, as after an import) and warm (second run: forecast and stock
policy come from the cache), next to `merchant-ai info` in the same run as the baseline of process
start and unlocking the store; medians over `--runs` rounds. `--against TREE` also times another
source tree (e.g. `git archive <commit> | tar -x -C /tmp/before`) on the same stores, its runs
interleaved with ours so machine load hits both alike. The issue asks for "a few seconds".
"""

from __future__ import annotations

import argparse
import json
import os
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


def _cli(tree: Path, *args: str) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "merchant_ai", *args], capture_output=True, text=True, cwd=tree,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    secs = time.perf_counter() - t
    if done.returncode:
        sys.exit(f"merchant-ai {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return secs, done.stdout.strip()


def _bump(folder: Path, passphrase: str) -> None:
    """Empty the model cache (as an import does): the next report is a cold one."""
    from merchant_ai.store import Store

    store = Store.open(folder, passphrase)
    store.bump_data_version()
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


def _round(tree: Path, folder: Path, out: str, passphrase: str) -> tuple[float, float, dict]:
    """One cold and one warm report run of `tree` on `folder`."""
    _bump(folder, passphrase)
    cold, _ = _cli(tree, "report", "--store", str(folder), "--out", out, "--json")
    warm, text = _cli(tree, "report", "--store", str(folder), "--out", out, "--json")
    return cold, warm, json.loads(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo", help="an existing demo shop folder (copied)")
    ap.add_argument("--uci", help="an existing store with the UCI file imported (copied)")
    ap.add_argument("--uci-file", type=Path, default=UCI_FILE)
    ap.add_argument("--runs", type=int, default=3, help="rounds per shop (medians are printed)")
    ap.add_argument("--against", type=Path, help="another source tree to time in the same run (e.g. the last release)")
    args = ap.parse_args()
    passphrase = os.environ.setdefault("MERCHANT_AI_PASSPHRASE", "demo-pass")
    trees = [("ours", ROOT)] + ([("against", args.against.resolve())] if args.against else [])
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        shops = [("demo", _prepare(args.demo, _build_demo, Path(tmp) / "demo", passphrase)),
                 ("UCI", _prepare(args.uci, _build_uci(args.uci_file), Path(tmp) / "uci", passphrase))]
        head = f"{'shop':<6}{'pages':>6}{'week':>10}{'info (baseline) s':>19}{'report cold s':>15}{'report warm s':>15}"
        if args.against:
            head += f"{'against cold s':>16}{'against warm s':>16}"
        print(f"medians of {args.runs} runs")
        print(head)
        for name, folder in shops:
            times: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in trees}
            base = []
            for _ in range(args.runs):
                base.append(_cli(ROOT, "info", "--store", str(folder), "--json")[0])
                for label, tree in trees:
                    cold, warm, result = _round(tree, folder, str(Path(tmp) / f"{name}-{label}.pdf"), passphrase)
                    times[label].append((cold, warm))
                    if label == "ours":
                        ours = result
            med = {label: [statistics.median(t[i] for t in runs) for i in (0, 1)] for label, runs in times.items()}
            line = (f"{name:<6}{ours['pages']:>6}{ours['week']:>10}{statistics.median(base):>19.1f}"
                    f"{med['ours'][0]:>15.1f}{med['ours'][1]:>15.1f}")
            if args.against:
                line += f"{med['against'][0]:>16.1f}{med['against'][1]:>16.1f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
