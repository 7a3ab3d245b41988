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

from sqlalchemy import LargeBinary, case, cast, func, literal, select
from sqlalchemy.orm import Session as DbSession

from app.core.models import Transcript


def transcript_lengths(s: DbSession, ids: Iterable[int] | None = None) -> dict[int, int]:
    """{transcript id: text length in code points} for ``ids`` (None: every transcript)."""
    wanted = None if ids is None else list(ids)
    if s.get_bind().dialect.name != "sqlite":
        query = select(Transcript.id, func.length(Transcript.text))
        if wanted is not None:
            query = query.where(Transcript.id.in_(wanted))
        return {int(tid): int(n or 0) for tid, n in s.execute(query)}
    blob = cast(Transcript.text, LargeBinary)
    no_nul = func.instr(blob, literal(b"\x00", LargeBinary)) == 0
    exact = case((no_nul, func.length(Transcript.text)))  # NULL: measured below
    query = select(Transcript.id, exact)
    if wanted is not None:
        query = query.where(Transcript.id.in_(wanted))
    out: dict[int, int] = {}
    with_nul: list[int] = []
    for tid, n in s.execute(query):
        if n is None:
            with_nul.append(int(tid))
        else:
            out[int(tid)] = int(n)
    for tid in with_nul:  # one at a time: a text is never held with all the others
        text = s.scalar(select(Transcript.text).where(Transcript.id == tid))
        out[tid] = len(text or "")
    return out


def transcript_length(s: DbSession, transcript_id: int) -> int | None:
    """One transcript's length in code points (None when there is no such transcript)."""
    return transcript_lengths(s, [transcript_id]).get(transcript_id)
