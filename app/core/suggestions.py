"""Suggestions: candidate passages for codes, their decisions, and the stored suggester model.

Qt-free and spaCy-free: ``app/nlp`` computes suggestions and trains the model, this module stores
them. A suggestion never counts as coding until accepted; accepting creates a segment for the
accepting coder (origin ``suggestion``), rejecting keeps the suggestion as a negative example for
the next training. Both are undoable commands. Re-running the suggester replaces pending
suggestions only: decided ones are the researcher's work and are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session as DbSession

from app.core.codebook import list_codes_in
from app.core.coding import TextAnchor, new_segment_row
from app.core.commands import Command, CompositeCommand, delete_rows
from app.core.dto import SuggestionInfo
from app.core.errors import ConflictError, NotFoundError
from app.core.models import (
    Base,
    Coder,
    Segment,
    SuggesterModel,
    Suggestion,
    Transcript,
    utcnow,
)
from app.core.project import Project
from app.core.suggestion_units import UnitRecord as UnitRecord  # re-exported
from app.core.suggestion_units import coded_spans as coded_spans  # re-exported
from app.core.suggestion_units import load_units as load_units  # re-exported
from app.core.suggestion_units import majority_codes as majority_codes  # re-exported
from app.core.versioning import (
    check_suggestion,
    check_unchanged,
    lock_segment,
    lock_suggestion,
)

#: The name agreement gives the suggester (read from its suggestions; never a stored coder).
SUGGESTER_CODER = "suggester"
DEFAULT_MODEL = "default"


@dataclass(frozen=True)
class NewSuggestion:
    """A suggestion computed by ``app.nlp``, not yet stored."""

    transcript_id: int
    code_id: int
    start_char: int
    end_char: int
    score: float
    origin: str
    reason: str = ""


def drop_already_coded(
    suggestions: Sequence[NewSuggestion],
    coded: dict[tuple[int, int], list[tuple[int, int]]],
) -> list[NewSuggestion]:
    """Suggestions minus those whose code the coder already applied to an overlapping span
    (``coded`` from ``coded_spans``): a suggestion that repeats one's own coding wastes a look."""
    out = []
    for sug in suggestions:
        spans = coded.get((sug.transcript_id, sug.code_id), ())
        if any(a < sug.end_char and b > sug.start_char for a, b in spans):
            continue
        out.append(sug)
    return out


@dataclass(frozen=True)
class ModelInfo:
    id: int
    name: str
    coder_name: str | None
    trained_at: datetime
    n_examples: int
    meta: dict[str, Any]


# --- queries ----------------------------------------------------------------------------------


def _info(row: Suggestion, paths: dict[int, str]) -> SuggestionInfo:
    return SuggestionInfo(
        id=row.id,
        transcript_id=row.transcript_id,
        code_id=row.code_id,
        code_path=paths.get(row.code_id, ""),
        start_char=row.start_char,
        end_char=row.end_char,
        score=row.score,
        origin=row.origin,
        status=row.status,
        segment_id=row.segment_id,
        reason=row.reason or "",
        decided_by_id=row.decided_by_id,
        version=row.version,
    )


def list_suggestions(
    project: Project,
    *,
    transcript_id: int | None = None,
    session_ids: Iterable[int] | None = None,
    code_ids: Iterable[int] | None = None,
    statuses: Iterable[str] | None = None,
    min_score: float | None = None,
) -> list[SuggestionInfo]:
    """Suggestions matching every filter, by transcript and position (best score first on ties)."""
    with project.reading() as s:
        paths = {c.id: c.path for c in list_codes_in(s)}
        stmt = select(Suggestion)
        if transcript_id is not None:
            stmt = stmt.where(Suggestion.transcript_id == transcript_id)
        if session_ids is not None:
            stmt = stmt.join(Transcript, Transcript.id == Suggestion.transcript_id).where(
                Transcript.session_id.in_(list(session_ids))
            )
        if code_ids is not None:
            stmt = stmt.where(Suggestion.code_id.in_(list(code_ids)))
        if statuses is not None:
            stmt = stmt.where(Suggestion.status.in_(list(statuses)))
        if min_score is not None:
            stmt = stmt.where(Suggestion.score >= min_score)
        stmt = stmt.order_by(
            Suggestion.transcript_id, Suggestion.start_char, Suggestion.score.desc(), Suggestion.id
        )
        return [_info(row, paths) for row in s.scalars(stmt)]


def suggestions_by_id(
    project: Project, ids: Iterable[int], paths: dict[int, str]
) -> list[SuggestionInfo]:
    """These suggestions as they are stored now (gone ones are left out), with the code paths
    the caller already holds: re-reading one decision costs one indexed query, not the codebook."""
    with project.reading() as s:
        rows = s.scalars(select(Suggestion).where(Suggestion.id.in_(list(ids))))
        return [_info(row, paths) for row in rows]


