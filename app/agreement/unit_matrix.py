"""The unit x coder x value matrix the statistics read, and the unit specification.

Pure NumPy (no database): the report can be computed from a hand-made ``UnitMatrix`` in tests
and benchmarks; ``units.build_units`` fills one from a project.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from app.agreement.matching import Seg
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


@dataclass(frozen=True)
class UnitRef:
    """Where a unit is, for the comparison view (not built for character runs)."""

    session: str
    transcript_id: int | None
    start: int
    end: int
    label: str


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
    refs: list[UnitRef] = field(default_factory=list)
    continuum: tuple[int, dict[str, list[tuple[int, int, str]]]] | None = None
    n_defined_values: int = 0
    ratings: NDArray[np.float64] | None = None  # (units, coders, values); NaN = no rating
    segments: list[Seg] = field(default_factory=list)  # the compared segments, for matching
    coded_anchors: dict[str, set[tuple[str, int]]] = field(default_factory=dict)

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
