"""Check the position counting rule against the selections' own names.

``origin`` tells us NVivo counts UTF-16 units, but a tool we have not seen may do the same (or an
NVivo release may fix it). Several tools (QualCoder, ATLAS.ti, us) write the selected words as
the selection's ``name``; when they do, we can *test* each rule: the one under which the names
match the selected text wins. Files without such names keep the rule from ``origin``.
"""

from __future__ import annotations

from app.io.refi.archive import QdpxArchive
from app.io.refi.positions import PositionUnits, SourceText, decode_text
from app.io.refi.qde import RefiProject

#: Selections sampled per project: enough to decide, cheap on large projects.
SAMPLE = 200


def _flat(text: str) -> str:
    return " ".join(text.split())


def _matches(text: SourceText, start: int, end: int, name: str) -> bool:
    a, b, clamped = text.to_codepoints(start, end)
    if clamped:
        return False
    got = _flat(text.text[a:b])
    want = _flat(name).rstrip("…").rstrip(".").rstrip()
    return bool(want) and got.startswith(want[: max(len(want) - 3, 1)])


def detect_units(
    refi: RefiProject, archive: QdpxArchive, default: PositionUnits
) -> tuple[PositionUnits, str | None]:
    """The rule to use and, when it differs from ``default``, a sentence saying why."""
    scores = {u: 0 for u in PositionUnits}
    sampled = 0
    for src in refi.text_sources:
        named = [s for s in src.selections if s.name.strip() and s.end > s.start]
        if not named:
            continue
        raw = src.content
        if raw is None and src.text_path and src.text_path.lower().startswith("internal://"):
            data = archive.read_source(src.text_path[len("internal://") :].strip("/"))
            raw = decode_text(data, src.name) if data is not None else None
        if raw is None:
            continue
        if "\r\n" not in raw and all(ord(ch) <= 0xFFFF for ch in raw):
            continue  # both rules agree on this text: no evidence either way
        views = {u: SourceText(raw, u) for u in PositionUnits}
        for sel in named[: SAMPLE - sampled]:
            for unit, view in views.items():
                scores[unit] += _matches(view, sel.start, sel.end, sel.name)
            sampled += 1
        if sampled >= SAMPLE:
            break
    if sampled == 0:
        return default, None
    best = max(scores, key=lambda u: scores[u])
    if best is not default and scores[best] > scores[default] and scores[best] >= 0.8 * sampled:
        return best, (
            f"positions are counted as {best.value}, not {default.value} as '{refi.origin}' "
            f"suggests: {scores[best]} of {sampled} selection names match that way"
        )
    return default, None
