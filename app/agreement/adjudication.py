"""Adjudication: turning coders' disagreements into a consensus coding, one undoable decision
at a time.

The consensus is an ordinary coder of kind ``consensus``, so everything that reads segments
(exports, agreement against the consensus, the transcript view) works on it unchanged. It is
created by the first decision, never by loading or computing: a project whose coders were only
compared has no empty "Consensus" coder. (This module lives in ``app.agreement``: it builds on
segment matching, and the core depends on nothing above it.)  A
decision replaces whatever the consensus already had on that item, so deciding twice is safe and
undo brings the earlier decision back.  "Code nothing here" is a decision too: it is recorded in
the project's meta table so progress counts it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import delete, select

from app.agreement.matching import DEFAULT_THRESHOLD, Item, Seg, disagreement_items
from app.core.coding import Anchor, ApplyCode, RemoveSegment, TextAnchor, TimeAnchor, list_segments
from app.core.commands import Command, CompositeCommand
from app.core.dto import CoderInfo, SegmentInfo
from app.core.errors import UserError
from app.core.models import ProjectMeta
from app.core.project import Project
from app.core.sessions import ensure_coder, get_coder, list_coders

CONSENSUS_NAME = "Consensus"
_NONE_KEY = "adjudication.none"


def consensus_coder(project: Project, name: str = CONSENSUS_NAME) -> CoderInfo:
    """The consensus coder ``name``, created on first use; a human coder's name is refused."""
    try:
        existing = get_coder(project, name)
    except UserError:
        return ensure_coder(project, name, kind="consensus")
    if existing.kind != "consensus":
        raise UserError(f"coder '{name}' is a {existing.kind} coder, not a consensus layer")
    return existing


def anchor_key(seg: SegmentInfo) -> tuple[str, int]:
    """The continuum a segment lives on: a transcript's text or a session's clock."""
    if seg.transcript_id is not None:
        return ("text", seg.transcript_id)
    return ("time", seg.session_id)


def to_seg(seg: SegmentInfo) -> Seg:
    if seg.transcript_id is not None:
        return Seg(seg.id, seg.coder_name, anchor_key(seg), seg.start_char or 0,
                   seg.end_char or 0, seg.code_path)  # fmt: skip
    return Seg(seg.id, seg.coder_name, anchor_key(seg), seg.start_ms or 0, seg.end_ms or 0,
               seg.code_path)  # fmt: skip


@dataclass(frozen=True)
class Proposal:
    """One consensus segment to write."""

    code_id: int
    anchor: Anchor
    memo: str = ""
    rating: int | None = None


@dataclass
class Workspace:
    """Segments of the compared coders and the consensus, and the decision items between them.

    ``consensus`` is None until the first decision creates the consensus coder.
    """

    coders: list[str]
    consensus: CoderInfo | None
    segments: dict[int, SegmentInfo]
    consensus_segments: list[SegmentInfo]
    items: list[Item]
    decided_none: set[str]
    project: Project | None = None
    consensus_name: str = CONSENSUS_NAME


def existing_consensus(project: Project, name: str = CONSENSUS_NAME) -> CoderInfo | None:
    """The consensus coder ``name`` if the project has one (creates nothing)."""
    found = next((c for c in list_coders(project) if c.name == name), None)
    if found is not None and found.kind != "consensus":
        raise UserError(f"coder '{name}' is a {found.kind} coder, not a consensus layer")
    return found


def _consensus_id(ws: Workspace) -> int:
    """The consensus coder's id, creating the coder on the first decision."""
    if ws.consensus is None:
        if ws.project is None:
            raise UserError("no project to record the consensus in")
        ws.consensus = consensus_coder(ws.project, ws.consensus_name)
    return ws.consensus.id


def _anchor(key: Hashable, start: int, end: int) -> Anchor:
    assert isinstance(key, tuple)
    kind, ident = key
    return TextAnchor(ident, start, end) if kind == "text" else TimeAnchor(ident, start, end)


def item_key(item: Item) -> str:
    assert isinstance(item.anchor, tuple)
    kind, ident = item.anchor
    return f"{_NONE_KEY}:{kind}:{ident}:{item.start}:{item.end}"


