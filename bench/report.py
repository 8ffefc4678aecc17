"""Time `merchant-ai report` (weekly PDF, offscreen) on the demo shop and on the UCI Online Retail file.

    python bench/report.py [--demo STORE] [--uci STORE] [--uci-file PATH]

Stores given are copied to a temporary folder first (passphrase in MERCHANT_AI_PASSPHRASE, default
"demo-pass"); missing ones are built there (demo ~10 s, UCI ~1 min). Each shop is timed cold (model
cache emptied by a data-version bump, as after an import) and warm (second run: forecast and stock
policy come from the cache), next to `merchant-ai info` in the same run as the baseline of process
start and unlocking the store. The issue asks for "a few seconds".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
UCI_FILE = ROOT.parent / "shared" / "data" / "online_retail_2010_2011.csv.gz"


def _cli(*args: str) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "merchant_ai", *args], capture_output=True, text=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    secs = time.perf_counter() - t
    if done.returncode:
        sys.exit(f"merchant-ai {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return secs, done.stdout.strip()


def _prepare(given: str | None, build, folder: Path, passphrase: str) -> Path:
    from merchant_ai.store import Store

    if given:
        shutil.copytree(given, folder)
    else:
        build(folder, passphrase)
    store = Store.open(folder, passphrase)
    store.bump_data_version()         # empty the model cache: the first report is a cold one
    store.close()
    return folder


def _build_demo(folder: Path, passphrase: str) -> None:
    subprocess.run([sys.executable, "-m", "merchant_ai", "demo", "--store", str(folder), "--json"], check=True,
                   capture_output=True, env={**os.environ, "MERCHANT_AI_PASSPHRASE": passphrase})


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo", help="an existing demo shop folder (copied)")
    ap.add_argument("--uci", help="an existing store with the UCI file imported (copied)")
    ap.add_argument("--uci-file", type=Path, default=UCI_FILE)
    args = ap.parse_args()
    passphrase = os.environ.setdefault("MERCHANT_AI_PASSPHRASE", "demo-pass")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        shops = [("demo", _prepare(args.demo, _build_demo, Path(tmp) / "demo", passphrase)),
                 ("UCI", _prepare(args.uci, _build_uci(args.uci_file), Path(tmp) / "uci", passphrase))]
        print(f"{'shop':<6}{'pages':>6}{'week':>10}{'info (baseline) s':>19}{'report cold s':>15}"
              f"{'report warm s':>15}")
        for name, folder in shops:
            base, _ = _cli("info", "--store", str(folder), "--json")
            out = str(Path(tmp) / f"{name}.pdf")
            cold, text = _cli("report", "--store", str(folder), "--out", out, "--json")
            warm, text = _cli("report", "--store", str(folder), "--out", out, "--json")
            result = json.loads(text)
            print(f"{name:<6}{result['pages']:>6}{result['week']:>10}{base:>19.1f}{cold:>15.1f}{warm:>15.1f}")


if __name__ == "__main__":
    main()
