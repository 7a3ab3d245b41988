"""``ipr-workbench audit``: init, import, code, codebook import and merge each leave an entry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import TESTS_DATA

AUDIT_KEYS = {"id", "at", "os_user", "coder", "action", "detail", "db_role"}  # db_role: #15


def test_audit_lists_import_code_merge_with_coder_and_login(
    cli: Any, tmp_path: Path, mini_scheme_path: Path
) -> None:
    p = tmp_path / "p.iprw"
    assert cli("init", str(p), "--scheme", str(mini_scheme_path)).returncode == 0
    r = cli("import", str(p), str(TESTS_DATA / "import" / "brackets.txt"), "--session", "S1")
    assert r.returncode == 0, r.stderr
    copy = tmp_path / "copy.iprw"
    shutil.copy(p, copy)
    code = "Rupture/Withdrawal/Denial"
    r = cli("code", str(copy), "--coder", "Ben", "--code", code, "--session", "S1",
            "--utterance", "1", "--memo", "the client said something private")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert cli("merge", str(p), str(copy)).returncode == 0
    r = cli("audit", str(p), "--json")
    assert r.returncode == 0, r.stderr
    entries = json.loads(r.stdout)
    assert all(set(e) == AUDIT_KEYS for e in entries)
    actions = [e["action"] for e in entries]
    assert actions == ["import", "merge"], actions
    assert "brackets.txt" in entries[0]["detail"] and entries[0]["os_user"]
    ben = json.loads(cli("audit", str(copy), "--json").stdout)
    assert ben[-1]["action"] == "edit" and ben[-1]["coder"] == "Ben"
    assert "Denial" in ben[-1]["detail"] and "private" not in r.stdout + json.dumps(ben)
    text = cli("audit", str(p))
    assert text.returncode == 0 and "merge" in text.stdout and text.stdout.count("\n") == 2


def test_word_report_audit_appendix(cli: Any, tmp_path: Path, mini_scheme_path: Path) -> None:
    from docx import Document

    p = tmp_path / "p.iprw"
    assert cli("init", str(p), "--scheme", str(mini_scheme_path)).returncode == 0
    r = cli("import", str(p), str(TESTS_DATA / "import" / "brackets.txt"), "--session", "S1")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "r.docx"
    r = cli("export", str(p), str(out), "--audit-appendix")
    assert r.returncode == 0, r.stderr
    doc = Document(str(out))
    assert any(par.text == "Appendix: audit log" for par in doc.paragraphs)
    table = doc.tables[-1]
    assert [c.text for c in table.rows[0].cells] == ["When (UTC)", "Coder", "Login", "Action",
                                                     "Detail"]  # fmt: skip
    assert table.rows[1].cells[3].text == "import" and "brackets.txt" in table.rows[1].cells[4].text
    plain = tmp_path / "plain.docx"
    assert cli("export", str(p), str(plain)).returncode == 0
    assert not any(par.text == "Appendix: audit log" for par in Document(str(plain)).paragraphs)
