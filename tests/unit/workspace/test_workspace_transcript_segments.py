"""The transcript view's fast segment read gives exactly what ``list_segments`` gives."""

from __future__ import annotations

from pathlib import Path

from app.core.codebook import list_codes
from app.core.coding import list_segments
from app.core.project import open_project
from app.core.sessions import list_transcripts
from app.core.transcript_segments import transcript_segments
from app.io.demo import build_demo


def test_same_records_as_list_segments(tmp_path: Path) -> None:
    with open_project(build_demo(tmp_path)) as project:
        paths = {c.id: c.path for c in list_codes(project)}
        for t in list_transcripts(project):
            expected = list_segments(project, transcript_id=t.id)
            assert transcript_segments(project, t.id, paths) == expected
            assert transcript_segments(project, t.id) == expected
            assert expected
