"""The window's own commits are not news; anyone else's always are (issue 17).

``SqliteChangeProbe`` absorbs commits made inside ``own_edits`` so an edit does not trigger a
full refresh a second later, and must never swallow another connection's commit - not one made
before ours, nor one that lands between our commit and the probe's look after it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import event

from app.core.codebook import add_scheme, list_codes
from app.core.coding import ApplyCode, TimeAnchor
from app.core.commands import run_do, run_undo
from app.core.live import SqliteChangeProbe, follow_own_edits, own_edits
from app.core.project import Project, create_project
from app.core.sessions import ensure_coder
from app.io.codebook_yaml import resolve_scheme


def _project(tmp_path: Path) -> tuple[Project, ApplyCode]:
    from app.core.sessions import get_or_create_session

    project = create_project(tmp_path / "p.iprw")
    add_scheme(project, resolve_scheme("3rs"))
    coder = ensure_coder(project, "Ana")
    with project.transaction() as s:
        session = get_or_create_session(s, "S1")
        s.flush()
    code = next(c for c in list_codes(project) if c.codable)
    return project, ApplyCode(coder.id, code.id, TimeAnchor(session.id, 0, 1000))


def _someone_else_commits(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("INSERT INTO project_meta(key, value) VALUES ('other', 'x') "
                "ON CONFLICT(key) DO UPDATE SET value = value || 'x'")  # fmt: skip
    con.commit()
    con.close()


def test_own_edits_are_absorbed_and_others_are_not(tmp_path: Path) -> None:
    project, apply = _project(tmp_path)
    assert project.path is not None
    probe = SqliteChangeProbe(project.path, project.engine)
    follow_own_edits(project, probe)
    try:
        assert not probe.changed()
        with own_edits(project):
            run_do(project, apply)
            run_undo(project, apply)
        assert not probe.changed(), "the window's own edit was taken for someone else's"

        run_do(project, apply)  # outside own_edits (e.g. an import): still reported
        assert probe.changed()

        _someone_else_commits(project.path)
        with own_edits(project):
            run_undo(project, apply)
        assert probe.changed(), "a commit made before our edit was swallowed"
        assert not probe.changed()
    finally:
        probe.close()
        project.close()


def test_a_commit_right_after_ours_is_not_swallowed(tmp_path: Path) -> None:
    project, apply = _project(tmp_path)
    assert project.path is not None
    probe = SqliteChangeProbe(project.path, project.engine)
    follow_own_edits(project, probe)
    path = project.path

    def squeeze_in(_dbapi: object, _record: object) -> None:
        _someone_else_commits(path)  # after our COMMIT, before the probe looks again

    event.listen(project.engine.pool, "checkin", squeeze_in, insert=True)
    try:
        with own_edits(project):
            run_do(project, apply)
        assert probe.changed(), "another coder's commit between ours and the look was lost"
    finally:
        event.remove(project.engine.pool, "checkin", squeeze_in)
        probe.close()
        project.close()
