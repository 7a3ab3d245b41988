"""Notes that travel with the numbers: a coefficient on few units is reported, never hidden.

A kappa of -1.000 on one unit is arithmetic, not evidence. Every coefficient computed on fewer
than ``FEW_UNITS`` pairable units (units at least two of the compared coders rated) gets a line
in the report's ``warnings``, which the CLI, the comparison window and the Word report show.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.agreement.units import UnitMatrix

#: Fewer pairable units than this and the report says the coefficients are unstable.
FEW_UNITS = 10


def _unit_word(matrix: UnitMatrix, n: int) -> str:
    if matrix.unit.kind == "char":
        return "stretch of text" if n == 1 else "stretches of text"
    word = {"utterance": "utterance", "window": "window", "session": "session"}.get(
        matrix.unit.kind, "unit"
    )
    return word if n == 1 else word + "s"


def pairable(rated: NDArray[np.int64]) -> int:
    """Units (rows) that at least two coders rated (value >= 0)."""
    if rated.ndim != 2 or not len(rated):
        return 0
    return int(((rated >= 0).sum(axis=1) >= 2).sum())


def few_units_notes(matrix: UnitMatrix) -> list[str]:
    """A warning when the overall coefficients rest on few pairable units.

    Per-code coefficients are computed over every unit two coders rated (applied or not), which
    is never fewer than the overall scope, so this one note covers them too.
    """
    values, keep = matrix.overall()
    n = pairable(values[keep])
    if n >= FEW_UNITS:
        return []
    return [
        f"only {n} pairable {_unit_word(matrix, n)} (rated by two or more coders): every "
        f"coefficient here rests on fewer than {FEW_UNITS} units and is unstable"
    ]
