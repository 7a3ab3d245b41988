"""Speaker and time labels in the text of an exported transcript.

We store a transcript's text without speaker labels (the importers strip ``T:`` and time stamps
into utterance rows). A REFI source is only text, so a QualCoder, NVivo or MAXQDA user would see
turns without speakers. The export therefore writes each turn as ``[hh:mm:ss] T: text``: a label
inserted at the turn's start. ``[hh:mm:ss]`` is the stamp QualCoder itself reads as a time point
in transcripts, and our own importer reads the label back as the turn's speaker and time.

Inserting text moves positions, so selections and sync points are mapped through
``LabelMap``; the inserted labels are listed in our sidecar so our re-import removes exactly
them and maps every selection back to the stored text (``strip_labels``), checking that each
label is still where the sidecar says before trusting it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def clock(ms: int) -> str:
    """``hh:mm:ss`` for a time in milliseconds (whole seconds, rounded down)."""
    h, rest = divmod(max(ms, 0) // 1000, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def turn_label(speaker: str, start_ms: int | None) -> str:
    """The label written before a turn: ``[00:01:02] T: ``, ``T: ``, ``[00:01:02] `` or ``""``."""
    parts = []
    if start_ms is not None:
        parts.append(f"[{clock(start_ms)}]")
    speaker = " ".join(speaker.split())
    if speaker:
        parts.append(f"{speaker}:")
    return " ".join(parts) + " " if parts else ""


@dataclass(frozen=True)
class LabelMap:
    """Stored text plus labels inserted at sorted positions of it."""

    text: str
    labels: tuple[tuple[int, str], ...]  # (position in the stored text, inserted label)

    def __post_init__(self) -> None:
        positions = [p for p, _ in self.labels]
        cum = [0]
        for _, label in self.labels:
            cum.append(cum[-1] + len(label))
        object.__setattr__(self, "_positions", positions)
        object.__setattr__(self, "_cum", cum)

    @classmethod
    def for_turns(cls, text: str, turns: Sequence[Any]) -> LabelMap:
        """Labels for utterances (objects with start_char, speaker, start_ms)."""
        labels: dict[int, str] = {}
        for u in turns:
            label = turn_label(u.speaker or "", u.start_ms)
            if label and 0 <= u.start_char <= len(text) and u.start_char not in labels:
                labels[u.start_char] = label
        return cls(text, tuple(sorted(labels.items())))

    def labelled_text(self) -> str:
        out, last = [], 0
        for pos, label in self.labels:
            out.append(self.text[last:pos])
            out.append(label)
            last = pos
        out.append(self.text[last:])
        return "".join(out)

    def start(self, pos: int) -> int:
        """Where a selection starting at ``pos`` starts in the labelled text (after a label
        inserted at ``pos``: a selected turn does not include its label)."""
        i = bisect_right(self._positions, pos)  # type: ignore[attr-defined]
        return pos + self._cum[i]  # type: ignore[attr-defined]

    def end(self, pos: int) -> int:
        """Where a selection ending at ``pos`` ends (before a label inserted at ``pos``, which
        belongs to the next turn)."""
        i = bisect_left(self._positions, pos)  # type: ignore[attr-defined]
        return pos + self._cum[i]  # type: ignore[attr-defined]

    def to_json(self) -> list[list[Any]]:
        return [[pos, label] for pos, label in self.labels]


def strip_labels(labelled: str, labels: Any) -> tuple[str, list[tuple[int, int]]] | None:
    """Undo ``LabelMap``: the stored text and the label spans ``(start, length)`` in ``labelled``.

    ``labels`` is the sidecar's list of ``[position, label]``. Returns None when a label is not
    where it should be (the text was edited by another tool): then the sidecar cannot be trusted
    for this text and the caller imports it as it stands.
    """
    try:
        items = sorted((int(p), str(lb)) for p, lb in labels)
    except (TypeError, ValueError):
        return None
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    shift = 0
    last = 0
    for pos, label in items:
        at = pos + shift
        if at < last or labelled[at : at + len(label)] != label:
            return None
        out.append(labelled[last:at])
        spans.append((at, len(label)))
        last = at + len(label)
        shift += len(label)
    out.append(labelled[last:])
    return "".join(out), spans


class Unlabel:
    """Maps positions in a labelled text back to the stored text (``spans`` from
    ``strip_labels``); a position inside a label falls to the label's place."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = [s for s, _ in spans]
        self.lengths = [n for _, n in spans]
        self.before = [0]
        for n in self.lengths:
            self.before.append(self.before[-1] + n)

    def __call__(self, pos: int) -> int:
        i = bisect_left(self.starts, pos)  # spans starting before pos
        if i == 0:
            return pos
        j = i - 1  # every span before j lies wholly before pos; j may contain it
        return pos - self.before[j] - min(self.lengths[j], pos - self.starts[j])
