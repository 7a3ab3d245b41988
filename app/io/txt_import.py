"""Plain-text transcripts with any of the timestamp and speaker conventions of spec §5.

One line-oriented parser handles them all, because real transcripts mix conventions (an f4 file
with `T:` prefixes, an InqScribe export with recall markers). Each line is classified as a recall
marker, a turn header (Zoom `[Name] hh:mm:ss`, Otter `Name  1:23`, Rev `Name (01:23):`), a turn
with a leading stamp and/or a speaker prefix, or continuation text. DOCX paragraphs and table rows
go through the same parser so both formats behave identically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.io.parsed import (
    ImportProblem,
    ParsedFile,
    ParsedTranscript,
    ParsedUtterance,
    fill_end_times,
    format_ms,
    report_backwards,
)
from app.io.speakers import accepted_labels, normalise_label
from app.io.timestamps import DEFAULT_FPS, parse_clock, parse_range
from app.io.txt_fast import parse_plain

_CLOCK = r"\d{1,3}:\d{2}(?::\d{2})?(?:[.,\-]\d{1,3})?"
_MARKER = re.compile(r"^\s*\[\s*(VIDEO|SESSION)\s*:?\s*([^\]]*)\]\s*(.*)$", re.IGNORECASE)
_ZOOM = re.compile(r"^\[(?P<name>[^\]]*[^\]\d:.\s][^\]]*)\]\s+(?P<t>\d{1,2}:\d{2}:\d{2})\s*$")
_OTTER = re.compile(
    r"^(?P<name>[^\s\[\]{}#¤:][^\[\]{}#¤:]{0,48}?)(?:\s{2,}|\t)(?P<t>\d{1,2}:\d{2}(?::\d{2})?)\s*$"
)
_REV = re.compile(
    r"^(?P<name>[^\s()\[\]:][^()\[\]:]{0,40}?)\s*\((?P<t>" + _CLOCK + r")\)\s*:\s*(?P<text>.*)$"
)
_LEAD_STAMPS = (
    ("inqscribe", re.compile(r"^\[(?P<t>\d{1,2}:\d{2}:\d{2}\.\d{2})\]\s*")),
    ("bracket", re.compile(r"^\[(?P<t>" + _CLOCK + r")\]\s*")),
    ("brace", re.compile(r"^\{(?P<t>" + _CLOCK + r")\}\s*")),
    ("paren", re.compile(r"^\((?P<t>" + _CLOCK + r")\)\s*")),
    ("hash", re.compile(r"^#(?P<t>" + _CLOCK + r")#\s*")),
    ("transana", re.compile(r"^¤<(?P<ms>\d+)>\s*")),
    ("bare", re.compile(r"^(?P<t>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)(?:\s+|$)")),
)
_TRAIL_STAMPS = (
    re.compile(r"\s*#(?P<t>" + _CLOCK + r")#\s*$"),
    re.compile(r"\s*¤<(?P<ms>\d+)>\s*$"),
)
#: something that looks meant as a stamp but does not parse: `[00:61:00]`, `{1:2:3}`, `#00:09:025#`
_LOOSE_STAMP = re.compile(r"^(?:\[[\d:.,\- ]*\d[\d:.,\- ]*\]|\{[\d:.,\- ]+\}|#[\d:.,\- ]+#)\s*")
_LOOSE_BARE = re.compile(r"^\d{1,3}:\d{1,3}:\d{1,3}(?:[.,]\d+)?(?=\s|$)")


_FAST_STAMP = re.compile(r"\[(\d{1,3}):(\d{2}):(\d{2})\]\s*")
_STAMP_FIRST = frozenset("[{(#¤0123456789")


@dataclass
class _Turn:
    speaker: str
    line: int
    start_ms: int | None = None
    end_ms: int | None = None
    lines: list[str] = field(default_factory=list)
    session_ref: tuple[int, int] | None = None


class TextParser:
    """Feed it lines (and, for DOCX tables, ready-made rows); `finish()` gives the transcript."""

    def __init__(
        self, labels: set[str], fps: int = DEFAULT_FPS, paragraph_mode: bool | None = None
    ) -> None:
        """`labels`: accepted speaker prefixes; `paragraph_mode`: unmarked blank-separated
        paragraphs are turns (default: when no speaker labels were found)."""
        self._labels = {label.casefold() for label in labels}
        self._fps = fps
        self.problems: list[ImportProblem] = []
        self.utterances: list[ParsedUtterance] = []
        self._turn: _Turn | None = None
        self._pending_start: int | None = None
        self._session_ref: tuple[int, int] | None = None
        self._recall = False
        self._zoom_base: int | None = None
        self._paragraph_mode = (not labels) if paragraph_mode is None else paragraph_mode
        self._blank_before = True

    # ----------------------------------------------------------------- public API
    def feed(self, lineno: int, raw: str) -> None:
        """Classify one line and extend or start a turn."""
        line = raw.strip()
        if not line:
            self._blank_before = True
            return
        blank_before, self._blank_before = self._blank_before, False
        if line[0] == "[" and self._fast_turn(lineno, line):
            return
        if self._marker(lineno, line):
            return
        if self._header(lineno, line):
            return
        start, rest, had_stamp = self._leading_stamp(lineno, line)
        split = self._split_label(rest)
        if split is not None:
            label, text = split
            start2, text, had2 = self._leading_stamp(lineno, text)
            if start is None:
                start = start2
            had_stamp = had_stamp or had2
            self._start_turn(lineno, label, start)
            self._add_text(lineno, text)
            return
        if had_stamp:
            if not rest:
                # a stamp alone on its line dates the turn that follows (InqScribe, f4 starts)
                self._close()
                self._pending_start = start
                return
            speaker = self._turn.speaker if self._turn is not None else ""
            self._start_turn(lineno, speaker, start)
            self._add_text(lineno, rest)
            return
        if self._turn is None or (self._paragraph_mode and blank_before):
            if not self._paragraph_mode and self._turn is None:
                self.problems.append(ImportProblem(lineno, "text without a speaker"))
            self._start_turn(lineno, "", None)
        self._add_text(lineno, line)

    def _fast_turn(self, lineno: int, line: str) -> bool:
        """`[hh:mm:ss] Label: text`, the commonest line of all, without the general machinery.

        Taken only when the general path would do exactly the same (differential-fuzzed in
        development): a valid stamp, an accepted label, and no second stamp after it.
        """
        m = _FAST_STAMP.match(line)
        if m is None:
            return False
        hours, minutes, seconds = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if minutes >= 60 or seconds >= 60:
            return False
        split = self._split_label(line[m.end() :])
        if split is None:
            return False
        label, text = split
        if text and text[0] in _STAMP_FIRST:
            return False
        self._start_turn(lineno, label, ((hours * 60 + minutes) * 60 + seconds) * 1000)
        self._add_text(lineno, text)
        return True

    def _split_label(self, text: str) -> tuple[str, str] | None:
        """`Label: text` / `Label<TAB>text` -> (label, text) when Label is an accepted speaker.

        Same result as `split_prefix` for accepted labels (they all came from it), without its
        regex: this runs on every line of a 2,000-page corpus.
        """
        cut = len(text)
        for sep in (":", "\t"):
            i = text.find(sep, 0, 40)
            if 0 < i < cut:
                cut = i
        if cut == len(text):
            return None
        label = " ".join(text[:cut].split())
        if label.casefold() not in self._labels:
            return None
        after = text[cut + 1 :]
        if text[cut] == ":" and after and not after[0].isspace():
            return None  # "T:hello" is not the `Label: text` shape
        return label, after.strip()

    def add_row(
        self, lineno: int, speaker: str, start: int | None, end: int | None, text: str
    ) -> None:
        """A turn already split into columns (DOCX/CSV tables)."""
        self._start_turn(lineno, normalise_label(speaker), start)
        if self._turn is not None:
            self._turn.end_ms = end
        self._add_text(lineno, text.strip())

    def finish(self) -> ParsedTranscript:
        self._close()
        uses_end_stamps = any(u.end_ms is not None for u in self.utterances)
        prev_end: int | None = None
        for i, utt in enumerate(self.utterances):
            if utt.start_ms is None and utt.end_ms is not None and uses_end_stamps:
                # f4/f5: a turn starts where the previous one's closing stamp was (0 at first)
                utt.start_ms = prev_end if prev_end is not None else (0 if i == 0 else None)
            if utt.end_ms is not None:
                prev_end = utt.end_ms
        report_backwards(self.utterances, self.problems)
        fill_end_times(self.utterances)
        for utt in self.utterances:
            if utt.start_ms is not None and utt.end_ms is not None and utt.end_ms < utt.start_ms:
                self.problems.append(
                    ImportProblem(
                        utt.line,
                        f"turn ends ({format_ms(utt.end_ms)}) before it starts "
                        f"({format_ms(utt.start_ms)}); end set to start",
                    )
                )
                utt.end_ms = utt.start_ms
        return ParsedTranscript(utterances=self.utterances, kind="recall" if self._recall else None)

    # ----------------------------------------------------------------- line kinds
    def _marker(self, lineno: int, line: str) -> bool:
        if line[0] != "[":
            return False
        m = _MARKER.match(line)
        if m is None:
            return False
        which, value, rest = m.group(1).upper(), m.group(2).strip(), m.group(3)
        rng = parse_range(value)
        if rng is None:
            t = parse_clock(value)
            rng = (t, t) if t is not None else None
        self._close()
        self._recall = True
        if rng is None:
            self.problems.append(
                ImportProblem(lineno, f"malformed {which} marker '{value}' (expected hh:mm:ss)")
            )
        else:
            if rng[1] < rng[0]:
                self.problems.append(
                    ImportProblem(lineno, f"{which} range ends before it starts: '{value}'")
                )
                rng = (rng[1], rng[0])
            self._session_ref = rng
        if rest.strip():
            self.feed(lineno, rest)
        return True

    def _header(self, lineno: int, line: str) -> bool:
        # cheap tests first: headers start with "[" (Zoom), end in a digit (Otter) or hold "):"
        m = _ZOOM.match(line) if line[0] == "[" else None
        if m is not None:
            t = parse_clock(m.group("t"))
            if t is None:
                self.problems.append(ImportProblem(lineno, f"malformed time '{m.group('t')}'"))
            else:
                if self._zoom_base is None:
                    self._zoom_base = t
                t -= self._zoom_base
                if t < 0:  # the meeting ran past midnight
                    t += 24 * 3_600_000
            self._start_turn(lineno, normalise_label(m.group("name")), t)
            return True
        m = _OTTER.match(line) if line[-1].isdigit() else None
        if m is not None and len(m.group("name").split()) <= 5:
            self._start_turn(lineno, normalise_label(m.group("name")), parse_clock(m.group("t")))
            return True
        m = _REV.match(line) if "):" in line else None
        if m is not None:
            t = parse_clock(m.group("t"))
            if t is None:
                self.problems.append(ImportProblem(lineno, f"malformed time '{m.group('t')}'"))
            self._start_turn(lineno, normalise_label(m.group("name")), t)
            self._add_text(lineno, m.group("text"))
            return True
        return False

    def _leading_stamp(self, lineno: int, line: str) -> tuple[int | None, str, bool]:
        """(start ms or None, rest of line, whether a stamp was there at all)."""
        if not line or line[0] not in _STAMP_FIRST:
            return None, line, False
        for kind, rx in _LEAD_STAMPS:
            m = rx.match(line)
            if m is None:
                continue
            if kind == "transana":
                return int(m.group("ms")), line[m.end() :], True
            frames = kind == "inqscribe" and self._fps > 0
            t = parse_clock(m.group("t"), frames=frames, fps=self._fps)
            if t is None:
                self.problems.append(
                    ImportProblem(lineno, f"malformed timestamp '{m.group(0).strip()}'")
                )
            return t, line[m.end() :], True
        loose = _LOOSE_STAMP.match(line) or _LOOSE_BARE.match(line)
        if loose is not None:
            self.problems.append(
                ImportProblem(lineno, f"malformed timestamp '{loose.group(0).strip()}'")
            )
            return None, line[loose.end() :].strip(), True
        return None, line, False

    # ----------------------------------------------------------------- turns
    def _start_turn(self, lineno: int, speaker: str, start: int | None) -> None:
        self._close()
        if start is None:
            start, self._pending_start = self._pending_start, None
        else:
            self._pending_start = None
        self._turn = _Turn(
            speaker=speaker, line=lineno, start_ms=start, session_ref=self._session_ref
        )

    def _add_text(self, lineno: int, text: str) -> None:
        if self._turn is None:
            self._start_turn(lineno, "", None)
        assert self._turn is not None
        # trailing stamps end in "#" (f4/f5) or ">" (Transana); skip the searches otherwise
        ends_like_stamp = text.endswith(("#", ">"))
        for rx in _TRAIL_STAMPS if ends_like_stamp else ():
            m = rx.search(text)
            if m is None:
                continue
            if m.groupdict().get("ms") is not None:
                end: int | None = int(m.group("ms"))
            else:
                end = parse_clock(m.group("t"))
            if end is None:
                self.problems.append(
                    ImportProblem(lineno, f"malformed timestamp '{m.group(0).strip()}'")
                )
            else:
                self._turn.end_ms = end
            text = text[: m.start()]
            break
        if text:
            self._turn.lines.append(text)

    def _close(self) -> None:
        turn, self._turn = self._turn, None
        if turn is None:
            return
        text = "\n".join(turn.lines).strip()
        if not text:
            who = f" of {turn.speaker}" if turn.speaker else ""
            self.problems.append(ImportProblem(turn.line, f"empty turn{who}: skipped"))
            if turn.end_ms is not None:
                # keep the clock moving for the next f4-style turn
                self._pending_start = turn.end_ms
            return
        ref = turn.session_ref
        self.utterances.append(
            ParsedUtterance(
                speaker=turn.speaker,
                text=text,
                start_ms=turn.start_ms,
                end_ms=turn.end_ms,
                line=turn.line,
                session_start_ms=ref[0] if ref else None,
                session_end_ms=ref[1] if ref else None,
            )
        )


def candidate_lines(lines: list[str]) -> list[str]:
    """Lines with any leading stamp removed, so `[00:01] T: hi` counts label T."""
    out = []
    for raw in lines:
        line = raw.strip()
        if not line or line[0] not in _STAMP_FIRST:  # every stamp starts with one of these
            out.append(line)
            continue
        for _kind, rx in _LEAD_STAMPS:
            m = rx.match(line)
            if m is not None:
                line = line[m.end() :]
                break
        out.append(line)
    return out


def parse_text(
    text: str, speaker_map: dict[str, str] | None = None, fps: int = DEFAULT_FPS
) -> ParsedFile:
    """Parse a normalised text transcript (see `app.io.sniff.decode_bytes`)."""
    lines = text.split("\n")
    plain = parse_plain(text, lines, speaker_map or {})  # every line `[hh:mm:ss] T: text`
    if plain is not None:
        return plain
    labels = accepted_labels(candidate_lines(lines), speaker_map or {})
    if _fractions_exceed(lines, fps):
        fps = 0  # `[00:01:02.50]`: two digits past 29 cannot be frames; they are hundredths
    parser = TextParser(labels, fps=fps, paragraph_mode=not labels and not _has_headers(lines))
    for i, line in enumerate(lines, start=1):
        parser.feed(i, line)
    transcript = parser.finish()
    problems = sorted(parser.problems, key=lambda p: p.line)
    return ParsedFile(format="txt", transcripts=[transcript], problems=problems)


_BRACKET_FRACTION = re.compile(r"^\s*\[\d{1,2}:\d{2}:\d{2}\.(\d{2})\]")


def _fractions_exceed(lines: list[str], fps: int) -> bool:
    """Whether any `[hh:mm:ss.ff]` fraction is too large to be a frame number."""
    for line in lines:
        m = _BRACKET_FRACTION.match(line)
        if m is not None and int(m.group(1)) >= fps:
            return True
    return False


def _has_headers(lines: list[str]) -> bool:
    """Whether turns are marked by Zoom/Otter/Rev headers or stamps (not by `Label:` prefixes)."""
    for raw in lines[:400]:
        line = raw.strip()
        if _ZOOM.match(line) or _OTTER.match(line) or _REV.match(line):
            return True
        if any(rx.match(line) for _k, rx in _LEAD_STAMPS):
            return True
    return False
