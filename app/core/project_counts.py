"""The counts of ``info`` as plain SQL: one definition for every way a project is read.

``project_info`` runs these statements through SQLAlchemy; ``ipr-workbench info`` on a ``.iprw``
file runs the very same statements through the standard library's ``sqlite3`` so that the command
does not pay SQLAlchemy's and Alembic's import time (a third of a second) to count six tables
(spec §8: CLI start-up under 150 ms). This module imports nothing beyond the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from app import __version__
from app.core.blind_state import BLIND_KEYS, state_from_meta
from app.paths import migrations_dir

#: ``info --json`` key -> the table it counts (spec §4 names the keys).
COUNTED_TABLES: dict[str, str] = {
    "sessions": "session",
    "transcripts": "transcript",
    "utterances": "utterance",
    "codes": "code",
    "segments": "segment",
    "suggestions": "suggestion",
}
CODERS_SQL = (
    "SELECT coder.name, count(segment.id) FROM coder "
    "LEFT OUTER JOIN segment ON segment.coder_id = coder.id "
    "GROUP BY coder.id, coder.name ORDER BY coder.name"
)
VIDEOS_SQL = "SELECT count(*) FROM session WHERE session.video_path IS NOT NULL"
BLIND_SQL = "SELECT key, value FROM project_meta WHERE key IN ({})".format(
    ", ".join(f"'{k}'" for k in BLIND_KEYS)
)  # no '%' in the text: drivers with the pyformat style would read it as a parameter

Run = Callable[[str], Iterable[Sequence[Any]]]
_REVISION = re.compile(r"^(\d{4})_\w+\.py$")


def count_sql(table: str) -> str:
    return f"SELECT count(*) FROM {table}"  # table names come from COUNTED_TABLES only


def revision_number(revision: str | None) -> int:
    """Our revisions are named 0001, 0002, ...: the number is the schema version users see."""
    if revision is None:
        return 0
    digits = revision.split("_", 1)[0]
    return int(digits) if digits.isdigit() else -1


def collect_info(run: Run, schema_version: int) -> dict[str, object]:
    """Assemble ``info --json`` from a function that runs one SQL statement and returns rows."""

    def scalar(sql: str) -> int:
        rows = list(run(sql))
        return int(rows[0][0] or 0) if rows else 0

    coders = [{"name": name, "segments": int(n)} for name, n in run(CODERS_SQL)]
    info: dict[str, object] = {"schema_version": schema_version, "app_version": __version__}
    for key, table in COUNTED_TABLES.items():
        info[key] = scalar(count_sql(table))
    info["coders"] = coders
    info["videos"] = scalar(VIDEOS_SQL)
    meta = {str(k): str(v) for k, v in run(BLIND_SQL)}
    info["blind"] = state_from_meta(meta.get).to_json()
    return info


def head_revision_fast() -> str | None:
    """The newest migration's revision id, from the file names alone (no Alembic import).

    Our migrations are named ``NNNN_slug.py`` with ``revision = "NNNN_slug"`` (a test pins this
    against Alembic's own answer); None when the folder does not follow that rule, and callers
    then take the full path.
    """
    try:
        names = [p.name for p in Path(migrations_dir(), "versions").iterdir()]
    except (OSError, FileNotFoundError):
        return None
    revisions = sorted(n[:-3] for n in names if _REVISION.match(n))
    return revisions[-1] if revisions else None
