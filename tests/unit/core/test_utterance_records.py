"""The utterance records agree field for field, and every one is read through one column map.

``UtteranceInfo`` (a dataclass, for the window), ``UtteranceSpan`` (a tuple, for bulk readers)
and ``UtteranceRow`` (``utterances --json``, spec §4) are three shapes of one row; their rows
are selected by their field names (``segment_spans.utterance_columns``), so a field added to
one and not the others fails here rather than shifting values into the wrong field.
"""

from __future__ import annotations

from dataclasses import fields

from app.core.dto import UTTERANCE_INFO_FIELDS, UTTERANCE_PLACE_FIELDS, UtteranceInfo
from app.core.models import Utterance
from app.core.segment_spans import UtteranceSpan, utterance_columns
from app.core.utterance_rows import UtteranceRow


def test_the_three_records_share_their_fields_in_order() -> None:
    assert tuple(f.name for f in fields(UtteranceInfo)) == UTTERANCE_INFO_FIELDS
    assert UtteranceSpan._fields == UTTERANCE_INFO_FIELDS[:-1]  # all but source_ref
    row = tuple(f.name for f in fields(UtteranceRow))
    assert row == ("session", "transcript", "kind", *UTTERANCE_PLACE_FIELDS, "text")
    assert UTTERANCE_PLACE_FIELDS[0] == "ordinal" and UTTERANCE_PLACE_FIELDS[-1] == (
        "session_end_ms"
    )


def test_columns_follow_the_record_fields() -> None:
    columns = utterance_columns(UtteranceSpan._fields)
    assert [c.key for c in columns] == list(UtteranceSpan._fields)
    assert all(c.class_ is Utterance for c in columns)
