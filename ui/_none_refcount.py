"""Work around PySide6 6.12.0 dropping references to None, True and False (Python < 3.12).

Measured here with PySide6-Essentials 6.12.0 on CPython 3.11: every void Qt call
(`QWidget.show()`, `processEvents()`, ...), every Python `data()` override answering None, every
Python override returning a bool to C++ (`QWizardPage.isComplete`) and every `Signal(bool)` emit
lowers the reference count of None/True/False by one (`sys.getrefcount` falls by 1.0 per call).
On 3.12+ these objects are immortal (PEP 683) so nothing happens; on 3.11 the app aborts with
"none_dealloc: deallocating None" (or "bool_dealloc") after some thousands of calls — seconds of
normal use. We make the three effectively immortal by adding 2**40 to their counts, which is what
3.12 does by design. Remove this when the pin moves to a PySide6 without the bug, or 3.11 is dropped.
"""

from __future__ import annotations

import ctypes
import sys

_BOOST = 1 << 40
SINGLETONS = (None, True, False)


def leaks_none() -> bool:
    """True if a void Qt call drops a reference to None on this interpreter (a quick probe)."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 32


def protect_none() -> bool:
    """Raise the refcounts of None, True and False far out of reach on < 3.12. Idempotent."""
    if sys.version_info >= (3, 12):
        return False
    changed = False
    for obj in SINGLETONS:
        if sys.getrefcount(obj) < _BOOST // 2:
            ctypes.c_ssize_t.from_address(id(obj)).value += _BOOST
            changed = True
    return changed
