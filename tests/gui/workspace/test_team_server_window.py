"""A coder's window on a team server: codes as their role, cannot change a colleague's coding,
and sees the colleague's edits arrive live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, list_segments
from app.core.commands import UndoStack
from app.core.sessions import get_coder
from app.ui.main_window import MainWindow
from tests.integration.team.test_team_rights import team  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.postgres,
]
CODE = "Rupture/Withdrawal/Minimal response"


def test_coder_window_on_a_team_server(
    qtbot: Any,
    team: dict[str, Any],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    names = team["names"]
    ben = team["ben"]
    code = find_code_by_path(ben, CODE).id
    bens = UndoStack(ben).push(
        ApplyCode(get_coder(ben, names["ben"]).id, code, TextAnchor(1, 0, 5))
    )
    win = MainWindow()
    qtbot.addWidget(win)
    win.active_coder.set_name("Someone else")  # whatever was chosen, a coder codes as their role
    win.open_project(team["urls"]["ana"])
    assert win.coder_name == names["ana"] and win.coding.coder_name == names["ana"]
    assert win.coding.rights is not None and win.coding.rights.enforced
    win.blind_action.setChecked(False)
    win.show_transcript(1)
    assert win.live.wait_listening()
    messages: list[str] = []
    win.coding.report = messages.append
    win.coding.panel.removeRequested.emit(bens.segment_id)
    assert "the server refuses it" in messages[-1]
    win.transcript_view.select_span(6, 12)
    assert win.coding.apply_code(code) is not None  # her own coding: fine
    with qtbot.waitSignal(win.live.refreshed, timeout=10_000):
        more = UndoStack(ben).push(
            ApplyCode(get_coder(ben, names["ben"]).id, code, TextAnchor(1, 13, 20))
        )
    assert more.segment_id in {s.id for s in win.coding.segments}
    owners = {s.coder_name for s in list_segments(team["owner"])}
    assert owners == {names["ana"], names["ben"]}
    listener = win.live._listener
    assert listener is not None and listener.running
    project = win.project
    win.close()
    # Closing the window ends the listener thread (and its connection) and the project's pool
    # before it returns; the GUI conftest also checks no connection of this test is left open.
    assert not listener.running and project is not None and project.closed
