"""Export a project (or a selection of it) as a REFI-QDA ``.qdpx`` archive.

Layout (REFI-QDA 1.5, valid against Project.xsd, imported by QualCoder's own importer):
- coders -> ``Users/User`` (our coder GUIDs);
- the whole codebook -> ``CodeBook`` (criteria and examples folded into ``Description``); codes
  whose name repeats elsewhere in the tree get a qualified name (``names.py``), with a warning;
- each transcript -> one ``TextSource`` named after it whose text is
  ``sources/<guid>.txt`` (UTF-8, LF, no BOM) with every turn labelled ``[hh:mm:ss] T: `` so other
  tools show who speaks when (``labels.py``), and one ``PlainTextSelection`` per text segment,
  positions in code points of that labelled text, memo as ``Description``;
- each session that has a video or time segments -> one ``VideoSource`` named
  ``<session>.<media extension>`` (``relative:///`` path against ``basePath`` = the project
  folder) with one ``VideoSelection`` per time segment (milliseconds). It holds no
  ``Transcript``: QualCoder turns a media Transcript into a second document beside the
  TextSource and gives all of its codings to one user, so the session transcript is written
  once, as a TextSource, and its timing travels in the turn labels;
- a session's case id -> a ``Case`` whose ``SourceRef``\\s hold that session's sources.
Every source name is unique (QualCoder's ``source.name`` is a unique column).
A ``Coding`` keeps the segment's GUID, so importing the file again finds the same segments; what
REFI cannot express goes into the ``ipr-workbench.json`` sidecar (see ``sidecar.py``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from app import __version__
from app.core.codebook import build_tree, list_codes, resolve_codes
from app.core.coding import list_segments
from app.core.dto import (
    CodeInfo,
    CodeSpec,
    SegmentInfo,
    SessionInfo,
    UtteranceInfo,
)
from app.core.errors import UserError
from app.core.project import Project
from app.core.segment_spans import UtteranceSpan, utterance_spans
from app.core.session_parts import TranscriptHead, time_segment_sessions, transcript_heads
from app.core.sessions import list_coders, resolve_sessions, transcript_text
from app.io.refi.labels import LabelMap
from app.io.refi.names import unique_code_names, unique_name
from app.io.refi.qdc import code_element, refi_guid, xml_safe
from app.io.refi.qde import PROJECT_NS
from app.io.refi.qdpx_stream import QdpxStream
from app.io.refi.sidecar import Sidecar, SidecarTranscript, SidecarWriter

_NS = f"{{{PROJECT_NS}}}"
#: Namespace for GUIDs we derive (selection GUIDs from segment GUIDs, etc.): stable re-exports.
_GUID_NS = uuid.UUID("6f0c6c1e-5a55-4c1b-9d0e-1f2a3b4c5d6e")
#: Sessions read (segments, utterances) and written per step: memory stays flat at any size.
SESSION_BATCH = 50


@dataclass
class RefiExportReport:
    file: str
    sessions: int = 0
    transcripts: int = 0
    codes: int = 0
    coders: list[str] = field(default_factory=list)
    text_segments: int = 0
    time_segments: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def segments(self) -> int:
        return self.text_segments + self.time_segments

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "format": "qdpx", "sessions": self.sessions,
            "transcripts": self.transcripts, "codes": self.codes, "coders": self.coders,
            "segments": self.segments, "text_segments": self.text_segments,
            "time_segments": self.time_segments, "warnings": self.warnings,
        }  # fmt: skip


def _derived(guid: str, what: str) -> str:
    return str(uuid.uuid5(_GUID_NS, f"{what}:{guid.lower()}"))


def _stamp(value: datetime | None) -> str:
    value = value or datetime.now(UTC)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _el(parent: etree._Element, tag: str, **attrs: str | None) -> etree._Element:
    el = etree.SubElement(parent, _NS + tag)
    for key, value in attrs.items():
        if value is not None:
            el.set(key, xml_safe(value))
    return el


def _g(guid: str) -> str:
    """Our GUID in the schema's 8-4-4-4-12 form (imported ones may be odd: derive a stable one)."""
    return refi_guid(guid) or _derived(guid, "id")


