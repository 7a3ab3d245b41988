"""Parse a REFI-QDA ``project.qde`` into plain dataclasses (no database, no positions fixed yet).

The parser is lenient about what real tools write (missing optional elements, upper-case GUIDs,
sources with and without text) and strict about what would corrupt an import: duplicate GUIDs,
codings that point at nothing. Things we do not import (pictures, PDFs, sets, graphs, links, case
variables) are counted so the report can say what was left behind and why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from app.core.errors import UserError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"


@dataclass
class RefiUser:
    guid: str
    name: str


@dataclass
class RefiCode:
    guid: str
    name: str
    codable: bool
    color: str = ""
    description: str = ""
    children: list[RefiCode] = field(default_factory=list)


@dataclass
class RefiCoding:
    """One code applied to a selection (or to a whole source) by one user."""

    guid: str
    code_guid: str
    user_guid: str | None
    created: str | None = None


@dataclass
class RefiSelection:
    """A text span (``start``/``end`` in the producer's units) or a media span (ms)."""

    guid: str
    start: int
    end: int
    name: str = ""
    memo: str = ""
    user_guid: str | None = None
    codings: list[RefiCoding] = field(default_factory=list)
    line: int = 0
    created: str | None = None


@dataclass
class RefiSyncPoint:
    guid: str
    position: int | None
    time_ms: int | None


@dataclass
class RefiTranscript:
    """A media source's transcript: text plus sync points tying positions to media time."""

    guid: str
    name: str
    text_path: str | None
    content: str | None
    sync_points: list[RefiSyncPoint] = field(default_factory=list)
    #: TranscriptSelection: (selection, from sync point guid, to sync point guid)
    selections: list[tuple[RefiSelection, str | None, str | None]] = field(default_factory=list)


@dataclass
class RefiTextSource:
    guid: str
    name: str
    text_path: str | None
    content: str | None
    description: str = ""
    selections: list[RefiSelection] = field(default_factory=list)
    #: codings of the whole source (no selection)
    whole_codings: list[RefiCoding] = field(default_factory=list)
    line: int = 0


@dataclass
class RefiMediaSource:
    guid: str
    name: str
    kind: str  # "video" | "audio"
    path: str | None
    description: str = ""
    transcripts: list[RefiTranscript] = field(default_factory=list)
    selections: list[RefiSelection] = field(default_factory=list)
    line: int = 0


@dataclass
class RefiProject:
    name: str
    origin: str
    base_path: str
    creator_guid: str | None = None
    users: list[RefiUser] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)
    text_sources: list[RefiTextSource] = field(default_factory=list)
    media_sources: list[RefiMediaSource] = field(default_factory=list)
    #: element kind -> how many were present but are not imported (PictureSource, Set, ...)
    not_imported: Counter[str] = field(default_factory=Counter)
    has_codebook: bool = True
    #: source GUID -> name of the Case that holds it (our sessions' case/dyad id)
    case_of: dict[str, str] = field(default_factory=dict)

    def iter_codes(self) -> list[RefiCode]:
        """Every code, depth first, parents before children."""
        out: list[RefiCode] = []
        stack = list(reversed(self.codes))
        while stack:
            code = stack.pop()
            out.append(code)
            stack.extend(reversed(code.children))
        return out


