"""The team's rules in the window: blind coding a lead set for everyone, and who may set it.

A lead turns on **Coding > Blind coding for the whole team**; from then on a coder's window keeps
blind mode on (the Ctrl+B toggle is refused with a message) until a lead turns it off. On a
server the setting is a ``project_meta`` row only leads may write (row-level security); on a file
the window keeps the rule for the active coder and says it is advisory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from app.core.blind import end_blind, start_blind
from app.core.errors import UserError
from app.core.rights import team_blind

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


def install_team_rules(window: MainWindow, menu: QMenu) -> QAction:
    action = QAction("Blind coding for the whole &team (leads)", window, checkable=True)
    action.setToolTip("Every coder codes blind until a lead turns this off")
    action.toggled.connect(lambda on: set_team_blind(window, on))
    menu.addAction(action)
    menu.aboutToShow.connect(lambda: sync_team_action(window))
    window.team_blind_action = action
    return action


def sync_team_action(window: MainWindow) -> None:
    action = window.team_blind_action
    project, rights = window.project, window.coding.rights
    action.blockSignals(True)
    action.setChecked(project is not None and team_blind(project))
    action.blockSignals(False)
    action.setEnabled(project is not None and rights is not None and rights.lead)


def set_team_blind(window: MainWindow, on: bool) -> None:
    project, rights = window.project, window.coding.rights
    if project is None:
        return
    if rights is None or not rights.lead:
        window.report("Only a lead may change blind coding for the team")
        sync_team_action(window)
        return
    try:
        (start_blind if on else end_blind)(project, window.coder_name or None)
    except UserError as exc:
        window.report(str(exc))
        sync_team_action(window)
        return
    if on and not window.blind_action.isChecked():
        window.blind_action.setChecked(True)
    window.report("Blind coding is " + ("on for the whole team" if on else "up to each coder"))


def may_leave_blind(window: MainWindow) -> bool:
    """False (and the toggle put back) when a lead keeps the team blind and this is a coder."""
    project, rights = window.project, window.coding.rights
    if project is None or rights is None or rights.lead or not team_blind(project):
        return True
    window.blind_action.blockSignals(True)
    window.blind_action.setChecked(True)
    window.blind_action.blockSignals(False)
    note = "" if rights.enforced else " (advisory on a project file)"
    window.report(f"A lead set blind coding for the whole team; only a lead can end it{note}")
    return False


def enforce_team_blind(window: MainWindow) -> None:
    """Turn blind mode on in a coder's window when a lead has set it for the team."""
    project, rights = window.project, window.coding.rights
    if project is None or rights is None or rights.lead or window.blind_action.isChecked():
        return
    if team_blind(project):
        window.blind_action.setChecked(True)


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
