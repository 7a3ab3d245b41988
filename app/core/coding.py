"""Coding: segments (a code applied by a coder to a text span or a session time range).

Queries return ``SegmentInfo``; edits are commands. Spans are validated against the transcript so a
segment can never point outside its text, and ratings against the code's scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from app.core.codebook import list_codes_in
from app.core.commands import Command, delete_rows, restore_rows, row_to_dict
from app.core.dto import RatingScale, SegmentInfo
from app.core.errors import ConflictError, NotFoundError, UserError
from app.core.models import (
    PERSPECTIVES,
    Code,
    Coder,
    Segment,
    Suggestion,
    new_guid,
    utcnow,
)
from app.core.models import Session as SessionRow
from app.core.project import Project
from app.core.text_length import transcript_length
from app.core.versioning import check_unchanged, lock_segment


@dataclass(frozen=True)
class TextAnchor:
    """A span of a transcript, in code points, end exclusive."""

    transcript_id: int
    start_char: int
    end_char: int


@dataclass(frozen=True)
class TimeAnchor:
    """A range of a session's clock, in milliseconds, end exclusive (e.g. a 3RS window)."""

    session_id: int
    start_ms: int
    end_ms: int


Anchor = TextAnchor | TimeAnchor


def list_segments(
    project: Project,
    *,
    transcript_id: int | None = None,
    session_ids: Iterable[int] | None = None,
    coder_ids: Iterable[int] | None = None,
    code_ids: Iterable[int] | None = None,
) -> list[SegmentInfo]:
    """Segments matching every given filter, ordered by position in their transcript/session."""
    with project.reading() as s:
        paths = {c.id: c.path for c in list_codes_in(s)}
        # Columns, not ORM objects: a whole-archive export reads 10^5 segments (issue 17)
        stmt = select(*_SEGMENT_COLUMNS, Coder.name).join(Coder, Coder.id == Segment.coder_id)
        if transcript_id is not None:
            stmt = stmt.where(Segment.transcript_id == transcript_id)
        if session_ids is not None:
            stmt = stmt.where(Segment.session_id.in_(list(session_ids)))
        if coder_ids is not None:
            stmt = stmt.where(Segment.coder_id.in_(list(coder_ids)))
        if code_ids is not None:
            stmt = stmt.where(Segment.code_id.in_(list(code_ids)))
        stmt = stmt.order_by(
            Segment.session_id,
            Segment.transcript_id,
            Segment.start_char,
            Segment.start_ms,
            Segment.id,
        )
        return [
            SegmentInfo(
                id=r[0], guid=r[1], code_id=r[2], code_path=paths.get(r[2], ""), coder_id=r[3],
                coder_name=r[17], session_id=r[4], transcript_id=r[5], start_char=r[6],
                end_char=r[7], start_ms=r[8], end_ms=r[9], memo=r[10], rating=r[11],
                origin=r[12], perspective=r[13], created_at=r[14], updated_at=r[15],
                version=r[16],
            )
            for r in s.execute(stmt)
        ]  # fmt: skip


_SEGMENT_COLUMNS = (
    Segment.id, Segment.guid, Segment.code_id, Segment.coder_id, Segment.session_id,
    Segment.transcript_id, Segment.start_char, Segment.end_char, Segment.start_ms,
    Segment.end_ms, Segment.memo, Segment.rating, Segment.origin, Segment.perspective,
    Segment.created_at, Segment.updated_at, Segment.version,
)  # fmt: skip


