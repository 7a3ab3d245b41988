"""The window's write-behind durability: NORMAL commits, the log flushed after each edit and
on close, and the file consistent and complete after the process is killed (issue 17)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import text

from app.core.project import create_project, open_project
from app.core.write_behind import edited, stop_write_behind, write_behind


def _sync_mode(project: object) -> int:
    with project.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(text("PRAGMA synchronous")).scalar() or 0)


def test_normal_while_written_behind_full_again_after(tmp_path: Path) -> None:
    path = tmp_path / "p.iprw"
    create_project(path).close()
    project = open_project(str(path))
    try:
        assert _sync_mode(project) == 2  # FULL: the command line's default
        syncer = write_behind(project)
        assert syncer is not None
        assert _sync_mode(project) == 1  # NORMAL
        project.set_meta("x", "1")
        edited(project)
        syncer.flush_now()
        assert syncer.flushes >= 1
        stop_write_behind(project)
        project.engine.dispose()
        assert _sync_mode(project) == 2
    finally:
        project.close()


def test_edits_written_behind_survive_a_killed_process(tmp_path: Path) -> None:
    """The process is killed (SIGKILL) right after its commits returned, with no flush and no
    close: every acknowledged edit is in the file."""
    path = tmp_path / "p.iprw"
    create_project(path).close()
    script = textwrap.dedent(f"""
        import os, signal
        from app.core.project import open_project
        from app.core.write_behind import write_behind
        project = open_project({str(path)!r})
        write_behind(project)
        for i in range(50):
            project.set_meta(f"edit{{i}}", str(i))
        print("acknowledged", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[3])  # fmt: skip
    assert "acknowledged" in done.stdout, done.stderr[-500:]
    assert done.returncode == -9
    project = open_project(str(path))
    try:
        assert [project.get_meta(f"edit{i}") for i in range(50)] == [str(i) for i in range(50)]
    finally:
        project.close()
