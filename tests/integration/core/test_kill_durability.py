"""Killing the process at any moment loses no acknowledged edit and leaves a consistent file."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from app.core.coding import list_segments
from app.core.integrity import check_project
from app.core.models import Session as SessionRow
from app.core.models import Transcript
from app.core.project import open_project

WORKER = textwrap.dedent(
    """
    import sys
    from app.core.project import open_project
    from app.core.codebook import find_code_by_path
    from app.core.coding import ApplyCode, TextAnchor
    from app.core.commands import UndoStack
    from app.core.sessions import ensure_coder, list_transcripts

    project = open_project(sys.argv[1])
    stack = UndoStack(project)
    coder = ensure_coder(project, "Ana")
    code = find_code_by_path(project, "Rupture/Withdrawal/Minimal response")
    tid = list_transcripts(project)[0].id
    i = 0
    while True:
        cmd = ApplyCode(coder.id, code.id, TextAnchor(tid, i % 900, i % 900 + 50), memo=str(i))
        stack.push(cmd)
        # Acknowledged: the command's transaction has committed.
        print(cmd.segment_id, flush=True)
        i += 1
    """
)


@pytest.mark.parametrize("acks_before_kill", [1, 25, 120])
def test_sigkill_keeps_every_acknowledged_segment(project: Any, acks_before_kill: int) -> None:
    with project.transaction() as s:
        session = SessionRow(name="S1")
        s.add(session)
        s.flush()
        s.add(Transcript(session_id=session.id, name="S1", text="x" * 1000))
    path = project.url
    project.close()
    acknowledged: list[int] = []
    with subprocess.Popen(
        [sys.executable, "-c", WORKER, str(path)], stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                acknowledged.append(int(line))
                if len(acknowledged) >= acks_before_kill:
                    break
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
    assert len(acknowledged) == acks_before_kill
    with open_project(path) as reopened:
        stored = {s.id for s in list_segments(reopened)}
        assert set(acknowledged) <= stored
        report = check_project(reopened)
        assert report.ok, report.problems
