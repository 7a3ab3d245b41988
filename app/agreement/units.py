"""From a project's segments to unit x coder matrices (characters, utterances, windows, sessions).

This is the only agreement module that reads the project, and it does so through the core's
services, so the statistics stay pure NumPy.  For every unit and coder it records how much of
the unit each *value* covers (a code, or with ``--group`` a child of the group), then:

* a coder's value for a unit is the value covering most of it (ties: codebook order);
  ``(none)`` when the coder coded that transcript/session but applied no value here;
  missing when the coder never coded that transcript/session (blind coders split work);
* units where no chosen coder applied any value are left out of the overall statistics
  (spec §4), but stay in the per-code tables as "neither";
* character units are stored as runs of identical coding with the run length as weight, and
  grouped into their utterance for the cluster bootstrap.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from app.agreement.matching import Seg
from app.agreement.unit_matrix import (
    NONE_LABEL,
    UNIT_KINDS,
    UnitMatrix,
    UnitRef,
    UnitSpec,
    parse_unit,
)
from app.core.codebook import find_code, list_codes, resolve_codes
from app.core.dto import CodeInfo, UtteranceInfo
from app.core.errors import UserError
from app.core.project import Project
from app.core.segment_spans import (
    SUGGESTER_ID,
    SegmentSpan,
    UtteranceSpan,
    segment_spans,
    suggestion_spans,
    transcript_rows,
    utterance_spans,
)
from app.core.sessions import (
    UtteranceIndex,
    coder_segment_counts,
    get_coder,
    list_coders,
    resolve_sessions,
    transcript_text,
)
from app.core.suggestions import SUGGESTER_CODER

__all__ = [
    "NONE_LABEL",
    "UNIT_KINDS",
    "UnitMatrix",
    "UnitRef",
    "UnitSpec",
    "build_units",
    "parse_unit",
    "resolve_coders",
    "resolve_values",
]


def resolve_coders(project: Project, coders: str | list[str]) -> list[str]:
    """``all`` = every human coder with segments; otherwise the named coders (all must exist)."""
    if isinstance(coders, str):
        names = [c.strip() for c in coders.split(",") if c.strip()]
    else:
        names = list(coders)
    if names == ["all"]:
        counts = coder_segment_counts(project)
        names = [c.name for c in list_coders(project) if c.kind == "human" and counts.get(c.name)]
    else:
        for name in names:
            _coder_id(project, name)
    if len(set(names)) < 2:
        raise UserError(f"--coders '{','.join(names)}': agreement needs at least two coders")
    return names


def _coder_id(project: Project, name: str) -> int:
    """A stored coder's id; the suggester (read from its suggestions) is ``SUGGESTER_ID``."""
    try:
        return get_coder(project, name).id
    except UserError:
        if name == SUGGESTER_CODER:
            return SUGGESTER_ID
        raise


def _sort_key(s: SegmentSpan) -> tuple[object, ...]:
    """The order ``segment_spans`` reads in (SQL puts NULL first); on ties people's segments
    come before suggestions, and suggestions in the order they were made."""
    return (s.session_id, s.transcript_id is not None, s.transcript_id or 0,
            s.start_char is not None, s.start_char or 0, s.start_ms is not None,
            s.start_ms or 0, s.id < 0, abs(s.id))  # fmt: skip


def resolve_values(
    project: Project, codes: list[str] | None, group: str | None
) -> tuple[list[str], list[str], dict[int, int]]:
    """Value labels, their parent paths, and code id -> value index."""
    all_codes = list_codes(project)
    if group:
        root = find_code(all_codes, group)
        children = [c for c in all_codes if c.parent_id == root.id]
        if not children:
            raise UserError(f"--group '{group}': the code has no children to compare")
        mapping: dict[int, int] = {}
        for i, child in enumerate(children):
            prefix = child.path + "/"
            for c in all_codes:
                if c.id == child.id or c.path.startswith(prefix):
                    mapping[c.id] = i
        return [c.name for c in children], [root.path] * len(children), mapping
    chosen: list[CodeInfo] = resolve_codes(project, codes)
    if not chosen:
        raise UserError("no codable codes to compare (check --codes)")
    parents = [c.path.rsplit("/", 1)[0] if "/" in c.path else "" for c in chosen]
    return [c.path for c in chosen], parents, {c.id: i for i, c in enumerate(chosen)}


