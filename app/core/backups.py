"""Rotating backups of a project file, taken on open when the project changed since the last one.

They live in ``NAME.iprw.backups/`` next to the project (a private 0700 folder; each copy 0600)
and are written with SQLite's online backup API, so a copy is consistent even while another
program reads the project. The newest ``keep`` copies are kept (default 10; the project's meta
``backup_keep`` overrides it, ``ipr-workbench backups PROJECT --keep N`` sets it).

Whether the project changed is decided from the size and modification time of the file and its
journal, remembered in ``.state.json`` inside the backups folder: nothing is written into the
project itself to keep track.

``restore`` first turns the current file into a backup too (a raw copy when it is too damaged
for SQLite to read), so restoring never loses anything.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.core.errors import ProjectError, UserError
from app.core.permissions import create_private_file, new_file_mode
from app.core.safe_open import (
    journal_in_use,
    lock_holder,
    project_invariants,
    readonly_uri,
    shm_path,
    wal_path,
)

DEFAULT_KEEP = 10
STATE_FILE = ".state.json"
STAMP = "%Y%m%d-%H%M%S-%f"
STALE_PARTIAL_S = 3600  # an unfinished copy untouched this long is a killed program's leftover


@dataclass(frozen=True)
class BackupInfo:
    name: str
    path: Path
    created: datetime
    size: int
    reason: str

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "path": str(self.path),
            "created": self.created.isoformat(timespec="seconds"),
            "size": self.size,
            "reason": self.reason,
        }


def backups_dir(project: Path) -> Path:
    return project.with_name(project.name + ".backups")


def _parse(path: Path, stem: str) -> BackupInfo | None:
    rest = path.name[len(stem) + 1 : -len(path.suffix)] if path.name.startswith(stem + "-") else ""
    stamp, _, reason = rest.partition("_")
    try:
        created = datetime.strptime(stamp, STAMP)
    except ValueError:
        return None
    return BackupInfo(path.name, path, created, path.stat().st_size, reason or "open")


def list_backups(project: Path) -> list[BackupInfo]:
    """The project's backups, newest first."""
    folder = backups_dir(project)
    if not folder.is_dir():
        return []
    found = [_parse(p, project.stem) for p in folder.iterdir() if p.suffix == project.suffix]
    return sorted((b for b in found if b is not None), key=lambda b: b.created, reverse=True)


def fingerprint(project: Path) -> dict[str, int]:
    def stat(p: Path) -> tuple[int, int]:
        try:
            st = p.stat()
            return st.st_size, st.st_mtime_ns
        except OSError:
            return 0, 0

    size, mtime = stat(project)
    wal_size, wal_mtime = stat(wal_path(project))
    return {"size": size, "mtime_ns": mtime, "wal_size": wal_size,
            "wal_mtime_ns": wal_mtime if wal_size else 0}  # fmt: skip


def _read_state(folder: Path) -> dict[str, int] | None:
    try:
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_state(folder: Path, state: dict[str, int]) -> None:
    tmp = folder / (STATE_FILE + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, new_file_mode(folder))
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh)
    os.replace(tmp, folder / STATE_FILE)


def _ensure_folder(project: Path) -> Path:
    folder = backups_dir(project)
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise ProjectError(f"{folder}: cannot create the backups folder ({exc.strerror})") from exc
    return folder


def _copy_with_backup_api(source_uri: str, target: Path) -> None:
    create_private_file(target)
    try:
        src = sqlite3.connect(source_uri, uri=True, timeout=10)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # one step: one consistent snapshot
            finally:
                dst.close()
        finally:
            src.close()
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def make_backup(project: Path, reason: str = "open", keep: int | None = None) -> BackupInfo:
    """Copy ``project`` into its backups folder now; prune to the newest ``keep``.

    The copy is written under a hidden ``.partial`` name and renamed when complete, so a program
    killed mid-copy leaves nothing that looks like a backup.
    """
    folder = _ensure_folder(project)
    stamp = datetime.now().strftime(STAMP)
    suffix = "" if reason == "open" else f"_{reason}"
    target = folder / f"{project.stem}-{stamp}{suffix}{project.suffix}"
    partial = folder / f".{target.name}.partial"
    _copy_with_backup_api(readonly_uri(project), partial)
    os.replace(partial, target)
    prune(project, keep)
    info = _parse(target, project.stem)
    assert info is not None
    return info


