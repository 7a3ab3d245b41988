"""Position conversion: producers' units -> our code points on LF/NFC text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import UserError
from app.io.refi.positions import PositionUnits, SourceText, decode_text, units_for_origin


def test_origin_picks_units() -> None:
    assert units_for_origin("NVivo for Windows 12.6") is PositionUnits.UTF16_RAW
    assert units_for_origin("NVivo 14 (Mac)") is PositionUnits.UTF16_RAW
    assert units_for_origin("QualCoder 4.0 Beta") is PositionUnits.CODEPOINTS_LF
    assert units_for_origin("ATLAS.ti for Windows 23.2.3.27778") is PositionUnits.CODEPOINTS_LF
    assert units_for_origin(None) is PositionUnits.CODEPOINTS_LF


def test_nvivo_counts_emoji_twice_and_crlf_twice() -> None:
    src = SourceText("a😀b\r\nc😀d", PositionUnits.UTF16_RAW)
    assert src.text == "a😀b\nc😀d"
    assert src.unit_length == 10
    # UTF-16: a=0, 😀=1-2, b=3, CR=4, LF=5, c=6, 😀=7-8, d=9
    assert src.text[slice(*src.to_codepoints(3, 4)[:2])] == "b"
    assert src.text[slice(*src.to_codepoints(6, 10)[:2])] == "c😀d"
    # a position inside the surrogate pair rounds outward, keeping the emoji
    assert src.text[slice(*src.to_codepoints(2, 2 + 1)[:2])] == "😀"


def test_standard_counts_code_points_after_lf_normalisation() -> None:
    crlf = SourceText("T: hi 😀\r\nC: fine.\r\n", PositionUnits.CODEPOINTS_LF)
    lf = SourceText("T: hi 😀\nC: fine.\n", PositionUnits.CODEPOINTS_LF)
    assert crlf.text == lf.text
    for a, b in [(0, 1), (6, 7), (8, 16), (11, 16)]:
        assert crlf.to_codepoints(a, b) == lf.to_codepoints(a, b)
    assert lf.text[slice(*lf.to_codepoints(11, 16)[:2])] == "fine."


def test_decomposed_text_is_composed_and_positions_follow() -> None:
    src = SourceText("Cafe\u0301 ok", PositionUnits.CODEPOINTS_LF)
    assert src.text == "Café ok"
    start, end, _ = src.to_codepoints(6, 8)  # "ok" after the 2-code-point é
    assert src.text[start:end] == "ok"


def test_out_of_range_is_clamped_and_flagged() -> None:
    src = SourceText("short", PositionUnits.CODEPOINTS_LF)
    assert src.to_codepoints(2, 99) == (2, 5, True)
    assert src.to_codepoints(-3, 2) == (0, 2, True)
    assert src.to_codepoints(1, 3) == (1, 3, False)


def test_decode_strips_bom_and_accepts_utf16() -> None:
    assert decode_text("\ufeffhé".encode(), "x") == "hé"
    assert decode_text("hé 😀".encode("utf-16"), "x") == "hé 😀"
    with pytest.raises(UserError, match="not valid UTF-8"):
        decode_text(b"\xff\xfe\x00\xd8"[2:] + b"\xc3", "f.txt")


@given(st.lists(st.sampled_from(["a", "é", "😀", "\r\n", "\n", " ", "ü", "🙂"]), max_size=40),
       st.data())
def test_utf16_and_codepoint_views_select_the_same_text(
    pieces: list[str], data: st.DataObject
) -> None:
    """For any text, a selection given in NVivo units and in standard units is the same span."""
    text = "".join(pieces)
    lf = text.replace("\r\n", "\n")
    a = data.draw(st.integers(0, len(lf)))
    b = data.draw(st.integers(a, len(lf)))
    # the same span expressed both ways
    raw_prefix_a = _raw_prefix(text, a)
    raw_prefix_b = _raw_prefix(text, b)
    u16_a = len(raw_prefix_a.encode("utf-16-le")) // 2
    u16_b = len(raw_prefix_b.encode("utf-16-le")) // 2
    nv = SourceText(text, PositionUnits.UTF16_RAW)
    std = SourceText(text, PositionUnits.CODEPOINTS_LF)
    assert nv.to_codepoints(u16_a, u16_b)[:2] == std.to_codepoints(a, b)[:2] == (a, b)


def _raw_prefix(raw: str, lf_index: int) -> str:
    """The raw-text prefix that becomes ``lf_index`` characters of LF text."""
    count = 0
    i = 0
    while count < lf_index:
        i += 2 if raw.startswith("\r\n", i) else 1
        count += 1
    return raw[:i]