def segment_info(row: Segment, coder_name: str, paths: dict[int, str]) -> SegmentInfo:
    return SegmentInfo(
        id=row.id,
        guid=row.guid,
        code_id=row.code_id,
        code_path=paths.get(row.code_id, ""),
        coder_id=row.coder_id,
        coder_name=coder_name,
        session_id=row.session_id,
        transcript_id=row.transcript_id,
        start_char=row.start_char,
        end_char=row.end_char,
        start_ms=row.start_ms,
        end_ms=row.end_ms,
        memo=row.memo,
        rating=row.rating,
        origin=row.origin,
        perspective=row.perspective,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def get_segment(project: Project, segment_id: int) -> SegmentInfo:
    with project.reading() as s:
        row = s.get(Segment, segment_id)
        if row is None:
            raise NotFoundError(f"segment #{segment_id} does not exist")
        coder = s.scalar(select(Coder.name).where(Coder.id == row.coder_id)) or ""
        return segment_info(row, coder, {c.id: c.path for c in list_codes_in(s)})


def count_segments(project: Project) -> int:
    with project.reading() as s:
        return s.scalar(select(func.count()).select_from(Segment)) or 0


def _check_rating(code: Code, rating: int | None) -> None:
    if rating is None:
        return
    scale = RatingScale.from_json(code.rating)
    if scale is not None and not scale.min <= rating <= scale.max:
        raise UserError(
            f"rating {rating} for '{code.name}': expected {scale.min}-{scale.max} ({scale.name})"
        )


def validate_anchor(s: DbSession, anchor: Anchor) -> int:
    """Check the anchor against the stored text/session; return the session id it belongs to."""
    if isinstance(anchor, TextAnchor):
        found = transcript_length(s, anchor.transcript_id)  # remembered per project
        if found is None:
            raise NotFoundError(f"transcript #{anchor.transcript_id} does not exist")
        session_id, length = found
        if not 0 <= anchor.start_char < anchor.end_char <= length:
            raise UserError(
                f"text span {anchor.start_char}-{anchor.end_char} is empty or outside the "
                f"transcript (0-{length})"
            )
        return int(session_id)
    if s.get(SessionRow, anchor.session_id) is None:
        raise NotFoundError(f"session #{anchor.session_id} does not exist")
    if not 0 <= anchor.start_ms < anchor.end_ms:
        raise UserError(f"time range {anchor.start_ms}-{anchor.end_ms} ms is empty or negative")
    return anchor.session_id


def new_segment_row(
    s: DbSession,
    *,
    coder_id: int,
    code_id: int,
    anchor: Anchor,
    memo: str = "",
    rating: int | None = None,
    origin: str = "manual",
    perspective: str | None = None,
    segment_id: int | None = None,
    guid: str | None = None,
) -> Segment:
    """Validate and add (not commit) a segment row; shared by commands and bulk importers."""
    code = s.get(Code, code_id)
    if code is None:
        raise NotFoundError(f"code #{code_id} does not exist")
    if not code.codable:
        raise UserError(f"'{code.name}' is a category, not a codable code")
    if s.get(Coder, coder_id) is None:
        raise NotFoundError(f"coder #{coder_id} does not exist")
    if perspective is not None and perspective not in PERSPECTIVES:
        raise UserError(f"perspective '{perspective}': expected one of {', '.join(PERSPECTIVES)}")
    _check_rating(code, rating)
    session_id = validate_anchor(s, anchor)
    now = utcnow()
    row = Segment(
        id=segment_id,
        guid=guid or new_guid(),
        code_id=code_id,
        coder_id=coder_id,
        session_id=session_id,
        memo=memo,
        rating=rating,
        origin=origin,
        perspective=perspective,
        created_at=now,
        updated_at=now,
    )
    if isinstance(anchor, TextAnchor):
        row.transcript_id = anchor.transcript_id
        row.start_char, row.end_char = anchor.start_char, anchor.end_char
    else:
        row.start_ms, row.end_ms = anchor.start_ms, anchor.end_ms
    s.add(row)
    return row


class ApplyCode(Command):
    """Apply a code for a coder to a text span or a time range (creates one segment)."""

    def __init__(
        self,
        coder_id: int,
        code_id: int,
        anchor: Anchor,
        memo: str = "",
        rating: int | None = None,
        origin: str = "manual",
        perspective: str | None = None,
    ) -> None:
        self.coder_id = coder_id
        self.code_id = code_id
        self.anchor = anchor
        self.memo = memo
        self.rating = rating
        self.origin = origin
        self.perspective = perspective
        self.segment_id: int | None = None
        self.version: int | None = None
        self.guid = new_guid()
        self.text = "Apply code"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            row = new_segment_row(
                s,
                coder_id=self.coder_id,
                code_id=self.code_id,
                anchor=self.anchor,
                memo=self.memo,
                rating=self.rating,
                origin=self.origin,
                perspective=self.perspective,
                segment_id=self.segment_id,
                guid=self.guid,
            )
            s.flush()
            self.segment_id = row.id
            self.version = row.version
            code = s.get(Code, self.code_id)  # loaded by new_segment_row: no second query
            self.text = f"Apply '{code.name if code is not None else ''}'"

    def undo(self, project: Project) -> None:
        assert self.segment_id is not None
        with project.transaction() as s:
            row = lock_segment(s, self.segment_id)
            check_unchanged(row, self.version, f"undoing '{self.text}'")
            delete_rows(s, Segment, [self.segment_id])


class RemoveSegment(Command):
    """Remove a segment; ``expected_version``: the version the user saw (refused if moved on)."""

    def __init__(self, segment_id: int, *, expected_version: int | None = None) -> None:
        self.segment_id = segment_id
        self.expected_version = expected_version
        self.row: dict[str, Any] = {}
        self.suggestion_ids: list[int] = []
        self.text = "Remove segment"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            row = lock_segment(s, self.segment_id)
            check_unchanged(row, self.expected_version, "removing it")
            self.row = row_to_dict(row)
            self.suggestion_ids = list(
                s.scalars(select(Suggestion.id).where(Suggestion.segment_id == self.segment_id))
            )
            delete_rows(s, Segment, [self.segment_id])

    def undo(self, project: Project) -> None:
        with project.transaction() as s:
            if s.get(Segment, self.segment_id) is not None:
                raise ConflictError(f"segment #{self.segment_id} exists again; undo was refused")
            restore_rows(s, Segment, [self.row])
            self.expected_version = self.row["version"]
            for sug in s.scalars(select(Suggestion).where(Suggestion.id.in_(self.suggestion_ids))):
                sug.segment_id = self.segment_id


class EditSegment(Command):
    """Change a segment's memo, rating, perspective, or resize its span/range."""

    FIELDS = ("memo", "rating", "perspective", "start_char", "end_char", "start_ms", "end_ms")

    def __init__(
        self, segment_id: int, *, expected_version: int | None = None, **changes: Any
    ) -> None:
        unknown = set(changes) - set(self.FIELDS)
        if unknown:
            raise UserError(f"unknown segment field(s): {', '.join(sorted(unknown))}")
        self.segment_id = segment_id
        self.expected_version = expected_version
        self.done_version: int | None = None
        self.changes = changes
        self.old: dict[str, Any] = {}
        if set(changes) == {"memo"}:
            self.text = "Edit memo"
        elif set(changes) == {"rating"}:
            self.text = "Set rating"
        elif set(changes) & {"start_char", "end_char", "start_ms", "end_ms"}:
            self.text = "Resize segment"
        else:
            self.text = "Edit segment"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            row = lock_segment(s, self.segment_id)
            check_unchanged(row, self.expected_version, f"'{self.text}'")
            self.old = {k: getattr(row, k) for k in self.changes}
            self.old["updated_at"] = row.updated_at
            self.old["version"] = row.version
            merged = {k: getattr(row, k) for k in self.FIELDS} | self.changes
            with s.no_autoflush:
                # Validate before anything is written: a refused edit changes nothing.
                if "rating" in self.changes:
                    code = s.get(Code, row.code_id)
                    assert code is not None
                    _check_rating(code, merged["rating"])
                if merged["perspective"] not in (None, *PERSPECTIVES):
                    raise UserError(f"perspective '{merged['perspective']}' is not known")
                if row.transcript_id is not None:
                    validate_anchor(
                        s,
                        TextAnchor(
                            row.transcript_id, merged["start_char"] or 0, merged["end_char"] or 0
                        ),
                    )
                else:
                    validate_anchor(
                        s,
                        TimeAnchor(row.session_id, merged["start_ms"] or 0, merged["end_ms"] or 0),
                    )
            for key, value in self.changes.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            s.flush()
            self.done_version = row.version
            self.expected_version = self.old["version"]  # a redo starts where the undo left it

    def undo(self, project: Project) -> None:
        with project.transaction() as s:
            row = lock_segment(s, self.segment_id)
            check_unchanged(row, self.done_version, f"undoing '{self.text}'")
            for key, value in self.old.items():
                setattr(row, key, value)
