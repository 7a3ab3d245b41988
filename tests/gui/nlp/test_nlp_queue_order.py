"""Working the queue: pending suggestions by best score or by uncertainty; each says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from app.core.codebook import list_codes
from app.core.sessions import list_transcripts
from app.core.suggestions import NewSuggestion, load_units, replace_pending
from app.ui.suggestions.panel import SuggestionsPanel


def _project_with_suggestions(project: Any) -> int:
    from app.core.importing import ImportOptions, import_parsed
    from app.io.parsed import ParsedFile, ParsedTranscript, ParsedUtterance

    texts = ["What brings you here?", "I don't know.", "So you feel stuck.", "Whatever."]
    utts = [
        ParsedUtterance("T" if i % 2 == 0 else "C", t, i * 1000, i * 1000 + 900,
                        codings=[("gold", ("MI", "question"))] if i == 0 else [])
        for i, t in enumerate(texts)
    ]  # fmt: skip
    import_parsed(
        project,
        ParsedFile("csv", [ParsedTranscript(utts, session="S0", name="S0")]),
        Path("t.csv"),
        ImportOptions(),
    )
    code = {c.path: c.id for c in list_codes(project)}["MI/question"]
    tid = list_transcripts(project)[0].id
    scores = [0.95, 0.52, 0.25, 0.70]
    replace_pending(
        project,
        [tid],
        [code],
        [
            NewSuggestion(tid, code, u.start_char, u.end_char, sc, "model", f'model: "w{i}"')
            for i, (u, sc) in enumerate(zip(load_units(project), scores, strict=True))
        ],
    )
    return tid


def test_order_by_uncertainty_or_score_and_show_why(project: Any, qtbot: Any) -> None:
    tid = _project_with_suggestions(project)
    panel = SuggestionsPanel(project, QUndoStack(), "alice")
    qtbot.addWidget(panel)
    panel.set_transcript(tid)

    def scores() -> list[float]:
        return [panel.model.suggestion(r).score for r in range(panel.model.rowCount())]

    assert scores() == [0.95, 0.70, 0.52, 0.25]
    panel.order.setCurrentIndex(panel.order.findData("uncertainty"))
    assert scores() == [0.52, 0.70, 0.25, 0.95]  # closest to 0.5 first
    panel.reload()  # the order survives a reload
    assert scores() == [0.52, 0.70, 0.25, 0.95]
    why = panel.model.index(0, 5)
    assert panel.model.data(why) == 'model: "w1"'
    assert 'Why: model: "w1"' in panel.model.data(why, Qt.ItemDataRole.ToolTipRole)
    panel.order.setCurrentIndex(panel.order.findData("score"))
    assert scores()[0] == 0.95
    panel.resize(900, 300)
    panel.show()
    panel.grab().save("/tmp/i16_queue.png")
