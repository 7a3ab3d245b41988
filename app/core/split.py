"""Prepare coder copies: one project file per coder, without anyone else's coding.

For blind coding on separate desktops: each coder gets a copy that holds the material, the
codebook and their own work only, opens in blind mode and knows whose copy it is; ``merge``
brings the copies back into the team's project. What would reveal another coder's judgement
is left out of a copy: their segments and memos, their decisions on suggestions (put back to
pending), a suggester model trained from them, adjudication decisions, the consensus, and their
audit entries (the original project keeps its full log).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select, update

from app.core.audit import record_in
from app.core.blind import CODER_KEY, MODE_KEY, STARTED_KEY, _now
from app.core.errors import UserError
from app.core.models import (
    AuditEntry,
    Coder,
    Memo,
    ProjectMeta,
    Segment,
    SuggesterModel,
    Suggestion,
)
from app.core.models import Session as SessionRow
from app.core.project import Project, open_project
from app.core.transfer import copy_project


@dataclass(frozen=True)
class CoderCopy:
    coder: str
    path: Path
    segments: int


def copy_name(project_path: Path, coder: str) -> str:
    """``study.iprw`` + ``Ana Lopez`` -> ``study-Ana_Lopez.iprw`` (safe on every file system)."""
    safe = re.sub(r"[^\w.-]+", "_", coder.strip(), flags=re.UNICODE).strip("._") or "coder"
    return f"{project_path.stem}-{safe}.iprw"


def split_for_coders(source: Project, coders: list[str], directory: Path) -> list[CoderCopy]:
    """Write one blind copy per coder into ``directory`` (none is overwritten)."""
    names = [c.strip() for c in coders if c.strip()]
    if not names or len(set(names)) != len(names):
        raise UserError("--coders: name each coder once (e.g. --coders Ana,Ben)")
    base = source.path if source.path is not None else Path(source.display_name + ".iprw")
    directory.mkdir(parents=True, exist_ok=True)
    targets = [(name, directory / copy_name(base, name)) for name in names]
    taken = [str(p) for _, p in targets if p.exists()]
    if taken:
        raise UserError(f"{taken[0]}: already exists; choose another --dir (nothing was written)")
    out: list[CoderCopy] = []
    for name, path in targets:
        copy_project(source.location, path)
        with open_project(str(path)) as copy:
            if source.path is not None:
                _rebase_media(copy, source.path.parent, path.parent)
            out.append(CoderCopy(name, path, _keep_only(copy, name)))
    return out


def _rebase_media(copy: Project, old_dir: Path, new_dir: Path) -> None:
    """Video paths are relative to the project file: point the copy's at the same videos."""
    with copy.transaction() as s:
        for session in s.scalars(select(SessionRow).where(SessionRow.video_path.is_not(None))):
            video = Path(session.video_path or "")
            if not video.is_absolute():
                target = (old_dir / video).resolve()
                session.video_path = Path(os.path.relpath(target, new_dir.resolve())).as_posix()


def _keep_only(copy: Project, coder: str) -> int:
    """Remove everyone else's work from ``copy``; returns how many segments the coder keeps."""
    with copy.transaction() as s:
        mine = s.scalar(select(Coder.id).where(Coder.name == coder))
        others = [i for i in s.scalars(select(Coder.id)) if i != mine]
        if others:
            s.execute(
                update(Suggestion)
                .where(Suggestion.decided_by_id.in_(others))
                .values(status="pending", decided_by_id=None, segment_id=None)
            )
            s.execute(delete(Segment).where(Segment.coder_id.in_(others)))
            s.execute(delete(Memo).where(Memo.coder_id.in_(others)))
            s.execute(delete(SuggesterModel).where(SuggesterModel.coder_id.in_(others)))
            s.execute(delete(Coder).where(Coder.id.in_(others)))
        s.execute(delete(SuggesterModel).where(SuggesterModel.coder_id.is_(None)))
        s.execute(delete(ProjectMeta).where(ProjectMeta.key.like("adjudication.%")))
        # Entries by other coders name the codes they applied; unattributed ones (imports) stay.
        s.execute(delete(AuditEntry).where(AuditEntry.coder.is_not(None),
                                           AuditEntry.coder != coder))  # fmt: skip
        for key, value in ((MODE_KEY, "on"), (STARTED_KEY, _now()), (CODER_KEY, coder)):
            s.merge(ProjectMeta(key=key, value=value))
        record_in(s, "split", f"blind copy for {coder}; others' coding removed", coder)
        return int(s.scalar(select(func.count()).where(Segment.coder_id == mine)) or 0)
