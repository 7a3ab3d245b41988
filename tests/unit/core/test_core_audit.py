"""The audit log: every edit, undo, import and merge leaves one entry with coder and login."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.audit import audited, count_audit, os_user, read_audit, record
from app.core.codebook import list_codes
from app.core.coding import ApplyCode, TextAnchor
from app.core.commands import UndoStack
from app.core.errors import UserError
from app.core.sessions import ensure_coder
from tests.unit.core.test_core_commands import add_transcript


def test_edit_undo_redo_each_record_coder_login_and_command(project: Any) -> None:
    _, tid = add_transcript(project)
    code = next(c for c in list_codes(project) if c.codable)
    project.actor = "Ana"
    coder = ensure_coder(project, "Ana")
    stack = UndoStack(project)
    before = count_audit(project)
    stack.push(ApplyCode(coder.id, code.id, TextAnchor(tid, 0, 5), memo="secret memo words"))
    stack.undo()
    stack.redo()
    entries = read_audit(project)[before:]
    assert [e.action for e in entries] == ["edit", "undo", "redo"]
    assert all(e.coder == "Ana" and e.os_user == os_user() for e in entries)
    assert all(code.name in e.detail for e in entries)
    assert not any("secret" in e.detail for e in entries)  # memo text never logged


def test_refused_edit_logs_nothing(project: Any) -> None:
    before = count_audit(project)

    class Refused(ApplyCode):
        def do(self, project: Any) -> None:
            with project.transaction() as s:
                s.execute(__import__("sqlalchemy").text("SELECT 1"))
                raise UserError("no")

    with pytest.raises(UserError):
        UndoStack(project).push(Refused(1, 1, TextAnchor(1, 0, 1)))
    assert count_audit(project) == before


def test_audited_block_writes_one_entry_with_the_change(project: Any) -> None:
    before = count_audit(project)
    with audited(project, "blind mode", "on for Ana", coder="lead"):
        project.set_meta("blind", "1")
        project.set_meta("blind_by", "lead")  # a second transaction adds no second entry
    entries = read_audit(project)[before:]
    assert [(e.action, e.detail, e.coder) for e in entries] == [
        ("blind mode", "on for Ana", "lead")
    ]


def test_read_audit_last_n_in_time_order(project: Any) -> None:
    for i in range(5):
        record(project, "edit", f"n{i}")
    assert [e.detail for e in read_audit(project, limit=2)] == ["n3", "n4"]
    assert [e.detail for e in read_audit(project, limit=2, newest_first=True)] == ["n4", "n3"]
    assert read_audit(project)[-1].to_json()["at"].endswith("Z")
