"""The team's lead-only work in the window: editing the codebook and importing.

On a server the database refuses a coder's codebook edits and imports (grants); on a file the
window keeps the rule for the active coder once leads are named (``team add-coder FILE NAME
--lead``) and says it is advisory. Blind mode is the project setting of ``app/ui/blind_mode.py``;
on a server only leads may write it (row-level security on ``blind.*``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


def lead_only(window: MainWindow, what: str) -> str | None:
    """Why the active coder may not ``what`` (None: they may, being a lead or alone)."""
    rights = window.coding.rights
    if window.project is None or rights is None or rights.lead:
        return None
    where = "the server refuses it" if rights.enforced else "advisory on a project file"
    return f"Only a lead may {what} ({where})"


def guard_lead_work(window: MainWindow) -> None:
    """Point the codebook panel and the import action at the team's rules (after a refresh)."""
    panel = window.codebook_hookup.panel
    if panel is not None:
        panel.refusal = lambda: lead_only(window, "edit the codebook")
    window.import_hookup.refusal = lambda: lead_only(window, "import into the project")
