"""The start-up probe bench/startup.py relies on: the real `merchant-ai gui` process reports its
first interactive window once, then exits by itself (a fresh process: QApplication is per process)."""

from __future__ import annotations

import os
import subprocess
import sys


def _launch(args: list[str], tmp_path, probe: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               MERCHANT_AI_HOME=str(tmp_path / "home"))
    env.pop("MERCHANT_AI_STARTUP_PROBE", None)
    if probe:
        env["MERCHANT_AI_STARTUP_PROBE"] = "1"
    return subprocess.run([sys.executable, "-m", "merchant_ai", "gui", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_probe_reports_the_unlock_window_of_an_existing_shop_and_exits(store, tmp_path):
    folder = store.folder
    store.close()
    run = _launch(["--store", str(folder)], tmp_path, probe=True)
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if line.startswith("merchant-ai startup-probe:")]
    assert len(lines) == 1
    assert "window=UnlockDialog" in lines[0]


def test_probe_reports_the_welcome_window_on_first_run(tmp_path):
    run = _launch([], tmp_path, probe=True)
    assert run.returncode == 0, run.stderr
    assert "window=WelcomeDialog" in run.stdout
