"""Merge coders' work from copies of the same project (blind coding on separate desktops).

Each researcher codes a copy of the team's project; ``merge`` brings their segments back. Entities
are matched by GUID (they are shared by copies), then by name/path; a transcript whose text differs
between copies is not merged into, because its character offsets would land on other words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from app.core.audit import record_in
from app.core.codebook import list_codes_in
from app.core.models import Code, Coder, Segment, Transcript, Utterance
from app.core.models import Session as SessionRow
from app.core.project import Project
from app.core.sessions import ensure_coder_in


@dataclass
class MergeResult:
    segments_added: int = 0
    segments_updated: int = 0
    codes_added: int = 0
    sessions_added: int = 0
    transcripts_added: int = 0
    coders_added: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{self.segments_added} segments added",
            f"{self.segments_updated} updated",
            f"{self.codes_added} codes, {self.sessions_added} sessions, "
            f"{self.transcripts_added} transcripts and {self.coders_added} coders added",
        ]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped: " + "; ".join(self.skipped[:5]))
        return ", ".join(parts)


def _map_codes(src: DbSession, dst: DbSession, result: MergeResult) -> dict[int, int]:
    dst_by_guid = {c.guid: c.id for c in dst.scalars(select(Code))}
    dst_by_path = {c.path.casefold(): c.id for c in list_codes_in(dst)}
    mapping: dict[int, int] = {}
    for info in list_codes_in(src):  # parents come before children
        target = dst_by_guid.get(info.guid) or dst_by_path.get(info.path.casefold())
        if target is None:
            row = src.get(Code, info.id)
            assert row is not None
            parent = mapping.get(info.parent_id) if info.parent_id is not None else None
            new = Code(
                guid=row.guid, parent_id=parent, position=row.position, name=row.name,
                definition=row.definition, include=row.include, exclude=row.exclude,
                examples=row.examples, color=row.color, shortcut=row.shortcut,
                codable=row.codable, rating=row.rating, patterns=row.patterns,
                speakers=row.speakers, transcripts=row.transcripts,
            )  # fmt: skip
            dst.add(new)
            dst.flush()
            target = new.id
            dst_by_path[info.path.casefold()] = target
            result.codes_added += 1
        mapping[info.id] = target
    return mapping


def _map_sessions(src: DbSession, dst: DbSession, result: MergeResult) -> dict[int, int]:
    mapping: dict[int, int] = {}
    for row in src.scalars(select(SessionRow)):
        target = dst.scalar(select(SessionRow).where(SessionRow.guid == row.guid)) or dst.scalar(
            select(SessionRow).where(SessionRow.name == row.name)
        )
        if target is None:
            target = SessionRow(
                guid=row.guid, name=row.name, case_id=row.case_id, date=row.date,
                video_path=row.video_path, duration_ms=row.duration_ms, notes=row.notes,
            )  # fmt: skip
            dst.add(target)
            dst.flush()
            result.sessions_added += 1
        mapping[row.id] = target.id
    return mapping


def _map_transcripts(
    src: DbSession, dst: DbSession, sessions: dict[int, int], result: MergeResult
) -> dict[int, int | None]:
    mapping: dict[int, int | None] = {}
    for row in src.scalars(select(Transcript)):
        target = dst.scalar(select(Transcript).where(Transcript.guid == row.guid)) or dst.scalar(
            select(Transcript).where(
                Transcript.session_id == sessions[row.session_id], Transcript.name == row.name
            )
        )
        if target is None:
            target = Transcript(
                guid=row.guid, session_id=sessions[row.session_id], name=row.name, kind=row.kind,
                text=row.text, source_file=row.source_file, source_format=row.source_format,
            )  # fmt: skip
            dst.add(target)
            dst.flush()
            for u in src.scalars(select(Utterance).where(Utterance.transcript_id == row.id)):
                dst.add(
                    Utterance(
                        transcript_id=target.id,
                        ordinal=u.ordinal,
                        speaker=u.speaker,
                        role=u.role,
                        start_char=u.start_char,
                        end_char=u.end_char,
                        start_ms=u.start_ms,
                        end_ms=u.end_ms,
                        source_ref=u.source_ref,
                        session_start_ms=u.session_start_ms,
                        session_end_ms=u.session_end_ms,
                    )
                )
            result.transcripts_added += 1
            mapping[row.id] = target.id
        elif target.text != row.text:
            result.skipped.append(f"transcript '{row.name}' differs between the copies")
            mapping[row.id] = None
        else:
            mapping[row.id] = target.id
    return mapping


def merge_projects(target: Project, source: Project) -> MergeResult:
    """Bring the source copy's coders, codes and segments into the target, in one transaction."""
    result = MergeResult()
    with source.reading() as src, target.transaction() as dst:
        codes = _map_codes(src, dst, result)
        sessions = _map_sessions(src, dst, result)
        transcripts = _map_transcripts(src, dst, sessions, result)
        coders: dict[int, int] = {}
        for coder in src.scalars(select(Coder)):
            existed = dst.scalar(select(Coder.id).where(Coder.name == coder.name))
            coders[coder.id] = ensure_coder_in(dst, coder.name, coder.kind).id
            result.coders_added += existed is None
        existing = {s.guid: s for s in dst.scalars(select(Segment))}
        for seg in src.scalars(select(Segment)):
            transcript_id = None
            if seg.transcript_id is not None:
                transcript_id = transcripts.get(seg.transcript_id)
                if transcript_id is None:
                    continue
            fields = dict(
                code_id=codes[seg.code_id], coder_id=coders[seg.coder_id],
                session_id=sessions[seg.session_id], transcript_id=transcript_id,
                start_char=seg.start_char, end_char=seg.end_char, start_ms=seg.start_ms,
                end_ms=seg.end_ms, memo=seg.memo, rating=seg.rating, perspective=seg.perspective,
                origin=seg.origin, updated_at=seg.updated_at,
            )  # fmt: skip
            mine = existing.get(seg.guid)
            if mine is None:
                dst.add(Segment(guid=seg.guid, created_at=seg.created_at, **fields))
                result.segments_added += 1
            elif seg.updated_at > mine.updated_at:
                for key, value in fields.items():
                    setattr(mine, key, value)
                result.segments_updated += 1
        record_in(dst, "merge", f"from {source.display_name}: {result.summary()}", target.actor)
    return result
