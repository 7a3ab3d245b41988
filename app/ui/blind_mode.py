"""Blind coding in the window: a project setting that holds, not a view filter.

While the open project is blind, the coder box and Coding > Switch coder are locked (switching
means leaving blind mode), others' segments, counts and memos are not shown, Analysis > Compare
coders is unavailable (it shows everyone's coding), File > Export writes the coder's own work
only, and the
suggestions panel hides what was learned from, or decided by, other coders. Leaving blind mode
asks first and is recorded (``app.core.blind``). On opening a blind project the coder says who
they are, once: the answer is remembered per user and project.

``confirm_leave`` and ``ask_identity`` are attributes so tests can answer the dialogs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox

from app.core.blind import blind_state, end_blind, start_blind
from app.core.project import Project
from app.core.sessions import list_coders
from app.ui import settings
from app.ui.team_rules import refused_lead_work


def _identity_key(project: Project) -> str:
    where = str(project.path.resolve()) if project.path is not None else project.location
    return "blind_coder/" + hashlib.sha1(where.encode("utf-8")).hexdigest()[:16]


def remembered_identity(project: Project) -> str:
    return str(settings.settings().value(_identity_key(project), "") or "")


def remember_identity(project: Project, name: str) -> None:
    s = settings.settings()
    s.setValue(_identity_key(project), name)
    s.sync()


class BlindMode(QObject):
    """Owns the window's blind state; the window's Blind action and box drive it."""

    changed = Signal(bool)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.on = False
        self.confirm_leave: Callable[[], bool] = self._ask_leave
        self.ask_identity: Callable[[list[str], str], str | None] = self._ask_identity

    # --- dialogs (replaceable) -----------------------------------------------------------

    def _ask_leave(self) -> bool:
        answer = QMessageBox.question(
            self.window, "Leave blind coding?",
            "Leaving blind mode shows every coder's work and unlocks the coder. The moment is "
            "recorded in the project (info, audit log, Word report: \"coders were blind "
            "until ...\").\n\nLeave blind mode?",
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def _ask_identity(self, coders: list[str], default: str) -> str | None:
        names = list(dict.fromkeys([default, *coders])) if default else coders
        name, ok = QInputDialog.getItem(
            self.window, "Blind coding: who are you?",
            "This project is coded blind. Choose your name (or type a new one); it is "
            "remembered for this project:", names, 0, True,
        )  # fmt: skip
        return name.strip() if ok and name.strip() else None

    # --- state ---------------------------------------------------------------------------

    def project_opened(self, project: Project) -> None:
        """Take the project's setting; a blind project asks (once) who is coding."""
        state = blind_state(project)
        if state.on:
            name = remembered_identity(project)
            if not name:
                humans = [c.name for c in list_coders(project) if c.kind == "human"]
                default = state.coder or self.window.coder_name
                name = self.ask_identity(humans, default) or default
                if name:
                    remember_identity(project, name)
            if name:
                self.window.active_coder.set_name(name)
        self._apply(state.on)

    def project_closed(self) -> None:
        self._apply(False)

    def toggled(self, on: bool) -> None:
        """The Blind action: start blind mode, or (after asking) leave it, recorded."""
        project: Project | None = self.window.project
        if on == self.on:
            return
        if project is None:
            self._apply(False)
            return
        who = self.window.coder_name or None
        if refused_lead_work(self.window, "start or leave blind coding for the team"):
            self._apply(not on)  # the check goes back to what the project says
            return
        if on:
            start_blind(project, who)
            if who:
                remember_identity(project, who)
        else:
            if not self.confirm_leave():
                self._apply(True)  # stays blind: put the check back
                return
            end_blind(project, who)
        self._apply(on)

    def _apply(self, on: bool) -> None:
        w = self.window
        self.on = on
        for widget in (w.blind_action, w.blind_box):
            widget.blockSignals(True)
            widget.setChecked(on)
            widget.blockSignals(False)
        w.coder_box.setEnabled(not on)
        w.switch_coder_action.setEnabled(not on)
        w.agreement_hookup.action.setEnabled(not on)
        if on:
            for view in list(w.agreement_hookup.views):
                view.close()
            w.agreement_hookup.views = []
        w.coding.set_blind(on)
        panel = w.suggestions_hookup.panel
        if panel is not None:
            panel.set_blind(on)
        w._update_status_coder()
        w._sync_codebook_counts()
        self.changed.emit(on)
