"""REFI-QDA import and export against a PostgreSQL team server (skipped without one).

Set ``IPRW_TEST_PG_URL`` to an empty database on loopback (CI does).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.coding import list_segments
from app.core.project import create_project
from app.io.refi.qdpx_export import export_qdpx
from app.io.refi.qdpx_import import import_qdpx

pytestmark = pytest.mark.postgres


def test_qualcoder_import_and_round_trip_on_postgres(
    pg_url: str, tmp_path: Path, shared_data: Path
) -> None:
    project = create_project(pg_url)
    try:
        report = import_qdpx(project, shared_data / "real-files" / "qcgen_interviews_demo.qdpx")
        assert report.text_segments == 10
        # QualCoder dates its selections, not its codings: the selection's date is kept
        assert {g.created_at.isoformat() for g in list_segments(project)} == {"2026-01-15T10:00:00"}
        out = tmp_path / "pg.qdpx"
        assert export_qdpx(project, out).text_segments == 10
        before = {
            (g.code_path, g.coder_name, g.start_char, g.end_char, g.created_at)
            for g in list_segments(project)
        }
    finally:
        project.close()
    local = create_project(tmp_path / "back.iprw")
    try:
        import_qdpx(local, out)
        after = {
            (g.code_path, g.coder_name, g.start_char, g.end_char, g.created_at)
            for g in list_segments(local)
        }
        assert after == before
    finally:
        local.close()
