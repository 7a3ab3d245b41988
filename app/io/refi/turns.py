"""Speaker turns for a text that came from a QDA tool.

A REFI-QDA source is just text: its selections count positions into exactly that text, so we
must store it verbatim and cannot strip speaker labels or time stamps the way the transcript
importers do. Utterances are therefore spans *over* the stored text: one per non-empty line, with
the speaker read from a ``Label:`` or ``[Label]`` prefix when the labels look like speakers, and
media times taken from the transcript's sync points when the source had any, else from a leading
``[hh:mm:ss]`` stamp (how our own exports label turns, and what QualCoder reads as a time point).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from app.io.speakers import accepted_labels, default_role, split_prefix

_BRACKET = re.compile(r"^\[(?P<label>[^\]\d:][^\]]{0,30})\]\s+\S")
_STAMP = re.compile(
    r"^\[(?:(?P<h>\d{1,2}):)?(?P<m>\d{1,2}):(?P<s>\d{2})(?:[.,](?P<f>\d{1,3}))?\]\s*"
)


def _stamp(line: str) -> tuple[int | None, str]:
    """A leading ``[hh:mm:ss]`` / ``[mm:ss]`` stamp in ms, and the rest of the line."""
    m = _STAMP.match(line)
    if m is None or len(line) == m.end():
        return None, line
    ms = ((int(m.group("h") or 0) * 60 + int(m.group("m"))) * 60 + int(m.group("s"))) * 1000
    if m.group("f"):
        ms += int(m.group("f").ljust(3, "0"))
    return ms, line[m.end():]


@dataclass(frozen=True)
class Turn:
    """One utterance over the stored text: ``[start, end)`` in code points."""

    start: int
    end: int
    speaker: str
    role: str
    start_ms: int | None = None
    end_ms: int | None = None


def _bracket_label(line: str) -> str | None:
    m = _BRACKET.match(line)
    return " ".join(m.group("label").split()) if m else None


def split_turns(
    text: str, sync: list[tuple[int, int]] | None = None, speaker_map: dict[str, str] | None = None
) -> list[Turn]:
    """Cut ``text`` into line turns; ``sync`` is sorted (position, ms) pairs from SyncPoints."""
    speaker_map = speaker_map or {}
    lines: list[tuple[int, int, str]] = []
    pos = 0
    for raw_line in text.split("\n"):
        stripped = raw_line.strip()
        if stripped:
            lead = len(raw_line) - len(raw_line.lstrip())
            start = pos + lead
            lines.append((start, start + len(stripped), stripped))
        pos += len(raw_line) + 1
    stamps = [_stamp(ln) for _, _, ln in lines]
    if sum(ms is not None for ms, _ in stamps) * 2 >= max(len(lines), 1):
        # stamped turns (our own export): read speakers after the stamp
        lines = [(a, b, rest) for (a, b, _), (_, rest) in zip(lines, stamps, strict=True)]
        stamped = [ms for ms, _ in stamps]
    else:
        stamped = [None] * len(lines)
    labels = accepted_labels((ln for _, _, ln in lines), speaker_map)
    bracket_counts: dict[str, int] = {}
    for _, _, ln in lines:
        label = _bracket_label(ln)
        if label is not None:
            bracket_counts[label] = bracket_counts.get(label, 0) + 1
    # "[id1] text" is a speaker convention when most lines use it; otherwise only labels that recur
    bracketed = sum(bracket_counts.values())
    if bracketed >= 2 and bracketed * 2 >= len(lines):
        bracket_ok = set(bracket_counts)
    else:
        bracket_ok = {lb for lb, n in bracket_counts.items() if n >= 2 or default_role(lb)}

    sync_pos = [p for p, _ in sync] if sync else []
    turns: list[Turn] = []
    later = _next_stamps(stamped)
    for i, (start, end, ln) in enumerate(lines):
        speaker = ""
        split = split_prefix(ln)
        if split is not None and split[0] in labels:
            speaker = split[0]
        else:
            label = _bracket_label(ln)
            if label is not None and label in bracket_ok:
                speaker = label
        role = speaker_map.get(speaker.casefold()) or (default_role(speaker) if speaker else None)
        start_ms = end_ms = None
        if sync:
            start_ms = _time_at(sync, sync_pos, start)
            end_ms = _time_at(sync, sync_pos, end)
            if start_ms is not None and end_ms is not None and end_ms < start_ms:
                end_ms = start_ms
        elif (stamp := stamped[i]) is not None:
            nxt = later[i]
            start_ms, end_ms = stamp, stamp if nxt is None else max(nxt, stamp)
        turns.append(Turn(start, end, speaker, role or "other", start_ms, end_ms))
    return turns


def _next_stamps(stamped: list[int | None]) -> list[int | None]:
    """For each turn, the stamp of the next stamped turn (its end time)."""
    out: list[int | None] = [None] * len(stamped)
    nxt: int | None = None
    for i in range(len(stamped) - 1, -1, -1):
        out[i] = nxt
        if stamped[i] is not None:
            nxt = stamped[i]
    return out


def _time_at(sync: list[tuple[int, int]], positions: list[int], pos: int) -> int | None:
    """Media time at a text position, interpolated linearly between the surrounding sync points."""
    i = bisect_right(positions, pos) - 1
    if i < 0:
        return None
    p0, t0 = sync[i]
    if i + 1 >= len(sync) or pos == p0:
        return t0
    p1, t1 = sync[i + 1]
    if p1 <= p0:
        return t0
    return round(t0 + (t1 - t0) * (pos - p0) / (p1 - p0))
