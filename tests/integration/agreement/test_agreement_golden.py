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
