"""The leftover-journal check (``app.core.safe_open``) refuses a journal whose replay leaves
utterances or segments ending past their transcript's text, measured in code points also past a
NUL (SQLite's ``length()`` stops there; a sound file holding one must still open)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.errors import ProjectError
from app.core.project import open_project
from app.core.safe_open import project_invariants, verify_pending_journal
from tests.integration.reliability.conftest import fingerprint

LEAVE_WAL = r"""
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute(sys.argv[2])
con.commit()
os._exit(0)  # killed before any checkpoint: the log stays next to the file
"""


def _verdict(path: Path, *statements: tuple[str, tuple[object, ...]]) -> tuple[bool, str]:
    con = sqlite3.connect(path)
    try:
        for sql, params in statements:
            con.execute(sql, params)
        con.commit()
        verdict = project_invariants(con)
    finally:
        con.close()
    return verdict.ok, verdict.reason


def _text(path: Path) -> tuple[int, str]:
    con = sqlite3.connect(path)
    try:
        tid, text = con.execute("SELECT id, text FROM transcript ORDER BY id").fetchone()
    finally:
        con.close()
    return int(tid), str(text)


def test_spans_past_the_text_are_refused_and_a_nul_is_measured_past(made: Path) -> None:
    open_project(made).close()  # checkpointed: the file alone holds the project
    assert _verdict(made) == (True, "")
    tid, text = _text(made)
    with_nul = text[:3] + "\x00" + text[4:]  # same length in code points
    sound = ("UPDATE transcript SET text = ? WHERE id = ?", (with_nul, tid))
    assert _verdict(made, sound) == (True, "")  # every span still inside: not refused
    past = ("UPDATE utterance SET end_char = ? WHERE id = (SELECT max(id) FROM utterance "
            "WHERE transcript_id = ?)", (len(text) + 1, tid))  # fmt: skip
    ok, reason = _verdict(made, past)
    assert not ok and reason == "1 spans end past their transcript's text"
    ok, reason = _verdict(made, ("UPDATE utterance SET end_char = ? WHERE id = (SELECT max(id) "
                                 "FROM utterance WHERE transcript_id = ?)", (len(text), tid)),
                          ("UPDATE segment SET end_char = ? WHERE transcript_id = ?",
                           (len(text) + 7, tid)))  # fmt: skip
    assert not ok and "spans end past their transcript's text" in reason


def test_a_leftover_journal_that_cuts_the_text_is_refused_and_nothing_changes(made: Path) -> None:
    open_project(made).close()
    tid, text = _text(made)
    cut = text[: len(text) // 2].replace("'", "''")
    sql = f"UPDATE transcript SET text = '{cut}' WHERE id = {tid}"
    subprocess.run([sys.executable, "-c", LEAVE_WAL, str(made), sql], check=True)
    wal = made.with_name(made.name + "-wal")
    assert wal.stat().st_size > 0
    before = fingerprint(made, wal)
    with pytest.raises(ProjectError, match="spans end past their transcript's text"):
        verify_pending_journal(made)
    with pytest.raises(ProjectError, match="nothing was changed"):
        open_project(made)
    assert fingerprint(made, wal) == before
