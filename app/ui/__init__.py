"""The PySide6 user interface: the only package that imports Qt."""

from app.ui.none_refcount import protect_none

protect_none()  # PySide6 6.12 on Python 3.11 drops a reference to None per void call