def safe_parser() -> etree.XMLParser:
    """An lxml parser that never fetches anything and never expands external entities."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_blank_text=False,
    )


def parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse bytes (BOM tolerated) into a root element or raise a one-line ``UserError``.

    REFI-QDA documents never declare entities; one that does is refused before parsing, so an
    entity-expansion ("billion laughs") file cannot blow up memory.
    """
    if b"<!ENTITY" in data or b"<\x00!\x00E\x00N\x00T\x00I\x00T\x00Y" in data:
        raise UserError(f"{where}: declares XML entities; REFI-QDA files never do, refusing it")
    try:
        root = etree.fromstring(data.lstrip(b"\xef\xbb\xbf"), parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno is not None else 0
        msg = str(exc.msg) if exc.msg else str(exc)
        raise UserError(f"{where}:{line}: not well-formed XML: {msg}") from exc
    return root


def local(tag: object) -> str:
    """Element name without its namespace (comments and PIs give '')."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local(c.tag) == name]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def _text_of(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return "".join(str(t) for t in el.itertext())


def _line(el: etree._Element) -> int:
    """Source line of an element (0 when lxml does not know it)."""
    return int(getattr(el, "sourceline", 0) or 0)


def norm_guid(value: str | None) -> str | None:
    """GUIDs compare case-insensitively and some tools wrap them in braces."""
    if value is None:
        return None
    return value.strip().strip("{}").lower() or None


def _int_attr(el: etree._Element, name: str, where: str, required: bool = True) -> int | None:
    raw = el.get(name)
    if raw is None:
        if required:
            raise UserError(f"{where}:{el.sourceline}: <{local(el.tag)}> has no {name} attribute")
        return None
    try:
        return int(raw.strip())
    except ValueError as exc:
        raise UserError(
            f"{where}:{el.sourceline}: <{local(el.tag)}> {name}={raw!r} is not an integer"
        ) from exc


def _guid(el: etree._Element, where: str) -> str:
    guid = norm_guid(el.get("guid"))
    if guid is None:
        raise UserError(f"{where}:{el.sourceline}: <{local(el.tag)}> has no guid attribute")
    return guid


def parse_code(el: etree._Element, where: str) -> RefiCode:
    """One ``<Code>`` and its subtree (same shape in .qde and .qdc)."""
    name = el.get("name")
    if name is None:
        raise UserError(f"{where}:{el.sourceline}: <Code> has no name attribute")
    codable_raw = (el.get("isCodable") or "true").strip().lower()
    code = RefiCode(
        guid=_guid(el, where),
        name=name,
        codable=codable_raw in ("true", "1"),
        color=(el.get("color") or "").strip(),
        description=_text_of(_child(el, "Description")),
    )
    code.children = [parse_code(c, where) for c in _children(el, "Code")]
    return code


def _parse_codings(el: etree._Element, where: str) -> list[RefiCoding]:
    out = []
    for coding in _children(el, "Coding"):
        ref = _child(coding, "CodeRef")
        target = norm_guid(ref.get("targetGUID")) if ref is not None else None
        if target is None:
            raise UserError(f"{where}:{coding.sourceline}: <Coding> without a CodeRef targetGUID")
        out.append(
            RefiCoding(
                guid=_guid(coding, where),
                code_guid=target,
                user_guid=norm_guid(coding.get("creatingUser")),
                created=coding.get("creationDateTime"),
            )
        )
    return out


def _parse_selection(el: etree._Element, where: str, a: str, b: str) -> RefiSelection:
    start = _int_attr(el, a, where)
    end = _int_attr(el, b, where)
    assert start is not None and end is not None  # required=True raised otherwise
    return RefiSelection(
        guid=_guid(el, where),
        start=start,
        end=end,
        name=el.get("name") or "",
        memo=_text_of(_child(el, "Description")).strip(),
        user_guid=norm_guid(el.get("creatingUser")),
        codings=_parse_codings(el, where),
        line=_line(el),
        created=el.get("creationDateTime"),
    )


def _parse_text_source(el: etree._Element, where: str) -> RefiTextSource:
    content_el = _child(el, "PlainTextContent")
    return RefiTextSource(
        guid=_guid(el, where),
        name=el.get("name") or "",
        text_path=el.get("plainTextPath"),
        content=_text_of(content_el) if content_el is not None else None,
        description=_text_of(_child(el, "Description")).strip(),
        selections=[
            _parse_selection(s, where, "startPosition", "endPosition")
            for s in _children(el, "PlainTextSelection")
        ],
        whole_codings=_parse_codings(el, where),
        line=_line(el),
    )


def _parse_transcript(el: etree._Element, where: str) -> RefiTranscript:
    content_el = _child(el, "PlainTextContent")
    tr = RefiTranscript(
        guid=_guid(el, where),
        name=el.get("name") or "",
        text_path=el.get("plainTextPath"),
        content=_text_of(content_el) if content_el is not None else None,
    )
    for sp in _children(el, "SyncPoint"):
        tr.sync_points.append(
            RefiSyncPoint(
                guid=_guid(sp, where),
                position=_int_attr(sp, "position", where, required=False),
                time_ms=_int_attr(sp, "timeStamp", where, required=False),
            )
        )
    for sel in _children(el, "TranscriptSelection"):
        selection = RefiSelection(
            guid=_guid(sel, where),
            start=0,
            end=0,
            name=sel.get("name") or "",
            memo=_text_of(_child(sel, "Description")).strip(),
            user_guid=norm_guid(sel.get("creatingUser")),
            codings=_parse_codings(sel, where),
            line=_line(sel),
        )
        tr.selections.append(
            (selection, norm_guid(sel.get("fromSyncPoint")), norm_guid(sel.get("toSyncPoint")))
        )
    return tr


def _parse_media_source(el: etree._Element, where: str, kind: str) -> RefiMediaSource:
    sel_tag = "VideoSelection" if kind == "video" else "AudioSelection"
    return RefiMediaSource(
        guid=_guid(el, where),
        name=el.get("name") or "",
        kind=kind,
        path=el.get("path"),
        description=_text_of(_child(el, "Description")).strip(),
        transcripts=[_parse_transcript(t, where) for t in _children(el, "Transcript")],
        selections=[_parse_selection(s, where, "begin", "end") for s in _children(el, sel_tag)],
        line=_line(el),
    )


def parse_project(data: bytes, where: str) -> RefiProject:
    """Parse ``project.qde`` bytes; ``where`` names the file in error messages."""
    root = parse_xml(data, where)
    if local(root.tag) != "Project":
        raise UserError(
            f"{where}:{root.sourceline}: root element is <{local(root.tag)}>, expected a REFI-QDA "
            f"<Project>"
        )
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if ns not in (PROJECT_NS, ""):
        raise UserError(f"{where}: namespace {ns!r} is not {PROJECT_NS!r}")
    project = RefiProject(
        name=root.get("name") or "",
        origin=root.get("origin") or "",
        base_path=root.get("basePath") or "",
        creator_guid=norm_guid(root.get("creatingUserGUID")),
    )
    users_el = _child(root, "Users")
    if users_el is not None:
        for u in _children(users_el, "User"):
            project.users.append(RefiUser(_guid(u, where), (u.get("name") or "").strip()))
    codebook = _child(root, "CodeBook")
    project.has_codebook = codebook is not None
    if codebook is not None:
        codes_el = _child(codebook, "Codes")
        if codes_el is not None:
            project.codes = [parse_code(c, where) for c in _children(codes_el, "Code")]
    sources = _child(root, "Sources")
    if sources is not None:
        for src in sources:
            tag = local(src.tag)
            if tag == "TextSource":
                project.text_sources.append(_parse_text_source(src, where))
            elif tag == "VideoSource":
                project.media_sources.append(_parse_media_source(src, where, "video"))
            elif tag == "AudioSource":
                project.media_sources.append(_parse_media_source(src, where, "audio"))
            elif tag:
                project.not_imported[tag] += 1
    cases = _child(root, "Cases")
    if cases is not None:
        for case in _children(cases, "Case"):
            refs = [norm_guid(r.get("targetGUID")) for r in _children(case, "SourceRef")]
            name = (case.get("name") or "").strip()
            if not refs or not name:
                project.not_imported["Case without sources or name"] += 1
            for ref in refs:
                if ref:
                    project.case_of.setdefault(ref, name)
    for tag in ("Variables", "Notes", "Links", "Sets", "Graphs"):
        el = _child(root, tag)
        if el is not None and len(el):
            project.not_imported[tag] += len([c for c in el if local(c.tag)])
    _check_guids(project, where)
    return project


def _check_guids(project: RefiProject, where: str) -> None:
    """Refuse a project whose codes share a GUID: codings could not be attributed."""
    seen: set[str] = set()
    for code in project.iter_codes():
        if code.guid in seen:
            raise UserError(f"{where}: two codes share the GUID {code.guid}; the file is damaged")
        seen.add(code.guid)
