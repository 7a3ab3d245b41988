"""The Word report prints the agreement warnings (few units, coders left out) under the table."""

from __future__ import annotations

from pathlib import Path


def test_agreement_warnings_are_notes_in_the_word_report(tmp_path: Path) -> None:
    from docx import Document

    from app.agreement.report import report_from_units
    from app.io.report_docx import ReportData, write_report
    from tests.unit.agreement.test_agreement_edge_cases import ISSUE_CONGER, _matrix

    agreement = report_from_units(_matrix(ISSUE_CONGER), resamples=20).to_json_dict()
    assert len(agreement["warnings"]) == 2
    out = tmp_path / "r.docx"
    data = ReportData(project="P", date="2026-01-01", coders=[("c0", 0), ("c1", 0)], codes=[],
                      rows=[], agreement=agreement)  # fmt: skip
    write_report(data, out)
    texts = [p.text for p in Document(str(out)).paragraphs]
    for warning in agreement["warnings"]:
        assert f"Note: {warning}." in texts
