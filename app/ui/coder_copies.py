"""Coding > Prepare coder copies…: one blind copy of the project per coder (``split``).

Asks for the coders (every person who has coded, by default) and a folder, then writes the
copies with ``app.core.split`` and says where they are and how to merge them back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from app.core.errors import UserError
from app.core.sessions import list_coders
from app.core.split import CoderCopy, split_for_coders


def prepare_coder_copies(
    window: Any, coders: list[str] | None = None, directory: Path | None = None
) -> list[CoderCopy]:
    """Write the copies (asking for what is not given); [] when cancelled or refused."""
    project = window.project
    if project is None:
        QMessageBox.information(window, "Prepare coder copies", "Open a project first.")
        return []
    if coders is None:
        people = [c.name for c in list_coders(project) if c.kind == "human"]
        text, ok = QInputDialog.getText(
            window, "Prepare coder copies",
            "One blind copy per coder, without anyone else's coding.\nCoders (comma-separated):",
            text=", ".join(people),
        )  # fmt: skip
        if not ok:
            return []
        coders = [c.strip() for c in text.split(",") if c.strip()]
    if directory is None:
        chosen = QFileDialog.getExistingDirectory(window, "Folder for the coder copies")
        if not chosen:
            return []
        directory = Path(chosen)
    try:
        copies = split_for_coders(project, coders, directory)
    except UserError as exc:
        QMessageBox.warning(window, "Prepare coder copies", str(exc))
        return []
    lines = "\n".join(f"{c.coder}: {c.path.name}" for c in copies)
    window.report(f"{len(copies)} coder copies written to {directory}")
    if not getattr(window, "quiet_dialogs", False):
        QMessageBox.information(
            window, "Coder copies ready",
            f"Written to {directory}:\n{lines}\n\nEach opens in blind mode for its coder. "
            "Bring the coded copies back with: ipr-workbench merge PROJECT COPY...",
        )  # fmt: skip
    return copies
