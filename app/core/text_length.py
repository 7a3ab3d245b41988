"""The length of a transcript's text in code points, as our offsets count it, also past a NUL.

SQLite's ``length()`` on TEXT counts characters only up to the first NUL, so a transcript that
holds one (a fuzzer's, or a damaged import's) looked shorter than it is, and ``check`` reported
sound spans after the NUL as out of range (issue #13). ``length(CAST(text AS BLOB))`` is not the
answer either: it counts bytes in the database's encoding (UTF-8 here: 1-4 bytes per code point).

So: SQLite computes ``length()`` where the text's bytes hold no zero byte (then it is exact);
every other text is read and measured in Python, whose ``sqlite3`` returns the whole text,
NULs included. In a UTF-8 database only a real NUL character has a zero byte, so this is rare;
in a UTF-16 database nearly every text has zero bytes and all are measured in Python: still
correct, only slower. PostgreSQL cannot store a NUL in text, and its ``length()`` counts
characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, LargeBinary, case, cast, func, literal, select
from sqlalchemy.orm import Session as DbSession

from app.core.models import Transcript
from app.core.project import TEXT_LENGTHS


def length_column(s: DbSession) -> ColumnElement[Any]:
    """The transcript text's length in code points as SQL, or NULL where SQLite cannot say
    (a zero byte in the text): ``measured`` then gives it."""
    if s.get_bind().dialect.name != "sqlite":
        return _PLAIN
    return _SQLITE


_PLAIN: ColumnElement[Any] = func.length(Transcript.text)
_SQLITE: ColumnElement[Any] = case(  # built once: every text edit validates its span with it
    (
        func.instr(cast(Transcript.text, LargeBinary), literal(b"\x00", LargeBinary)) == 0,
        func.length(Transcript.text),
    )
)  # NULL where the text holds a zero byte: measured in Python


def transcript_length(s: DbSession, transcript_id: int) -> tuple[int, int] | None:
    """(session id, text length in code points) of a transcript; None if there is none.

    Every coding edit validates its span with this. Measuring means reading the whole text
    (1.2 MB for a 10^4-turn transcript, twice: the NUL test and ``length()``), 3 of the 4 ms
    an edit's command took (issue 17). So the exact length is remembered per project, keyed
    by the transcript's id *and* guid: a transcript's text is never changed once imported (no
    command edits it; a de-identified copy is another file, opened as another project), and
    a transcript deleted and imported again gets a new guid, even where SQLite reuses the id.
    """
    row = s.execute(
        select(Transcript.session_id, Transcript.guid).where(Transcript.id == transcript_id)
    ).first()
    if row is None:
        return None
    session_id, guid = row
    memo: dict[tuple[int, str], int] | None = s.info.get(TEXT_LENGTHS)
    key = (transcript_id, guid)
    length = memo.get(key) if memo is not None else None
    if length is None:
        length = transcript_lengths(s, [transcript_id]).get(transcript_id, 0)
        if memo is not None:
            memo[key] = length
    return int(session_id), length


def measured(s: DbSession, transcript_id: int) -> int:
    """One text's length from Python, which reads the whole text, NULs included."""
    return len(s.scalar(select(Transcript.text).where(Transcript.id == transcript_id)) or "")


def transcript_lengths(s: DbSession, ids: Iterable[int] | None = None) -> dict[int, int]:
    """{transcript id: text length in code points} for ``ids`` (None: every transcript)."""
    query = select(Transcript.id, length_column(s))
    if ids is not None:
        query = query.where(Transcript.id.in_(list(ids)))
    rows = [(int(tid), n) for tid, n in s.execute(query)]
    # one text at a time, never all of them at once
    return {tid: int(n) if n is not None else measured(s, tid) for tid, n in rows}