def load_workspace(
    project: Project,
    coders: Sequence[str],
    code_ids: Iterable[int] | None = None,
    session_ids: Iterable[int] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    consensus_name: str = CONSENSUS_NAME,
) -> Workspace:
    consensus = existing_consensus(project, consensus_name)
    ids = [get_coder(project, c).id for c in coders]
    codes = list(code_ids) if code_ids is not None else None
    sessions = list(session_ids) if session_ids is not None else None
    everything = list_segments(project, coder_ids=ids, session_ids=sessions)
    # Only transcripts/sessions every coder coded: elsewhere a missing segment is not a "no".
    seen: dict[str, set[tuple[str, int]]] = {c: set() for c in coders}
    for seg in everything:
        seen[seg.coder_name].add(anchor_key(seg))
    shared = set.intersection(*seen.values()) if seen else set()
    wanted = set(codes) if codes is not None else None
    segs = [s for s in everything
            if anchor_key(s) in shared and (wanted is None or s.code_id in wanted)]  # fmt: skip
    cons = (
        list_segments(project, coder_ids=[consensus.id], code_ids=codes, session_ids=sessions)
        if consensus is not None
        else []
    )
    items = disagreement_items([to_seg(s) for s in segs], list(coders), threshold)
    with project.reading() as s:
        keys = s.scalars(select(ProjectMeta.key).where(ProjectMeta.key.like(f"{_NONE_KEY}:%")))
        decided = set(keys)
    return Workspace(list(coders), consensus, {s.id: s for s in segs}, cons, items, decided,
                     project, consensus_name)  # fmt: skip


def reload_consensus(ws: Workspace, code_ids: Iterable[int] | None = None,
                     session_ids: Iterable[int] | None = None) -> Workspace:  # fmt: skip
    """``ws`` with its consensus layer and "nothing here" marks read again (after a decision
    or its undo); the items, computed from the compared coders' segments, stay as they are."""
    project = ws.project
    if project is None:
        return ws
    consensus = existing_consensus(project, ws.consensus_name)
    cons = []
    if consensus is not None:
        cons = list_segments(
            project, coder_ids=[consensus.id], code_ids=code_ids, session_ids=session_ids
        )
    with project.reading() as s:
        keys = s.scalars(select(ProjectMeta.key).where(ProjectMeta.key.like(f"{_NONE_KEY}:%")))
        decided = set(keys)
    return replace(ws, consensus=consensus, consensus_segments=cons, decided_none=decided)


def consensus_in(ws: Workspace, item: Item) -> list[SegmentInfo]:
    """Consensus segments already on this item (overlapping it on the same continuum)."""
    return [
        c for c in ws.consensus_segments
        if anchor_key(c) == item.anchor and _start(c) < item.end and _end(c) > item.start
    ]  # fmt: skip


def _start(s: SegmentInfo) -> int:
    return (s.start_char if s.transcript_id is not None else s.start_ms) or 0


def _end(s: SegmentInfo) -> int:
    return (s.end_char if s.transcript_id is not None else s.end_ms) or 0


def is_decided(ws: Workspace, item: Item) -> bool:
    return bool(consensus_in(ws, item)) or item_key(item) in ws.decided_none


def progress(ws: Workspace, include_agreed: bool = False) -> tuple[int, int]:
    """(decided, total) over the disagreement items (and agreed ones when asked)."""
    items = [i for i in ws.items if include_agreed or i.kind != "agreed"]
    return sum(1 for i in items if is_decided(ws, i)), len(items)


def take_coder(ws: Workspace, item: Item, coder: str) -> list[Proposal]:
    """Coder's version of the item, as it stands (nothing, if the coder has no segment here)."""
    out = []
    for seg in item.by_coder.get(coder, ()):
        info = ws.segments[seg.id]
        out.append(Proposal(info.code_id, _anchor(item.anchor, seg.start, seg.end), info.memo,
                            info.rating))  # fmt: skip
    return out


