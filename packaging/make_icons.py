"""Render the product icon set from `resources/icons/merchant-ai.svg`.

Writes PNGs 16..1024 px, a multi-size Windows `.ico` and a macOS `.icns` next to the SVG. Both
containers just hold PNG images (Windows Vista+ and macOS 10.7+ read PNG entries), so no image
library beyond Qt is needed. Small sizes (<= 32 px) are drawn from a simplified variant of the
artwork: no margin, thicker strokes, no dot, so the bag and the trend stay legible in a taskbar.

Run it after changing the SVG:  QT_QPA_PLATFORM=offscreen python packaging/make_icons.py
The outputs are committed, so a build does not need to run it.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICON_DIR / "merchant-ai.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
SMALL = 32  # at or below this size the simplified artwork is used

# icns element types holding PNG data, by pixel size (the @2x types reuse the bigger renders).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512),
    (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256), (b"ic14", 512),
)


def small_variant(svg: str) -> str:
    """The artwork tuned for 16-32 px: full-bleed tile, bolder handle and trend, no dot."""
    svg = svg.replace('<rect x="8" y="8" width="240" height="240" rx="56"',
                      '<rect x="0" y="0" width="256" height="256" rx="48"')
    svg = svg.replace('stroke-width="12" stroke-linecap="round"/>', 'stroke-width="20" stroke-linecap="round"/>')
    svg = svg.replace('stroke="#2563eb" stroke-width="12"', 'stroke="#2563eb" stroke-width="22"')
    return "\n".join(line for line in svg.splitlines() if "<circle" not in line)


def render_png(svg_bytes: bytes, size: int) -> bytes:
    """One antialiased PNG of the SVG at `size` x `size` pixels."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg_bytes))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {SVG} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """ICONDIR + one ICONDIRENTRY per size + the PNG payloads (a size of 256 is written as 0)."""
    sizes = [s for s in ICO_SIZES if s in pngs]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, payload = b"", b""
    for s in sizes:
        data = pngs[s]
        dim = 0 if s >= 256 else s
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(payload))
        payload += data
    return header + entries + payload


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """'icns' + total length, then (type, length incl. 8-byte header, PNG) per element, big-endian."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[s])) + pngs[s] for kind, s in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt alive)
    svg = SVG.read_text(encoding="utf-8")
    small = small_variant(svg).encode("utf-8")
    pngs = {s: render_png(small if s <= SMALL else svg.encode("utf-8"), s) for s in PNG_SIZES}
    for size, data in pngs.items():
        (ICON_DIR / f"merchant-ai-{size}.png").write_bytes(data)
    (ICON_DIR / "merchant-ai.ico").write_bytes(ico_bytes(pngs))
    (ICON_DIR / "merchant-ai.icns").write_bytes(icns_bytes(pngs))
    print(f"make_icons: wrote {len(pngs)} PNGs, merchant-ai.ico ({len(ICO_SIZES)} sizes) and "
          f"merchant-ai.icns ({len(ICNS_TYPES)} elements) to {ICON_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