def build_units(
    project: Project,
    coders: str | list[str],
    unit: str | UnitSpec,
    codes: list[str] | None = None,
    group: str | None = None,
    sessions: list[str] | None = None,
) -> UnitMatrix:
    spec = parse_unit(unit) if isinstance(unit, str) else unit
    coder_names = resolve_coders(project, coders)
    values, parents, value_of = resolve_values(project, codes, group)
    session_infos = resolve_sessions(project, sessions)
    coder_ids = {_coder_id(project, n): j for j, n in enumerate(coder_names)}
    session_ids = [s.id for s in session_infos]
    segs = segment_spans(project, session_ids=session_ids, coder_ids=list(coder_ids))
    if SUGGESTER_ID in coder_ids:  # the suggester's pending and accepted suggestions, read now
        segs = sorted(segs + suggestion_spans(project, session_ids=session_ids), key=_sort_key)
    builder = _Builder(spec, coder_names, len(values), coder_ids, value_of, segs)
    # Two queries for all sessions (not two per session), only the columns units need.
    by_session = transcript_rows(project, [s.id for s in session_infos])
    all_utts = utterance_spans(project, [s.id for s in session_infos])
    for sess in session_infos:
        transcripts = by_session[sess.id]
        utts = {t.id: all_utts.get(t.id, []) for t in transcripts}
        if spec.kind == "char":
            for t in transcripts:
                text = transcript_text(project, t.id)
                builder.add_char_transcript(sess.name, t.id, text, utts[t.id])
        elif spec.kind == "utterance":
            for t in transcripts:
                builder.add_utterances(sess.name, sess.id, t.id, utts[t.id], t.kind)
        else:
            builder.add_session_clock(sess.name, sess.id, sess.duration_ms, utts)
    matrix = builder.finish(spec, coder_names, values, parents)
    matrix.n_defined_values = len(values)
    names = {cid: coder_names[j] for cid, j in coder_ids.items()}
    labels = {cid: values[v] for cid, v in value_of.items()}
    coded_anchors: dict[str, set[tuple[str, int]]] = {}
    segments = []
    for s in segs:
        if s.transcript_id is not None:
            anchor: tuple[str, int] = ("text", s.transcript_id)
            start, end = s.start_char or 0, s.end_char or 0
        else:
            anchor = ("time", s.session_id)
            start, end = s.start_ms or 0, s.end_ms or 0
        coder = names[s.coder_id]
        # any code: a coder who coded a transcript saw all of it
        coded_anchors.setdefault(coder, set()).add(anchor)
        label = labels.get(s.code_id)
        if label is not None:
            segments.append(Seg(s.id, coder, anchor, start, end, label))
    matrix.segments = segments
    for coder, anchors in coded_anchors.items():
        matrix.coded_anchors.setdefault(coder, set()).update(anchors)
    return matrix


