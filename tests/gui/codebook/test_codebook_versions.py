"""The codebook panel edits from what it shows: a colleague's change made while the edit dialog
was open is kept and the edit refused with one line; the panel's own edits in a row never trip
over their own versions."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDialog

from app.core.codebook import find_code_by_path, get_code
from app.core.codebook_commands import UpdateCode
from app.core.commands import UndoStack
from app.core.project import open_project
from app.ui.codebook import CodebookPanel
from app.ui.codebook.edit_dialog import CodeEditDialog

DENIAL = "Rupture/Withdrawal/Denial"


def test_own_edits_in_a_row_and_a_colleagues_change_during_the_dialog(
    qtbot: Any, project: Any
) -> None:
    panel = CodebookPanel(project, QUndoStack())
    qtbot.addWidget(panel)
    code = find_code_by_path(project, DENIAL)
    assert panel._rename(code.id, "Denial 2") and panel._rename(code.id, "Denial 3")
    panel.select_code(code.id)
    colleague = open_project(project.url)
    try:

        def colleague_edits_meanwhile(dialog: QDialog) -> int:
            assert isinstance(dialog, CodeEditDialog)
            UndoStack(colleague).push(UpdateCode(code.id, definition="the colleague's words"))
            dialog.definition.setPlainText("my words")
            dialog.accept()
            return int(dialog.result())

        panel._exec = colleague_edits_meanwhile  # type: ignore[method-assign]
        assert not panel.edit_current()
    finally:
        colleague.close()
    assert get_code(project, code.id).definition == "the colleague's words"
    message = panel.status.text()
    assert "changed by someone else since you saw it" in message and "\n" not in message
    shown = panel.model.code(code.id)  # the panel re-read the codebook: it shows their change
    assert shown is not None and shown.definition == "the colleague's words"
    panel.select_code(code.id)

    def mine(dialog: QDialog) -> int:
        assert isinstance(dialog, CodeEditDialog)
        dialog.definition.setPlainText("my words")
        dialog.accept()
        return int(dialog.result())

    panel._exec = mine  # type: ignore[method-assign]
    assert panel.edit_current()
    assert get_code(project, code.id).definition == "my words"
