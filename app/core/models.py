"""SQLAlchemy 2 models: the project's stored entities (spec §2).

Times are integer milliseconds; text positions are Unicode code points into the transcript's
normalised text (``\\n`` line ends, NFC). Every entity that REFI-QDA exchanges has a stable GUID.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints let Alembic's batch mode (SQLite) recreate tables reliably.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TRANSCRIPT_KINDS = ("session", "recall")
ROLES = ("therapist", "client", "interviewer", "other")
CODER_KINDS = ("human", "suggester", "consensus")
SUGGESTION_STATUSES = ("pending", "accepted", "rejected")
SUGGESTION_ORIGINS = ("rule", "model")
SEGMENT_ORIGINS = ("manual", "import", "suggestion", "adjudication")
PERSPECTIVES = ("observer", "client recall", "therapist recall")


def new_guid() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Naive UTC timestamp: SQLite keeps no zone, so every stored time is UTC by convention."""
    return datetime.now(UTC).replace(tzinfo=None)


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class ProjectMeta(Base):
    """Key/value facts about the project (name, creating app version, default user)."""

    __tablename__ = "project_meta"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class Coder(Base):
    __tablename__ = "coder"
    __table_args__ = (CheckConstraint(_in("kind", CODER_KINDS), name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="human")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Speaker(Base):
    """Project-wide speaker map: original label → role (editable)."""

    __tablename__ = "speaker"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="other")


class Session(Base):
    """One recorded therapy session (named ``Session`` in the domain; not a DB session)."""

    __tablename__ = "session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    case_id: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[str | None] = mapped_column(String(40))
    video_path: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    transcripts: Mapped[list[Transcript]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )


