"""Import into a PostgreSQL project (skipped unless IPRW_TEST_PG_URL names an empty database).

The bulk writer talks to the DB-API directly, so its placeholders and timestamps must suit
psycopg as well as sqlite3.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.coding import list_segments
from app.core.importing import ImportOptions, import_parsed
from app.core.project import create_project
from app.core.utterance_rows import utterance_rows
from app.io.transcript_reader import ReadOptions, read_transcript_file

pytestmark = pytest.mark.postgres

DATA = Path(__file__).resolve().parents[2] / "data" / "import"


def test_coded_table_and_recall_import_on_postgres(pg_url: str) -> None:
    project = create_project(pg_url)
    try:
        read = ReadOptions(
            column_map={"dyad": "session", "utt": "utterance", "who": "speaker", "time": "start",
                        "said": "text"},
            code_columns=["behaviour"],
            coder_column="coder",
        )  # fmt: skip
        path = DATA / "coded.csv"
        report = import_parsed(project, read_transcript_file(path, read), path, ImportOptions())
        assert (report.utterances, report.segments) == (3, 4)
        segments = list_segments(project)
        assert {s.coder_name for s in segments} == {"anna", "ben"}
        assert all(s.created_at.year >= 2024 for s in segments)
        recall = DATA / "recall.txt"
        parsed = read_transcript_file(recall, ReadOptions())
        import_parsed(project, parsed, recall, ImportOptions(session="D1"))
        rows = [r for r in utterance_rows(project, "D1") if r.kind == "recall"]
        assert [(r.session_start_ms, r.session_end_ms) for r in rows][1:3] == [
            (1421000, 1421000),
            (1421000, 1421000),
        ]
    finally:
        project.close()
