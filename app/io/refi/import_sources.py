"""Decide where each REFI source goes (session, transcript, media) and write it.

Planning happens before the transaction and touches no rows: it reads and decodes every text
from the archive, converts positions to code points, and reports sources whose text is missing
(ATLAS.ti exports often omit them) or whose selections fall outside the text. Writing then only
inserts rows, so the transaction stays short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from app.core.coding import TextAnchor, TimeAnchor
from app.core.importing import bulk_insert
from app.core.models import Session as SessionRow
from app.core.models import Transcript
from app.core.project import Project
from app.core.sessions import get_or_create_session
from app.io.refi.archive import QdpxArchive
from app.io.refi.labels import Unlabel, strip_labels
from app.io.refi.positions import PositionUnits, SourceText, decode_text
from app.io.refi.qde import RefiCoding, RefiMediaSource, RefiProject, RefiSelection
from app.io.refi.sidecar import Sidecar
from app.io.refi.turns import split_turns

_UTTERANCE_COLUMNS = (
    "transcript_id", "ordinal", "speaker", "role", "start_char", "end_char", "start_ms",
    "end_ms", "session_start_ms", "session_end_ms",
)  # fmt: skip
_EXT = re.compile(
    r"\.(txt|docx?|rtf|odt|pdf|html?|md|srt|vtt|mp4|m4v|mov|avi|mkv|webm|wmv|mpe?g|"
    r"mp3|m4a|wav|aac|ogg|flac|wma)$",
    re.IGNORECASE,
)


@dataclass
class TextSelection:
    """A selection already converted to code points of its transcript."""

    selection: RefiSelection | None
    codings: list[RefiCoding]
    start: int
    end: int
    memo: str
    where: str


@dataclass
class TranscriptPlan:
    name: str
    kind: str
    text: str
    where: str
    selections: list[TextSelection] = field(default_factory=list)
    sync: list[tuple[int, int]] = field(default_factory=list)
    utterances: list[dict[str, Any]] | None = None  # from our sidecar


@dataclass
class SourcePlan:
    session: str
    media_path: str | None = None
    media_where: str = ""
    media_selections: list[RefiSelection] = field(default_factory=list)
    transcripts: list[TranscriptPlan] = field(default_factory=list)
    #: session facts: case_id from a REFI Case; date and duration_ms from our sidecar
    facts: dict[str, Any] = field(default_factory=dict)


def _at(where: str, line: int) -> str:
    """``project.qde:42`` inside an archive, ``line 42`` for a bare .qde."""
    return f"{where}:{line}" if where else f"line {line}"


def _internal_name(text_path: str | None) -> str | None:
    if text_path and text_path.lower().startswith("internal://"):
        return text_path[len("internal://") :].strip("/")
    return None


def _session_name(name: str, fallback: str) -> str:
    clean = _EXT.sub("", " ".join(name.split())) or fallback
    return clean


def _load_text(
    archive: QdpxArchive, units: PositionUnits, content: str | None, text_path: str | None,
    label: str, where: str, n_selections: int, problems: list[str],
) -> SourceText | None:
    if content is not None and not text_path:
        return SourceText(content, units)
    internal = _internal_name(text_path)
    data = archive.read_source(internal) if internal else None
    if data is None:
        if content is not None:
            return SourceText(content, units)
        reason = (
            f"its text {text_path} is not in the archive" if internal
            else f"its text is outside the archive ({text_path or 'no path given'})"
        )
        problems.append(
            f"{where}: source '{label}' not imported: {reason}; "
            f"{n_selections} coded selection(s) skipped"
        )
        return None
    return SourceText(decode_text(data, f"{archive.path}:{text_path}"), units)


def _convert(
    text: SourceText, selections: list[RefiSelection], label: str, where: str,
    problems: list[str],
) -> list[TextSelection]:
    out = []
    for sel in selections:
        if not sel.codings:
            continue
        start, end, clamped = text.to_codepoints(sel.start, sel.end)
        sel_where = _at(where, sel.line)
        if clamped:
            problems.append(
                f"{sel_where}: selection {sel.start}-{sel.end} in '{label}' lies outside its text "
                f"(0-{text.unit_length}); clamped to the text"
            )
        if start >= end:
            problems.append(f"{sel_where}: selection {sel.start}-{sel.end} in '{label}' is empty")
            continue
        out.append(TextSelection(sel, sel.codings, start, end, sel.memo, sel_where))
    return out


def plan_sources(
    project: Project, refi: RefiProject, archive: QdpxArchive, units: PositionUnits,
    sidecar: Sidecar | None, session: str | None, kind: str, problems: list[str],
) -> list[SourcePlan]:
    """Where every source goes; sources that cannot be read are reported and left out."""
    # Problems are reported under the archive's name by the caller; they name the inner file and
    # its line so the user can find the element (a bare .qde is the file itself: "line N").
    where = "" if archive.qde_name == archive.path.name else archive.qde_name
    plans: list[SourcePlan] = []
    used_names: dict[str, int] = {}

    def unique(name: str) -> str:
        if session:
            return session
        key = name.casefold()
        used_names[key] = used_names.get(key, 0) + 1
        return name if used_names[key] == 1 else f"{name} ({used_names[key]})"

    shared: dict[str, RefiMediaSource] = {}
    sync_for: dict[str, list[tuple[int | None, int | None]]] = {}
    media_plans: dict[str, SourcePlan] = {}
    for media in refi.media_sources:
        extra_session = sidecar.sessions.get(media.guid, {}) if sidecar else {}
        session_name = str(extra_session.get("name") or "") if not session else ""
        media_path = _media_path(media, refi.base_path, project, archive, where, problems)
        if "video_path" in extra_session and not extra_session["video_path"]:
            media_path = None  # our export named a placeholder: the session had no video
        plan = SourcePlan(
            session=session_name
            or unique(_session_name(media.name, f"{media.kind} {media.guid[:8]}")),
            media_path=media_path,
            media_where=where,
            media_selections=[s for s in media.selections if s.codings],
        )
        if media.guid in refi.case_of:
            plan.facts["case_id"] = refi.case_of[media.guid]
        plan.facts.update({k: v for k, v in extra_session.items() if k != "name" and v is not None})
        media_plans[media.guid] = plan
        plans.append(plan)
        for tr in media.transcripts:
            key = (tr.text_path or "").lower()
            points = [(p.position, p.time_ms) for p in tr.sync_points]
            if key and any(key == (t.text_path or "").lower() for t in refi.text_sources):
                shared[key] = media
                sync_for[key] = points
                continue
            n_sel = sum(1 for sel, _, _ in tr.selections if sel.codings)
            text = _load_text(archive, units, tr.content, tr.text_path, tr.name or media.name,
                              _at(where, media.line), n_sel, problems)
            if text is None or (not text.text.strip() and not n_sel):
                continue  # QualCoder writes an empty placeholder transcript for every video
            tplan = TranscriptPlan(tr.name or media.name, kind, text.text, _at(where, media.line))
            tplan.sync = _sync_cp(text, points)
            by_guid = {p.guid: p.position for p in tr.sync_points}
            for sel, a, b in tr.selections:
                pa, pb = by_guid.get(a or ""), by_guid.get(b or "")
                if pa is None or pb is None:
                    problems.append(f"{_at(where, sel.line)}: transcript selection without "
                                    f"positioned sync points; skipped")
                    continue
                sel.start, sel.end = pa, pb
                tplan.selections += _convert(text, [sel], tplan.name, where, problems)
            plan.transcripts.append(tplan)

    for src in refi.text_sources:
        n_sel = sum(1 for s in src.selections if s.codings) + (1 if src.whole_codings else 0)
        text = _load_text(archive, units, src.content, src.text_path, src.name,
                          _at(where, src.line), n_sel, problems)
        if text is None:
            continue
        extra = sidecar.transcripts.get(src.guid) if sidecar else None
        key = (src.text_path or "").lower()
        owner = shared.get(key) if key else None
        stem = _session_name(src.name, "").casefold()
        same_name = next((p for p in media_plans.values() if p.session.casefold() == stem
                          and not p.transcripts), None) if stem and not session else None
        if owner is not None:
            plan = media_plans[owner.guid]
        elif extra is None and same_name is not None:
            # "Session 1.txt" beside "Session 1.mp4": the media's transcript (our exports
            # re-saved by a tool that drops the sidecar, e.g. QualCoder)
            plan = same_name
        elif extra is not None and not session:
            plan = next((p for p in plans if p.session == extra.session), None) or SourcePlan(
                session=extra.session
            )
            if plan not in plans:
                plans.append(plan)
        else:
            plan = SourcePlan(session=unique(_session_name(src.name, f"source {src.guid[:8]}")))
            plans.append(plan)
        if src.guid in refi.case_of:
            plan.facts.setdefault("case_id", refi.case_of[src.guid])
        if extra is not None and sidecar is not None:
            facts = next((v for v in sidecar.sessions.values() if v.get("name") == extra.session),
                         {})
            for fact, value in facts.items():
                if fact != "name" and value is not None:
                    plan.facts.setdefault(fact, value)
        name = extra.name if extra else _session_name(src.name, f"source {src.guid[:8]}")
        tplan = TranscriptPlan(
            name, extra.kind if extra else kind, text.text, _at(where, src.line)
        )
        tplan.utterances = extra.utterances if extra else None
        if key in sync_for:
            tplan.sync = _sync_cp(text, sync_for[key])
        tplan.selections = _convert(text, src.selections, src.name, where, problems)
        if extra is not None and extra.labels is not None:
            _remove_labels(tplan, extra.labels, _at(where, src.line), problems)
        if src.whole_codings and text.text:
            tplan.selections.append(TextSelection(None, src.whole_codings, 0, len(text.text), "",
                                                  _at(where, src.line)))
        plan.transcripts.append(tplan)
    return plans


def _remove_labels(
    tplan: TranscriptPlan, labels: list[Any], where: str, problems: list[str]
) -> None:
    """Take out the speaker/time labels our export inserted (listed in the sidecar) and map
    the selections back onto the stored text; if the labels are not where the sidecar says
    (another tool edited the text), keep the text as it is and say so."""
    stripped = strip_labels(tplan.text, labels)
    if stripped is None:
        problems.append(f"{where}: the text of '{tplan.name}' was changed after our export; "
                        f"imported as it stands, with its speaker labels")
        tplan.utterances = None
        return
    tplan.text, spans = stripped
    unlabel = Unlabel(spans)
    for sel in tplan.selections:
        sel.start, sel.end = unlabel(sel.start), unlabel(sel.end)
    tplan.selections = [sel for sel in tplan.selections if sel.start < sel.end]


def _sync_cp(
    text: SourceText, points: list[tuple[int | None, int | None]]
) -> list[tuple[int, int]]:
    out = []
    for pos, ms in points:
        if pos is None or ms is None:
            continue
        out.append((text.to_codepoints(pos, pos)[0], ms))
    return sorted(out)


def _media_path(
    media: RefiMediaSource, base_path: str, project: Project, archive: QdpxArchive, where: str,
    problems: list[str],
) -> str | None:
    """Where the session's media is: a path outside the archive, or an embedded file that we
    extract next to the project (media are never stored in the database)."""
    internal = _internal_name(media.path)
    if internal is None:
        return resolve_media(media.path, base_path, project, archive.path)
    if project.path is None or not archive.has_source(internal):
        problems.append(
            f"{_at(where, media.line)}: {media.kind} '{media.name}' is embedded in the archive "
            f"and could not be extracted; attach it with `ipr-workbench video`"
        )
        return None
    suffix = PurePosixPath(internal).suffix
    stem = _EXT.sub("", media.name) or PurePosixPath(internal).stem
    folder = project.base_dir / f"{project.display_name} media"
    dest = folder / re.sub(r'[\\/:*?"<>|]', "_", f"{stem}{suffix}")
    if not dest.exists():
        archive.extract_source(internal, dest)
    return str(dest.relative_to(project.base_dir).as_posix())


def _absolute(path: str) -> bool:
    """Absolute on this system or on another one (a Windows drive or share in a Linux run)."""
    return Path(path).is_absolute() or bool(re.match(r"^([A-Za-z]:)?[\\/]", path))


def resolve_media(
    path: str | None, base_path: str, project: Project, qdpx: Path
) -> str | None:
    """A media reference as we store it: relative to the project folder when possible."""
    if not path:
        return None
    low = path.lower()
    if low.startswith("relative://"):
        rel = path[len("relative://") :].lstrip("/")
        base = base_path.strip()
        if not _absolute(base):  # none, or relative ("." from us): against the .qdpx's folder
            base = str(qdpx.parent / base) if base else str(qdpx.parent)
        candidate = Path(base) / rel
    elif low.startswith("absolute://"):
        raw = path[len("absolute://") :]
        if re.match(r"^/[A-Za-z]:", raw):
            raw = raw[1:]
        candidate = Path(raw)
    elif low.startswith("internal://"):
        return None
    else:
        candidate = Path(path)
    try:
        return str(candidate.resolve().relative_to(project.base_dir.resolve()))
    except (ValueError, OSError):
        return str(PurePosixPath(candidate.as_posix()))


def write_source(importer: Any, plan: SourcePlan) -> None:
    """Insert the session, its transcripts and utterances, then the segments (``importer`` is
    the running ``_Importer``)."""
    s = importer.s
    report = importer.report
    row = get_or_create_session(s, plan.session)
    importer.existing_time_keys(row.id)
    if plan.media_path and not row.video_path:
        row.video_path = plan.media_path
    for key in ("case_id", "date", "duration_ms"):
        value = plan.facts.get(key)
        if value is not None and getattr(row, key) is None:
            setattr(row, key, value)
    if plan.session not in report.sessions:
        report.sessions.append(plan.session)
    for tplan in plan.transcripts:
        transcript_id = _write_transcript(importer, row, tplan)
        s.flush()
        for sel in tplan.selections:
            for coding in sel.codings:
                importer.add_segment(coding, sel.selection,
                                     TextAnchor(transcript_id, sel.start, sel.end), sel.memo,
                                     sel.where, row.id)
    for msel in plan.media_selections:
        begin, end = msel.start, msel.end
        for coding in msel.codings:
            importer.add_segment(coding, msel, TimeAnchor(row.id, begin, end), msel.memo,
                                 _at(plan.media_where, msel.line), row.id)


def _write_transcript(importer: Any, session: SessionRow, tplan: TranscriptPlan) -> int:
    s = importer.s
    name = tplan.name
    n = 1
    while True:
        existing = importer.transcript_by_name(session.id, name)
        if existing is None:
            break
        if existing.text == tplan.text:
            importer.existing_segment_keys(existing.id)
            importer.text_length[int(existing.id)] = len(tplan.text)
            return int(existing.id)
        n += 1
        name = f"{tplan.name} ({n})"
    row = Transcript(session_id=session.id, name=name, kind=tplan.kind, text=tplan.text,
                     source_file=str(importer.path.name), source_format="qdpx")
    s.add(row)
    s.flush()
    importer.text_length[int(row.id)] = len(tplan.text)
    importer.report.transcripts += 1
    utterances = _utterance_rows(row.id, tplan)
    bulk_insert(s, "utterance", _UTTERANCE_COLUMNS,
                [tuple(u[c] for c in _UTTERANCE_COLUMNS) for u in utterances])
    importer.report.utterances += len(utterances)
    return int(row.id)


def _utterance_rows(transcript_id: int, tplan: TranscriptPlan) -> list[dict[str, Any]]:
    """Utterance rows as dicts for one bulk insert (a transcript can have 10^4 lines)."""
    length = len(tplan.text)
    rows: list[dict[str, Any]] = []
    if tplan.utterances is not None:
        for u in tplan.utterances:
            ordinal = u.get("ordinal")
            ordinal = int(ordinal) if ordinal is not None else len(rows)
            a, b = int(u.get("start_char") or 0), int(u.get("end_char") or 0)
            if not 0 <= a <= b <= length:
                continue
            rows.append(dict(
                transcript_id=transcript_id, ordinal=ordinal,
                speaker=str(u.get("speaker") or ""), role=str(u.get("role") or "other"),
                start_char=a, end_char=b, start_ms=u.get("start_ms"), end_ms=u.get("end_ms"),
                session_start_ms=u.get("session_start_ms"),
                session_end_ms=u.get("session_end_ms"),
            ))
        return rows
    turns = split_turns(tplan.text, tplan.sync or None)
    rows.clear()
    for i, turn in enumerate(turns):
        start_ms, end_ms = turn.start_ms, turn.end_ms
        rows.append(dict(
            transcript_id=transcript_id, ordinal=i, speaker=turn.speaker, role=turn.role,
            start_char=turn.start, end_char=turn.end, start_ms=start_ms, end_ms=end_ms,
            session_start_ms=start_ms if tplan.kind == "session" else None,
            session_end_ms=end_ms if tplan.kind == "session" else None,
        ))
    return rows
