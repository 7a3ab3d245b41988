"""Blind coding as a project setting: on, since when, and when (and by whom) it ended.

Researchers report that coders were blind to each other; the tool has to be able to back that
up. The setting lives in the project (not in one person's preferences), every change is written
to the audit log, and leaving blind mode is recorded with a UTC timestamp that ``info`` and the
Word report show ("coders were blind until ..."). ``split`` writes one copy per coder without the
others' coding; ``merge`` brings the copies back.
"""

from __future__ import annotations

from app.core.audit import record
from app.core.blind_state import (  # noqa: F401 - the keys are part of this module's API
    CODER_KEY,
    ENDED_BY_KEY,
    ENDED_KEY,
    MODE_KEY,
    STARTED_KEY,
    BlindState,
    state_from_meta,
)
from app.core.models import utcnow
from app.core.project import Project


def _now() -> str:
    return utcnow().strftime("%Y-%m-%d %H:%M:%S")


def blind_state(project: Project) -> BlindState:
    return state_from_meta(lambda key: project.get_meta(key) or None)


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
