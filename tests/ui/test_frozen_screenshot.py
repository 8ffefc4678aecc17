"""packaging/screenshot.py's XWD reader: the pixels Xvfb writes come out as the same PNG pixels."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location("frozen_screenshot", ROOT / "packaging" / "screenshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _xwd(path: Path, pixels: np.ndarray, depth: int = 24, pad: int = 8) -> None:
    """An XWD file as Xvfb's -fbdir writes it: header + window name, 2 colour entries, padded rows."""
    height, width, _ = pixels.shape
    name = b"Xvfb screen\x00"
    header_size = 100 + len(name)
    per_line = width * 4 + pad
    header = [header_size, 7, 2, depth, width, height, 0, 0, 32, 0, 32, 32, per_line, 4,
              0xFF0000, 0xFF00, 0xFF, 8, 2, 2, width, height, 0, 0, 0]
    rows = np.zeros((height, per_line), np.uint8)
    rows[:, :width * 4] = pixels.reshape(height, width * 4)
    path.write_bytes(struct.pack(">25I", *header) + name + bytes(24) + rows.tobytes())


def test_xwd_to_png_keeps_every_pixel(tmp_path, qapp):
    rng = np.random.default_rng(3)
    bgra = rng.integers(0, 256, (7, 5, 4), dtype=np.uint8)
    bgra[..., 3] = 0                                   # Xvfb leaves the padding byte at 0
    _xwd(tmp_path / "screen", bgra)
    assert _module().xwd_to_png(tmp_path / "screen", tmp_path / "out.png") == (5, 7)
    image = QImage(str(tmp_path / "out.png"))
    assert (image.width(), image.height()) == (5, 7)
    for y, x in ((0, 0), (3, 2), (6, 4)):
        b, g, r, _ = bgra[y, x]
        colour = image.pixelColor(x, y)
        assert (colour.red(), colour.green(), colour.blue()) == (r, g, b)


def test_xwd_other_depths_are_refused(tmp_path):
    _xwd(tmp_path / "screen", np.zeros((2, 2, 4), np.uint8), depth=16)
    with pytest.raises(ValueError, match="16-bit"):
        _module().xwd_to_png(tmp_path / "screen", tmp_path / "out.png")
