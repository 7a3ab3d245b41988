"""``check`` measures a transcript in code points past a NUL character (issue #13).

SQLite's ``length()`` stops at the first NUL, so a transcript holding one looked shorter than
it is and every span after it was reported out of range. A NUL near the start, emoji after it
(several UTF-8 bytes each, one code point), then: the sound file is healthy, coding after the
NUL works, and a span that really ends past the text is still found.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.integration.reliability.conftest import made

__all__ = ["made"]


def _put_nul_and_emoji(path: Path) -> int:
    """Replace the transcript's 3rd character with NUL and its last two with emoji (same length
    in code points, more bytes); returns the text's length."""
    con = sqlite3.connect(path)
    (tid, text), = con.execute("SELECT id, text FROM transcript").fetchall()
    changed = text[:2] + "\x00" + text[3:-2] + "😀é"
    assert len(changed) == len(text)
    con.execute("UPDATE transcript SET text = ? WHERE id = ?", (changed, tid))
    assert con.execute("SELECT length(text) FROM transcript").fetchone()[0] == 2  # the trap
    con.commit()
    con.close()
    return len(changed)


def test_check_counts_code_points_past_a_nul(cli: Any, made: Path) -> None:
    length = _put_nul_and_emoji(made)
    r = cli("check", str(made), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] is True and report["checks"]["spans"] == "ok", report
    # Coding after the NUL is accepted (the same measure guards every edit).
    r = cli("code", str(made), "--coder", "Ana", "--code", "Rupture/Withdrawal/Denial",
            "--session", "S1", "--utterance", "4")  # fmt: skip
    assert r.returncode == 0, r.stderr
    # A span that really ends past the text is still reported.
    con = sqlite3.connect(made)
    con.execute("UPDATE segment SET end_char = ? WHERE id = (SELECT max(id) FROM segment)",
                (length + 1,))  # fmt: skip
    con.commit()
    con.close()
    r = cli("check", str(made), "--json")
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert report["checks"]["spans"] == "0 utterances and 1 segments out of range", report
