"""Rotating backups on open, ``backups``, ``restore`` and ``check`` pointing to a sound backup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core.backups import backup_if_changed, list_backups, make_backup, prune, restore
from app.core.project import open_project
from tests.conftest import TESTS_DATA
from tests.integration.reliability.conftest import fingerprint

BACKUP_KEYS = {"name", "path", "created", "size", "reason"}


def _sessions(path: Path) -> int:
    with open_project(path, readonly=True) as p, p.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM session").scalar() or 0)


def test_backup_only_when_changed_and_rotation(made: Path) -> None:
    first = list_backups(made)
    assert first, "opening a changed project for writing makes a backup"
    assert backup_if_changed(made) is not None  # the last command's coding is new
    assert backup_if_changed(made) is None  # nothing changed since
    with open_project(made, readonly=True):
        pass
    assert backup_if_changed(made) is None  # reading changes nothing
    with open_project(made) as p:
        p.set_meta("touched", "1")
    assert backup_if_changed(made) is not None
    for _ in range(4):
        make_backup(made, "manual")
    assert len(prune(made, keep=3)) >= 3 and len(list_backups(made)) == 3
    assert all(b.path.stat().st_mode & 0o777 == 0o600 for b in list_backups(made))
    assert made.with_name(made.name + ".backups").stat().st_mode & 0o777 == 0o700


def test_restore_keeps_the_current_file_as_a_backup(made: Path) -> None:
    with open_project(made) as p:
        p.set_meta("touched", "1")
    oldest = list_backups(made)[-1]
    assert _sessions(oldest.path) == 0 and _sessions(made) == 1
    source, before = restore(made, oldest.name)
    assert source == oldest.path and _sessions(made) == 0
    assert _sessions(before) == 1 and before.parent == oldest.path.parent


def test_backups_restore_check_cli(cli: Any, made: Path) -> None:
    r = cli("backups", str(made), "--json")
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)
    assert listed and all(set(b) == BACKUP_KEYS for b in listed)
    r = cli("import", str(made), str(TESTS_DATA / "import" / "mmss.txt"), "--session", "S2")
    assert r.returncode == 0, r.stderr
    good = cli("backups", str(made))
    assert good.returncode == 0 and "open" in good.stdout
    # Damage the project: check explains it in words and names the newest sound backup.
    data = bytearray(made.read_bytes())
    for offset in range(2 * 4096, len(data), 4096):
        data[offset + 8 : offset + 40] = bytes(range(32))
    made.write_bytes(bytes(data))
    damaged = fingerprint(made)
    r = cli("check", str(made))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "damaged" in r.stdout and "restore it with: ipr-workbench restore" in r.stdout
    report = json.loads(cli("check", str(made), "--json").stdout)
    assert report["ok"] is False and report["backup"] and report["explanation"]
    assert fingerprint(made) == damaged
    name = report["backup"].split("restore it with: ")[1].split()[-1]
    r = cli("restore", str(made), name)
    assert r.returncode == 0, r.stderr
    assert cli("check", str(made)).returncode == 0
    kept = [b for b in json.loads(cli("backups", str(made), "--json").stdout)
            if b["reason"] == "damaged"]  # fmt: skip
    assert (
        len(kept) == 1 and fingerprint(Path(kept[0]["path"]))[kept[0]["name"]] == damaged[made.name]
    )
    audit = json.loads(cli("audit", str(made), "--json").stdout)
    assert audit[-1]["action"] == "restore"
    r = cli("backups", str(made), "--keep", "2")
    assert r.returncode == 0 and len(json.loads(cli("backups", str(made), "--json").stdout)) == 2
    assert cli("restore", str(made), "no-such-backup").returncode == 1
