"""Checks made before SQLite touches a project file, so no stray file can destroy a project.

SQLite cannot tell a project's own write-ahead log (``NAME.iprw-wal``) from one copied over it
from another project: it replays whatever log sits next to the file, and the first connection
that closes checkpoints the result into the file for good. A foreign log turned a 4.9 MB project
into a 217 KB malformed one. So before a log that no running process holds is replayed, the file
and its log are copied into a private temporary folder, the copy is opened there (replaying the
log into the *copy*), and the result must pass SQLite's integrity and foreign-key checks and the
project's own invariants, and the project's identity (meta ``project_id``, ``created_at``) must
be the one the file had before. Only then is the real file opened; otherwise the open is refused
and the real files are left exactly as they were (byte for byte).

Also here: read-only connection URIs (a project in a read-only folder stays readable), and who
holds a lock on a project (named in the "locked" message).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import ProjectError
from app.core.sqlite_files import (  # noqa: F401 - part of this module's API
    SHM_DMS_OFFSET,
    holder_text,
    journal_in_use,
    lock_holder,
    process_name,
    readonly_uri,
    shm_path,
    wal_path,
)


@dataclass
class Verdict:
    ok: bool
    reason: str = ""


def project_invariants(con: sqlite3.Connection) -> Verdict:
    """Integrity, foreign keys and the project's own shape, on a raw connection."""
    try:
        result = [r[0] for r in con.execute("PRAGMA integrity_check(20)")]
        if result != ["ok"]:
            return Verdict(False, "the database structure is damaged")
        if con.execute("PRAGMA foreign_key_check").fetchone() is not None:
            return Verdict(False, "it holds references to rows that do not exist")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "alembic_version" not in tables:
            return Verdict(False, "it is not an IPR Workbench project")
        versions = "SELECT count(*) FROM alembic_version"
        if "alembic_version" in tables and con.execute(versions).fetchone()[0] != 1:
            return Verdict(False, "its schema version is missing")
        if {"utterance", "transcript"} <= tables:
            bad = con.execute(
                "SELECT count(*) FROM utterance u WHERE u.start_char > u.end_char"
            ).fetchone()[0]
            if bad:
                return Verdict(False, f"{bad} utterances end before they start")
            past = _spans_past_their_text(con, tables)
            if past:
                return Verdict(False, f"{past} spans end past their transcript's text")
    except sqlite3.DatabaseError:
        return Verdict(False, "the database cannot be read")
    return Verdict(True)


# SQLite's length() stops at a NUL, so it is trusted only where the text's bytes hold no zero
# byte; a text with one is read and measured in Python (as ``app.core.text_length`` does).
_LENGTHS = (
    "SELECT id, CASE WHEN instr(CAST(text AS BLOB), X'00') = 0 THEN length(text) END "
    "FROM transcript"
)
_TEXT = "SELECT text FROM transcript WHERE id = ?"
_FURTHEST = "SELECT transcript_id, max(end_char) FROM {table} GROUP BY transcript_id"
_PAST = "SELECT count(*) FROM {table} WHERE transcript_id = ? AND end_char > ?"


def _spans_past_their_text(con: sqlite3.Connection, tables: set[str]) -> int:
    """How many utterances and text segments end past their transcript's text (code points).

    One pass per table (each transcript's furthest end), so a 10^6-utterance project is checked
    without measuring a text per row; only offending transcripts are counted row by row."""
    lengths: dict[int, int] = {}
    for tid, n in con.execute(_LENGTHS).fetchall():
        if n is None:
            n = len(con.execute(_TEXT, (tid,)).fetchone()[0] or "")
        lengths[int(tid)] = int(n)
    past = 0
    for table in ("utterance", "segment"):
        if table not in tables:
            continue
        for tid, furthest in con.execute(_FURTHEST.format(table=table)).fetchall():
            if tid is None or furthest is None:
                continue  # a time segment: no text span
            limit = lengths.get(int(tid), -1)
            if furthest > limit:
                past += con.execute(_PAST.format(table=table), (tid, limit)).fetchone()[0]
    return past


def verify_pending_journal(path: Path) -> None:
    """Refuse (ProjectError) when replaying ``path``'s leftover -wal would damage the project.

    Does nothing when there is no log, or a running process holds it (then it is live, not
    leftover, and SQLite shares it safely). Never writes to ``path``, its log or its folder.
    """
    wal = wal_path(path)
    try:
        if not wal.exists() or wal.stat().st_size == 0 or journal_in_use(path):
            return
    except OSError:
        return
    with tempfile.TemporaryDirectory(prefix="iprw-verify-") as tmp:
        copy = Path(tmp) / "p.iprw"
        try:
            shutil.copyfile(path, copy)
            identity = _identity(copy)  # the file alone, as last checkpointed
            shutil.copyfile(wal, wal_path(copy))
        except OSError as exc:
            raise ProjectError(
                f"{path}: cannot check its leftover journal {wal.name} ({exc.strerror}); "
                "nothing was changed"
            ) from exc
        verdict = _replay_and_check(copy, identity)
    if not verdict.ok:
        raise ProjectError(
            f"{path}: its journal {wal.name} does not fit this project ({verdict.reason} "
            "when it is applied); nothing was changed. If the journal came from elsewhere, move "
            f"{wal.name} away to open the project as last saved, or restore a backup"
        )


IDENTITY_KEYS = ("project_id", "created_at", "created_with")


def _identity(db: Path) -> dict[str, str] | None:
    """The project's birth certificate (meta ``project_id``, ``created_at``...), if readable."""
    try:
        con = sqlite3.connect(db, timeout=0)
        try:
            marks = ",".join("?" * len(IDENTITY_KEYS))
            rows = con.execute(
                f"SELECT key, value FROM project_meta WHERE key IN ({marks})", IDENTITY_KEYS
            ).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return dict(rows)


def _replay_and_check(copy: Path, identity: dict[str, str] | None) -> Verdict:
    try:
        con = sqlite3.connect(copy, timeout=0)
    except sqlite3.Error:
        return Verdict(False, "the database cannot be read")
    try:
        verdict = project_invariants(con)
    finally:
        con.close()
    if verdict.ok and identity:
        after = _identity(copy)
        if after is not None and any(after.get(k) != v for k, v in identity.items()):
            return Verdict(False, "it would turn the project into a different project")
    return verdict