def prune(project: Path, keep: int | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` backups (``keep`` from the project when None)."""
    keep = DEFAULT_KEEP if keep is None else keep
    removed = []
    for old in list_backups(project)[max(keep, 1) :]:
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    # A copy's temporary file left by a program killed mid-copy (one being written is touched
    # all the time: only one untouched for long is a leftover).
    folder = backups_dir(project)
    stale = time.time() - STALE_PARTIAL_S
    for partial in folder.glob(".*.partial") if folder.is_dir() else ():
        try:
            if partial.stat().st_mtime < stale:
                partial.unlink()  # (not a backup: not in what is returned)
        except OSError:
            continue
    return removed


def backup_due(project: Path, state: dict[str, int]) -> bool:
    """True when ``project`` (whose fingerprint is ``state``) changed since its last backup."""
    folder = backups_dir(project)
    return not (folder.is_dir() and _read_state(folder) == state and list_backups(project))


def write_state(project: Path, state: dict[str, int]) -> None:
    """Remember ``state`` as the fingerprint of the newest backup."""
    _write_state(backups_dir(project), state)


def keep_setting(con: sqlite3.Connection) -> int:
    """The project's ``backup_keep`` (0: backups off), read on a raw connection to it."""
    try:
        row = con.execute("SELECT value FROM project_meta WHERE key = 'backup_keep'").fetchone()
        return int(row[0]) if row and row[0] else DEFAULT_KEEP
    except (sqlite3.Error, ValueError):
        return DEFAULT_KEEP


def backup_if_changed(project: Path, keep: int | None = None) -> BackupInfo | None:
    """Back ``project`` up when it changed since the last backup (called on every write open)."""
    now = fingerprint(project)
    if not backup_due(project, now):
        return None
    info = make_backup(project, "open", keep)
    write_state(project, now)
    return info


def is_good_backup(path: Path) -> bool:
    """True when the copy is a readable, consistent IPR Workbench project."""
    try:
        con = sqlite3.connect(readonly_uri(path), uri=True, timeout=1)
    except sqlite3.Error:
        return False
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return "alembic_version" in tables and project_invariants(con).ok
    except sqlite3.Error:
        return False
    finally:
        con.close()


def newest_good_backup(project: Path) -> BackupInfo | None:
    for info in list_backups(project):
        if is_good_backup(info.path):
            return info
    return None


def resolve_backup(project: Path, ref: str) -> Path:
    """A backup named by path, by file name in the backups folder, or by number (1 = newest)."""
    candidate = Path(ref).expanduser()
    if candidate.is_file():
        return candidate.resolve()
    backups = list_backups(project)
    if ref.isdigit() and 1 <= int(ref) <= len(backups):
        return backups[int(ref) - 1].path
    for info in backups:
        if info.name == ref:
            return info.path
    raise UserError(
        f"{ref}: no such backup of {project.name} (see 'ipr-workbench backups {project}')"
    )


def restore(project: Path, ref: str, keep: int | None = None) -> tuple[Path, Path]:
    """Replace ``project`` by a backup; the current file becomes a backup first.

    Returns (restored backup, backup of the file as it was). Refused while another program has
    the project open, and when the backup itself is not a sound project.
    """
    project = project.resolve()
    source = resolve_backup(project, ref)
    if not is_good_backup(source):
        raise UserError(f"{source}: this backup is damaged or not a project; nothing was changed")
    if project.exists() and (journal_in_use(project) or lock_holder(project) is not None):
        raise UserError(
            f"{project}: the project is open in another program; close it and try again"
        )
    folder = _ensure_folder(project)
    if project.exists():
        if is_good_backup(project):
            before = make_backup(project, "before-restore", keep=None).path
        else:  # too damaged for SQLite: keep the raw bytes (and the journal) instead
            stamp = datetime.now().strftime(STAMP)
            before = folder / f"{project.stem}-{stamp}_damaged{project.suffix}"
            shutil.copyfile(project, before)
            os.chmod(before, 0o600)
            if wal_path(project).exists():
                shutil.copyfile(wal_path(project), wal_path(before))
    else:
        before = project
    tmp = project.with_name(f".{project.name}.restoring")
    tmp.unlink(missing_ok=True)
    _copy_with_backup_api(readonly_uri(source), tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    # The old journal belongs to the old file: it must never be replayed into the restored one.
    for journal in (wal_path(project), shm_path(project)):
        journal.unlink(missing_ok=True)
    os.replace(tmp, project)
    prune(project, keep)
    state = fingerprint(project)
    _write_state(folder, state)
    return source, before
