"""The project's cache of utterance sentence embeddings (the optional ``[embeddings]`` suggester).

A vector is derived data: it is read back only while the utterance's text still hashes the same
and the encoder is the same (``model_id``), and it is never exported, counted, merged, or kept in
coder or de-identified copies (``split``, ``--deidentify`` drop it). Losing it costs only the time
to encode again, so writing it never disturbs the user's work: it goes in its own short
transaction without an audit entry, and a refusal (read-only file, a team-server login without
the right, a locked file) is logged and ignored.

Qt-, spaCy- and NumPy-free: vectors are opaque bytes here (``app/nlp/embeddings`` packs them).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from sqlalchemy import Connection, delete, func, insert, select, tuple_
from sqlalchemy.exc import DBAPIError, OperationalError

from app.core.models import UtteranceEmbedding
from app.core.project import WRITE_OPTION, Project

log = logging.getLogger(__name__)
CHUNK = 500  # ids per IN (...) list: SQLite's bound-parameter limit is generous, keep it modest


def text_hash(text: str) -> str:
    """What a cached vector was computed from (32 hex digits of SHA-256 of the text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def load(project: Project, model_id: str, hashes: Mapping[int, str]) -> dict[int, bytes]:
    """Cached vectors by utterance id, only where the stored hash equals ``hashes[id]``."""
    out: dict[int, bytes] = {}
    ids = sorted(hashes)
    with project.reading() as s:
        for part in _chunks(ids):
            rows = s.execute(
                select(
                    UtteranceEmbedding.utterance_id,
                    UtteranceEmbedding.text_hash,
                    UtteranceEmbedding.vector,
                ).where(
                    UtteranceEmbedding.model_id == model_id,
                    UtteranceEmbedding.utterance_id.in_(part),
                )
            )
            for uid, digest, vector in rows:
                if hashes.get(uid) == digest:
                    out[uid] = bytes(vector)
    return out


def writable(project: Project) -> bool:
    """May this connection write the cache? A read-only file may not; on a team server only
    leads may (``app/core/team.py``: coders write their own coding and nothing else), asked of
    the server once per project rather than by a refused statement on every run."""
    if project.readonly:
        return False
    if project.is_sqlite:
        return True
    known = getattr(project, "_embedding_cache_writable", None)
    if known is None:
        table = UtteranceEmbedding.__tablename__
        with project.reading() as s:
            known = bool(
                s.scalar(
                    select(
                        func.has_table_privilege(table, "INSERT")
                        & func.has_table_privilege(table, "DELETE")
                    )
                )
            )
        project._embedding_cache_writable = known  # type: ignore[attr-defined]
        if not known:
            log.warning(
                "embedding cache not written: this database role may not write it (only leads "
                "may); the vectors are kept in memory for this run"
            )
    return bool(known)


def _write(project: Project, what: str, work: Callable[[Connection], int]) -> int | None:
    """``work`` in its own short write transaction; None when this connection may not write
    the cache or the write is refused (logged as ``what`` and the kind of refusal, never the
    statement or its parameters)."""
    if not writable(project):
        return None
    engine = project.engine.execution_options(**{WRITE_OPTION: True})
    try:
        with engine.begin() as conn:
            return work(conn)
    except (DBAPIError, OperationalError) as exc:
        log.warning("%s (%s)", what, type(exc.orig or exc).__name__)
        return None


def store(project: Project, model_id: str, rows: Sequence[tuple[int, str, bytes]]) -> bool:
    """Write (utterance id, text hash, vector) rows, replacing older ones; False if refused
    (nothing is written, and the caller keeps the vectors in memory)."""
    if not rows:
        return False

    def replace(conn: Connection) -> int:
        for part in _chunks([uid for uid, _h, _v in rows]):
            conn.execute(
                delete(UtteranceEmbedding).where(
                    tuple_(UtteranceEmbedding.utterance_id, UtteranceEmbedding.model_id).in_(
                        [(uid, model_id) for uid in part]
                    )
                )
            )
        conn.execute(
            insert(UtteranceEmbedding),
            [
                {"utterance_id": u, "model_id": model_id, "text_hash": h, "vector": v}
                for u, h, v in rows
            ],
        )
        return len(rows)

    return _write(project, "embedding cache not written", replace) is not None


def drop_other_encoders(project: Project, keep: Collection[str]) -> int:
    """Drop the vectors of every encoder not in ``keep``; how many were dropped (0 when this
    connection may not write the cache, or the write is refused: logged and ignored).

    Why: after the encoder changes (a release that reads other layers names it differently),
    the previous encoder's vectors can serve only a model trained with it; once no stored model
    is, they are dead weight (1.5 kB per turn)."""

    def drop(conn: Connection) -> int:
        where = UtteranceEmbedding.model_id.not_in(list(keep))
        return int(conn.execute(delete(UtteranceEmbedding).where(where)).rowcount or 0)

    return _write(project, "old embedding vectors not dropped", drop) or 0


def count(project: Project, model_id: str | None = None) -> int:
    """Cached vectors (all encoders, or one): for tests and ``suggest info``."""
    with project.reading() as s:
        query = select(func.count()).select_from(UtteranceEmbedding)
        if model_id is not None:
            query = query.where(UtteranceEmbedding.model_id == model_id)
        return int(s.scalar(query) or 0)


def clear(project: Project) -> int:
    """Drop every cached vector (copies that must not carry it); how many were dropped."""
    with project.transaction() as s:
        return int(s.execute(delete(UtteranceEmbedding)).rowcount or 0)  # type: ignore[attr-defined]
