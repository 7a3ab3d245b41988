"""Turn a REFI-QDA source text and its selection positions into our stored text and code points.

We store transcript text normalised (``\\n`` line ends, NFC) and count positions in code points
(spec §3). REFI-QDA says the same, but real producers differ:

- the standard and QualCoder count code points on the LF text (QualCoder's "MAXQDA line endings"
  mode writes CRLF files yet still counts LF), so a CRLF file must be normalised *before* counting;
- NVivo 12 counts UTF-16 code units on the raw text (BOM stripped) with CRLF as two units, so
  every emoji before a selection shifts it by one and every line break by one more.

``SourceText`` decodes the bytes once and builds a table from the producer's unit positions to
our code points, so each selection is converted in O(1).
"""

from __future__ import annotations

import codecs
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from app.core.errors import UserError


class PositionUnits(Enum):
    """How a producer counted ``startPosition``/``endPosition``."""

    CODEPOINTS_LF = "codepoints"  # the standard: code points after CRLF -> LF
    UTF16_RAW = "utf16"  # NVivo: UTF-16 units on the raw text, CRLF counts two


def units_for_origin(origin: str | None) -> PositionUnits:
    """Pick the counting rule from the ``Project@origin`` attribute.

    Only NVivo is known to deviate; everything else (ATLAS.ti, QualCoder, MAXQDA, Taguette, us)
    follows the standard.
    """
    if origin and "nvivo" in origin.lower():
        return PositionUnits.UTF16_RAW
    return PositionUnits.CODEPOINTS_LF


def decode_text(data: bytes, where: str) -> str:
    """Decode a REFI text source: UTF-8 (BOM optional, not counted); UTF-16 when it has a BOM."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UserError(f"{where}: not valid UTF-16 text: {exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{where}: not valid UTF-8 text at byte {exc.start} (REFI-QDA sources are UTF-8)"
        ) from exc


def normalise_text(raw: str) -> str:
    """LF line ends and NFC: the form every transcript is stored in."""
    return unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass
class SourceText:
    """A decoded source: its stored (normalised) text and a unit-position converter."""

    raw: str
    units: PositionUnits
    text: str = ""
    _unit_to_cp: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    _mid_char: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=bool))

    def __post_init__(self) -> None:
        lf_index, self._mid_char, lf_text = _raw_units_to_lf(self.raw, self.units)
        if unicodedata.is_normalized("NFC", lf_text):
            self.text = lf_text
            self._unit_to_cp = lf_index
        else:
            nfc_map, self.text = _lf_to_nfc(lf_text)
            self._unit_to_cp = nfc_map[lf_index]

    @property
    def unit_length(self) -> int:
        """How many producer units the whole text has (the largest valid position)."""
        return int(self._unit_to_cp.shape[0]) - 1

    def to_codepoints(self, start: int, end: int) -> tuple[int, int, bool]:
        """Convert a selection to ``(start, end, clamped)`` in code points of ``self.text``.

        Positions outside the text are clamped and flagged so the caller can report them.
        A position inside a character (between the halves of a surrogate pair, or between CR and
        LF) rounds outward, so the selection still covers what the producer showed.
        """
        n = self.unit_length
        clamped = start < 0 or end > n or start > end
        s = min(max(start, 0), n)
        e = min(max(end, s), n)
        end_cp = int(self._unit_to_cp[e]) + (1 if self._mid_char[e] else 0)
        return int(self._unit_to_cp[s]), min(end_cp, len(self.text)), clamped


def _raw_units_to_lf(raw: str, units: PositionUnits) -> tuple[np.ndarray, np.ndarray, str]:
    """Tables per producer unit position: code point index in the LF text, and mid-character."""
    lf_text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if not raw:
        return np.zeros(1, dtype=np.int64), np.zeros(1, dtype=bool), lf_text
    cps = np.frombuffer(raw.encode("utf-32-le"), dtype=np.uint32)
    n = cps.shape[0]
    is_cr = cps == 0x0D
    crlf_cr = np.zeros(n, dtype=bool)
    crlf_cr[:-1] = is_cr[:-1] & (cps[1:] == 0x0A)
    # Each raw character's index in the LF text: CR of a CRLF pair merges into its LF.
    produces = (~crlf_cr).astype(np.int64)
    lf_pos = np.concatenate(([0], np.cumsum(produces)))[:-1]
    if units is PositionUnits.CODEPOINTS_LF:
        width = produces  # the CR of CRLF does not count
    else:
        width = np.where(cps > 0xFFFF, 2, 1).astype(np.int64)
    total = int(width.sum())
    table = np.empty(total + 1, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(width)))[:-1]
    # Unit u falls inside raw char i when starts[i] <= u < starts[i] + width[i]; a unit that is
    # not the first of its character (the low surrogate) maps to that character's start, and
    # ``mid`` lets an end position round up so the selection keeps the whole character.
    owner = np.repeat(np.arange(n), width)
    table[:total] = lf_pos[owner]
    table[total] = len(lf_text)
    mid = np.ones(total + 1, dtype=bool)
    mid[starts[width > 0]] = False
    mid[total] = False
    return table, mid, lf_text


def _lf_to_nfc(lf_text: str) -> tuple[np.ndarray, str]:
    """Map each LF-text index to its index after NFC, composing one starter cluster at a time."""
    mapping = np.empty(len(lf_text) + 1, dtype=np.int64)
    out: list[str] = []
    out_len = 0
    i = 0
    n = len(lf_text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(lf_text[j]):
            j += 1
        cluster = unicodedata.normalize("NFC", lf_text[i:j])
        mapping[i:j] = out_len
        out.append(cluster)
        out_len += len(cluster)
        i = j
    mapping[n] = out_len
    return mapping, "".join(out)


def line_starts(text: str) -> list[int]:
    """Code point index of the start of every line (used to report positions as lines)."""
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def line_of(starts: list[int], index: int) -> int:
    """1-based line number of a code point index."""
    return bisect_right(starts, index)
