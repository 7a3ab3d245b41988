"""Schema 4 drops the mirrored "suggester" coder: its segments were copies of suggestions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from app.core.project import _alembic_config, create_project, open_project


def test_mirrored_suggester_segments_and_coder_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "old.iprw"
    with create_project(path) as project, project.engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003_audit_log")
    con = sqlite3.connect(path)
    con.executescript(
        """
        INSERT INTO coder (id, guid, name, kind, created_at) VALUES
            (1, 'g1', 'Ana', 'human', '2026-01-01'), (2, 'g2', 'suggester', 'suggester',
            '2026-01-01');
        INSERT INTO session (id, guid, name, notes, created_at) VALUES (1, 's', 'S1', '', '2026');
        INSERT INTO transcript (id, guid, session_id, name, kind, text, created_at)
            VALUES (1, 't', 1, 'S1', 'session', 'C: Fine. I guess.', '2026');
        INSERT INTO code (id, guid, position, name, definition, include, exclude, examples,
            color, shortcut, codable, patterns)
            VALUES (1, 'c', 0, 'Denial', '', '', '', '[]', '#808080', '', 1, '[]');
        INSERT INTO segment (id, guid, code_id, coder_id, session_id, transcript_id, start_char,
            end_char, memo, origin, created_at, updated_at) VALUES
            (1, 'a', 1, 1, 1, 1, 3, 8, 'mine', 'manual', '2026', '2026'),
            (2, 'b', 1, 2, 1, 1, 9, 17, 'rule score 0.80', 'suggestion', '2026', '2026');
        INSERT INTO suggestion (id, transcript_id, code_id, start_char, end_char, score, origin,
            status, created_at) VALUES (1, 1, 1, 9, 17, 0.8, 'rule', 'pending', '2026');
        """
    )
    con.commit()
    con.close()
    with open_project(path):
        pass
    con = sqlite3.connect(path)
    assert con.execute("SELECT name, kind FROM coder").fetchall() == [("Ana", "human")]
    assert con.execute("SELECT id, memo FROM segment").fetchall() == [(1, "mine")]
    assert con.execute("SELECT id, status FROM suggestion").fetchall() == [(1, "pending")]
    con.close()
