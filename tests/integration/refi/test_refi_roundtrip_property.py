"""Property: for any transcript text and any segments, export -> import gives them back exactly."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.codebook import add_scheme, list_codes
from app.core.coding import TextAnchor, TimeAnchor, list_segments, new_segment_row
from app.core.importing import ImportOptions, import_parsed
from app.core.project import create_project
from app.core.sessions import ensure_coder_in, list_transcripts
from app.io.codebook_yaml import load_scheme
from app.io.parsed import ParsedFile, ParsedTranscript, ParsedUtterance
from app.io.refi.qdpx_export import export_qdpx
from app.io.refi.qdpx_import import import_qdpx

SCHEME = Path(__file__).resolve().parents[2] / "data" / "mini_scheme.yaml"
PIECES = ["a", "Z", " ", "é", "ß", "😀", "🙂", "中", "—", "ü", ".", "\t"]

lines = st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join),
                 min_size=1, max_size=6)
spans = st.lists(st.tuples(st.integers(0, 200), st.integers(1, 40), st.integers(0, 1),
                           st.integers(0, 10)), max_size=12)
times = st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 10**6), st.integers(0, 1)),
                 max_size=4)


def _facts(project: Any) -> set[tuple[Any, ...]]:
    return {(g.code_path, g.coder_name, g.start_char, g.end_char, g.start_ms, g.end_ms, g.memo)
            for g in list_segments(project)}


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines, spans, times)
def test_any_segments_survive_a_round_trip(
    texts: list[str], text_spans: list[tuple[int, int, int, int]],
    time_spans: list[tuple[int, int, int]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        src = create_project(tmp / "src.iprw")
        add_scheme(src, load_scheme(SCHEME))
        parsed = ParsedTranscript(session="S", name="t", kind="session")
        parsed.utterances = [ParsedUtterance(speaker="C", text=t, start_ms=i * 1000,
                                             end_ms=i * 1000 + 900) for i, t in enumerate(texts)]
        import_parsed(src, ParsedFile("txt", [parsed]), tmp / "t.txt", ImportOptions())
        codable = [c.id for c in list_codes(src) if c.codable]
        [tr] = list_transcripts(src)
        length = len("\n".join(texts))
        with src.transaction() as s:
            coders = [ensure_coder_in(s, "ana").id, ensure_coder_in(s, "ben").id]
            seen = set()
            for start, width, who, code in text_spans:
                a = start % length
                b = min(a + width, length)
                key = (a, b, who, code % len(codable))
                if a < b and key not in seen:
                    seen.add(key)
                    new_segment_row(s, coder_id=coders[who], code_id=codable[key[3]],
                                    anchor=TextAnchor(tr.id, a, b), memo=f"m{a}")
            for begin, width, who in time_spans:
                new_segment_row(s, coder_id=coders[who], code_id=codable[0],
                                anchor=TimeAnchor(tr.session_id, begin, begin + width))
        out = tmp / "x.qdpx"
        export_qdpx(src, out)
        dst = create_project(tmp / "dst.iprw")
        try:
            report = import_qdpx(dst, out)
            assert report.problems == []
            assert _facts(dst) == _facts(src)
        finally:
            src.close()
            dst.close()
