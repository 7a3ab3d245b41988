"""SRT and WebVTT captions as transcripts: one cue, one utterance.

Written as a small line parser rather than on top of the `srt`/`webvtt-py` packages because those
stop at the first broken cue, while researchers need every sound cue imported and each broken one
reported with its line number. Speakers come from WebVTT voice tags (`<v Name>`) or, as Zoom and
most captioning tools write them, a `Name: text` prefix that recurs.
"""

from __future__ import annotations

import re

from app.io.parsed import (
    ImportProblem,
    ParsedFile,
    ParsedTranscript,
    ParsedUtterance,
    report_backwards,
)
from app.io.speakers import accepted_labels, normalise_label, split_prefix
from app.io.timestamps import parse_clock

_TIMING = re.compile(r"^\s*(?P<a>[\d:.,]+)\s*-->\s*(?P<b>[\d:.,]+)(?:\s+.*)?$")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<name>[^>]+)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[\d:.]*>")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": "\u00a0", "&lrm;": "", "&rlm;": ""}


def _cue_time(text: str) -> int | None:
    return parse_clock(text.replace(",", "."))


def _clean(text: str) -> str:
    text = _TAG.sub("", text)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return text.strip()


def parse_subtitles(text: str, fmt: str, speaker_map: dict[str, str] | None = None) -> ParsedFile:
    """Parse normalised SRT (`fmt='srt'`) or WebVTT (`fmt='vtt'`) text."""
    problems: list[ImportProblem] = []
    lines = text.split("\n")
    cues: list[tuple[int, int | None, int | None, list[str]]] = []
    i = 0
    n = len(lines)
    if fmt == "vtt":
        if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
            problems.append(ImportProblem(1, "missing WEBVTT header"))
        else:
            i = 1
            while i < n and lines[i].strip():  # header metadata lines
                i += 1
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        block_start = i
        block = []
        while i < n and lines[i].strip():
            block.append(lines[i])
            i += 1
        first = block[0].strip()
        if fmt == "vtt" and (first.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in first):
            continue
        t_idx = next((k for k, ln in enumerate(block[:3]) if "-->" in ln), None)
        if t_idx is None:
            problems.append(
                ImportProblem(
                    block_start + 1, f"cue without a 'start --> end' timing line: {first[:40]!r}"
                )
            )
            continue
        m = _TIMING.match(block[t_idx])
        start = end = None
        if (
            m is None
            or (start := _cue_time(m.group("a"))) is None
            or (end := _cue_time(m.group("b"))) is None
        ):
            problems.append(
                ImportProblem(
                    block_start + t_idx + 1, f"malformed cue timing {block[t_idx].strip()!r}"
                )
            )
            start = end = None
        elif end < start:
            problems.append(
                ImportProblem(
                    block_start + t_idx + 1, "cue ends before it starts; end set to start"
                )
            )
            end = start
        cues.append((block_start + t_idx + 1, start, end, block[t_idx + 1 :]))

    plain = [_clean(" ".join(c[3])) for c in cues]
    labels = {lab.casefold() for lab in accepted_labels(plain, speaker_map or {})}
    utterances: list[ParsedUtterance] = []
    for (line, start, end, body), _ in zip(cues, plain, strict=True):
        raw = "\n".join(ln.strip() for ln in body)
        speaker = ""
        voice = _VOICE.search(raw)
        if voice is not None:
            speaker = normalise_label(voice.group("name"))
        cleaned = "\n".join(_clean(ln) for ln in raw.split("\n")).strip()
        if not speaker:
            split = split_prefix(cleaned.replace("\n", " "))
            if split is not None and split[0].casefold() in labels:
                speaker = split[0]
                cleaned = cleaned.split(":", 1)[1].strip()
        if not cleaned:
            problems.append(ImportProblem(line, "empty cue: skipped"))
            continue
        utterances.append(
            ParsedUtterance(speaker=speaker, text=cleaned, start_ms=start, end_ms=end, line=line)
        )
    report_backwards(utterances, problems)
    problems.sort(key=lambda p: p.line)
    return ParsedFile(
        format=fmt, transcripts=[ParsedTranscript(utterances=utterances)], problems=problems
    )
