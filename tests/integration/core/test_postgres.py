"""The same project on a PostgreSQL team server (skipped unless IPRW_TEST_PG_URL is set).

CI starts a local PostgreSQL and sets ``IPRW_TEST_PG_URL`` to an empty database on loopback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.core.codebook import add_scheme, find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, list_segments
from app.core.commands import UndoStack
from app.core.errors import ProjectError
from app.core.integrity import check_project, project_info
from app.core.models import Session as SessionRow
from app.core.models import Transcript, Utterance
from app.core.project import create_project, open_project
from app.core.sessions import ensure_coder
from app.core.transfer import copy_project
from app.io.codebook_yaml import load_scheme

pytestmark = pytest.mark.postgres


def test_project_lives_on_postgres_and_copies_both_ways(
    pg_url: str, tmp_path: Path, mini_scheme_path: Path
) -> None:
    src = create_project(tmp_path / "local.iprw")
    add_scheme(src, load_scheme(mini_scheme_path))
    with src.transaction() as s:
        session = SessionRow(name="S1")
        s.add(session)
        s.flush()
        t = Transcript(session_id=session.id, name="S1", text="C: Fine. 😊 Café")
        s.add(t)
        s.flush()
        s.add(Utterance(transcript_id=t.id, ordinal=1, speaker="C", role="client",
                        start_char=0, end_char=15, start_ms=0, end_ms=900))  # fmt: skip
        tid = t.id
    coder = ensure_coder(src, "Ana")
    code = find_code_by_path(src, "Rupture/Withdrawal/Minimal response")
    UndoStack(src).push(ApplyCode(coder.id, code.id, TextAnchor(tid, 3, 15), memo="café ☕"))
    src.close()

    copy_project(tmp_path / "local.iprw", pg_url)
    with open_project(pg_url) as pg:
        assert "iprw:" not in pg.location or "***" in pg.location
        assert check_project(pg).ok
        info = project_info(pg)
        assert info["segments"] == 1 and info["codes"] == 8
        [seg] = list_segments(pg)
        assert (seg.memo, seg.start_char, seg.end_char) == ("café ☕", 3, 15)
        # New rows after a copy get fresh ids (sequences were moved past the copied ids).
        UndoStack(pg).push(
            ApplyCode(seg.coder_id, seg.code_id, TextAnchor(seg.transcript_id or 0, 0, 2))
        )
    with pytest.raises(ProjectError, match="holds a project already"):
        create_project(pg_url)
    copy_project(pg_url, tmp_path / "back.iprw")
    with open_project(tmp_path / "back.iprw") as back:
        assert project_info(back)["segments"] == 2


def test_cli_init_and_info_on_postgres(pg_url: str, cli: Any, mini_scheme_path: Path) -> None:
    result = cli("init", pg_url, "--scheme", str(mini_scheme_path))
    assert result.returncode == 0, result.stderr
    assert ":iprw@" not in result.stdout
    assert cli("check", pg_url).returncode == 0
