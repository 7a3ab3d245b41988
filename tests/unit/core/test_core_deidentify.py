"""The de-identification transform: whole-word replacement and the position map."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.core.deidentify import (
    DEFAULT_REPLACEMENT,
    Deidentifier,
    parse_word_list,
    speaker_pseudonyms,
)


def test_whole_words_any_case_longest_first() -> None:
    d = Deidentifier({"Anna": "[CLIENT]", "Anna Berg": "[CLIENT NAME]", "Boston": "[CITY]"})
    assert d.text("anna berg moved to BOSTON; Annabel stayed") == (
        "[CLIENT NAME] moved to [CITY]; Annabel stayed"
    )


def test_positions_follow_the_text() -> None:
    text = "T: Hi Anna.\nC: Hi. Boston was cold.\n"
    r = Deidentifier({"Anna": "X", "Boston": "[CITY]"}).replace(text)
    assert r.text == "T: Hi X.\nC: Hi. [CITY] was cold.\n"
    second = text.index("C:")
    assert r.text[r.position(second) : r.position(len(text) - 1, end=True)] == (
        "C: Hi. [CITY] was cold."
    )
    inside = text.index("nna")  # a span starting inside a replaced word covers all of it
    assert r.text[r.position(inside) : r.position(inside + 3, end=True)] == "X"


@given(
    st.lists(st.sampled_from(["Anna", "Bo", "x", " ", "\n", "Boston", "é", "Annas"]), max_size=40)
)
def test_every_listed_word_is_gone_and_order_is_kept(parts: list[str]) -> None:
    text = "".join(parts)
    r = Deidentifier({"Anna": "[A]", "Boston": "[B]"}).replace(text)
    assert Deidentifier({"Anna": "[A]", "Boston": "[B]"}).text(text) == r.text
    positions = [r.position(i) for i in range(len(text) + 1)]
    assert positions == sorted(positions) and positions[-1] == len(r.text)


def test_word_list_file_format_and_pseudonyms() -> None:
    words = parse_word_list("# names\nAnna Berg = [CLIENT]\nBoston\n\n")
    assert words == {"Anna Berg": "[CLIENT]", "Boston": DEFAULT_REPLACEMENT}
    names = speaker_pseudonyms([("Dr Miller", "therapist"), ("Anna", "client"),
                                ("Bob", "client"), ("X", "other")])  # fmt: skip
    assert names == {"Dr Miller": "Therapist", "Anna": "Client 1", "Bob": "Client 2",
                     "X": "Speaker 1"}  # fmt: skip