def _excerpt(text: str, limit: int = 200) -> str:
    """A selection's ``name``: the selected words, on one line (QualCoder and ATLAS.ti do this)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class _Exporter:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.sidecar = Sidecar()
        self.stream: QdpxStream | None = None  # where source texts go (set by export_qdpx)
        self.code_guid: dict[int, str] = {}
        self.coder_guid: dict[int, str] = {}
        self.source_names: set[str] = set()
        self.owner: str | None = None  # GUID of the user named as creator of sources
        self.warnings: list[str] = []

    def source_attrs(self, created: datetime | None = None) -> dict[str, str | None]:
        """creatingUser/creationDateTime: QualCoder reads both from every source (and fails on
        a media Transcript without a date)."""
        return {"creatingUser": self.owner, "creationDateTime": _stamp(created)}

    def codebook(self, root: etree._Element, codes: list[CodeInfo]) -> None:
        used: set[str] = set()
        for code in codes:
            guid = refi_guid(code.guid)
            if guid is None or guid.lower() in used:
                guid = str(uuid.uuid4())
            used.add(guid.lower())
            self.code_guid[code.id] = guid
            extras: dict[str, Any] = {}
            if code.shortcut:
                extras["shortcut"] = code.shortcut
            if code.rating is not None:
                extras["rating"] = code.rating.to_json()
            if code.patterns:
                extras["patterns"] = list(code.patterns)
            if extras:
                self.sidecar.codes[guid.lower()] = extras
        if not codes:
            return
        children = build_tree(codes)

        def spec(code: CodeInfo) -> CodeSpec:
            out = code.to_spec(tuple(spec(c) for c in children.get(code.id, [])))
            return replace(out, guid=self.code_guid[code.id])

        tops, originals, warnings = unique_code_names([spec(c) for c in children.get(None, [])])
        self.warnings.extend(warnings)
        for guid, name in originals.items():
            self.sidecar.codes.setdefault(guid, {})["name"] = name
        guid_for: dict[int, str] = {}
        stack = list(tops)
        while stack:
            item = stack.pop()
            guid_for[id(item)] = str(item.guid)
            stack.extend(item.children)
        codes_el = _el(_el(root, "CodeBook"), "Codes")
        for top in tops:
            codes_el.append(code_element("Code", top, guid_for, PROJECT_NS))

    def text_source(
        self, parent: etree._Element, tr: TranscriptHead, text: str, segments: list[SegmentInfo],
        turns: Sequence[UtteranceInfo | UtteranceSpan],
    ) -> LabelMap:
        """The transcript as a TextSource with its turns labelled; returns the label map (the
        sidecar lists the labels so our re-import removes exactly them)."""
        labelled = LabelMap.for_turns(text, turns)
        name = f"{_g(tr.guid).lower()}.txt"
        shown = labelled.labelled_text()
        assert self.stream is not None
        self.stream.text(f"sources/{name}", shown.encode("utf-8"))
        src = _el(parent, "TextSource", guid=_g(tr.guid),
                  name=unique_name(tr.name, self.source_names),
                  plainTextPath=f"internal://{name}", **self.source_attrs())
        for seg in segments:
            assert seg.start_char is not None and seg.end_char is not None
            coder = self.coder_guid[seg.coder_id]
            start, end = labelled.start(seg.start_char), labelled.end(seg.end_char)
            sel = _el(src, "PlainTextSelection", guid=_derived(seg.guid, "selection"),
                      name=_excerpt(shown[start:end]),
                      startPosition=str(start), endPosition=str(end),
                      creatingUser=coder, creationDateTime=_stamp(seg.created_at))
            self._coding(sel, seg, coder)
        return labelled

    def _coding(self, parent: etree._Element, seg: SegmentInfo, coder: str) -> None:
        if seg.memo:
            _el(parent, "Description").text = xml_safe(seg.memo)
        coding = _el(parent, "Coding", guid=_g(seg.guid), creatingUser=coder,
                     creationDateTime=_stamp(seg.created_at))
        _el(coding, "CodeRef", targetGUID=self.code_guid[seg.code_id])
        extras = {k: v for k, v in (("rating", seg.rating), ("perspective", seg.perspective))
                  if v is not None}
        if extras:
            self.sidecar.segments[_g(seg.guid).lower()] = extras

    #: Folder of the .qdpx being written: relative media paths are made relative to it, because
    #: the file carries no absolute basePath (that would leak the researcher's folder).
    media_dir: Path | None = None
    #: Whether a ``relative://`` media path was written (the root then says ``basePath="."``).
    relative_media = False

    def media_path(self, stored: str | None) -> str | None:
        """A stored video path as a REFI URI relative to the .qdpx's folder where possible."""
        if not stored or self.media_dir is None or Path(stored).is_absolute():
            return media_uri(stored)
        target = (self.project.base_dir / stored).resolve()
        try:
            relative = os.path.relpath(target, self.media_dir)
        except ValueError:  # another drive (Windows): no relative path exists
            return media_uri(str(target))
        return media_uri(relative)

    def video_source(
        self, parent: etree._Element, session: SessionInfo, segments: list[SegmentInfo]
    ) -> None:
        """The session's media with its time segments. Without a video (time segments only) the
        path names ``<session>.mp4`` beside the project, which the other tool reports missing;
        our sidecar records that there was none."""
        suffix = PurePosixPath(Path(session.video_path).as_posix()).suffix if session.video_path \
            else ""
        suffix = suffix if 1 < len(suffix) <= 6 else ".mp4"
        name = unique_name(f"{session.name}{suffix}", self.source_names)
        path = self.media_path(session.video_path) or media_uri(name)
        self.relative_media = self.relative_media or str(path).startswith("relative://")
        src = _el(parent, "VideoSource", guid=_g(session.guid), name=name, path=path,
                  **self.source_attrs())
        for seg in segments:
            assert seg.start_ms is not None and seg.end_ms is not None
            coder = self.coder_guid[seg.coder_id]
            sel = _el(src, "VideoSelection", guid=_derived(seg.guid, "selection"),
                      name=f"{_clock(seg.start_ms)} – {_clock(seg.end_ms)}",
                      begin=str(seg.start_ms), end=str(seg.end_ms), creatingUser=coder,
                      creationDateTime=_stamp(seg.created_at))
            self._coding(sel, seg, coder)


