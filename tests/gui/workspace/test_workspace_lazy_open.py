"""Opening an archive reads what is shown, not every utterance of it (issue 17: lazy at 10^6).

Work is counted, not timed: SQLite's progress handler counts the virtual-machine steps every
connection of the window runs while the project opens. Two projects have the same first session
(the one shown); in the second every other session is twenty times longer. If opening read
every utterance (counting turns for the navigator, listing every session to find one, reading a
hidden timeline), the second open would cost about as much more as a full utterance scan
does; it must cost about the same as the first. The navigator reads one session's transcripts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.core.importing import ImportOptions, import_parsed
from app.core.project import create_project
from app.io.parsed import ParsedFile, ParsedTranscript, ParsedUtterance
from app.ui.main_window import MainWindow
from app.ui.navigator import EXPAND_ALL

SESSIONS = EXPAND_ALL + 10
STEP = 100  # VM instructions per progress-handler call


def build(path: Path, other_turns: int) -> Path:
    parsed = ParsedFile(format="corpus")
    for k in range(SESSIONS):
        n = 30 if k == 0 else other_turns
        turns = [ParsedUtterance("TC"[i % 2], f"Turn {i} of session {k}, said aloud.",
                                 i * 3000, i * 3000 + 2500) for i in range(n)]  # fmt: skip
        parsed.transcripts.append(
            ParsedTranscript(turns, session=f"S{k:03d}", name=f"S{k:03d}", kind="session")
        )
    with create_project(path) as project:
        import_parsed(project, parsed, path.with_suffix(".txt"), ImportOptions())
    return path


class Steps:
    """Counts VM steps on every SQLite connection SQLAlchemy opens while installed."""

    def __init__(self) -> None:
        self.n = 0

    def _tick(self) -> int:
        self.n += 1
        return 0

    def connect(self, dbapi: Any, _record: Any) -> None:
        if isinstance(dbapi, sqlite3.Connection):
            dbapi.set_progress_handler(self._tick, STEP)


@pytest.fixture
def counted() -> Iterator[Steps]:
    steps = Steps()
    event.listen(Engine, "connect", steps.connect)
    yield steps
    event.remove(Engine, "connect", steps.connect)


def open_counted(qtbot: Any, path: Path, steps: Steps) -> tuple[int, MainWindow]:
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    before = steps.n
    win.open_project(str(path))
    return steps.n - before, win


def scan_cost(path: Path) -> int:
    """Steps of one pass over every utterance's index entry (what a turn count per transcript
    costs)."""
    steps = Steps()
    con = sqlite3.connect(path)
    steps.connect(con, None)
    con.execute("SELECT transcript_id, count(*) FROM utterance GROUP BY transcript_id").fetchall()
    con.close()
    return steps.n


def test_opening_does_not_read_every_utterance(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: Steps
) -> None:
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    small = build(tmp_path / "small.iprw", 10)
    large = build(tmp_path / "large.iprw", 200)
    extra = scan_cost(large) - scan_cost(small)

    cost_small, win = open_counted(qtbot, small, counted)
    win.close()
    cost_large, win = open_counted(qtbot, large, counted)
    try:
        # the check can fail: the larger sessions would add a scan's worth of steps
        assert extra > cost_small // 4
        assert cost_large - cost_small < extra // 4, (cost_small, cost_large, extra)
        # the navigator lists every session but read the transcripts of the shown one only
        nav = win.navigator
        assert nav.model.rowCount() == SESSIONS
        assert nav.sessions_read == 1
        first = nav.model.item(0)
        assert first.rowCount() == 1 and "30 turns" in first.child(0).text()
        assert win.transcript_view.transcript_id == nav.first_transcript()
        # a closed session reads its transcripts when expanded
        last = nav.model.item(SESSIONS - 1)
        assert last.rowCount() == 0 and nav.model.hasChildren(last.index())
        nav.tree.expand(last.index())
        assert nav.sessions_read == 2
        assert last.rowCount() == 1 and "200 turns" in last.child(0).text()
    finally:
        win.close()
