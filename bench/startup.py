"""Start-up time: launch to an interactive window, from source and (if built) frozen.

Each run launches a fresh process with MERCHANT_AI_STARTUP_PROBE=1; the app prints one line once its
first window is shown and the event loop is idle (ui/startup_probe.py) and exits. The time is taken
from just before the launch to the arrival of that line, so it includes interpreter or bootloader
start, imports, Qt start and the first paint. Baselines in the same run: a bare `import
PySide6.QtWidgets`, and a bare Qt window shown and idle (the floor any Qt app pays).

Targets (issue 8): unlock window < 2 s from source, < 3 s frozen.

    python bench/startup.py [--runs 5] [--frozen dist/MerchantAI/MerchantAI]

Linux: uses $DISPLAY if set, else starts its own Xvfb if installed, else Qt's offscreen platform.
Windows: pass the console twin (`--frozen dist/MerchantAI/merchant-ai.exe`, the default there): the windowed exe has no stdout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "merchant-ai startup-probe: interactive"
TIMEOUT = 60.0
TARGETS = {"source": 2.0, "frozen": 3.0}
BARE_WINDOW = (
    "import sys\n"
    "from PySide6.QtCore import QTimer\n"
    "from PySide6.QtWidgets import QApplication, QLabel\n"
    "app = QApplication(sys.argv[:1]); w = QLabel('bare'); w.show()\n"
    f"QTimer.singleShot(0, lambda: (print({MARK!r}, flush=True), app.quit()))\n"
    "app.exec()\n"
)


def default_frozen() -> Path | None:
    for candidate in (ROOT / "dist" / "MerchantAI" / "MerchantAI",
                      ROOT / "dist" / "MerchantAI.app" / "Contents" / "MacOS" / "MerchantAI",
                      ROOT / "dist" / "MerchantAI" / "merchant-ai.exe"):  # Windows: the console twin
        if candidate.exists():
            return candidate
    return None


def start_xvfb() -> tuple[subprocess.Popen | None, str | None]:
    """Our own Xvfb on a free display (it writes the display number to a pipe), or (None, None)."""
    xvfb = shutil.which("Xvfb")
    if not xvfb:
        return None, None
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        return None, None
    return proc, f":{number}"


def time_to_mark(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from launch until the probe line arrives on stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.startswith(MARK):
                elapsed = time.perf_counter() - start
                proc.wait(timeout=TIMEOUT)
                return elapsed
            if time.perf_counter() - start > TIMEOUT:
                break
        proc.kill()
        raise RuntimeError(f"{cmd[0]}: no probe line; stderr: {proc.stderr.read()[-500:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def make_shop(folder: Path, env: dict[str, str]) -> None:
    """An empty encrypted shop, so the app opens its unlock window (fast KDF: creation only)."""
    subprocess.run([sys.executable, "-m", "merchant_ai", "init", "--store", str(folder), "--json"],
                   env=dict(env, MERCHANT_AI_PASSPHRASE="startup-bench", MERCHANT_AI_KDF_LOG2N="14"),
                   check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="time from launch to an interactive window")
    parser.add_argument("--runs", type=int, default=5, help="launches per case (median reported)")
    parser.add_argument("--frozen", type=Path, default=None, help="frozen executable (default: dist/...)")
    parser.add_argument("--no-source", action="store_true", help="frozen and baselines only")
    args = parser.parse_args(argv)
    frozen = args.frozen or default_frozen()

    xvfb = None
    with tempfile.TemporaryDirectory(prefix="merchant-ai-startup-") as tmp:
        env = dict(os.environ, MERCHANT_AI_STARTUP_PROBE="1", MERCHANT_AI_HOME=tmp, XDG_CONFIG_HOME=tmp)
        env.pop("QT_QPA_PLATFORM", None)
        if not sys.platform.startswith("linux"):
            platform = "native windows"
        elif env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
            platform = f"display {env.get('DISPLAY') or env.get('WAYLAND_DISPLAY')}"
        else:
            xvfb, display = start_xvfb()
            if display:
                env["DISPLAY"], platform = display, f"own Xvfb {display}"
            else:
                env["QT_QPA_PLATFORM"], platform = "offscreen", "Qt offscreen"
        shop = Path(tmp) / "shop"
        make_shop(shop, env)
        py = sys.executable
        cases: list[tuple[str, str | None, list[str]]] = [
            ("baseline: python -c 'import PySide6.QtWidgets'", None,
             [py, "-c", f"import PySide6.QtWidgets; print({MARK!r}, flush=True)"]),
            ("baseline: bare Qt window shown, idle", None, [py, "-c", BARE_WINDOW]),
        ]
        if not args.no_source:
            cases.append(("source: merchant-ai gui --store S (unlock window)", "source",
                          [py, "-m", "merchant_ai", "gui", "--store", str(shop)]))
            cases.append(("source: packaging/entry.py, no args (welcome window)", "source",
                          [py, str(ROOT / "packaging" / "entry.py")]))
        if frozen:
            cases.append(("frozen: MerchantAI gui --store S (unlock window)", "frozen",
                          [str(frozen), "gui", "--store", str(shop)]))
            cases.append(("frozen: MerchantAI, no args (welcome window)", "frozen", [str(frozen)]))
        print(f"start-up, {args.runs} runs each, {platform}; first run of each case discarded (warm disk cache)")
        print(f"{'case':58s} {'median':>7s} {'min':>6s} {'max':>6s}  target")
        failed = False
        try:
            for label, kind, cmd in cases:
                time_to_mark(cmd, env)  # warm-up
                times = [time_to_mark(cmd, env) for _ in range(args.runs)]
                target = TARGETS.get(kind or "")
                verdict = ""
                if target:
                    ok = statistics.median(times) < target
                    failed |= not ok
                    verdict = f"< {target:.0f} s {'ok' if ok else 'MISSED'}"
                print(f"{label:58s} {statistics.median(times):6.2f}s {min(times):5.2f}s {max(times):5.2f}s  {verdict}")
        finally:
            if xvfb is not None:
                xvfb.terminate()
                xvfb.wait()
        if not frozen:
            print("frozen: not built (run packaging/build.sh)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
