"""Blind mode as stored in the project's meta table, readable without SQLAlchemy.

``app.core.blind`` changes the setting (and audits it); this module only says what the stored
keys mean, so ``info``'s standard-library fast path reports blind mode exactly as
``project_info`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

MODE_KEY = "blind.mode"
STARTED_KEY = "blind.started_at"
ENDED_KEY = "blind.ended_at"
ENDED_BY_KEY = "blind.ended_by"
#: In a copy made by ``split``: the one coder the copy is for.
CODER_KEY = "blind.coder"
BLIND_KEYS = (MODE_KEY, STARTED_KEY, ENDED_KEY, ENDED_BY_KEY, CODER_KEY)


class BlindState(NamedTuple):
    """A named tuple, not a dataclass: ``info`` reads it, and importing ``dataclasses`` (with
    ``inspect``) was a tenth of its start-up."""

    on: bool
    started_at: str | None = None  # UTC, "YYYY-MM-DD HH:MM:SS"
    ended_at: str | None = None
    ended_by: str | None = None
    coder: str | None = None  # a split copy's coder

    def note(self) -> str | None:
        """One sentence for ``info`` and reports; None when the project was never blind."""
        if self.on:
            since = f" since {self.started_at} UTC" if self.started_at else ""
            return f"coders are coding blind{since}"
        if self.ended_at:
            by = f" (ended by {self.ended_by})" if self.ended_by else ""
            return f"coders were blind until {self.ended_at} UTC{by}"
        return None

    def to_json(self) -> dict[str, object]:
        return {"on": self.on, "started_at": self.started_at, "ended_at": self.ended_at,
                "ended_by": self.ended_by, "coder": self.coder}  # fmt: skip


def state_from_meta(meta: Callable[[str], str | None]) -> BlindState:
    """The state from a reader of meta values (None or "" when a key is absent)."""

    def value(key: str) -> str | None:
        return meta(key) or None

    return BlindState(
        on=value(MODE_KEY) == "on",
        started_at=value(STARTED_KEY),
        ended_at=value(ENDED_KEY),
        ended_by=value(ENDED_BY_KEY),
        coder=value(CODER_KEY),
    )
