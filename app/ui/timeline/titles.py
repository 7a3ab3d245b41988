"""Hover texts of a session's timeline marks (the passage and the memo), read when asked for.

The dock used to read every segment of the session as full records, and the text of its
transcripts, after every edit and session switch, only to have tooltips ready (issue 17: the
timeline's database read was its slow part). Now a hover reads that one segment; an SVG/PNG
export, which writes every title, reads them all at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import UserError
from app.core.models import Segment
from app.core.project import Project
from app.core.sessions import transcript_text


class SegmentTitles:
    def __init__(self, project: Project, session_id: int) -> None:
        self.project = project
        self.session_id = session_id
        self._cache: dict[int, str | None] = {}
        self._texts: dict[int, str] = {}
        self.reads = 0  # database reads so far (tests)

    def __bool__(self) -> bool:
        return True

    def get(self, segment_id: int) -> str | None:
        if segment_id not in self._cache:
            try:
                self._cache.update(self._read([segment_id]))
            except (SQLAlchemyError, UserError):  # the project closed or the row is gone
                return None
            self._cache.setdefault(segment_id, None)
        return self._cache[segment_id]

    def all(self) -> dict[int, str]:
        return {k: v for k, v in self._read(None).items() if v}

    def _read(self, ids: Iterable[int] | None) -> dict[int, str | None]:
        self.reads += 1
        stmt = select(
            Segment.id, Segment.transcript_id, Segment.start_char, Segment.end_char, Segment.memo
        ).where(Segment.session_id == self.session_id)
        if ids is not None:
            stmt = stmt.where(Segment.id.in_(list(ids)))
        with self.project.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        out: dict[int, str | None] = {}
        for sid, tid, start, end, memo in rows:
            bits = []
            if tid is not None and start is not None and end is not None:
                if tid not in self._texts:
                    self._texts[tid] = transcript_text(self.project, tid)
                passage = " ".join(self._texts[tid][start:end].split())
                bits.append(f"“{passage[:160]}{'…' if len(passage) > 160 else ''}”")
            if memo:
                bits.append(f"Memo: {memo[:200]}")
            out[sid] = "\n".join(bits) if bits else None
        return out
