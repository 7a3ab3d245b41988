"""Who is coding: the active coder, the coder toolbar's list and the status line (a mixin of
``MainWindow``).

The active coder has one source of truth (``ActiveCoder``); everything here follows it: the
toolbar box, the coding controller, the audit log's actor, the codebook and navigator counts.
Blind coding locks it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog

from app.ui import settings


class CoderActions:
    """The coder-related slots of the window it is mixed into."""

    active_coder: Any
    blind: Any
    blind_action: Any
    coder_box: Any
    coding: Any
    consensus_action: Any
    consensus_box: Any
    codebook_hookup: Any
    navigator: Any
    project: Any
    status_coder: Any

    def ask_coder_name(self) -> str | None:
        """Ask who is coding (first run, or Coding > Switch coder); remembered per user."""
        name, ok = QInputDialog.getText(
            self, "Who is coding?", "Your name as a coder (segments are saved under it):",
            text=self.coder_name,
        )  # fmt: skip
        if ok and name.strip():
            self.set_coder(name.strip())
            return name.strip()
        return None

    def ensure_coder_name(self) -> None:
        if not settings.coder_name():
            self.ask_coder_name()

    def set_coder(self, name: str) -> bool:
        """Switch the active coder (the toolbar box, Coding > Switch coder); refused while the
        project is coded blind (leaving blind mode unlocks it)."""
        if self.blind.on and name.strip() != self.coder_name:
            self.report("Blind coding: leave blind mode (Coding > Blind coding) to switch coder")
            self._fill_coders()
            return False
        self.active_coder.set_name(name)
        return True

    def _active_coder_changed(self, name: str) -> None:
        settings.set_coder_name(name)
        if self.project is not None:
            self.project.actor = name or None  # audit entries name the active coder
        self.coding.set_coder(name)
        self._fill_coders()
        self._update_status_coder()
        self._sync_codebook_counts()

    def _coder_chosen(self, index: int) -> None:
        name = self.coder_box.itemData(index)
        if name is None:
            self.ask_coder_name()
            self._fill_coders()
        elif name != self.coder_name:
            self.set_coder(str(name))

    def _fill_coders(self) -> None:
        self.coder_box.blockSignals(True)
        self.coder_box.clear()
        humans = [c.name for c in self.coding.coders if c.kind == "human"]
        if self.coder_name and self.coder_name not in humans:
            humans.append(self.coder_name)
        for name in sorted(humans, key=str.casefold):
            self.coder_box.addItem(name, name)
        self.coder_box.addItem("New coder…", None)
        self.coder_box.setCurrentIndex(max(0, self.coder_box.findData(self.coder_name)))
        self.coder_box.blockSignals(False)
        has_consensus = bool(self.coding.consensus_coders())
        self.consensus_action.setEnabled(has_consensus)
        self.consensus_box.setEnabled(has_consensus)
        self._update_status_coder()

    def _prepare_copies(self) -> None:
        from app.ui.coder_copies import prepare_coder_copies

        prepare_coder_copies(self)

    def _toggle_consensus(self, on: bool) -> None:
        self.coding.set_show_consensus(on)

    def _sync_codebook_counts(self) -> None:
        panel = self.codebook_hookup.panel
        if panel is not None:
            panel.set_coder(self._blind_coder_id())
        if self.project is not None:  # whose segments count changed: every label
            self.navigator.update_counts(self.project, self._blind_coder_id())

    def _update_status_coder(self) -> None:
        mode = "blind" if self.blind_action.isChecked() else "all coders shown"
        self.status_coder.setText(f"Coder: <b>{self.coder_name or '—'}</b> ({mode})")
