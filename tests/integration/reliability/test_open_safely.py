"""Opening never destroys a project: foreign journals, empty or foreign files, read-only use."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.integration.reliability.conftest import (
    copy_into,
    fingerprint,
    make_project,
    one_clean_line,
    seal,
)

READ_ONLY_COMMANDS = [
    ["info", "{p}", "--json"],
    ["check", "{p}"],
    ["utterances", "{p}", "--json"],
    ["audit", "{p}"],
    ["export", "{p}", "{out}.csv"],
    ["export", "{p}", "{out}.docx"],
    ["export", "{p}", "{out}.xlsx"],
    ["export", "{p}", "{out}.qdpx"],
    ["agreement", "{p}", "--coders", "Ana,Ben", "--unit", "utterance", "--json"],
]

LEAVE_WAL = r"""
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA wal_autocheckpoint=0")
for i in range(200):
    con.execute("INSERT INTO project_meta(key, value) VALUES (?, ?)", (f"k{i}", "x" * 3000))
    con.commit()
os._exit(0)  # killed before any checkpoint: the log stays next to the file
"""


def leave_wal(project: Path) -> Path:
    subprocess.run([sys.executable, "-c", LEAVE_WAL, str(project)], check=True)
    wal = project.with_name(project.name + "-wal")
    assert wal.stat().st_size > 100_000
    return wal


def test_foreign_wal_is_refused_and_both_files_stay_byte_identical(
    cli: Any, tmp_path: Path, made: Path, mini_scheme_path: Path
) -> None:
    other = make_project(tmp_path / "b.iprw", mini_scheme_path)
    wal = leave_wal(other)
    foreign = made.with_name(made.name + "-wal")
    foreign.write_bytes(wal.read_bytes())
    before = fingerprint(made, foreign)
    for command in (["info", str(made)], ["check", str(made)],
                    ["code", str(made), "--coder", "X", "--code", "Rupture/Withdrawal/Denial",
                     "--session", "S1", "--utterance", "1"]):  # fmt: skip
        line = one_clean_line(cli(*command))
        assert "journal" in line and "nothing was changed" in line and str(made) in line
        assert fingerprint(made, foreign) == before
    foreign.rename(tmp_path / "moved-away.wal")  # what the message advises
    info = cli("info", str(made), "--json")
    assert info.returncode == 0 and json.loads(info.stdout)["segments"] == 2


def test_own_leftover_wal_is_replayed_after_verification(cli: Any, made: Path) -> None:
    leave_wal(made)
    r = cli("code", str(made), "--coder", "Ben", "--code", "Rupture/Withdrawal/Denial",
            "--session", "S1", "--utterance", "3")  # fmt: skip
    assert r.returncode == 0, r.stderr
    con = sqlite3.connect(made)
    assert con.execute("SELECT count(*) FROM project_meta WHERE key LIKE 'k%'").fetchone()[0] == 200
    con.close()


def test_empty_and_foreign_files_are_refused_untouched(cli: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty.iprw"
    empty.write_bytes(b"")
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes(x TEXT)")
    con.commit()
    con.close()
    blank_db = tmp_path / "blank.iprw"
    sqlite3.connect(blank_db).execute("PRAGMA user_version=7").connection.commit()
    for target, words in ((empty, "empty file"), (other, "another program"),
                          (blank_db, "empty database")):  # fmt: skip
        before = fingerprint(target)
        for command in ("info", "check"):
            assert words in one_clean_line(cli(command, str(target)))
        line = one_clean_line(cli("import", str(target), str(tmp_path / "missing.txt")))
        assert words in line or "missing.txt" in line
        assert fingerprint(target) == before
        assert not target.with_name(target.name + "-wal").exists()
    assert other.read_bytes()[18:20] == b"\x01\x01"  # still a rollback-journal file, not WAL


def _ro_commands(p: Path, out: Path) -> list[list[str]]:
    return [[a.format(p=p, out=out) for a in c] for c in READ_ONLY_COMMANDS]


def test_read_only_commands_write_nothing(cli: Any, tmp_path: Path, made: Path) -> None:
    con = sqlite3.connect(made)
    con.execute("DELETE FROM project_meta WHERE key = 'last_opened_with'")
    con.commit()
    con.close()
    before = fingerprint(made)
    for command in _ro_commands(made, tmp_path / "out"):
        r = cli(*command)
        assert r.returncode == 0, r.stderr
        assert fingerprint(made) == before, command
    con = sqlite3.connect(made)
    assert (
        con.execute("SELECT count(*) FROM project_meta WHERE key='last_opened_with'").fetchone()[0]
        == 0
    )
    con.close()


def test_read_only_folder(cli: Any, tmp_path: Path, made: Path, readonly_folder: Path) -> None:
    p = copy_into(made, readonly_folder)
    seal(readonly_folder)
    for command in _ro_commands(p, tmp_path / "out"):
        r = cli(*command)
        assert r.returncode == 0, (command, r.stderr)
    info = json.loads(cli("info", str(p), "--json").stdout)
    assert info["segments"] == 2
    code = ["code", str(p), "--coder", "Ana", "--code", "Rupture/Withdrawal/Denial"]
    line = one_clean_line(cli(*code, "--session", "S1", "--utterance", "1"))
    assert "read-only" in line
