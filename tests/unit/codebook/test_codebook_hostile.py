"""Hostile codebooks (tests/data/hostile): one clear UserError, fast, never a memory blow-up."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.core.errors import UserError
from app.io.codebook_yaml import load_scheme
from app.io.sniff import decode_with_warning, mostly_utf8
from tests.conftest import TESTS_DATA

HOSTILE = TESTS_DATA / "hostile"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("codebook_alias_bomb.yaml", "alias bomb"),
        ("codebook_recursive.yaml", "refers to itself"),
        ("codebook_deep.yaml", "YAML"),  # libyaml stops at 1,000 levels itself
        ("codebook_deep.json", "nested"),
        ("codebook_deep_codes.json", "nested"),
    ],
)
def test_hostile_codebook_is_refused_quickly(name: str, words: str) -> None:
    path = HOSTILE / name
    start = time.process_time()
    with pytest.raises(UserError) as info:
        load_scheme(path)
    assert words in str(info.value) and str(path) in str(info.value)
    assert time.process_time() - start < 10  # would be hours (or a killed process) unbounded


def test_a_normal_codebook_with_aliases_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(
        "name: ok\ncodes:\n  - name: A\n    patterns: &p [sorry, fine]\n"
        "  - name: B\n    patterns: *p\n",
        encoding="utf-8",
    )
    scheme = load_scheme(path)
    assert scheme.codes[1].patterns == ("sorry", "fine")


def test_one_bad_byte_in_utf8_is_a_warning_not_mojibake() -> None:
    data = "T: café\nC: naïve\nT: one \x00".replace("\x00", "").encode() + b"\x93bad\x94\n"
    assert mostly_utf8(data) == data.index(b"\x93")
    text, warning = decode_with_warning(data, "x.txt")
    assert "café" in text and "naïve" in text and "Ã" not in text
    assert warning is not None and warning[0] == 3 and "0x93" in warning[1]
    cp1252 = "Caf\xe9 na\xefve r\xe9sum\xe9\n".encode("cp1252")  # really cp1252: no warning
    text, warning = decode_with_warning(cp1252, "y.txt")
    assert warning is None and "Café" in text
