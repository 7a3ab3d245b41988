"""The unit x coder x value matrix the statistics read, and the unit specification.

Pure NumPy (no database): the report can be computed from a hand-made ``UnitMatrix`` in tests
and benchmarks; ``units.build_units`` fills one from a project.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, overload

import numpy as np
from numpy.typing import NDArray

from app.agreement.match_counts import SegTable
from app.agreement.unitizing import CoderSpans
from app.core.errors import UserError

NONE_LABEL = "(none)"
UNIT_KINDS = ("char", "utterance", "window", "session")


@dataclass(frozen=True)
class UnitSpec:
    kind: str
    window_ms: int | None = None

    @property
    def label(self) -> str:
        if self.kind == "window" and self.window_ms is not None:
            seconds = self.window_ms / 1000
            return f"window:{int(seconds) if seconds.is_integer() else seconds}"
        return self.kind


def parse_unit(text: str) -> UnitSpec:
    """``char|utterance|window:SECONDS|session`` -> UnitSpec; a clear error otherwise."""
    raw = (text or "char").strip().lower()
    if raw in ("char", "utterance", "session"):
        return UnitSpec(raw)
    if raw.startswith("window:"):
        try:
            seconds = float(raw.split(":", 1)[1])
        except ValueError:
            seconds = -1.0
        if seconds > 0 and math.isfinite(seconds):
            return UnitSpec("window", round(seconds * 1000))
    raise UserError(
        f"--unit '{text}': expected char, utterance, window:SECONDS (e.g. window:300) or session"
    )


class UnitRef(NamedTuple):
    """Where a unit is, for the comparison view (not built for character runs); a tuple, as
    agreement builds one per utterance."""

    session: str
    transcript_id: int | None
    start: int
    end: int
    label: str


class UnitRefs(Sequence[UnitRef]):
    """Units' places, built on first use: agreement itself never reads them (the comparison
    view does), and one tuple per utterance was a fifth of the report's time at 20,000 turns."""

    def __init__(self) -> None:
        self._parts: list[list[UnitRef] | tuple[str, int, list[int], list[int], list[int],
                                                list[str]]] = []  # fmt: skip
        self._built: list[UnitRef] | None = None

    def extend(self, refs: list[UnitRef]) -> None:
        self._parts.append(refs)
        self._built = None

    def add_turns(
        self,
        session: str,
        tid: int,
        starts: list[int],
        ends: list[int],
        ordinals: list[int],
        speakers: list[str],
    ) -> None:
        """One transcript's turns (labelled "ordinal speaker"), kept as columns until asked."""
        self._parts.append((session, tid, starts, ends, ordinals, speakers))
        self._built = None

    def _all(self) -> list[UnitRef]:
        if self._built is None:
            out: list[UnitRef] = []
            for part in self._parts:
                if isinstance(part, list):
                    out.extend(part)
                else:
                    session, tid, starts, ends, ordinals, speakers = part
                    out.extend(UnitRef(session, tid, a, b, f"{o} {spk}")
                               for a, b, o, spk in zip(starts, ends, ordinals, speakers,
                                                       strict=True))  # fmt: skip
            self._built = out
        return self._built

    def __len__(self) -> int:
        return len(self._all())

    @overload
    def __getitem__(self, index: int) -> UnitRef: ...
    @overload
    def __getitem__(self, index: slice) -> list[UnitRef]: ...
    def __getitem__(self, index: int | slice) -> UnitRef | list[UnitRef]:
        return self._all()[index]


@dataclass
class UnitMatrix:
    """Coverage of every value by every coder in every unit, plus what the statistics need."""

    unit: UnitSpec
    coders: list[str]
    values: list[str]
    value_parents: list[str]
    coverage: NDArray[np.float64]  # (n_units, n_coders, n_values)
    coded: NDArray[np.bool_]  # (n_units, n_coders): coder coded this unit's transcript/session
    weights: NDArray[np.float64]
    clusters: NDArray[np.int64]
    refs: Sequence[UnitRef] = field(default_factory=list)
    # character continuum of transcripts every coder coded: per coder (starts, ends, value index)
    continuum: tuple[int, dict[str, CoderSpans]] | None = None
    n_defined_values: int = 0
    ratings: NDArray[np.float64] | None = None  # (units, coders, values); NaN = no rating
    segments: SegTable | None = None  # the compared segments, for matching

    @property
    def n_units(self) -> int:
        return int(self.coverage.shape[0])

    def applied(self) -> NDArray[np.bool_]:
        """(n_units, n_coders, n_values): the coder applied the value somewhere in the unit."""
        return self.coverage > 0

    def overall(self) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Nominal value index per unit and coder (NONE = len(values), -1 missing), kept mask."""
        n_values = len(self.values)
        any_value = self.coverage.max(axis=2) > 0
        best = np.argmax(self.coverage, axis=2)
        vals = np.where(any_value, best, n_values)
        vals = np.where(self.coded, vals, -1).astype(np.int64)
        keep = (any_value & self.coded).any(axis=1)
        return vals, keep

    def presence(self, v: int) -> NDArray[np.int64]:
        """0/1 per unit and coder for value ``v``; -1 where the coder did not code the unit."""
        return np.where(self.coded, (self.coverage[:, :, v] > 0).astype(np.int64), -1)
