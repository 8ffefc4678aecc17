"""Work around PySide6 6.12.0 dropping a reference to None on every void Qt call (Python < 3.12).

Measured here: with PySide6-Essentials 6.12.0 on CPython 3.11, `QWidget.show()`,
`QApplication.processEvents()` and other methods returning None each decrement None's reference
count once too often (`sys.getrefcount(None)` falls by 1.0 per call). On 3.12+ None is immortal
(PEP 683) so nothing happens; on 3.11 the app aborts with "none_dealloc: deallocating None"
after some ten thousand Qt calls — seconds of normal use. We make None effectively immortal
by adding 2**40 to its count (the same thing 3.12 does by design); remove this when the pin
moves to a PySide6 without the bug, or Python 3.11 is dropped.
"""

from __future__ import annotations

import ctypes
import sys

_BOOST = 1 << 40


def leaks_none() -> bool:
    """True if a void Qt call drops a reference to None on this interpreter (a quick probe)."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 32


def protect_none() -> bool:
    """Raise None's refcount far out of reach if this interpreter counts it (< 3.12). Idempotent."""
    if sys.version_info >= (3, 12) or sys.getrefcount(None) > _BOOST // 2:
        return False
    ctypes.c_ssize_t.from_address(id(None)).value += _BOOST
    return True