def _clock(ms: int) -> str:
    h, rest = divmod(ms // 1000, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def media_uri(stored: str | None) -> str | None:
    """Our stored media path as a REFI URI: relative to the project folder, or absolute."""
    if not stored:
        return None
    posix = PurePosixPath(Path(stored).as_posix())
    if Path(stored).is_absolute() or posix.is_absolute():
        text = posix.as_posix()
        return "absolute://" + (text if text.startswith("/") else "/" + text)
    return "relative:///" + posix.as_posix()


def export_qdpx(
    project: Project,
    out: Path | str,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    sessions: list[str] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> RefiExportReport:
    """Write ``out`` (.qdpx) with the chosen coders', codes' and sessions' segments.

    ``None`` means all. Code paths may name parents (every codable code below them).
    ``progress(done, total)`` is called after each session (for a worker's progress bar).
    Sessions are read and written a batch at a time (``qdpx_stream``): memory does not grow with
    the size of the project.
    """
    out = Path(out)
    exporter = _Exporter(project)
    exporter.media_dir = out.resolve().parent
    all_coders = list_coders(project)
    if coders is not None:
        by_name = {c.name: c for c in all_coders}
        missing = [n for n in coders if n not in by_name]
        if missing:
            raise UserError(f"coder(s) not in the project: {', '.join(missing)}")
        chosen = [by_name[n] for n in coders]
    else:
        chosen = all_coders
    chosen_sessions = resolve_sessions(project, sessions)
    code_ids = [c.id for c in resolve_codes(project, codes)] if codes is not None else None
    coder_ids = [c.id for c in chosen]
    report = RefiExportReport(str(out))

    root = etree.Element(_NS + "Project", nsmap={None: PROJECT_NS})  # type: ignore[dict-item]
    root.set("name", project.display_name)
    root.set("origin", f"IPR Workbench {__version__}")
    if chosen:
        root.set("creatingUserGUID", _g(chosen[0].guid))
    root.set("creationDateTime", _stamp(None))
    # No absolute basePath: it would put the researcher's folder (user name, institution) into
    # a file that is shared; relative media resolve against the .qdpx's own folder ("." below).
    if chosen:
        users = _el(root, "Users")
        for coder in chosen:
            exporter.coder_guid[coder.id] = _g(coder.guid)
            _el(users, "User", guid=_g(coder.guid), name=coder.name)
        exporter.owner = _g(chosen[0].guid)
    all_codes = list_codes(project)
    exporter.codebook(root, all_codes)
    report.codes = len(all_codes)
    report.coders = [c.name for c in chosen]
    report.warnings = exporter.warnings

    session_ids = [s.id for s in chosen_sessions]
    heads = transcript_heads(project, session_ids)
    timed_ids = time_segment_sessions(project, session_ids, coder_ids, code_ids)
    cases: dict[str, list[str]] = {}  # Cases come before Sources in the schema's sequence
    for session in chosen_sessions:
        members = [_g(tr.guid) for tr in heads.get(session.id, [])]
        if session.video_path or session.id in timed_ids:
            members.append(_g(session.guid))
        if session.case_id:
            cases.setdefault(session.case_id, []).extend(members)
    if cases:
        cases_el = _el(root, "Cases")
        for case_id, refs in cases.items():
            case = _el(cases_el, "Case", guid=_derived(case_id, "case"), name=case_id)
            for ref in refs:
                _el(case, "SourceRef", targetGUID=ref)
    sidecar_sessions = {
        _g(session.guid).lower(): {
            "name": session.name, "case_id": session.case_id, "date": session.date,
            "duration_ms": session.duration_ms, "video_path": session.video_path,
        } for session in chosen_sessions
    }  # fmt: skip
    with QdpxStream(out) as stream:
        exporter.stream = stream
        sidecar = SidecarWriter(stream.sidecar_file, sidecar_sessions)
        done = 0
        for first in range(0, len(chosen_sessions), SESSION_BATCH):
            batch = chosen_sessions[first : first + SESSION_BATCH]
            by_transcript: dict[int, list[SegmentInfo]] = {}
            by_session_time: dict[int, list[SegmentInfo]] = {}
            for seg in list_segments(project, session_ids=[s.id for s in batch],
                                     coder_ids=coder_ids, code_ids=code_ids):  # fmt: skip
                if seg.transcript_id is not None:
                    by_transcript.setdefault(seg.transcript_id, []).append(seg)
                else:
                    by_session_time.setdefault(seg.session_id, []).append(seg)
            rows = utterance_spans(project, [s.id for s in batch])  # columns, not ORM rows
            for session in batch:
                done += 1
                if progress is not None and done > 1:
                    progress(done - 1, len(chosen_sessions))
                report.sessions += 1
                sources = stream.sources_element()
                for tr in heads.get(session.id, []):
                    turns = rows.pop(tr.id, [])
                    segs = by_transcript.get(tr.id, [])
                    labels = exporter.text_source(
                        sources, tr, transcript_text(project, tr.id), segs, turns
                    )
                    report.transcripts += 1
                    report.text_segments += len(segs)
                    sidecar.transcript(_g(tr.guid).lower(), SidecarTranscript(
                        session=session.name, name=tr.name, kind=tr.kind,
                        utterances=[_utterance_dict(u) for u in turns],
                        labels=labels.to_json(),
                    ))  # fmt: skip
                timed = by_session_time.get(session.id, [])
                if session.video_path or timed:
                    exporter.video_source(sources, session, timed)
                    report.time_segments += len(timed)
                stream.flush(sources)
        if progress is not None:
            progress(len(chosen_sessions), len(chosen_sessions))
        sidecar.finish(exporter.sidecar.segments, exporter.sidecar.codes)
        if exporter.relative_media:
            # QualCoder prefixes relative media paths with basePath and crashed on a missing
            # one (None + str); "." names the .qdpx's folder without naming where it is.
            root.set("basePath", ".")
        stream.write(root)
    return report


def _utterance_dict(u: Any) -> dict[str, Any]:
    return {
        "ordinal": u.ordinal, "speaker": u.speaker, "role": u.role, "start_char": u.start_char,
        "end_char": u.end_char, "start_ms": u.start_ms, "end_ms": u.end_ms,
        "session_start_ms": u.session_start_ms, "session_end_ms": u.session_end_ms,
    }  # fmt: skip
