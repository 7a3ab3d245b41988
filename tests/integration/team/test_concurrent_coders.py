"""Several processes code the same project at once: nothing lost, nothing doubled, undo stays own.

Three processes on a PostgreSQL project and two on one shared SQLite file each make 300 edits
(apply a code, write a memo, undo) through the real core commands. Each reports what its undo
stack says is done; afterwards the database must hold exactly that for every coder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.core.coding import list_segments
from app.core.integrity import check_project
from app.core.models import Session as SessionRow
from app.core.models import Transcript
from app.core.project import open_project
from app.core.sessions import ensure_coder

EDITS = 300
WORKER = textwrap.dedent(
    """
    import json, random, sys
    from app.core.codebook import find_code_by_path
    from app.core.coding import ApplyCode, EditSegment, TextAnchor
    from app.core.commands import UndoStack
    from app.core.project import open_project
    from app.core.sessions import get_coder

    target, coder, seed, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    project = open_project(target)
    project.actor = coder
    me = get_coder(project, coder).id
    code = find_code_by_path(project, "Rupture/Withdrawal/Minimal response").id
    stack = UndoStack(project)
    undos = 0
    for i in range(EDITS):
        r = rng.random()
        if r < 0.2 and stack.can_undo():
            stack.undo()
            undos += 1
            continue
        applied = [c for c in stack._commands[: stack.index] if isinstance(c, ApplyCode)]
        if r < 0.4 and applied:
            target_cmd = rng.choice(applied)
            stack.push(EditSegment(target_cmd.segment_id, memo=f"{coder} note {i}"))
            continue
        start = rng.randrange(0, 990)
        stack.push(ApplyCode(me, code, TextAnchor(1, start, start + 10), memo=f"{coder} {i}"))
    done = stack._commands[: stack.index]
    memos = {}
    for c in done:
        if isinstance(c, ApplyCode):
            memos[c.segment_id] = c.memo
        elif isinstance(c, EditSegment):
            memos[c.segment_id] = c.changes["memo"]
    with open(out, "w") as fh:
        json.dump({"memos": memos, "undos": undos}, fh)
    project.close()
    """.replace("EDITS", str(EDITS))
)


def _prepare(target: str, coders: list[str]) -> None:
    with open_project(target) as project:
        with project.transaction() as s:
            session = SessionRow(name="S1")
            s.add(session)
            s.flush()
            s.add(Transcript(session_id=session.id, name="S1", text="x" * 1000))
        for name in coders:
            ensure_coder(project, name)


def _run_together(target: str, coders: list[str], tmp_path: Path) -> dict[str, Any]:
    procs = []
    for n, name in enumerate(coders):
        out = tmp_path / f"{name}.json"
        cmd = [sys.executable, "-c", WORKER, target, name, str(n + 1), str(out)]
        procs.append((name, out, subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)))
    reports = {}
    for name, out, proc in procs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, f"{name}: {err[-2000:]}"
        reports[name] = json.loads(out.read_text())
    return reports


def _verify(target: str, reports: dict[str, Any]) -> None:
    with open_project(target) as project:
        segments = list_segments(project)
        report = check_project(project)
        assert report.ok, report.problems
    assert not [g for g, n in Counter(s.guid for s in segments).items() if n > 1]
    for name, rep in reports.items():
        stored = {str(s.id): s.memo for s in segments if s.coder_name == name}
        # Exactly what this coder's stack says is done: acknowledged edits all there, its undos
        # removed only its own segments, nobody else's undo touched its work.
        assert stored == rep["memos"], name
        assert rep["undos"] > 20 and len(rep["memos"]) > 50
    assert len(segments) == sum(len(r["memos"]) for r in reports.values())


def _scheme(target: str, mini_scheme_path: Path) -> None:
    from app.core.codebook import add_scheme
    from app.core.project import create_project
    from app.io.codebook_yaml import load_scheme

    with create_project(target) as project:
        add_scheme(project, load_scheme(mini_scheme_path))


@pytest.mark.postgres
def test_three_processes_code_one_server_project(
    pg_url: str, tmp_path: Path, mini_scheme_path: Path
) -> None:
    coders = ["Ana", "Ben", "Cleo"]
    _scheme(pg_url, mini_scheme_path)
    _prepare(pg_url, coders)
    _verify(pg_url, _run_together(pg_url, coders, tmp_path))


def test_two_processes_code_one_shared_file(tmp_path: Path, mini_scheme_path: Path) -> None:
    target = str(tmp_path / "shared.iprw")
    coders = ["Ana", "Ben"]
    _scheme(target, mini_scheme_path)
    _prepare(target, coders)
    _verify(target, _run_together(target, coders, tmp_path))
