"""A coding edit validates its span without reading the transcript's text again (issue 17).

The exact length is measured once per transcript and project, then remembered under the
transcript's id and guid. Counted, not timed: the statements that measure a text. On both
backends (the ``project`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, update

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, EditSegment, TextAnchor
from app.core.commands import UndoStack
from app.core.errors import UserError
from app.core.models import Session as SessionRow
from app.core.models import Transcript, new_guid
from app.core.project import Project, open_project
from app.core.sessions import ensure_coder

TEXT = "T: Hello there.\nC: Fine, I guess.\nT: Say more?"


def _transcript(project: Project, text: str = TEXT) -> int:
    with project.transaction() as s:
        session = SessionRow(name="S1")
        s.add(session)
        s.flush()
        t = Transcript(session_id=session.id, name="S1", text=text)
        s.add(t)
        s.flush()
        return t.id


class Measures:
    """Counts the statements that compute a text's length."""

    def __init__(self, project: Project) -> None:
        self.n = 0
        event.listen(project.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "length(" in statement.lower():
            self.n += 1


def test_the_text_is_measured_once_per_transcript(project: Project) -> None:
    tid = _transcript(project)
    code = find_code_by_path(project, "Rupture/Withdrawal/Minimal response").id
    ana = ensure_coder(project, "Ana").id
    measures = Measures(project)
    stack = UndoStack(project)
    first = ApplyCode(ana, code, TextAnchor(tid, 0, 5))
    stack.push(first)
    assert measures.n == 1
    for start in (3, 6, 9):
        stack.push(ApplyCode(ana, code, TextAnchor(tid, start, start + 4)))
    assert first.segment_id is not None
    stack.push(EditSegment(first.segment_id, start_char=1, end_char=len(TEXT)))  # a resize
    stack.undo()
    stack.redo()
    assert measures.n == 1, "the transcript's text was read again to validate a span"
    # The remembered length still refuses a span past the text.
    with pytest.raises(UserError, match=f"outside the transcript \\(0-{len(TEXT)}\\)"):
        stack.push(ApplyCode(ana, code, TextAnchor(tid, 2, len(TEXT) + 1)))
    # Another project object (another window, the command line) measures for itself.
    other = open_project(project.url)
    try:
        other_measures = Measures(other)
        UndoStack(other).push(ApplyCode(ana, code, TextAnchor(tid, 0, 2)))
        assert other_measures.n == 1
    finally:
        other.close()


def test_a_transcript_under_a_new_guid_is_measured_again(project: Project) -> None:
    """A transcript deleted and imported again can get the same id (SQLite reuses the
    largest rowid), never the same guid: its text is measured afresh."""
    tid = _transcript(project)
    code = find_code_by_path(project, "Rupture/Withdrawal/Minimal response").id
    ana = ensure_coder(project, "Ana").id
    stack = UndoStack(project)
    stack.push(ApplyCode(ana, code, TextAnchor(tid, 0, len(TEXT))))
    stack.undo()
    with project.transaction() as s:  # the same id with another guid and a shorter text
        s.execute(update(Transcript).where(Transcript.id == tid).values(
            guid=new_guid(), text="T: Hi."))  # fmt: skip
    with pytest.raises(UserError, match="outside the transcript \\(0-6\\)"):
        stack.push(ApplyCode(ana, code, TextAnchor(tid, 0, len(TEXT))))
    stack.push(ApplyCode(ana, code, TextAnchor(tid, 0, 6)))
