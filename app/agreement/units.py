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

from app.agreement.match_counts import SegTable, anchor_key
from app.agreement.unit_fill import accumulate, char_coverage, text_shares, time_shares
from app.agreement.unit_matrix import (
    NONE_LABEL,
    UNIT_KINDS,
    UnitMatrix,
    UnitRef,
    UnitRefs,
    UnitSpec,
    parse_unit,
)
from app.agreement.unitizing import CoderSpans
from app.core.codebook import find_code, list_codes, resolve_codes
from app.core.dto import CodeInfo, UtteranceInfo
from app.core.errors import UserError
from app.core.project import Project
from app.core.segment_spans import (
    SUGGESTER_ID,
    SegmentSpan,
    UtteranceSpan,
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
)
from app.core.span_arrays import (
    NONE,
    SpanArrays,
    UtteranceArrays,
    segment_arrays,
    transcript_lengths,
    utterance_arrays,
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


Ints = NDArray[np.int64]


def _pairs(idents: Ints, coders: Ints, m: int) -> set[tuple[int, int]]:
    """The distinct (transcript or session id, coder index) pairs."""
    keys = np.unique(idents * m + coders).tolist()
    return {(k // m, k % m) for k in keys}


def _lookup(keys: Ints, mapping: Mapping[int, int], default: int = -1) -> Ints:
    """``mapping[k]`` for every element (``default`` where absent), one dict lookup per value."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    table = np.array([mapping.get(k, default) for k in uniq.tolist()], dtype=np.int64)
    return table[inverse.reshape(-1)] if len(keys) else np.zeros(0, dtype=np.int64)


def _read_segments(
    project: Project, session_ids: list[int], coder_ids: dict[int, int]
) -> SpanArrays:
    segs = segment_arrays(project, session_ids=session_ids, coder_ids=list(coder_ids))
    if SUGGESTER_ID in coder_ids:  # the suggester's pending and accepted suggestions, read now
        spans = segs.to_spans() + suggestion_spans(project, session_ids=session_ids)
        segs = SpanArrays.from_spans(sorted(spans, key=_sort_key))
    return segs


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
    segs = _read_segments(project, session_ids, coder_ids)
    builder = _Builder(spec, coder_names, len(values), coder_ids, value_of, segs)
    # Three queries for all sessions (not per session), only the columns units need.
    by_session = transcript_rows(project, session_ids)
    if spec.kind in ("char", "utterance"):
        utts = utterance_arrays(project, session_ids)
        lengths = transcript_lengths(
            project, [t.id for ts in by_session.values() for t in ts] if spec.kind == "char" else []
        )
        for sess in session_infos:
            for t in by_session[sess.id]:
                lo, hi = utts.bounds(t.id)
                if spec.kind == "char":
                    builder.add_char_transcript(t.id, lengths.get(t.id, 0), utts, lo, hi)
                else:
                    builder.add_utterances(sess.name, sess.id, t.id, utts, lo, hi, t.kind)
    else:
        all_utts = utterance_spans(project, session_ids)
        for sess in session_infos:
            spans = {t.id: all_utts.get(t.id, []) for t in by_session[sess.id]}
            builder.add_session_clock(sess.name, sess.id, sess.duration_ms, spans)
    matrix = builder.finish(spec, coder_names, values, parents)
    matrix.n_defined_values = len(values)
    matrix.segments = _seg_table(segs, builder, values)
    return matrix


def _seg_table(segs: SpanArrays, builder: _Builder, values: list[str]) -> SegTable:
    """The compared segments (a chosen value) and every continuum each coder coded (any code)."""
    is_text = segs.transcript_id != NONE
    anchor = anchor_key(segs.transcript_id, segs.session_id, is_text)
    start = np.where(is_text, segs.start_char, segs.start_ms)
    end = np.where(is_text, segs.end_char, segs.end_ms)
    start, end = np.where(start == NONE, 0, start), np.where(end == NONE, 0, end)
    labels = sorted(set(values))
    label_of = np.array([labels.index(v) for v in values], dtype=np.int64)
    m = builder.m
    pairs = np.unique(anchor * m + builder.coder) if len(anchor) else np.zeros(0, np.int64)
    chosen = builder.value >= 0
    return SegTable(
        id=segs.id[chosen], coder=builder.coder[chosen], anchor=anchor[chosen],
        start=start[chosen], end=end[chosen], code=label_of[builder.value[chosen]],
        labels=labels, coded_coder=pairs % m, coded_anchor=pairs // m,
    )  # fmt: skip


class _Rated:
    """Per unit, coder and value: the rating of the segment that covers most of the unit."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.best = np.zeros(shape)
        self.rating = np.full(shape, np.nan)

    def note(self, at: tuple[int, int, int], amount: float, rating: int | None) -> None:
        if rating is not None and amount > self.best[at]:
            self.best[at] = amount
            self.rating[at] = rating


def _joined(parts: list[CoderSpans]) -> CoderSpans:
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))  # type: ignore[return-value]


def _groups(keys: Ints, rows: Ints) -> dict[int, Ints]:
    """key -> the ``rows`` having it, in their order."""
    if len(rows) == 0:
        return {}
    order = rows[np.argsort(keys[rows], kind="stable")]
    uniq, first = np.unique(keys[order], return_index=True)
    return dict(zip(uniq.tolist(), np.split(order, first[1:]), strict=True))


class _Builder:
    """Accumulates units transcript by transcript (kept small so build_units reads as a plan)."""

    def __init__(
        self,
        spec: UnitSpec,
        coders: list[str],
        n_values: int,
        coder_ids: dict[int, int],
        value_of: dict[int, int],
        segs: SpanArrays,
    ) -> None:
        self.m = len(coders)
        self.v = n_values
        self.spec_window = spec.window_ms if spec.kind == "window" else None
        self.coder_ids = coder_ids
        self.value_of = value_of
        self.segs = segs
        self.coder = _lookup(segs.coder_id, coder_ids)
        self.value = _lookup(segs.code_id, value_of)
        self.cell = self.coder * n_values + self.value
        self.rating = np.where(segs.rating == NONE, np.nan, segs.rating.astype(np.float64))
        text = segs.transcript_id != NONE
        self.coded_t = _pairs(segs.transcript_id[text], self.coder[text], self.m)
        self.coded_s = _pairs(segs.session_id, self.coder, self.m)
        valued = self.value >= 0
        self.by_transcript = _groups(segs.transcript_id, np.nonzero(valued & text)[0])
        timed = valued & ~text & (segs.start_ms != NONE) & (segs.end_ms != NONE)
        self.timed_by_session = _groups(segs.session_id, np.nonzero(timed)[0])
        self.by_session: dict[int, list[SegmentSpan]] = defaultdict(list)
        if spec.kind in ("window", "session"):
            for sid, rows in _groups(segs.session_id, np.nonzero(valued)[0]).items():
                self.by_session[sid] = segs.take(rows).to_spans()
        self.cov: list[NDArray[np.float64]] = []
        self.ratings: list[NDArray[np.float64]] = []
        self.coded: list[NDArray[np.bool_]] = []
        self.weights: list[NDArray[np.float64]] = []
        self.clusters: list[NDArray[np.int64]] = []
        self.refs = UnitRefs()
        self.next_cluster = 0
        self.offset = 0
        self.spans: dict[int, list[CoderSpans]] = defaultdict(list)  # continuum, per coder

    def _coded_row(self, key: set[tuple[int, int]], ident: int) -> NDArray[np.bool_]:
        return np.array([(ident, j) in key for j in range(self.m)], dtype=bool)

    def add_char_transcript(
        self, tid: int, length: int, utts: UtteranceArrays, lo: int, hi: int
    ) -> None:
        if length == 0:
            return
        rows = self.by_transcript.get(tid, np.zeros(0, dtype=np.int64))
        seg_start, seg_end = self.segs.start_char[rows], self.segs.end_char[rows]
        u_start, u_end = utts.start_char[lo:hi], utts.end_char[lo:hi]
        bounds, cov = char_coverage(length, seg_start, seg_end, self.cell[rows], u_start, u_end,
                                    self.m * self.v)  # fmt: skip
        n = len(bounds) - 1
        cov = cov.reshape(n, self.m, self.v)
        self.cov.append(cov)
        self.ratings.append(np.full(cov.shape, np.nan))  # ratings are judged per turn/window
        self.coded.append(np.repeat(self._coded_row(self.coded_t, tid)[None, :], n, axis=0))
        self.weights.append(np.diff(bounds).astype(np.float64))
        order = np.argsort(u_start)
        starts, ends = u_start[order], u_end[order]
        idx = np.searchsorted(starts, bounds[:-1], side="right") - 1
        if len(ends):
            inside = (idx >= 0) & (bounds[:-1] < np.where(idx >= 0, ends[np.maximum(idx, 0)], 0))
        else:  # a transcript with text but no turns: all of it is outside any utterance
            inside = np.zeros(len(idx), dtype=bool)
        n_utts = hi - lo
        cl = np.where(inside, idx, n_utts)  # text outside any utterance: one extra cluster
        self.clusters.append(cl + self.next_cluster)
        self.next_cluster += n_utts + 1
        if all((tid, j) in self.coded_t for j in range(self.m)):
            coder, value = self.coder[rows], self.value[rows]
            for j in range(self.m):
                mine = coder == j
                self.spans[j].append((seg_start[mine] + self.offset, seg_end[mine] + self.offset,
                                      value[mine]))  # fmt: skip
            self.offset += length

    def add_utterances(
        self, session: str, sid: int, tid: int, utts: UtteranceArrays, lo: int, hi: int, kind: str
    ) -> None:
        n = hi - lo
        if n == 0:
            return
        per_unit = self.m * self.v
        u_start, u_end = utts.start_char[lo:hi], utts.end_char[lo:hi]
        parts = []
        rows = self.by_transcript.get(tid)
        if rows is not None:
            parts.append(text_shares(self.segs.start_char[rows], self.segs.end_char[rows],
                                     self.rating[rows], self.cell[rows], u_start, u_end,
                                     per_unit))  # fmt: skip
        # Time-anchored coding (3RS windows) judges the session itself, so it is placed on the
        # session transcript's turns, not on recall talk that merely refers to those moments.
        timed = self.timed_by_session.get(sid) if kind == "session" else None
        if timed is not None:
            ss, se = utts.session_start_ms[lo:hi], utts.session_end_ms[lo:hi]
            parts.append(time_shares(self.segs.start_ms[timed], self.segs.end_ms[timed],
                                     self.rating[timed], self.cell[timed], ss, se,
                                     (ss != NONE) & (se != NONE), per_unit))  # fmt: skip
        if parts:
            flat_cov, flat_rating = accumulate(parts, n * per_unit)
            cov = flat_cov.reshape(n, self.m, self.v)
            ratings = flat_rating.reshape(n, self.m, self.v)
        else:
            cov = np.zeros((n, self.m, self.v))
            ratings = np.full(cov.shape, np.nan)
        coded = self._coded_row(self.coded_t, tid) | self._coded_row(self.coded_s, sid)
        self._append(cov, coded, [], ratings)
        self.refs.add_turns(session, tid, u_start.tolist(), u_end.tolist(),
                            utts.ordinal[lo:hi].tolist(), utts.speaker[lo:hi])  # fmt: skip

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
        if refs:
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
            continuum = (self.offset, {coders[j]: _joined(self.spans[j]) for j in range(self.m)})
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
