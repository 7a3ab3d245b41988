"""Random kills across the ways a project is written: 60 kill points in CLI coding, imports and a
GUI-like process holding the project open and coding. After every kill the project must open
(its leftover journal verified and replayed, never refused), pass ``check``, keep every
acknowledged segment, and hold each import whole or not at all."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import func, select

from app.core.integrity import check_project
from app.core.models import Segment, Transcript, Utterance
from app.core.models import Session as SessionRow
from app.core.project import open_project
from tests.conftest import TESTS_DATA

KILLS = {"code": 24, "import": 12, "holder": 24}
DENIAL = "Rupture/Withdrawal/Denial"

HOLDER = textwrap.dedent(
    """
    import sys
    from app.core.codebook import find_code_by_path
    from app.core.coding import ApplyCode, TextAnchor
    from app.core.commands import UndoStack
    from app.core.project import open_project
    from app.core.sessions import ensure_coder, list_transcripts

    project = open_project(sys.argv[1])  # held open like the window holds it
    project.actor = "Holder"
    stack = UndoStack(project)
    coder = ensure_coder(project, "Holder")
    code = find_code_by_path(project, sys.argv[2])
    tid = list_transcripts(project)[0].id
    print("ready", flush=True)
    i = 0
    while True:
        cmd = ApplyCode(coder.id, code.id, TextAnchor(tid, i % 40, i % 40 + 5), memo=str(i))
        stack.push(cmd)
        print(cmd.segment_id, flush=True)  # acknowledged: its transaction committed
        if i % 7 == 3:
            stack.undo()
            print(-cmd.segment_id, flush=True)  # the undo committed too
        i += 1
    """
)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def _verify(path: Path, acked: set[int], removed: set[int], sessions: dict[str, int]) -> None:
    project = open_project(path)  # a refused leftover journal would raise here
    try:
        report = check_project(project)
        assert report.ok, report.problems
        with project.reading() as s:
            ids = set(s.scalars(select(Segment.id)))
            assert acked - removed <= ids, sorted((acked - removed) - ids)[:5]
            for name, expected in sessions.items():
                n = s.scalar(
                    select(func.count(Utterance.id)).join(Transcript).join(SessionRow)
                    .where(SessionRow.name == name)
                )  # fmt: skip
                assert n in (0, expected), (name, n, expected)  # whole or not at all
    finally:
        project.close()


def _kill_after(proc: subprocess.Popen[str], delay: float) -> None:
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


def test_sixty_random_kill_points(made: Path, tmp_path: Path) -> None:
    rng = random.Random(13)
    acked: set[int] = set()
    removed: set[int] = set()
    sessions: dict[str, int] = {}
    source = TESTS_DATA / "import" / "brackets.txt"
    start = time.monotonic()
    subprocess.run(_cli("code", str(made), "--coder", "T", "--code", DENIAL, "--session", "S1",
                        "--utterance", "0"), check=True, capture_output=True)  # fmt: skip
    typical = time.monotonic() - start
    plan = [kind for kind, n in KILLS.items() for _ in range(n)]
    rng.shuffle(plan)
    for i, kind in enumerate(plan):
        if kind == "code":
            args = _cli("code", str(made), "--coder", f"C{i % 3}", "--code", DENIAL,
                        "--session", "S1", "--utterance", str(i % 4))  # fmt: skip
        elif kind == "import":
            args = _cli("import", str(made), str(source), "--session", f"K{i}")
        else:
            args = [sys.executable, "-c", HOLDER, str(made), DENIAL]
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True) as proc:  # fmt: skip
            if kind == "holder":
                assert proc.stdout is not None
                assert proc.stdout.readline().strip() == "ready"
                wanted = rng.randint(0, 30)
                for _ in range(wanted):
                    line = proc.stdout.readline().strip()
                    if not line:
                        break
                    n = int(line)
                    (acked.add(n) if n > 0 else removed.add(-n))
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=60)
            else:
                _kill_after(proc, rng.uniform(0.3, 1.2) * typical)
                out = proc.stdout.read() if proc.stdout else ""
                if proc.returncode == 0 and kind == "code":
                    acked.add(int(out.rsplit("segment #", 1)[1].rstrip(")\n")))
                if kind == "import":
                    sessions[f"K{i}"] = 5  # brackets.txt: 5 utterances
        _verify(made, acked, removed, sessions)
    assert len(plan) >= 50
    assert acked, "some edits were acknowledged before their kill"
