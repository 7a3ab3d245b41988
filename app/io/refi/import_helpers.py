"""Helpers of the REFI importer that need no database: dates, who coded, code-tree mapping."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from app.core.codebook import PATH_SEP
from app.core.dto import RatingScale
from app.core.models import utcnow
from app.io.refi.qde import RefiProject
from app.io.refi.sidecar import Sidecar


def parse_stamp(value: str | None) -> datetime:
    """A REFI ``xsd:dateTime`` as our naive UTC time; now when absent or unreadable."""
    if value:
        try:
            stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            stamp = None
        if stamp is not None:
            if stamp.tzinfo is not None:
                stamp = stamp.astimezone(UTC).replace(tzinfo=None)
            return stamp
    return utcnow()


def codings_are_synthetic(refi: RefiProject) -> bool:
    """True when the codings' creators say nothing (one user, one instant for all) while the
    selections name several users: then the selections know who coded (NVivo 12 exports)."""
    coding_marks: set[tuple[str | None, str | None]] = set()
    selection_users: set[str | None] = set()
    n = 0
    for src in refi.text_sources:
        for sel in src.selections:
            for coding in sel.codings:
                coding_marks.add((coding.user_guid, coding.created))
                selection_users.add(sel.user_guid)
                n += 1
    return n > 1 and len(coding_marks) == 1 and len(selection_users - {None}) > 1


def walk_paths(codes: list[Any], specs: list[Any], prefix: str, out: dict[str, str]) -> None:
    """REFI code GUID -> our code path, following the cleaned spec names."""
    for code, spec in zip(codes, specs, strict=True):
        path = f"{prefix}{spec.name}"
        out[code.guid] = path
        walk_paths(code.children, list(spec.children), path + PATH_SEP, out)


def drop_taken_guids(spec: Any, taken: set[str]) -> Any:
    guid = spec.guid if spec.guid and spec.guid not in taken else None
    children = tuple(drop_taken_guids(c, taken) for c in spec.children)
    return replace(spec, guid=guid, children=children)


def apply_code_extras(spec: Any, sidecar: Sidecar | None) -> Any:
    """Shortcut, rating scale and patterns that only our own exports carry (in the sidecar)."""
    children = tuple(apply_code_extras(c, sidecar) for c in spec.children)
    extras = sidecar.codes.get((spec.guid or "").lower(), {}) if sidecar else {}
    return replace(
        spec,
        name=str(extras.get("name") or spec.name),
        children=children,
        shortcut=str(extras.get("shortcut") or spec.shortcut),
        rating=RatingScale.from_json(extras.get("rating")) or spec.rating,
        patterns=tuple(extras.get("patterns") or spec.patterns),
    )
