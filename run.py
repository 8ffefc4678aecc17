#!/usr/bin/env python3
"""One-command set-up and launch, for a fresh machine with only Python 3.11+.

    python3 run.py demo     # create .venv, install, open Merchant AI on the built-in demo shop
    python3 run.py test     # create .venv, install with test extras, run the whole test suite
    python3 run.py gui      # open the app on your own shop
    python3 run.py cli ...  # any merchant-ai command, e.g. `python3 run.py cli info --store S --json`

The virtual environment is re-synchronised whenever pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_env(extras: str = "dev") -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py runs on whatever python3 the machine has
        sys.exit(f"Merchant AI needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".merchant-ai-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print("Installing Merchant AI and its dependencies into .venv (first run takes a minute) ...", flush=True)
    subprocess.check_call([str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    subprocess.check_call([str(PY), "-m", "pip", "install", "--quiet", "-e", f".[{extras}]"], cwd=ROOT)
    stamp.write_text(wanted)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "demo"
    ensure_env()
    if command == "demo":
        return subprocess.call([str(PY), "-m", "merchant_ai", "gui", "--demo", *argv[1:]], cwd=ROOT)
    if command == "gui":
        return subprocess.call([str(PY), "-m", "merchant_ai", "gui", *argv[1:]], cwd=ROOT)
    if command == "test":
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
        return subprocess.call([str(PY), "-m", "pytest", "-q", *argv[1:]], cwd=ROOT, env=env)
    if command == "cli":
        return subprocess.call([str(PY), "-m", "merchant_ai", *argv[1:]], cwd=ROOT)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
