"""Screenshot of the frozen app's main window on the demo shop, taken by the build (Linux, Xvfb).

Why: the self-test proves the frozen models run, not that the window draws; a PNG of the real window
(frozen Qt plugins, fonts, stylesheet) is what someone reviewing a build looks at. The app runs with
its own MERCHANT_AI_HOME in a temporary folder (the demo shop is built there, encrypted, and deleted
afterwards). Xvfb writes its screen as an XWD file (`-fbdir`), which this turns into a PNG with Qt.

    python packaging/screenshot.py dist/MerchantAI/MerchantAI dist/frozen-window.png [--seconds 45]
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def xwd_to_png(xwd: Path, png: Path) -> tuple[int, int]:
    """A 24/32-bit ZPixmap XWD (what Xvfb's -fbdir holds) as a PNG; returns (width, height)."""
    from PySide6.QtGui import QImage

    data = xwd.read_bytes()
    header = struct.unpack(">25I", data[:100])
    header_size, depth, width, height = header[0], header[3], header[4], header[5]
    bits_per_pixel, bytes_per_line, colours = header[11], header[12], header[19]
    if depth != 24 or bits_per_pixel != 32:
        raise ValueError(f"{xwd}: {depth}-bit screen with {bits_per_pixel} bits per pixel, expected 24/32")
    pixels = np.frombuffer(data, np.uint8, count=bytes_per_line * height, offset=header_size + colours * 12)
    pixels = np.ascontiguousarray(pixels.reshape(height, bytes_per_line)[:, :width * 4])
    image = QImage(pixels.data, width, height, width * 4, QImage.Format.Format_RGB32)
    if not image.save(str(png)):
        raise OSError(f"could not write {png}")
    return width, height


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exe", type=Path, help="the frozen MerchantAI executable")
    parser.add_argument("out", type=Path, help="PNG to write")
    parser.add_argument("--seconds", type=float, default=45.0, help="wait for the demo shop and its tabs")
    args = parser.parse_args(argv)
    xvfb = shutil.which("Xvfb")
    if not sys.platform.startswith("linux") or not xvfb:
        print("screenshot: skipped (needs Linux with Xvfb)")
        return 0
    with tempfile.TemporaryDirectory(prefix="merchant-ai-shot-") as tmp:
        home, fbdir = Path(tmp) / "home", Path(tmp) / "fb"
        fbdir.mkdir()
        read_fd, write_fd = os.pipe()
        server = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                                   "-nolisten", "tcp", "-fbdir", str(fbdir)], pass_fds=(write_fd,),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            display = pipe.readline().strip()
        env = {**os.environ, "DISPLAY": f":{display}", "MERCHANT_AI_HOME": str(home)}
        env.pop("QT_QPA_PLATFORM", None)
        app = subprocess.Popen([str(args.exe), "gui", "--demo"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            time.sleep(args.seconds)
            if app.poll() is not None:
                print(f"screenshot: the app exited early ({app.returncode}): "
                      f"{app.stderr.read().decode(errors='replace')[-500:]}")
                return 1
            width, height = xwd_to_png(fbdir / "Xvfb_screen0", args.out)
        finally:
            app.kill()
            app.wait()
            server.kill()
            server.wait()
    print(f"screenshot: {args.out} ({width}x{height}) — look at it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
