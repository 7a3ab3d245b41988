"""``agreement --unit window:SECONDS --json`` carries the six ICC forms where windows are rated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TimeAnchor
from app.core.commands import UndoStack
from app.core.importing import ImportOptions, import_parsed
from app.core.project import Project
from app.core.sessions import ensure_coder, list_sessions
from app.io.transcript_reader import ReadOptions, read_transcript_file

MR = "Rupture/Withdrawal/Minimal response"
DENIAL = "Rupture/Withdrawal/Denial"
RATINGS = {
    MR: {"A": [1, 3, 5, 4, 2, None, 3], "B": [2, 3, 5, 5, 1, 2, 3]},
    DENIAL: {"A": [2, 4, None, 1], "B": [2, 5, 3, 1]},
}


def _rated_project(project: Project, tmp_path: Path) -> None:
    src = tmp_path / "S1.txt"
    src.write_text("[00:00:00] T: Hello.\n[00:34:00] C: Bye.\n", encoding="utf-8")
    import_parsed(project, read_transcript_file(src, ReadOptions()), src,
                  ImportOptions(session="S1"))  # fmt: skip
    sid = next(s.id for s in list_sessions(project) if s.name == "S1")
    stack = UndoStack(project)
    for path, by_coder in RATINGS.items():
        code = find_code_by_path(project, path).id
        for coder, values in by_coder.items():
            cid = ensure_coder(project, coder).id
            for k, r in enumerate(values):
                anchor = TimeAnchor(sid, k * 300_000, (k + 1) * 300_000)
                stack.push(ApplyCode(cid, code, anchor, rating=r))


def test_cli_prints_icc_with_six_forms_and_intervals(project: Project, tmp_path: Path,
                                                     cli: Any) -> None:  # fmt: skip
    _rated_project(project, tmp_path)
    path = project.url  # a file or a server project (the CLI takes either)
    project.close()
    res = cli("agreement", str(path), "--coders", "A,B", "--unit", "window:300", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    forms = ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)")
    icc = doc["overall"]["icc"]
    assert set(icc) == set(forms)
    for form in forms:
        lo, hi = icc[form]["ci95"]
        assert lo < icc[form]["value"] < hi
    per = {c["code"]: c for c in doc["per_code"]}
    assert set(per[MR]["icc"]) == set(forms)
    assert set(per[DENIAL]["icc"]) == set(forms)
    # Pooled = 6 MR windows + 3 denial windows that both coders rated.
    assert doc["icc_info"]["n_units"] == 9
    assert any("only 3 units" in w for w in doc["warnings"])
    # The text table shows the same block.
    text = cli("agreement", str(path), "--coders", "A,B", "--unit", "window:300")
    assert "ICC(2,1)" in text.stdout and "absolute agreement" in text.stdout


def test_no_ratings_no_icc(project: Project, tmp_path: Path, cli: Any) -> None:
    src = tmp_path / "S1.txt"
    src.write_text("[00:00:00] T: Hello.\n[00:10:00] C: Bye.\n", encoding="utf-8")
    import_parsed(project, read_transcript_file(src, ReadOptions()), src,
                  ImportOptions(session="S1"))  # fmt: skip
    sid = next(s.id for s in list_sessions(project) if s.name == "S1")
    code = find_code_by_path(project, MR).id
    for coder in ("A", "B"):
        UndoStack(project).push(ApplyCode(ensure_coder(project, coder).id, code,
                                          TimeAnchor(sid, 0, 300_000)))  # fmt: skip
    path = project.url  # a file or a server project (the CLI takes either)
    project.close()
    doc = json.loads(cli("agreement", str(path), "--coders", "A,B", "--unit", "window:300",
                         "--json").stdout)  # fmt: skip
    assert "icc" not in doc["overall"]
    assert all("icc" not in c for c in doc["per_code"])


def test_word_report_has_the_icc_table(project: Project, tmp_path: Path, cli: Any) -> None:
    from docx import Document

    _rated_project(project, tmp_path)
    path = project.url  # a file or a server project (the CLI takes either)
    project.close()
    out = tmp_path / "report.docx"
    res = cli("export", str(path), str(out))
    assert res.returncode == 0, res.stderr
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "intraclass correlations over 9 window-code cells" in text
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert {"ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"} <= cells