def merge_all(ws: Workspace, item: Item) -> list[Proposal]:
    """Every code any coder applied, each over the union of its spans; memos joined."""
    by_code: dict[int, list[tuple[Seg, SegmentInfo]]] = {}
    for seg in item.segments:
        info = ws.segments[seg.id]
        by_code.setdefault(info.code_id, []).append((seg, info))
    out = []
    for code_id, pairs in by_code.items():
        # The matched spans (a coder's overlapping same-code segments are one, over their union).
        start = min(seg.start for seg, _ in pairs)
        end = max(seg.end for seg, _ in pairs)
        infos = [info for _, info in pairs]
        memo = "\n".join(dict.fromkeys(i.memo for i in infos if i.memo))
        ratings = [i.rating for i in infos if i.rating is not None]
        rating = round(sum(ratings) / len(ratings)) if ratings else None
        out.append(Proposal(code_id, _anchor(item.anchor, start, end), memo, rating))
    return out


def majority(ws: Workspace, item: Item) -> list[Proposal]:
    """Codes that more than half of the coders applied here, each with the span most of
    them drew (ties: the earliest, shortest); nothing when no code has a majority."""
    n = len(ws.coders)
    votes: dict[str, set[str]] = {}
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for coder, segs in item.by_coder.items():
        for seg in segs:
            votes.setdefault(seg.code, set()).add(coder)
            spans.setdefault(seg.code, []).append((seg.start, seg.end, seg.id))
    out = []
    for code, who in votes.items():
        if 2 * len(who) <= n:
            continue
        counts: dict[tuple[int, int], int] = {}
        for start, end, _ in spans[code]:
            counts[(start, end)] = counts.get((start, end), 0) + 1
        start, end = min(counts, key=lambda se: (-counts[se], se[0], se[1] - se[0]))
        info = ws.segments[next(i for s, e, i in spans[code] if (s, e) == (start, end))]
        out.append(Proposal(info.code_id, _anchor(item.anchor, start, end), info.memo,
                            info.rating))  # fmt: skip
    return out


class _MarkNone(Command):
    """Record (or un-record) that the consensus codes nothing on an item."""

    changes_no_segments = True

    def __init__(self, key: str, mark: bool) -> None:
        self.key = key
        self.mark = mark
        self.text = "Decide: nothing here"

    def _set(self, project: Project, on: bool) -> None:
        with project.transaction() as s:
            if on:
                s.merge(ProjectMeta(key=self.key, value="none"))
            else:
                s.execute(delete(ProjectMeta).where(ProjectMeta.key == self.key))

    def do(self, project: Project) -> None:
        self._set(project, self.mark)

    def undo(self, project: Project) -> None:
        self._set(project, not self.mark)


def decide(ws: Workspace, item: Item, proposals: Sequence[Proposal], label: str) -> Command:
    """A command that replaces the consensus on ``item`` with ``proposals`` (empty = nothing)."""
    children: list[Command] = [RemoveSegment(c.id) for c in consensus_in(ws, item)]
    key = item_key(item)
    if key in ws.decided_none and proposals:
        children.append(_MarkNone(key, mark=False))
    if not proposals and key not in ws.decided_none:
        children.append(_MarkNone(key, mark=True))
    for p in proposals:
        children.append(ApplyCode(_consensus_id(ws), p.code_id, p.anchor, memo=p.memo,
                                  rating=p.rating, origin="adjudication"))  # fmt: skip
    if not children:
        raise UserError("nothing to change: the consensus already says so")
    return CompositeCommand(label, children)


def accept_agreed(ws: Workspace) -> Command | None:
    """One command copying every agreed, undecided item into the consensus (None if none)."""
    children: list[Command] = []
    for item in ws.items:
        if item.kind == "agreed" and not is_decided(ws, item):
            first = ws.coders[0]
            for p in take_coder(ws, item, first):
                children.append(ApplyCode(_consensus_id(ws), p.code_id, p.anchor, memo=p.memo,
                                          rating=p.rating, origin="adjudication"))  # fmt: skip
    if not children:
        return None
    return CompositeCommand(f"Accept {len(children)} agreed segments", children)
