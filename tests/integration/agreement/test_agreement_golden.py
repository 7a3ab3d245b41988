"""The project path of ``agreement`` gives exactly the JSON it gave before issue 17's rewrite.

``golden_project.build`` makes a fixed, seeded project (text and time segments, partial and
cross-turn spans, overlapping same-code segments, ratings, a coder missing from some sessions, a
session without a clock); ``agreement_golden.json`` holds every case's JSON from the code before
the reading and unit building were vectorised. Equality is exact: floats compare by value.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.agreement.golden_project import CASES, GOLDEN, build, reports


@pytest.fixture
def golden_project(project_target: str, tmp_path: Path) -> str:
    build(project_target, tmp_path)
    return project_target


def test_project_path_gives_the_pinned_json(golden_project: str) -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(reports(golden_project)))  # tuples -> lists, as in the file
    assert sorted(got) == sorted(label for label, *_ in CASES)
    for label in expected:
        assert got[label] == expected[label], label


def test_segment_columns_read_like_segment_spans(golden_project: str) -> None:
    """Same rows in the same order (the sort moved from SQL to NumPy; NULLs order by backend)."""
    from app.core.project import open_project
    from app.core.segment_spans import segment_spans
    from app.core.span_arrays import segment_arrays

    project = open_project(golden_project)
    try:
        spans = segment_spans(project)
        assert any(s.transcript_id is None for s in spans)  # time segments among text ones
        assert segment_arrays(project).to_spans() == spans
        some = segment_spans(project, session_ids=[1, 3], coder_ids=[2, 3])
        assert segment_arrays(project, session_ids=[1, 3], coder_ids=[2, 3]).to_spans() == some
    finally:
        project.close()
