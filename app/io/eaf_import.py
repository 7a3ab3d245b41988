"""ELAN .eaf: time slots in ms, one tier per speaker.

Read with lxml rather than pympi so that problems carry the XML line they came from. Only
top-level time-aligned tiers are utterances; dependent tiers (`xds@FA1`, translations, chunks)
annotate those and are skipped. When some tiers name a PARTICIPANT, tiers without one are
annotation layers (e.g. a `marker` tier) and are skipped with a note; when none do, each tier's id
is the speaker. Unaligned time slots (no TIME_VALUE) are interpolated between their aligned
neighbours, as ELAN itself displays them.
"""

from __future__ import annotations

import unicodedata

from lxml import etree

from app.io.parsed import (
    ImportProblem,
    ParsedFile,
    ParsedTranscript,
    ParsedUtterance,
    UnreadableFile,
)
from app.io.speakers import normalise_label


def _line(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) else 0


def _slot_times(root: etree._Element) -> dict[str, int | None]:
    slots: list[tuple[str, int | None]] = []
    for slot in root.iterfind("TIME_ORDER/TIME_SLOT"):
        raw = slot.get("TIME_VALUE")
        slots.append((slot.get("TIME_SLOT_ID", ""), int(raw) if raw and raw.isdigit() else None))
    times: dict[str, int | None] = {}
    for i, (sid, value) in enumerate(slots):
        if value is None:
            before = next((v for _s, v in reversed(slots[:i]) if v is not None), None)
            after = next((v for _s, v in slots[i + 1 :] if v is not None), None)
            if before is not None and after is not None:
                value = (before + after) // 2
            else:
                value = before if before is not None else after
        times[sid] = value
    return times


def parse_eaf(data: bytes, filename: str = "file.eaf") -> ParsedFile:
    """Parse an ELAN annotation document's bytes."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile(f"{filename}:{exc.lineno}: not well-formed XML ({exc.msg})") from exc
    if root.tag != "ANNOTATION_DOCUMENT":
        raise UnreadableFile(
            f"{filename}: root element is <{root.tag}>, expected ELAN's ANNOTATION_DOCUMENT"
        )
    units = root.find("HEADER")
    if units is not None and units.get("TIME_UNITS", "milliseconds") != "milliseconds":
        raise UnreadableFile(
            f"{filename}: TIME_UNITS is '{units.get('TIME_UNITS')}'; "
            "only milliseconds are supported"
        )
    times = _slot_times(root)
    aligned_types = {
        lt.get("LINGUISTIC_TYPE_ID")
        for lt in root.iterfind("LINGUISTIC_TYPE")
        if lt.get("TIME_ALIGNABLE", "true") == "true" and not lt.get("CONSTRAINTS")
    }
    tiers = [
        t
        for t in root.iterfind("TIER")
        if not t.get("PARENT_REF")
        and (not aligned_types or t.get("LINGUISTIC_TYPE_REF") in aligned_types)
    ]
    problems: list[ImportProblem] = []
    with_participant = [t for t in tiers if (t.get("PARTICIPANT") or "").strip()]
    if with_participant:
        for tier in tiers:
            if tier not in with_participant:
                problems.append(
                    ImportProblem(
                        _line(tier),
                        f"tier '{tier.get('TIER_ID')}' names no PARTICIPANT: "
                        "taken as annotations, not speech; skipped",
                    )
                )
        tiers = with_participant
    if not tiers:
        raise UnreadableFile(f"{filename}: no top-level time-aligned tier to read utterances from")
    utterances: list[ParsedUtterance] = []
    for tier in tiers:
        speaker = normalise_label(tier.get("PARTICIPANT") or tier.get("TIER_ID") or "")
        for ann in tier.iterfind("ANNOTATION/ALIGNABLE_ANNOTATION"):
            line = _line(ann)
            start = times.get(ann.get("TIME_SLOT_REF1", ""))
            end = times.get(ann.get("TIME_SLOT_REF2", ""))
            value = ann.findtext("ANNOTATION_VALUE") or ""
            text = unicodedata.normalize("NFC", value).strip()
            if not text:
                problems.append(
                    ImportProblem(
                        line, f"empty annotation on tier '{tier.get('TIER_ID')}': skipped"
                    )
                )
                continue
            if start is None or end is None:
                problems.append(ImportProblem(line, "annotation refers to an unknown time slot"))
            elif end < start:
                problems.append(
                    ImportProblem(line, "annotation ends before it starts; end set to start")
                )
                end = start
            utterances.append(
                ParsedUtterance(speaker=speaker, text=text, start_ms=start, end_ms=end, line=line)
            )
    # speakers' tiers interleave on one timeline; ties keep tier order
    utterances.sort(key=lambda u: u.start_ms if u.start_ms is not None else -1)
    problems.sort(key=lambda p: p.line)
    return ParsedFile(
        format="eaf", transcripts=[ParsedTranscript(utterances=utterances)], problems=problems
    )