def get_suggestion(project: Project, suggestion_id: int) -> SuggestionInfo:
    with project.reading() as s:
        row = s.get(Suggestion, suggestion_id)
        if row is None:
            raise NotFoundError(f"suggestion #{suggestion_id} does not exist")
        return _info(row, {c.id: c.path for c in list_codes_in(s)})


# --- storing suggestions --------------------------------------------------------------------


def replace_pending(
    project: Project,
    transcript_ids: Iterable[int],
    code_ids: Iterable[int],
    suggestions: Sequence[NewSuggestion],
) -> int:
    """Drop pending suggestions of these transcripts x codes and store the new ones.

    Decided suggestions stay; a new one that repeats a decided one (same code and span) is not
    stored again, so a rejected passage does not come back. Returns how many were stored.
    """
    tids, cids = list(transcript_ids), list(code_ids)
    with project.transaction() as s:
        if tids and cids:
            s.execute(
                delete(Suggestion).where(
                    Suggestion.status == "pending",
                    Suggestion.transcript_id.in_(tids),
                    Suggestion.code_id.in_(cids),
                )
            )
        decided = {
            (t, c, a, b)
            for t, c, a, b in s.execute(
                select(
                    Suggestion.transcript_id,
                    Suggestion.code_id,
                    Suggestion.start_char,
                    Suggestion.end_char,
                ).where(Suggestion.transcript_id.in_(tids))
            )
        }
        rows = []
        now = utcnow()  # one run, one time
        for sug in suggestions:
            key = (sug.transcript_id, sug.code_id, sug.start_char, sug.end_char)
            if key in decided or sug.start_char >= sug.end_char:
                continue
            decided.add(key)
            rows.append(
                {
                    "transcript_id": sug.transcript_id,
                    "code_id": sug.code_id,
                    "start_char": sug.start_char,
                    "end_char": sug.end_char,
                    "score": round(float(sug.score), 4),
                    "origin": sug.origin,
                    "reason": sug.reason[:500],
                    "status": "pending",
                    "created_at": now,
                }
            )
        if rows:  # one executemany on the table (the ORM's bulk path costs twice as much)
            s.execute(insert(Base.metadata.tables[Suggestion.__tablename__]), rows)
        return len(rows)


# --- decisions (undoable) -----------------------------------------------------------------


def _pending(s: DbSession, suggestion_id: int, expected: int | None, action: str) -> Suggestion:
    """The suggestion, locked, still pending and (when known) at the version the user saw."""
    row = lock_suggestion(s, suggestion_id)
    if row.status != "pending":
        decided = s.get(Coder, row.decided_by_id) if row.decided_by_id is not None else None
        by = f" by {decided.name}" if decided is not None else ""
        raise ConflictError(
            f"suggestion #{suggestion_id} is already {row.status}{by}; {action} was refused "
            "so that decision is kept"
        )
    check_suggestion(row, expected, action)
    return row


class _Decision(Command):
    """A decision on one suggestion, versioned: ``expected_version`` is what the user saw; the
    undo is refused when the suggestion changed after the decision (never undo someone else's)."""

    def __init__(
        self, suggestion_id: int, coder_id: int, *, expected_version: int | None = None
    ) -> None:
        self.suggestion_id = suggestion_id
        self.coder_id = coder_id
        self.expected_version = expected_version
        self.before_version: int | None = None
        self.done_version: int | None = None

    def _decided(self, row: Suggestion) -> None:
        self.before_version = row.version
        self.expected_version = row.version  # a redo starts where the undo leaves it

    def _locked_for_undo(self, s: DbSession) -> Suggestion:
        row = s.get(Suggestion, self.suggestion_id, with_for_update=True, populate_existing=True)
        action = f"undoing '{self.text}'"
        if row is None:
            raise ConflictError(
                f"suggestion #{self.suggestion_id} was removed by someone else since; {action} "
                "was refused"
            )
        check_suggestion(row, self.done_version, action)
        return row


