"""The commonest transcript, every line ``[hh:mm:ss] Label: text``, read in one regex pass.

``txt_import.TextParser`` classifies line by line (markers, headers, stamps, prefixes,
continuations), about 10 µs a line in Python: on a 2,000-page import the parse cost more than
writing the rows.  When *every* non-empty line has the plain shape above, the general parser's
result is known in advance: each line is one turn of that speaker at that time.  This module
checks that with one ``findall`` over the whole text and builds the turns directly; anything
else (a blank-looking line with spaces, a tab, a second stamp, a label used once, an empty turn,
a trailing stamp, a marker) returns None and the general parser runs.  A differential test
holds the two paths to the same result.
"""

from __future__ import annotations

import re
from collections import Counter
from operator import itemgetter

from app.core.parsed import ParsedUtterance
from app.io.parsed import ParsedFile
from app.io.speakers import accept_labels, split_prefix

#: ``[h:mm:ss] Label: text``: the general parser's fast stamp, a label without colon or tab
#: (the cut must fall within 40 characters), ": ", and the turn's text, stripped (``[^\S\n]``
#: is ``str.strip``'s whitespace but the line end), neither starting like a stamp nor ending
#: like a trailing one (``#``, ``>``): those lines, and empty turns, take the general path.
_LINE = re.compile(
    r"^\[(\d{1,3}):([0-5]\d):([0-5]\d)\] *([^\s:\[\]{}()#¤][^\n:\t]{0,38}?): [^\S\n]*"
    r"([^\s\[{(#¤0-9>]|[^\s\[{(#¤0-9][^\n]*[^\s#>])[^\S\n]*$",
    re.MULTILINE,
)


def parse_plain_turns(
    text: str, lines: list[str], speaker_map: dict[str, str]
) -> tuple[set[str], list[ParsedUtterance]] | None:
    """(accepted labels, turns) when every non-empty line is a plain turn, else None."""
    matches = _LINE.findall(text)
    n_lines = len(lines) - lines.count("")
    if not matches or len(matches) != n_lines:
        return None
    raw_counts = Counter(map(itemgetter(3), matches))
    counts: Counter[str] = Counter()
    for raw, n in raw_counts.items():
        if " ".join(raw.split()) != raw:  # spacing the parser would normalise: general path
            return None
        split = split_prefix(f"{raw}: x")  # what ``accepted_labels`` counts for these lines
        if split is not None:
            counts[split[0]] += n
    accepted = accept_labels(counts, n_lines, speaker_map)
    folded = {label.casefold() for label in accepted}
    if any(raw.casefold() not in folded for raw in raw_counts):
        return None  # a label that is not a speaker: that line continues the previous turn
    numbers = [i for i, line in enumerate(lines, start=1) if line]
    turns = [ParsedUtterance(label, said, ((int(h) * 60 + int(m)) * 60 + int(sec)) * 1000, None, n)
             for (h, m, sec, label, said), n in zip(matches, numbers, strict=True)]  # fmt: skip
    return accepted, turns


def parse_plain(text: str, lines: list[str], speaker_map: dict[str, str]) -> ParsedFile | None:
    """The ``ParsedFile`` ``parse_text`` gives, for a file of plain turns only; else None."""
    from app.io.txt_import import TextParser  # (txt_import calls this module)

    found = parse_plain_turns(text, lines, speaker_map)
    if found is None:
        return None
    labels, turns = found
    parser = TextParser(labels, paragraph_mode=False)
    parser.utterances = turns
    transcript = parser.finish()
    problems = sorted(parser.problems, key=lambda p: p.line)
    return ParsedFile(format="txt", transcripts=[transcript], problems=problems)
