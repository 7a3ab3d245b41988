"""Text normalisation and offset conversion.

Transcript text is stored with ``\\n`` line ends and in NFC; every stored position counts Unicode
code points. Qt widgets and NVivo count UTF-16 code units, so conversions happen at those
boundaries only, through these helpers.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def normalise_text(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n``; the result is NFC; a leading BOM is dropped."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Utf16Map:
    """Convert between code-point and UTF-16 offsets of one text in O(log n).

    Only characters outside the Basic Multilingual Plane (emoji, some CJK) take two UTF-16 units,
    so the map stores just their positions.
    """

    def __init__(self, text: str) -> None:
        if len(text.encode("utf-16-le")) == 2 * len(text):  # no astral character: C speed
            self._astral: list[int] = []
        else:
            self._astral = [m.start() for m in _ASTRAL.finditer(text)]
        # UTF-16 index at which each astral character starts.
        self._astral_u16 = [pos + n for n, pos in enumerate(self._astral)]
        self._length = len(text)

    def to_utf16(self, cp: int) -> int:
        return cp + bisect.bisect_left(self._astral, cp)

    def to_codepoint(self, u16: int) -> int:
        """Map a UTF-16 offset to code points; an offset inside a surrogate pair rounds down."""
        n_before = bisect.bisect_left(self._astral_u16, u16)
        cp = u16 - n_before
        if n_before and self._astral_u16[n_before - 1] + 1 == u16:
            return self._astral[n_before - 1]
        return min(cp, self._length)
