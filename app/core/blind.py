"""Blind coding as a project setting: on, since when, and when (and by whom) it ended.

Researchers report that coders were blind to each other; the tool has to be able to back that
up. The setting lives in the project (not in one person's preferences), every change is written
to the audit log, and leaving blind mode is recorded with a UTC timestamp that ``info`` and the
Word report show ("coders were blind until ..."). ``split`` writes one copy per coder without the
others' coding; ``merge`` brings the copies back.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.audit import record
from app.core.models import utcnow
from app.core.project import Project

MODE_KEY = "blind.mode"
STARTED_KEY = "blind.started_at"
ENDED_KEY = "blind.ended_at"
ENDED_BY_KEY = "blind.ended_by"
#: In a copy made by ``split``: the one coder the copy is for.
CODER_KEY = "blind.coder"


@dataclass(frozen=True)
class BlindState:
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


def _now() -> str:
    return utcnow().strftime("%Y-%m-%d %H:%M:%S")


def blind_state(project: Project) -> BlindState:
    def meta(key: str) -> str | None:
        return project.get_meta(key) or None

    return BlindState(
        on=project.get_meta(MODE_KEY) == "on",
        started_at=meta(STARTED_KEY),
        ended_at=meta(ENDED_KEY),
        ended_by=meta(ENDED_BY_KEY),
        coder=meta(CODER_KEY),
    )


def start_blind(project: Project, who: str | None = None) -> BlindState:
    """Make the project blind (recorded in the audit log); a no-op when it already is."""
    if blind_state(project).on:
        return blind_state(project)
    project.set_meta(MODE_KEY, "on")
    project.set_meta(STARTED_KEY, _now())
    record(project, "blind mode", "started", who)
    return blind_state(project)


def end_blind(project: Project, who: str | None = None) -> BlindState:
    """Leave blind mode: the moment and who are kept (and audited); the UI asks first."""
    if not blind_state(project).on:
        return blind_state(project)
    project.set_meta(MODE_KEY, "off")
    project.set_meta(ENDED_KEY, _now())
    project.set_meta(ENDED_BY_KEY, who or "")
    record(project, "blind mode", "ended", who)
    return blind_state(project)
