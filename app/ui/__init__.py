"""The PySide6 user interface: the only package that imports Qt."""

import os

from app.ui.none_refcount import protect_none

protect_none()  # PySide6 6.12 on Python 3.11 drops a reference to None per void call

# Qt's raster painter hands every fill of 96 or more scan lines (a scroll bar's groove, a
# margin strip, a table's background) to a thread pool and waits for it. For widget-sized
# fills the hand-off costs more than the fill, and on a busy 2-core machine the wait for a
# worker thread was up to 6 ms of an edit's frame (issue 17). Set before any painting: Qt
# reads it once, at the first fill. A user's own setting is kept.
os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
