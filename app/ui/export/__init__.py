"""File > Export…: coded segments to CSV, XLSX, a Word report or REFI-QDA."""

from app.ui.export.dialog import ExportDialog
from app.ui.export.hookup import install_export

__all__ = ["ExportDialog", "install_export"]
