"""Every failure is one clean line: locked, internal errors (private log), damaged files."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from app import cli as cli_module
from tests.integration.reliability.conftest import SECRET, fingerprint, one_clean_line

HOLD = r"""
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("INSERT INTO project_meta(key, value) VALUES ('held', 'x')")
print("holding", flush=True)
sys.stdin.read()  # until the test closes our stdin
"""


def test_locked_project_names_the_holder_and_says_try_again(
    cli: Any, made: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPRW_BUSY_TIMEOUT_MS", "200")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(made)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        r = cli("code", str(made), "--coder", "Cy", "--code", "Rupture/Withdrawal/Denial",
                "--session", "S1", "--utterance", "1", "--memo", SECRET)  # fmt: skip
        line = one_clean_line(r)
        assert "in use by another program" in line and "try again" in line
        assert f"process {holder.pid}" in line
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        assert holder.stdout is not None
        holder.stdout.close()


def _run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli_module.main(argv)
    return code, capsys.readouterr().err


def test_internal_error_goes_to_a_private_log_never_to_stderr(
    made: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import app.cli_commands.audit as handlers

    monkeypatch.delenv("IPRW_DEBUG", raising=False)
    monkeypatch.setenv("IPRW_DATA_DIR", str(tmp_path / "data"))

    def boom(_args: Any) -> int:
        raise IntegrityError(
            "INSERT INTO segment (memo) VALUES (?)", (SECRET,), sqlite3.IntegrityError("x")
        )

    monkeypatch.setattr(handlers, "cmd_audit", boom)
    code, err = _run_main(["audit", str(made)], capsys)
    assert code == 3 and len(err.strip().splitlines()) == 1
    assert SECRET not in err and "INSERT" not in err
    log = tmp_path / "data" / "logs" / "errors.log"
    assert str(log) in err
    assert log.stat().st_mode & 0o777 == 0o600 and SECRET in log.read_text()


@pytest.mark.parametrize(
    ("driver_message", "words"),
    [
        ("database is locked", "try again"),
        ("attempt to write a readonly database", "read-only"),
        ("database or disk is full", "disk is full"),
        ("database disk image is malformed", "ipr-workbench check"),
    ],
)
def test_database_failures_are_named_without_their_statement(
    made: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    driver_message: str, words: str,
) -> None:  # fmt: skip
    import app.cli_commands.audit as handlers

    def fail(_args: Any) -> int:
        raise OperationalError(
            "UPDATE segment SET memo=?", (SECRET,), sqlite3.OperationalError(driver_message)
        )

    monkeypatch.delenv("IPRW_DEBUG", raising=False)
    monkeypatch.setattr(handlers, "cmd_audit", fail)
    code, err = _run_main(["audit", str(made)], capsys)
    assert code == 1 and words in err and SECRET not in err and "UPDATE" not in err
    assert len(err.strip().splitlines()) == 1


def test_damaged_project_every_command_one_line_and_check_explains(
    cli: Any, made: Path, tmp_path: Path
) -> None:
    data = bytearray(made.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data), page):  # scramble every page after the schema
        data[offset + 8 : offset + 40] = bytes(range(32))
    made.write_bytes(bytes(data))
    before = fingerprint(made)
    r = cli("check", str(made))
    assert r.returncode == 1 and "Traceback" not in r.stderr and SECRET not in r.stderr + r.stdout
    assert "damaged" in (r.stdout + r.stderr)
    for command in (["export", str(made), str(tmp_path / "o.csv")], ["info", str(made)],
                    ["utterances", str(made)]):  # fmt: skip
        result = cli(*command)
        if result.returncode != 0:
            one_clean_line(result)
    assert fingerprint(made) == before


def test_disk_full_during_import_is_one_line_and_rolls_back(cli: Any, tmp_path: Path) -> None:
    import json
    import os

    if os.geteuid() != 0:
        pytest.skip("needs a small mounted disk (root)")
    disk = tmp_path / "small"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "none", str(disk)],
                             capture_output=True).returncode == 0  # fmt: skip
    if not mounted:
        pytest.skip("cannot mount a small disk here")
    try:
        project = disk / "p.iprw"
        assert cli("init", str(project), "--scheme", "3rs").returncode == 0
        big = tmp_path / "big.txt"
        big.write_text("\n".join(f"[{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}] T: turn "
                                 f"{i} {SECRET} and more words" for i in range(20000)),
                       encoding="utf-8")  # fmt: skip
        line = one_clean_line(cli("import", str(project), str(big), "--session", "BIG"))
        assert "disk is full" in line and "rolled back" in line
        info = json.loads(cli("info", str(project), "--json").stdout)
        assert info["utterances"] == 0 and info["sessions"] == 0
        assert cli("check", str(project)).returncode == 0
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