class AcceptSuggestion(_Decision):
    """Accept: the passage becomes a segment of the accepting coder."""

    def __init__(
        self, suggestion_id: int, coder_id: int, *, expected_version: int | None = None
    ) -> None:
        super().__init__(suggestion_id, coder_id, expected_version=expected_version)
        self.segment_id: int | None = None
        self.segment_guid: str | None = None
        self.code_id: int | None = None  # known once done (the codebook counts follow it)
        self.segment_version: int | None = None
        self.text = "Accept suggestion"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            sug = _pending(s, self.suggestion_id, self.expected_version, "accepting it")
            self._decided(sug)
            seg = new_segment_row(
                s,
                coder_id=self.coder_id,
                code_id=sug.code_id,
                anchor=TextAnchor(sug.transcript_id, sug.start_char, sug.end_char),
                origin="suggestion",
                segment_id=self.segment_id,
                guid=self.segment_guid,
            )
            s.flush()
            self.segment_id, self.segment_guid = seg.id, seg.guid
            self.code_id = sug.code_id
            sug.status, sug.decided_by_id, sug.segment_id = "accepted", self.coder_id, seg.id
            s.flush()
            self.done_version, self.segment_version = sug.version, seg.version

    def undo(self, project: Project) -> None:
        with project.transaction() as s:
            sug = self._locked_for_undo(s)
            if self.segment_id is not None:
                seg = lock_segment(s, self.segment_id)
                check_unchanged(seg, self.segment_version, f"undoing '{self.text}'")
            sug.status, sug.decided_by_id, sug.segment_id = "pending", None, None
            sug.version = self.before_version or sug.version
            if self.segment_id is not None:
                s.flush()
                delete_rows(s, Segment, [self.segment_id])


class RejectSuggestion(_Decision):
    """Reject: the passage stays stored as a negative example for the next training."""

    def __init__(
        self, suggestion_id: int, coder_id: int, *, expected_version: int | None = None
    ) -> None:
        super().__init__(suggestion_id, coder_id, expected_version=expected_version)
        self.text = "Reject suggestion"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            sug = _pending(s, self.suggestion_id, self.expected_version, "rejecting it")
            self._decided(sug)
            sug.status, sug.decided_by_id = "rejected", self.coder_id
            s.flush()
            self.done_version = sug.version

    def undo(self, project: Project) -> None:
        with project.transaction() as s:
            sug = self._locked_for_undo(s)
            sug.status, sug.decided_by_id = "pending", None
            sug.version = self.before_version or sug.version


def accept_many(
    suggestion_ids: Sequence[int], coder_id: int, versions: dict[int, int] | None = None
) -> CompositeCommand:
    """Batch accept (e.g. every pending suggestion above a score) as one undoable edit;
    ``versions``: what the user saw of each (a stale one refuses the whole batch)."""
    seen = versions or {}
    children = [AcceptSuggestion(i, coder_id, expected_version=seen.get(i)) for i in suggestion_ids]
    return CompositeCommand(f"Accept {len(children)} suggestions", children)


# --- the stored model -----------------------------------------------------------------------


def save_model(
    project: Project,
    data: bytes,
    *,
    coder_id: int | None,
    n_examples: int,
    meta: dict[str, Any],
    name: str = DEFAULT_MODEL,
) -> ModelInfo:
    """Store a trained model in the project (replacing the one of the same name)."""
    with project.transaction() as s:
        s.execute(delete(SuggesterModel).where(SuggesterModel.name == name))
        row = SuggesterModel(
            name=name,
            coder_id=coder_id,
            trained_at=utcnow(),
            n_examples=n_examples,
            meta=meta,
            data=data,
        )
        s.add(row)
        s.flush()
        coder = s.get(Coder, coder_id) if coder_id is not None else None
        return ModelInfo(
            row.id, name, coder.name if coder else None, row.trained_at, n_examples, dict(meta)
        )


def model_info(project: Project, name: str = DEFAULT_MODEL) -> ModelInfo | None:
    """When and from what the stored model was trained (None if never trained)."""
    with project.reading() as s:
        found = s.execute(
            select(
                SuggesterModel.id,
                SuggesterModel.trained_at,
                SuggesterModel.n_examples,
                SuggesterModel.meta,
                Coder.name,
            )
            .outerjoin(Coder, Coder.id == SuggesterModel.coder_id)
            .where(SuggesterModel.name == name)
        ).first()
        if found is None:
            return None
        mid, trained_at, n, meta, coder_name = found
        return ModelInfo(mid, name, coder_name, trained_at, n, dict(meta or {}))


def model_encoders(project: Project) -> set[str]:
    """The sentence encoders the stored models read (``meta["embeddings"]``; none for a model
    trained without embeddings)."""
    with project.reading() as s:
        metas = s.scalars(select(SuggesterModel.meta)).all()
    return {str(m["embeddings"]) for m in metas if m and m.get("embeddings")}


def load_model_data(project: Project, name: str = DEFAULT_MODEL) -> bytes | None:
    with project.reading() as s:
        return s.scalar(select(SuggesterModel.data).where(SuggesterModel.name == name))
