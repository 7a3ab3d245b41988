"""A de-identified private copy of a project, for exports (see ``app.core.deidentify``).

The copy lives in a temporary 0700 folder for the length of one export and is deleted after;
the real project is only read. What the copy changes:

- transcript text, names, memos (segment memos and free memos), session names, case ids and
  notes, code examples: the word list's words replaced; speaker labels that are names (not
  ``T``, ``C``, ``Therapist``...) are added to the list, replaced by the speaker's role name;
- utterance speakers become role names; utterance, segment and suggestion offsets follow the
  text through the replacement map;
- video paths and source file paths are dropped; the audit log, trained suggester models and the
  word list itself are removed (they name people or hold their words).
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from app.core.deidentify import (
    META_KEY,
    Deidentifier,
    Replaced,
    speaker_pseudonyms,
    words_from_meta,
)
from app.core.models import (
    AuditEntry,
    Code,
    Memo,
    ProjectMeta,
    Segment,
    Speaker,
    SuggesterModel,
    Suggestion,
    Transcript,
    Utterance,
    UtteranceEmbedding,
)
from app.core.models import Session as SessionRow
from app.core.permissions import create_private_file
from app.core.project import Project, open_project

GENERIC_LABELS = {
    "t", "c", "p", "i", "th", "cl", "therapist", "client", "patient", "interviewer",
    "counsellor", "counselor", "speaker", "unknown",
}  # fmt: skip
PRIVATE_META = ("user", META_KEY)


def project_words(project: Project) -> dict[str, str]:
    return words_from_meta(project.get_meta(META_KEY))


def save_project_words(project: Project, words: dict[str, str]) -> None:
    from app.core.audit import audited
    from app.core.deidentify import words_to_meta

    with audited(project, "de-identification list", f"{len(words)} words"):
        project.set_meta(META_KEY, words_to_meta(words))


def _copy_file(project: Project, target: Path) -> None:
    create_private_file(target)
    if project.is_sqlite:
        raw: Any = project.engine.raw_connection()
        try:
            dst = sqlite3.connect(target)
            try:
                raw.driver_connection.backup(dst)
                dst.execute("INSERT OR REPLACE INTO project_meta(key, value) VALUES "
                            "('backup_keep', '0')")  # fmt: skip
                dst.commit()
            finally:
                dst.close()
        finally:
            raw.close()
    else:
        from app.core.transfer import copy_project

        target.unlink()
        copy_project(project.url, target)
        con = sqlite3.connect(target)
        con.execute("INSERT OR REPLACE INTO project_meta(key, value) VALUES ('backup_keep', '0')")
        con.commit()
        con.close()


@contextmanager
def deidentified_copy(
    project: Project, extra_words: dict[str, str] | None = None
) -> Iterator[tuple[Project, dict[str, str]]]:
    """Yield a de-identified copy of ``project`` and its session renames (old -> new name).

    The copy and its folder are deleted when the block ends.
    """
    words = {**project_words(project), **(extra_words or {})}
    name = Deidentifier(words).text(project.display_name) or "project"
    safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in name).strip() or "project"
    with tempfile.TemporaryDirectory(prefix="iprw-deid-") as tmp:
        path = Path(tmp) / f"{safe}.iprw"
        _copy_file(project, path)
        copy = open_project(path)
        try:
            renamed = _transform(copy, words)
            yield copy, renamed
        finally:
            copy.close()


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    taken.add(candidate)
    return candidate


def _transform(copy: Project, words: dict[str, str]) -> dict[str, str]:
    with copy.transaction() as s:
        spoken = select(Utterance.speaker, Utterance.role).distinct()
        labels: list[tuple[str, str]] = [(label, role) for label, role in s.execute(spoken)]
        labels += [(label, role) for label, role in s.execute(select(Speaker.label, Speaker.role))]
        pseudonyms = speaker_pseudonyms((label or "", role or "other") for label, role in labels)
        named = {
            label: pseudonym
            for label, pseudonym in pseudonyms.items()
            if len(label.strip()) >= 3 and label.strip().casefold() not in GENERIC_LABELS
        }
        deid = Deidentifier({**named, **words})
        maps: dict[int, Replaced] = {}
        for t in s.scalars(select(Transcript)):
            maps[t.id] = deid.replace(t.text)
            t.text = maps[t.id].text
            t.name = deid.text(t.name) or t.name
            t.source_file = None
        for u in s.scalars(select(Utterance)):
            r = maps[u.transcript_id]
            u.start_char, u.end_char = r.position(u.start_char), r.position(u.end_char, end=True)
            u.speaker = pseudonyms.get(u.speaker or "", u.speaker)
        for seg in s.scalars(select(Segment)):
            if seg.transcript_id is not None and seg.start_char is not None:
                r = maps[seg.transcript_id]
                seg.start_char = r.position(seg.start_char)
                seg.end_char = r.position(seg.end_char or seg.start_char, end=True)
            seg.memo = deid.text(seg.memo) or ""
        for sug in s.scalars(select(Suggestion)):
            r = maps[sug.transcript_id]
            sug.start_char, sug.end_char = (
                r.position(sug.start_char),
                r.position(sug.end_char, end=True),
            )
        for memo in s.scalars(select(Memo)):
            memo.text = deid.text(memo.text) or ""
        sessions = list(s.scalars(select(SessionRow).order_by(SessionRow.id)))
        old_names = [ses.name for ses in sessions]
        taken: set[str] = set()
        new_names = [_unique(deid.text(ses.name) or ses.name, taken) for ses in sessions]
        for i, ses in enumerate(sessions):  # two passes: the names are unique in the table
            ses.name = f"\x00{i}"
        s.flush()
        for ses, name in zip(sessions, new_names, strict=True):
            ses.name = name
            ses.case_id = deid.text(ses.case_id)
            ses.notes = deid.text(ses.notes) or ""
            ses.video_path = None
        s.execute(delete(Speaker))  # the project's speaker map names people: rebuilt by role
        roles = {label: role for label, role in labels}
        for label, pseudonym in pseudonyms.items():
            if pseudonym not in {sp.label for sp in s.new if isinstance(sp, Speaker)}:
                s.add(Speaker(label=pseudonym, role=roles.get(label) or "other"))
        for code in s.scalars(select(Code)):
            if code.examples:
                code.examples = [deid.text(str(e)) for e in code.examples]
        s.execute(delete(AuditEntry))
        s.execute(delete(SuggesterModel))
        # Sentence embeddings are computed from the identified text: they must not travel.
        s.execute(delete(UtteranceEmbedding))
        s.execute(delete(ProjectMeta).where(ProjectMeta.key.in_(PRIVATE_META)))
    return {old: new for old, new in zip(old_names, new_names, strict=True)}