class Transcript(Base):
    __tablename__ = "transcript"
    __table_args__ = (
        UniqueConstraint("session_id", "name", name="session_name"),
        CheckConstraint(_in("kind", TRANSCRIPT_KINDS), name="kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="session")
    text: Mapped[str] = mapped_column(Text, default="")
    source_file: Mapped[str | None] = mapped_column(Text)
    source_format: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    session: Mapped[Session] = relationship(back_populates="transcripts")


class Utterance(Base):
    """One speaker turn; ``session_*_ms`` place it on the session clock (recall transcripts too)."""

    __tablename__ = "utterance"
    __table_args__ = (
        UniqueConstraint("transcript_id", "ordinal", name="transcript_ordinal"),
        CheckConstraint("start_char >= 0 AND start_char <= end_char", name="char_span"),
        CheckConstraint("start_ms IS NULL OR end_ms IS NULL OR start_ms <= end_ms", name="ms_span"),
        CheckConstraint(
            "session_start_ms IS NULL OR session_end_ms IS NULL "
            "OR session_start_ms <= session_end_ms",
            name="session_ms_span",
        ),
        CheckConstraint(_in("role", ROLES), name="role"),
        Index("ix_utterance_transcript_start", "transcript_id", "start_char"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcript.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="other")
    start_char: Mapped[int] = mapped_column(Integer)
    end_char: Mapped[int] = mapped_column(Integer)
    start_ms: Mapped[int | None] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer)
    session_start_ms: Mapped[int | None] = mapped_column(Integer)
    session_end_ms: Mapped[int | None] = mapped_column(Integer)
    source_ref: Mapped[str | None] = mapped_column(String(200))


class Scheme(Base):
    """A coding scheme loaded into the project (its citation travels with the codebook)."""

    __tablename__ = "scheme"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    version: Mapped[str] = mapped_column(String(50), default="")
    citation: Mapped[str] = mapped_column(Text, default="")
    window_seconds: Mapped[int | None] = mapped_column(Integer)


class Code(Base):
    __tablename__ = "code"
    __table_args__ = (Index("ix_code_parent_position", "parent_id", "position"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="RESTRICT"))
    scheme_id: Mapped[int | None] = mapped_column(ForeignKey("scheme.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(Text, default="")
    include: Mapped[str] = mapped_column(Text, default="")
    exclude: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[Any]] = mapped_column(JSON, default=list)
    color: Mapped[str] = mapped_column(String(9), default="#808080")
    shortcut: Mapped[str] = mapped_column(String(40), default="")
    codable: Mapped[bool] = mapped_column(Boolean, default=True)
    rating: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    patterns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Speaker roles / transcript kinds the code applies to (None or empty: all of them).
    speakers: Mapped[list[str] | None] = mapped_column(JSON)
    transcripts: Mapped[list[str] | None] = mapped_column(JSON)
    # Optimistic versioning (app/core/versioning.py), as for segments: +1 on every change.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Segment(Base):
    """One application of one code by one coder, on a text span or on a session time range."""

    __tablename__ = "segment"
    __table_args__ = (
        CheckConstraint(
            "(transcript_id IS NOT NULL AND start_char IS NOT NULL AND end_char IS NOT NULL "
            "AND start_char >= 0 AND start_char < end_char) OR "
            "(transcript_id IS NULL AND start_ms IS NOT NULL AND end_ms IS NOT NULL "
            "AND start_ms >= 0 AND start_ms < end_ms)",
            name="anchor",
        ),
        CheckConstraint(_in("origin", SEGMENT_ORIGINS), name="origin"),
        CheckConstraint(
            "perspective IS NULL OR " + _in("perspective", PERSPECTIVES), name="perspective"
        ),
        Index("ix_segment_transcript_start", "transcript_id", "start_char"),
        Index("ix_segment_session_start_ms", "session_id", "start_ms"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="RESTRICT"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coder.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"))
    transcript_id: Mapped[int | None] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE")
    )
    start_char: Mapped[int | None] = mapped_column(Integer)
    end_char: Mapped[int | None] = mapped_column(Integer)
    start_ms: Mapped[int | None] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer)
    memo: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(Integer)
    perspective: Mapped[str | None] = mapped_column(String(30))
    origin: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Optimistic versioning (app/core/versioning.py): +1 on every change, back on its undo.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Suggestion(Base):
    """A candidate span for a code; never counts as coding until accepted."""

    __tablename__ = "suggestion"
    __table_args__ = (
        CheckConstraint("start_char >= 0 AND start_char < end_char", name="char_span"),
        CheckConstraint(_in("status", SUGGESTION_STATUSES), name="status"),
        CheckConstraint(_in("origin", SUGGESTION_ORIGINS), name="origin"),
        Index("ix_suggestion_transcript_status", "transcript_id", "status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcript.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"), index=True)
    start_char: Mapped[int] = mapped_column(Integer)
    end_char: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(default=0.0)
    origin: Mapped[str] = mapped_column(String(10), default="rule")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id", ondelete="SET NULL"))
    # Indexed: deleting a segment sets this to NULL, which would otherwise scan every suggestion.
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("segment.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Why it was suggested: the matched pattern, or the words that weighed most for the model.
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Optimistic versioning: +1 on every decision, back on its undo.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Memo(Base):
    """Free memos on the project, a session, a transcript or a code (segment memos live on it)."""

    __tablename__ = "memo"
    __table_args__ = (
        CheckConstraint(
            _in("target_type", ("project", "session", "transcript", "code")), name="target"
        ),
        Index("ix_memo_target", "target_type", "target_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SuggesterModel(Base):
    """A trained suggester stored inside the project, so it moves with the file."""

    __tablename__ = "suggester_model"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="default")
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id", ondelete="SET NULL"))
    trained_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    n_examples: Mapped[int] = mapped_column(Integer, default=0)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class UtteranceEmbedding(Base):
    """A cached sentence embedding of one utterance (the optional ``[embeddings]`` suggester).

    Derived data, never user data: recomputed from the text whenever ``text_hash`` no longer
    matches, never exported, counted, merged or kept in coder or de-identified copies.
    """

    __tablename__ = "utterance_embedding"
    utterance_id: Mapped[int] = mapped_column(
        ForeignKey("utterance.id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(32))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float16, little-endian


class AuditEntry(Base):
    """One line of the project's audit log: who (coder and login) did what (a command), when.

    Written in the same transaction as the change it describes where possible, so the log and
    the data never disagree. ``detail`` names things (codes, sessions, files), never clinical text.
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    os_user: Mapped[str] = mapped_column(String(200), default="")
    coder: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")
    # The database role that wrote the entry (PostgreSQL fills it: CURRENT_USER; SQLite: none).
    db_role: Mapped[str | None] = mapped_column(String(200))


@event.listens_for(Segment, "before_update")
@event.listens_for(Code, "before_update")
@event.listens_for(Suggestion, "before_update")
def _next_version(_mapper: Any, _connection: Any, target: Any) -> None:
    """Every change of a versioned row moves its version on, unless the change sets it itself
    (an undo puts back the version it found)."""
    if not inspect(target).attrs.version.history.has_changes():
        target.version = (target.version or 0) + 1
