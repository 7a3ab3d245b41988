"""The transcripts as flat rows with both clocks (`ipr-workbench utterances --json`).

One query for the whole project instead of one per transcript: the command is how scripts check
an import, and AnnoMI alone has ~10^4 utterances.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from app.core.dto import UTTERANCE_PLACE_FIELDS
from app.core.errors import NotFoundError
from app.core.models import Session as SessionRow
from app.core.models import Transcript, Utterance
from app.core.project import Project
from app.core.segment_spans import utterance_columns

START = UTTERANCE_PLACE_FIELDS.index("start_char")
END = UTTERANCE_PLACE_FIELDS.index("end_char")


@dataclass(frozen=True)
class UtteranceRow:
    """Keys and order as in spec §4: session, transcript, kind, then the utterance's place
    (``UTTERANCE_PLACE_FIELDS``, pinned by a unit test), then its text."""

    session: str
    transcript: str
    kind: str
    ordinal: int
    speaker: str
    role: str
    start_char: int
    end_char: int
    start_ms: int | None
    end_ms: int | None
    session_start_ms: int | None
    session_end_ms: int | None
    text: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _natural(name: str) -> tuple[int, int | str]:
    """Session "2" before "10": numeric names sort as numbers."""
    return (0, int(name)) if name.isdigit() else (1, name.casefold())


def utterance_rows(project: Project, session: str | None = None) -> list[UtteranceRow]:
    """Every utterance (of one session, if named), in session, transcript and ordinal order."""
    with project.reading() as s:
        if session is not None:
            exists = s.scalar(select(SessionRow.id).where(SessionRow.name == session))
            if exists is None:
                raise NotFoundError(f"session '{session}' is not in the project")
        t_stmt = select(
            Transcript.id, SessionRow.name, Transcript.name, Transcript.kind, Transcript.text
        ).join(SessionRow, SessionRow.id == Transcript.session_id)
        if session is not None:
            t_stmt = t_stmt.where(SessionRow.name == session)
        transcripts = {
            tid: (sname, tname, kind, text) for tid, sname, tname, kind, text in s.execute(t_stmt)
        }
        u_stmt = select(
            *utterance_columns(("transcript_id", *UTTERANCE_PLACE_FIELDS))
        ).where(Utterance.transcript_id.in_(list(transcripts)))
        rows = []
        for tid, *place in s.execute(u_stmt):
            sname, tname, kind, text = transcripts[tid]
            start, end = place[START], place[END]
            fields: dict[str, Any] = dict(zip(UTTERANCE_PLACE_FIELDS, place, strict=True))
            row = UtteranceRow(
                session=sname, transcript=tname, kind=kind, text=text[start:end], **fields
            )
            rows.append(row)
    kind_order = {"session": 0, "recall": 1}
    rows.sort(
        key=lambda r: (_natural(r.session), kind_order.get(r.kind, 2), r.transcript, r.ordinal)
    )
    return rows
