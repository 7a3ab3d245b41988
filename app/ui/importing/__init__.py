"""The import dialog (File > Import…, or files dropped on the main window)."""

from app.ui.importing.dialog import ImportDialog

__all__ = ["ImportDialog"]
