"""Millisecond times: formatting for people and parsing what people type."""

from __future__ import annotations

import re

from app.core.errors import UserError

_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def format_ms(ms: int | None, *, millis: bool = False) -> str:
    """``3723004`` → ``01:02:03`` (or ``01:02:03.004``); ``None`` → empty string."""
    if ms is None:
        return ""
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis_part = divmod(rest, 1000)
    out = f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{out}.{millis_part:03d}" if millis else out


def parse_time(value: str) -> int:
    """Parse ``hh:mm:ss[.mmm]``, ``mm:ss``, ``90s``, ``1500ms`` or plain seconds into ms."""
    raw = value.strip()
    if raw.endswith("ms") and raw[:-2].strip().isdigit():
        return int(raw[:-2])
    if raw.endswith("s"):
        raw = raw[:-1]
    match = _CLOCK.match(raw)
    if match:
        hours = int(match.group(1) or 0)
        minutes, seconds = int(match.group(2)), int(match.group(3))
        if (minutes >= 60 and match.group(1) is not None) or seconds >= 60:
            raise UserError(f"time '{value}': minutes and seconds must be below 60")
        frac = match.group(4) or "0"
        millis = int(frac.ljust(3, "0"))
        return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis
    try:
        seconds_f = float(raw)
    except ValueError:
        raise UserError(
            f"time '{value}': expected hh:mm:ss, mm:ss, seconds or a number with ms"
        ) from None
    if seconds_f < 0:
        raise UserError(f"time '{value}': must not be negative")
    return round(seconds_f * 1000)
