"""Codebook panel: tree, definition pane and editing, docked in the main window."""

from app.ui.codebook.panel import CodebookPanel

__all__ = ["CodebookPanel"]
