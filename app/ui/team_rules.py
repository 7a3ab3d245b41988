"""The team's lead-only work in the window.

Editing the codebook (and importing a codebook file), importing sessions, attaching or locating
a session's video, adjudicating into the consensus coder, running or training the suggester
(it replaces the team's pending suggestions and the stored model), starting or leaving blind
coding for the team and restoring the project from a backup are a lead's.

On a server the database refuses a coder's codebook edits and imports (grants); on a file the
window keeps the rule for the active coder once leads are named (``team add-coder FILE NAME
--lead``) and says it is advisory. Blind mode is the project setting of ``app/ui/blind_mode.py``;
on a server only leads may write it (row-level security on ``blind.*``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


def lead_only(window: MainWindow, what: str) -> str | None:
    """Why the active coder may not ``what`` (None: they may, being a lead or alone)."""
    rights = window.coding.rights
    if window.project is None or rights is None or rights.lead:
        return None
    where = "the server refuses it" if rights.enforced else "advisory on a project file"
    return f"Only a lead may {what} ({where})"


def refused_lead_work(window: Any, what: str) -> bool:
    """Report (one line in the status bar) and return True when the active coder may not."""
    reason = lead_only(window, what) if hasattr(window, "coding") else None
    if reason is not None:
        window.report(reason)
    return reason is not None


def guard_lead_work(window: MainWindow) -> None:
    """Point the codebook panel and the import action at the team's rules (after a refresh)."""
    panel = window.codebook_hookup.panel
    if panel is not None:
        panel.refusal = lambda: lead_only(window, "edit the codebook")
    window.import_hookup.refusal = lambda: lead_only(window, "import into the project")
    window.suggestions_hookup.refusal = lambda: lead_only(window, "run or train the suggester")
    window.agreement_hookup.refusal = lambda: lead_only(
        window, "adjudicate into the consensus coder"
    )
