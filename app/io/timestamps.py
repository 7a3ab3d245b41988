"""Clock-string parsing shared by the text, subtitle, table and DOCX importers.

Every convention of spec §5 boils down to `[h:]mm:ss` plus an optional fraction whose meaning
depends on the tool (tenths, hundredths, milliseconds or video frames), so one strict parser with
a `frames` switch covers them all; anything looser is reported as a malformed stamp, not guessed.
"""

from __future__ import annotations

import re

DEFAULT_FPS = 30

_CLOCK = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{2})(?:[.,\-](\d{1,3}))?$")


def parse_clock(text: str, *, frames: bool = False, fps: int = DEFAULT_FPS) -> int | None:
    """Milliseconds for `[h:]mm:ss[.fraction]`, or None when the string is not a valid clock.

    With `frames=True` a two-digit fraction counts video frames (InqScribe `[hh:mm:ss.ff]`).
    Minutes and seconds must be below 60 when a larger unit precedes them.
    """
    m = _CLOCK.match(text.strip())
    if m is None:
        return None
    hours_s, minutes_s, seconds_s, frac = m.groups()
    hours = int(hours_s) if hours_s is not None else 0
    minutes = int(minutes_s)
    seconds = int(seconds_s)
    if seconds >= 60 or (hours_s is not None and minutes >= 60):
        return None
    ms = ((hours * 60 + minutes) * 60 + seconds) * 1000
    if frac:
        if frames:
            frame = int(frac)
            if frame >= fps:
                return None
            ms += round(frame * 1000 / fps)
        else:
            ms += int(frac.ljust(3, "0"))
    return ms


def parse_range(text: str) -> tuple[int, int] | None:
    """`a-b` / `a – b` / `a --> b` clock ranges (NVivo Timespan, recall SESSION markers)."""
    parts = re.split(r"\s*(?:-->|–|—|\s-\s|-(?=\d{1,3}:))\s*", text.strip(), maxsplit=1)
    if len(parts) != 2:
        return None
    start = parse_clock(parts[0])
    end = parse_clock(parts[1])
    if start is None or end is None:
        return None
    return start, end
