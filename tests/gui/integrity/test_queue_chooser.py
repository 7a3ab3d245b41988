"""The disagreement queue reaches every coder's version, also beyond the nine number keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QUndoStack

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, list_segments
from app.core.commands import UndoStack
from app.core.importing import ImportOptions, import_parsed
from app.core.project import Project
from app.core.sessions import ensure_coder, list_transcripts, list_utterances
from app.io.transcript_reader import ReadOptions, read_transcript_file
from app.ui.agreement.window import ComparisonWindow

MR = "Rupture/Withdrawal/Minimal response"
DENIAL = "Rupture/Withdrawal/Denial"


def test_tenth_coders_version_can_be_taken(qtbot: Any, project: Project, tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("[00:00:00] T: How are things?\n[00:00:10] C: Fine.\n", encoding="utf-8")
    import_parsed(project, read_transcript_file(path, ReadOptions()), path,
                  ImportOptions(session="S1"))  # fmt: skip
    tid = list_transcripts(project)[0].id
    fine = list_utterances(project, tid)[1]
    mr, denial = find_code_by_path(project, MR).id, find_code_by_path(project, DENIAL).id
    coders = [f"coder{i:02d}" for i in range(1, 11)]
    stack = UndoStack(project)
    for name in coders:
        code = denial if name == "coder10" else mr
        cid = ensure_coder(project, name).id
        stack.push(ApplyCode(cid, code, TextAnchor(tid, fine.start_char, fine.end_char)))
    win = ComparisonWindow(project, QUndoStack())
    qtbot.addWidget(win)
    assert win.chosen_coders() == coders  # all ten preselected: each has segments
    with qtbot.waitSignal(win.computed, timeout=30000):
        win.compute()
    panel = win.adjudication
    assert len(panel.coder_buttons) == 9 and panel.chooser.isVisibleTo(panel)
    assert panel.chooser.count() == 11  # the prompt, then every coder
    panel.view.setCurrentIndex(panel.model.index(0, 0))
    index = panel.chooser.findData(9)
    assert panel.chooser.itemText(index) == "10. coder10"
    with qtbot.waitSignal(panel.decided):
        panel.chooser.activated.emit(index)
    consensus = [s for s in list_segments(project) if s.coder_name == "Consensus"]
    assert [s.code_path for s in consensus] == [DENIAL]
