"""Guard against a PySide6 binding bug that kills the process with "deallocating None".

PySide6 6.12.0 returns ``None`` from every void method without taking a reference to it. On
Python 3.12+ ``None`` is immortal and this is harmless; on Python 3.11 each call (``update()``,
``setText()``, ``QTextCursor.setPosition()``...) lowers ``None``'s reference count by one, and
after a few thousand calls the interpreter aborts (seen in the workspace benchmark after some
scrolling and coding). The check below measures whether a void call loses a reference and, only
then, gives ``None`` a reference count no session can exhaust. It changes nothing on a fixed
PySide6 or a newer Python.
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 48


def void_calls_leak_none() -> bool:
    from PySide6.QtCore import QSize

    size = QSize()
    before = sys.getrefcount(None)
    for _ in range(100):
        size.setWidth(1)
    return sys.getrefcount(None) < before - 50


def protect_none() -> bool:
    """Apply the guard when needed; returns True when it was applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    try:
        leaking = void_calls_leak_none()
    except ImportError:  # no Qt here (core-only test runs import Qt-free parts of app.ui)
        return False
    if not leaking:
        return False
    refcnt = ctypes.c_ssize_t.from_address(id(None))
    refcnt.value += HEADROOM
    return True
