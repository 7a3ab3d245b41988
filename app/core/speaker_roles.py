"""The roles speaker labels conventionally mean (T, Th, Therapist -> therapist; C, P -> client).

Here in the core because the import service derives a role for every new label; the parsers in
``app.io.speakers`` use the same conventions to recognise speaker prefixes.
"""

from __future__ import annotations

import re

_DEFAULT_ROLES: dict[str, str] = {
    "t": "therapist",
    "th": "therapist",
    "ther": "therapist",
    "therapist": "therapist",
    "counsellor": "therapist",
    "counselor": "therapist",
    "clinician": "therapist",
    "psychotherapist": "therapist",
    "c": "client",
    "p": "client",
    "cl": "client",
    "client": "client",
    "patient": "client",
    "i": "interviewer",
    "int": "interviewer",
    "interviewer": "interviewer",
    "r": "interviewer",
    "researcher": "interviewer",
}


def default_role(label: str) -> str | None:
    """The role a label conventionally means, or None when it names nobody we know."""
    key = normalise_label(label).casefold().rstrip(".")
    if key in _DEFAULT_ROLES:
        return _DEFAULT_ROLES[key]
    if re.fullmatch(r"[a-z]\d{2,}", key):
        return None  # "P001", "S012": a participant or subject id, not a role
    # "T1", "Therapist 2", "Client (Anna)"
    head = re.split(r"[\s\d(]", key, maxsplit=1)[0]
    return _DEFAULT_ROLES.get(head) if head else None


def normalise_label(label: str) -> str:
    """Trim and collapse internal whitespace; keep the case the transcriber used."""
    return " ".join(label.split())
