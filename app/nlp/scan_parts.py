"""A long suggestion pass in parts, on two threads (``scan``).

Why: spaCy's tokenising holds the GIL, the model's scoring (NumPy, SciPy) mostly does not. So
while one part's rows are scored on a second thread, the next part is tokenised; on the
35,700-utterance benchmark the pass went from 0.41x to about 0.6x bare tokenising
(benchmarks/RESULTS.md, "nlp"). A part holds whole transcripts, since a row's scores read its own
transcript (its neighbouring turns, the transcript's mean).
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Sequence

from app.core.suggestions import UnitRecord

#: Utterances per part of a long pass: a quarter of the pass, but at least ``MIN_PART`` and at
#: most ``PART``; a pass of fewer than ``2 * MIN_PART`` utterances stays in one part (a part has
#: fixed costs). On the benchmark (benchmarks/RESULTS.md, "nlp"), pass / bare tokenising: 35,700
#: utterances 0.41x in one part, 0.58x / 0.62x / 0.63x in parts of 3,000 / 4,000 / 5,000;
#: 12,000: 0.47x -> 0.56x (3,000); 6,000: 0.48x -> 0.51x (2,000); 4,000: 0.39x -> 0.45x (2,000).
#: The scores are those of one part up to float32 rounding (a dense product's blocking depends
#: on its row count: 10 of 36,225 stored scores moved in their 4th decimal with one transcript
#: per part, none with parts of 2,000 or more).
PART = 5000
MIN_PART = 2000


def parts_of(units: Sequence[UnitRecord]) -> list[Sequence[UnitRecord]]:
    """``units`` in parts of whole transcripts, each of at least the part size (``PART``) but
    the last (scored after all the tokenising: the smaller the better); one part for a short
    pass, or when a transcript's utterances are not contiguous."""
    if len(units) < 2 * MIN_PART:
        return [units]
    size = min(PART, max(MIN_PART, len(units) // 4))
    cuts, seen, last = [0], set(), None
    for i, unit in enumerate(units):
        if unit.transcript_id != last:
            if unit.transcript_id in seen:
                return [units]
            seen.add(unit.transcript_id)
            last = unit.transcript_id
            if i - cuts[-1] >= size:
                cuts.append(i)
    cuts.append(len(units))
    return [units[a:b] for a, b in itertools.pairwise(cuts)]


class QuickSwitching:
    """The interpreter's thread switch interval at ``SWITCH_INTERVAL`` while any pass scores on
    a second thread, as it was before afterwards.

    Why: the scoring thread lets go of the GIL for each NumPy or SciPy call and must get it back
    from the tokenising thread, which holds it; Python hands it over only every switch interval
    (5 ms by default), so the scoring crawled and piled up behind the tokenising (0.51x bare
    tokenising at 5 ms, 0.56x at 1 ms, 0.63x at 0.2 ms, 0.65x at 0.1 ms; benchmarks/RESULTS.md,
    "nlp"). A shorter interval also lets a window's thread in sooner while a pass runs.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved = sys.getswitchinterval()

    def __enter__(self) -> None:
        with self._lock:
            if self._users == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, SWITCH_INTERVAL))
            self._users += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                sys.setswitchinterval(self._saved)


#: Seconds (``QuickSwitching``).
SWITCH_INTERVAL = 0.0002
QUICK_SWITCHING = QuickSwitching()
