"""Importing a codebook into a project is one undoable edit that never touches existing codes."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.codebook import find_code_by_path, list_codes, list_schemes
from app.core.codebook_import import ImportScheme
from app.core.coding import ApplyCode, TimeAnchor
from app.core.commands import UndoStack
from app.core.dto import CodeSpec, SchemeSpec
from app.core.errors import UserError
from app.core.sessions import ensure_coder, get_or_create_session
from app.io.codebook_yaml import resolve_scheme


def paths(project: Any) -> list[str]:
    return [c.path for c in list_codes(project)]


def test_import_undo_redo_keeps_ids_and_existing_codes(project: Any) -> None:
    before = paths(project)
    existing = find_code_by_path(project, "Rupture/Withdrawal/Minimal response")
    overlap = SchemeSpec(
        name="extra",
        version="2",
        codes=(
            CodeSpec(
                name="Rupture",
                codable=False,
                children=(CodeSpec(name="Withdrawal", children=(CodeSpec(name="Silence"),)),),
            ),
            CodeSpec(name="Hindsight", definition="Looking back."),
        ),
    )
    stack = UndoStack(project)
    command = ImportScheme(overlap)
    stack.push(command)
    assert (command.n_created, command.n_kept) == (2, 2)
    after = paths(project)
    assert "Rupture/Withdrawal/Silence" in after and "Hindsight" in after
    assert find_code_by_path(project, "Rupture/Withdrawal/Minimal response") == existing
    ids = {c.path: c.id for c in list_codes(project)}
    assert "extra" in [s.name for s in list_schemes(project)]
    stack.undo()
    assert paths(project) == before
    assert "extra" not in [s.name for s in list_schemes(project)]
    stack.redo()
    assert {c.path: c.id for c in list_codes(project)} == ids


def test_undo_is_refused_once_imported_codes_were_used(project: Any) -> None:
    stack = UndoStack(project)
    stack.push(ImportScheme(resolve_scheme("ipr-recall")))
    with project.transaction() as s:
        session_id = get_or_create_session(s, "S1").id
    thoughts = find_code_by_path(project, "Inner experience/Thoughts")
    coder = ensure_coder(project, "ana")
    stack.push(ApplyCode(coder.id, thoughts.id, TimeAnchor(session_id, 0, 1000)))
    UndoStack(project).push(ApplyCode(coder.id, thoughts.id, TimeAnchor(session_id, 0, 2000)))
    stack.undo()  # the first segment
    with pytest.raises(UserError, match="have segments"):
        stack.undo()
    assert "Inner experience/Thoughts" in paths(project)
