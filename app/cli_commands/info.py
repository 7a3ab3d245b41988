"""``info``: the project's counts, fast.

On a ``.iprw`` file whose schema is current, the counts are read with the standard library's
``sqlite3`` (the same statements as ``project_info``), so the command starts in a few tens of
milliseconds instead of importing SQLAlchemy and Alembic. Anything unusual - a URL, a missing
or foreign file, an older or newer schema, a locked or damaged database - takes the full
``open_project`` path, which gives the careful messages, the backup and the upgrade.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from app.cli_commands.common import blind_view, open_existing, print_json
from app.core.blind_state import BlindState
from app.core.project_counts import collect_info, head_revision_fast, revision_number
from app.core.sqlite_files import journal_in_use, readonly_uri

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 10.0
INFO_KEYS = (
    "schema_version", "app_version", "sessions", "transcripts", "utterances", "codes",
    "segments", "suggestions", "videos",
)  # fmt: skip


def blinded_info(info: dict[str, object], view: dict[str, object]) -> dict[str, object]:
    """``info`` on a blind project as ``view`` allows: everyone's counts, the viewer's own, or
    none (``segments`` null, no coders). The other counts hold nobody's coding."""
    out = dict(info, blind_view=view)
    if view["view"] == "all":
        return out
    coders = info["coders"]
    assert isinstance(coders, list)
    mine = [c for c in coders if view["view"] == "own" and c["name"] == view["viewer"]]
    out["coders"] = mine
    out["segments"] = sum(int(c["segments"]) for c in mine) if view["view"] == "own" else None
    return out


def sqlite_info(target: str) -> tuple[str, dict[str, object]] | None:
    """(location, info) straight from a current ``.iprw`` file, or None to take the full path.

    Read-only and only for a file with no leftover journal: a ``-wal`` next to the file (perhaps
    another project's) must be verified before anything replays it, which the full path does
    (``app.core.safe_open``); ``info`` never writes to the project (issue #13).
    """
    if "://" in target:
        return None
    path = Path(target).expanduser().resolve()
    head = head_revision_fast()
    try:
        if head is None or not path.is_file():
            return None
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0 and not journal_in_use(path):
            return None  # a leftover journal: verified on the full path before any replay
        with path.open("rb") as fh:
            if fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                return None
        con = sqlite3.connect(
            readonly_uri(path), uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None
        )
    except (OSError, sqlite3.Error):
        return None
    try:
        con.execute("PRAGMA query_only=ON")
        rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
        if [r[0] for r in rows] != [head]:
            return None  # older (needs backup + upgrade) or newer (refused): the full path
        con.execute("BEGIN")
        info = collect_info(lambda sql: con.execute(sql).fetchall(), revision_number(head))
        con.execute("COMMIT")
        return str(path), info
    except sqlite3.Error:
        return None
    finally:
        con.close()


def _blind(info: dict[str, object]) -> bool:
    blind = info.get("blind")
    return isinstance(blind, dict) and bool(blind.get("on"))


def cmd_info(args: argparse.Namespace) -> int:
    quick = sqlite_info(args.project)
    if quick is None or _blind(quick[1]):
        from app.core.integrity import project_info

        with open_existing(args.project, readonly=True) as project:
            info = project_info(project)
            if _blind(info):  # who asks decides what is shown (issue #11)
                view = blind_view(project, args, "info")
                info = blinded_info(info, view.to_json())
            quick = project.location, info
    location, info = quick
    if args.json:
        print_json(info)
        return 0
    print(f"project        {location}")
    for key in INFO_KEYS:
        value = info[key]
        print(f"{key:<15}{'hidden (coded blind: see --as)' if value is None else value}")
    coders = info["coders"]
    assert isinstance(coders, list)
    for coder in coders:
        print(f"coder          {coder['name']}: {coder['segments']} segments")
    blind = info["blind"]
    assert isinstance(blind, dict)
    note = BlindState(**blind).note()
    if note:
        print(f"blind          {note}")
    if blind.get("on"):
        print(f"shown          {_shown(info['blind_view'])}")
    return 0


def _shown(view: object) -> str:
    assert isinstance(view, dict)
    if view["view"] == "own":
        return f"{view['viewer']}'s own coding only"
    if view["view"] == "none":
        return "nobody's coding: say who you are with --as NAME"
    return f"every coder's ({view['unblinded_by']}; recorded in the audit log)"