class _Rated:
    """Per unit, coder and value: the rating of the segment that covers most of the unit."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.best = np.zeros(shape)
        self.rating = np.full(shape, np.nan)

    def note(self, at: tuple[int, int, int], amount: float, rating: int | None) -> None:
        if rating is not None and amount > self.best[at]:
            self.best[at] = amount
            self.rating[at] = rating


class _Builder:
    """Accumulates units transcript by transcript (kept small so build_units reads as a plan)."""

    def __init__(
        self,
        spec: UnitSpec,
        coders: list[str],
        n_values: int,
        coder_ids: dict[int, int],
        value_of: dict[int, int],
        segs: list[SegmentSpan],
    ) -> None:
        self.m = len(coders)
        self.v = n_values
        self.spec_window = spec.window_ms if spec.kind == "window" else None
        self.coder_ids = coder_ids
        self.value_of = value_of
        self.by_transcript: dict[int, list[SegmentSpan]] = defaultdict(list)
        self.by_session: dict[int, list[SegmentSpan]] = defaultdict(list)
        self.coded_t: set[tuple[int, int]] = set()
        self.coded_s: set[tuple[int, int]] = set()
        for s in segs:
            j = coder_ids[s.coder_id]
            self.coded_s.add((s.session_id, j))
            if s.transcript_id is not None:
                self.coded_t.add((s.transcript_id, j))
            if s.code_id in value_of:
                self.by_session[s.session_id].append(s)
                if s.transcript_id is not None:
                    self.by_transcript[s.transcript_id].append(s)
        self.cov: list[NDArray[np.float64]] = []
        self.ratings: list[NDArray[np.float64]] = []
        self.coded: list[NDArray[np.bool_]] = []
        self.weights: list[NDArray[np.float64]] = []
        self.clusters: list[NDArray[np.int64]] = []
        self.refs: list[UnitRef] = []
        self.next_cluster = 0
        self.offset = 0
        self.spans: dict[int, list[tuple[int, int, int]]] = defaultdict(list)

    def _coded_row(self, key: set[tuple[int, int]], ident: int) -> NDArray[np.bool_]:
        return np.array([(ident, j) in key for j in range(self.m)], dtype=bool)

    def add_char_transcript(
        self, session: str, tid: int, text: str, utts: Sequence[UtteranceInfo | UtteranceSpan]
    ) -> None:
        length = len(text)
        if length == 0:
            return
        segs = self.by_transcript.get(tid, [])
        cuts = {0, length}
        for s in segs:
            cuts.update((s.start_char or 0, s.end_char or 0))
        for u in utts:
            cuts.update((u.start_char, u.end_char))
        bounds = np.array(sorted(c for c in cuts if 0 <= c <= length), dtype=np.int64)
        n = len(bounds) - 1
        diff = np.zeros((n + 1, self.m, self.v))
        for s in segs:
            a = int(np.searchsorted(bounds, s.start_char or 0))
            b = int(np.searchsorted(bounds, s.end_char or 0))
            j, v = self.coder_ids[s.coder_id], self.value_of[s.code_id]
            diff[a, j, v] += 1.0
            diff[b, j, v] -= 1.0
        cov = (np.cumsum(diff, axis=0)[:n] > 0).astype(np.float64)
        self.cov.append(cov)
        self.ratings.append(np.full(cov.shape, np.nan))  # ratings are judged per turn/window
        self.coded.append(np.repeat(self._coded_row(self.coded_t, tid)[None, :], n, axis=0))
        self.weights.append(np.diff(bounds).astype(np.float64))
        starts = np.array([u.start_char for u in utts], dtype=np.int64)
        ends = np.array([u.end_char for u in utts], dtype=np.int64)
        order = np.argsort(starts)
        starts, ends = starts[order], ends[order]
        idx = np.searchsorted(starts, bounds[:-1], side="right") - 1
        inside = (idx >= 0) & (bounds[:-1] < np.where(idx >= 0, ends[np.maximum(idx, 0)], 0))
        cl = np.where(inside, idx, len(utts))  # text outside any utterance: one extra cluster
        self.clusters.append(cl + self.next_cluster)
        self.next_cluster += len(utts) + 1
        if all((tid, j) in self.coded_t for j in range(self.m)):
            for s in segs:
                j = self.coder_ids[s.coder_id]
                start, end = s.start_char or 0, s.end_char or 0
                self.spans[j].append((start + self.offset, end + self.offset, s.code_id))
            self.offset += length

    def add_utterances(
        self,
        session: str,
        sid: int,
        tid: int,
        utts: Sequence[UtteranceInfo | UtteranceSpan],
        kind: str,
    ) -> None:
        if not utts:
            return
        cov = np.zeros((len(utts), self.m, self.v))
        rated = _Rated(cov.shape)
        index = UtteranceIndex(utts)
        pos = {u.id: i for i, u in enumerate(utts)}
        for s in self.by_transcript.get(tid, []):
            a, b = s.start_char or 0, s.end_char or 0
            for u in index.overlapping(a, b):
                width = max(1, u.end_char - u.start_char)
                share = (min(b, u.end_char) - max(a, u.start_char)) / width
                if share > 0:
                    at = (pos[u.id], self.coder_ids[s.coder_id], self.value_of[s.code_id])
                    cov[at] += share
                    rated.note(at, share, s.rating)
        # Time-anchored coding (3RS windows) judges the session itself, so it is placed on the
        # session transcript's turns, not on recall talk that merely refers to those moments.
        timed = self.by_session.get(sid, []) if kind == "session" else []
        for s in timed:
            if s.transcript_id is not None or s.start_ms is None or s.end_ms is None:
                continue
            for i, u in enumerate(utts):
                if u.session_start_ms is None or u.session_end_ms is None:
                    continue
                width = u.session_end_ms - u.session_start_ms
                inter = min(s.end_ms, u.session_end_ms) - max(s.start_ms, u.session_start_ms)
                if width > 0 and inter > 0:
                    at = (i, self.coder_ids[s.coder_id], self.value_of[s.code_id])
                    cov[at] += inter / width
                    rated.note(at, inter / width, s.rating)
        coded = self._coded_row(self.coded_t, tid) | self._coded_row(self.coded_s, sid)
        refs = [UnitRef(session, tid, u.start_char, u.end_char, f"{u.ordinal} {u.speaker}")
                for u in utts]  # fmt: skip
        self._append(cov, coded, refs, rated.rating)

    def add_session_clock(
        self,
        session: str,
        sid: int,
        duration: int | None,
        utts: Mapping[int, Sequence[UtteranceInfo | UtteranceSpan]],
    ) -> None:
        """Windows or the whole session, from time segments and text mapped to the clock."""
        indexes = {tid: UtteranceIndex(us) for tid, us in utts.items()}
        ranges: list[tuple[int, int, int, int, int | None]] = []  # ms range, coder, value, rating
        for s in self.by_session.get(sid, []):
            j, v = self.coder_ids[s.coder_id], self.value_of[s.code_id]
            if s.transcript_id is None and s.start_ms is not None and s.end_ms is not None:
                ranges.append((s.start_ms, s.end_ms, j, v, s.rating))
            elif s.transcript_id in indexes:
                t = indexes[s.transcript_id].span_times(s.start_char or 0, s.end_char or 0)
                if t.session_start_ms is not None:
                    end = t.session_end_ms if t.session_end_ms is not None else t.session_start_ms
                    start = t.session_start_ms
                    ranges.append((start, max(end, start + 1), j, v, s.rating))
        ends = [r[1] for r in ranges] + [duration or 0]
        ends += [u.session_end_ms or u.session_start_ms or 0 for us in utts.values() for u in us]
        total = max(ends) if ends else 0
        coded = self._coded_row(self.coded_s, sid)
        if self.spec_window is None:
            cov = np.zeros((1, self.m, self.v))
            rated = _Rated(cov.shape)
            for a, b, j, v, r in ranges:
                cov[0, j, v] += b - a
                rated.note((0, j, v), b - a, r)
            self._append(cov, coded, [UnitRef(session, None, 0, total, session)], rated.rating)
            return
        w = self.spec_window
        n = max(1, math.ceil(total / w)) if total > 0 else 0
        if n == 0:
            return
        cov = np.zeros((n, self.m, self.v))
        rated = _Rated(cov.shape)
        for a, b, j, v, r in ranges:
            # A whole-session rating (3RS therapist contribution) is not a rating of each window.
            r_window = None if a <= 0 and b >= total and n > 1 else r
            for k in range(a // w, min(n - 1, (b - 1) // w) + 1):
                amount = min(b, (k + 1) * w) - max(a, k * w)
                cov[k, j, v] += amount
                rated.note((k, j, v), amount, r_window)
        refs = [UnitRef(session, None, k * w, (k + 1) * w, f"{session} #{k + 1}") for k in range(n)]
        self._append(cov, coded, refs, rated.rating)

    def _append(
        self,
        cov: NDArray[np.float64],
        coded: NDArray[np.bool_],
        refs: list[UnitRef],
        ratings: NDArray[np.float64] | None = None,
    ) -> None:
        n = cov.shape[0]
        self.cov.append(cov)
        self.ratings.append(ratings if ratings is not None else np.full(cov.shape, np.nan))
        self.coded.append(np.repeat(coded[None, :], n, axis=0))
        self.weights.append(np.ones(n))
        self.clusters.append(np.arange(n, dtype=np.int64) + self.next_cluster)
        self.next_cluster += n
        self.refs.extend(refs)

    def finish(
        self, spec: UnitSpec, coders: list[str], values: list[str], parents: list[str]
    ) -> UnitMatrix:
        ratings = np.concatenate(self.ratings) if self.ratings else None
        if self.cov:
            cov = np.concatenate(self.cov)
            coded = np.concatenate(self.coded)
            weights = np.concatenate(self.weights)
            clusters = np.concatenate(self.clusters)
        else:
            cov = np.zeros((0, self.m, self.v))
            coded = np.zeros((0, self.m), dtype=bool)
            weights = np.zeros(0)
            clusters = np.zeros(0, dtype=np.int64)
        continuum = None
        if spec.kind == "char" and self.offset > 0:
            code_value = self.value_of
            continuum = (
                self.offset,
                {
                    coders[j]: [(a, b, values[code_value[c]]) for a, b, c in self.spans[j]]
                    for j in range(self.m)
                },
            )
        return UnitMatrix(
            spec,
            coders,
            values,
            parents,
            cov,
            coded,
            weights,
            clusters,
            self.refs,
            continuum,
            ratings=ratings,
        )
