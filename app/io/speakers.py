"""Speaker labels and roles.

Transcribers write the same roles many ways (T, Th, Therapist, Counsellor; C, P, Client,
Patient; I, Interviewer). The importer keeps the label exactly as written and derives a role,
which the user can override with `--speakers T=therapist,C=client` (or in the import dialog).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator

from app.core.speaker_roles import default_role as default_role  # re-exported
from app.core.speaker_roles import normalise_label as normalise_label  # re-exported

ROLES = ("therapist", "client", "interviewer", "other")

_PREFIX = re.compile(r"^(?P<label>[^\s:\[\]{}#¤<>()\d][^:\[\]{}#¤<>]{0,31}?)\s*:\s+(?P<rest>.*)$")
#: Word transcripts often separate the speaker with a tab instead of a colon: "T<TAB>Hello"
_TAB_PREFIX = re.compile(r"^(?P<label>[^\s:\[\]{}#¤<>()\d][^\t:\[\]{}#¤<>]{0,31}?)\t+(?P<rest>.*)$")
_PREFIX_EMPTY = re.compile(r"^(?P<label>[^\s:\[\]{}#¤<>()\d][^:\[\]{}#¤<>]{0,31}?)\s*:\s*$")


class SpeakerMapError(ValueError):
    """A `--speakers` value that is not `LABEL=role,...`."""


def assignments(
    spec: str | None, flag: str, form: str, error: type[ValueError]
) -> Iterator[tuple[str, str, str]]:
    """Split a `A=B,C=D` option into (part, left, right), naming ``flag`` and ``form`` on error.

    Shared by `--speakers` and `--map`, which differ only in what the two sides mean.
    """
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise error(f"{flag}: '{part}' is not {form}")
        left, right = (p.strip() for p in part.split("=", 1))
        yield part, left, right


def parse_speaker_map(spec: str | None) -> dict[str, str]:
    """`T=therapist,C=client` -> {'t': 'therapist', 'c': 'client'} (keys case-folded)."""
    result: dict[str, str] = {}
    for part, label, role in assignments(spec, "--speakers", "LABEL=ROLE", SpeakerMapError):
        role = role.lower()
        if not label or role not in ROLES:
            raise SpeakerMapError(f"--speakers: '{part}': role must be one of {', '.join(ROLES)}")
        result[label.casefold()] = role
    return result


def role_for(label: str, speaker_map: dict[str, str]) -> str:
    """Role of a label: the user's map first, then the conventions, else 'other'."""
    key = normalise_label(label).casefold()
    if key in speaker_map:
        return speaker_map[key]
    return default_role(label) or "other"


def split_prefix(line: str) -> tuple[str, str] | None:
    """`Label: text` (or `Label<TAB>text`) -> (label, text); the label is not checked here."""
    # cheap tests first: most continuation lines have no early colon or tab
    colon = line.find(":", 0, 40)
    tab = line.find("\t", 0, 34)
    if tab > 0 and (colon <= 0 or tab < colon):
        m = _TAB_PREFIX.match(line)
    elif colon > 0:
        m = _PREFIX.match(line) or _PREFIX_EMPTY.match(line)
    else:
        return None
    if m is None:
        return None
    label = normalise_label(m.group("label"))
    if len(label.split()) > 4 or label.lower().startswith(("http", "www")):
        return None
    return label, (m.groupdict().get("rest") or "").strip()


def accepted_labels(lines: Iterable[str], speaker_map: dict[str, str]) -> set[str]:
    """Prefix labels that really are speakers: known roles, mapped, or used at least twice.

    A single "He said: yes" inside a turn must stay text, while "Anna: ..." used on many lines
    is a speaker even though no convention names her.
    """
    counts: Counter[str] = Counter()
    n_lines = 0
    # split_prefix's label depends only on the text before the separator (and, for a colon,
    # on whether whitespace or the end follows): cache on that, the regex runs once per label
    cache: dict[tuple[str, str, bool], str | None] = {}
    for line in lines:
        line = line.strip()
        if not line:
            continue
        n_lines += 1
        colon = line.find(":", 0, 40)
        tab = line.find("\t", 0, 34)
        if tab > 0 and (colon <= 0 or tab < colon):
            key = ("\t", line[:tab], True)
        elif colon > 0:
            after = line[colon + 1 : colon + 2]
            key = (":", line[:colon], after == "" or after.isspace())
        else:
            continue
        if key not in cache:
            split = split_prefix(line)
            cache[key] = split[0] if split is not None else None
        label = cache[key]
        if label is not None:
            counts[label] += 1
    return accept_labels(counts, n_lines, speaker_map)


def accept_labels(counts: Counter[str], n_lines: int, speaker_map: dict[str, str]) -> set[str]:
    """Which counted prefix labels are speakers (see ``accepted_labels``)."""
    # When most lines carry a prefix, a name-like label used once is a speaker too
    # (the guest who says one sentence in a Zoom caption file).
    mostly_prefixed = n_lines > 0 and sum(counts.values()) * 2 >= n_lines
    accepted = set()
    for label, n in counts.items():
        if (
            n >= 2
            or default_role(label) is not None
            or label.casefold() in speaker_map
            or (mostly_prefixed and _name_like(label))
        ):
            accepted.add(label)
    return accepted


def _name_like(label: str) -> bool:
    """`Alex Chen`, `Dr. Lee`, `P3`: every word starts with a capital or a digit."""
    words = label.split()
    return 0 < len(words) <= 3 and all(w[0].isupper() or w[0].isdigit() for w in words)
