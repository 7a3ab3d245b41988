"""A program killed while its opening backup is being copied (``app.core.opening_backup``)
leaves no half copy among the backups, nothing written to the project, and the next open backs
the project up again. The copy is held at its last moment (written, not yet renamed) by the
child process itself, so the kill lands there every time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from app.core.backups import (
    STALE_PARTIAL_S,
    backups_dir,
    is_good_backup,
    list_backups,
    prune,
)
from app.core.integrity import check_project
from app.core.project import open_project
from tests.integration.reliability.conftest import fingerprint

HOLD_THE_COPY = textwrap.dedent(
    """
    import sys
    from app.core import backups
    from app.core.project import open_project

    real = backups._copy_with_backup_api

    def copy_then_hold(source, target):
        real(source, target)  # the whole copy, under its temporary name
        print("copied", flush=True)
        sys.stdin.readline()  # killed here, before the rename

    backups._copy_with_backup_api = copy_then_hold
    project = open_project(sys.argv[1], backup_behind=True)
    project.set_meta("written", "after the backup")  # must wait for the copy, never land
    print("wrote", flush=True)
    """
)


def test_a_kill_mid_copy_leaves_no_backup_and_no_write(made: Path) -> None:
    open_project(made).close()  # checkpointed: the file alone holds the project
    for old in list_backups(made):
        old.path.unlink()
    (backups_dir(made) / ".state.json").unlink(missing_ok=True)
    before = fingerprint(made)
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_COPY, str(made)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "copied"
        child.send_signal(signal.SIGKILL)
        rest = child.communicate(timeout=60)[0]
    finally:
        if child.poll() is None:
            child.kill()
    assert "wrote" not in rest
    assert list_backups(made) == []  # the half-made copy is not a backup
    assert list(backups_dir(made).glob(".*.partial"))  # (it is there, under its hidden name)
    assert fingerprint(made) == before  # nothing reached the project file
    project = open_project(made)  # the next open backs it up again
    try:
        assert check_project(project).ok
        assert project.get_meta("written") == ""  # nor its journal
    finally:
        project.close()
    copies = list_backups(made)
    assert len(copies) == 1 and is_good_backup(copies[0].path)
    leftover = next(backups_dir(made).glob(".*.partial"))  # young: maybe still being written
    prune(made)
    assert leftover.exists()
    old = leftover.stat().st_mtime - STALE_PARTIAL_S - 1
    os.utime(leftover, (old, old))  # untouched for over an hour: a killed copy's leftover
    prune(made)
    assert not leftover.exists() and list_backups(made) == copies
