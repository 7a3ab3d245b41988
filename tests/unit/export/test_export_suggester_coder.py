"""The "suggester" coder mirrors model output; it never exports as coding unless named."""

from __future__ import annotations

from typing import Any

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor
from app.core.commands import UndoStack
from app.core.models import Session as SessionRow
from app.core.models import Transcript
from app.core.sessions import ensure_coder
from app.io.segment_query import ExportFilter, export_table


def test_suggester_segments_are_not_exported_as_coding(project: Any) -> None:
    with project.transaction() as s:
        session = SessionRow(name="S1")
        s.add(session)
        s.flush()
        t = Transcript(session_id=session.id, name="S1", text="C: Fine. I guess.")
        s.add(t)
        s.flush()
        tid = t.id
    code = find_code_by_path(project, "Rupture/Withdrawal/Minimal response")
    ana = ensure_coder(project, "Ana")
    machine = ensure_coder(project, "suggester", kind="suggester")
    stack = UndoStack(project)
    stack.push(ApplyCode(ana.id, code.id, TextAnchor(tid, 3, 8)))
    stack.push(ApplyCode(machine.id, code.id, TextAnchor(tid, 9, 17)))
    default = export_table(project, ExportFilter())
    assert [row.coder for row in default.rows] == ["Ana"]
    named = export_table(project, ExportFilter(coders=["suggester"]))
    assert [row.coder for row in named.rows] == ["suggester"]
