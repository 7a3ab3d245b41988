"""The one-regex path for files of plain ``[hh:mm:ss] Label: text`` turns gives exactly what the
line-by-line parser gives, on random files built around the shapes that must leave it (issue 17:
the import path's speed)."""

from __future__ import annotations

import random

import pytest

import app.io.txt_import as txt_import
from app.io.txt_fast import parse_plain
from app.io.txt_import import parse_text

PLAIN = ["T", "C", "Therapist", "Client", "Anna", "Dr. Lee", "P3"]
ODD_LINES = [
    "",  # blank lines stay plain
    "   ",  # whitespace only
    "\tT: tabbed",
    "[00:61:00] T: bad minutes",
    "[00:01:02] He said: quoted",  # a label used once
    "[00:01:02] T:no space",
    "[00:01:02] T: [00:01:05] second stamp",
    "[00:01:02] T: ends with a stamp #00:01:09#",
    "[00:01:02] T: arrow >",
    "[00:01:02] T:    ",  # empty turn
    "[00:01:02]\tT: tab after the stamp",
    "[00:01:02] T\u00a0: nbsp",
    "[00:01:02] T: text\u00a0",
    "[00:01:02]  T  two:  spaces",
    "continuation without a stamp",
    "[VIDEO 00:01:00-00:02:00]",
    "[00:01:02.50] T: fraction",
    "[Anna] 00:01:02",
    "[00:01:02] T: 7 starts with a digit",
    "[00:01:02] T: >quote",
    "[00:01:02] T: #",
]


def _plain_line(rng: random.Random, t: int) -> str:
    words = " ".join(rng.choice(("so", "I", "felt", "ok", "you", "know", "é", "🙂", "—"))
                     for _ in range(rng.randint(1, 8)))  # fmt: skip
    stamp = f"[{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}]"
    gap, end = rng.choice((" ", "", "  ")), rng.choice(("", " "))
    return f"{stamp}{gap}{rng.choice(PLAIN)}: {words}{end}"


def _general(text: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as m:
        m.setattr(txt_import, "parse_plain", lambda *_a: None)
        return parse_text(text)


def test_random_files_parse_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(17)
    fast_taken = 0
    for _ in range(400):
        t = rng.randint(0, 7000)
        lines = []
        for _k in range(rng.randint(1, 25)):
            t += rng.choice((0, 5, 30, -40))  # time may go backwards: a reported problem
            lines.append(_plain_line(rng, max(0, t)))
        if rng.random() < 0.5:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(ODD_LINES))
        text = "\n".join(lines) + rng.choice(("", "\n"))
        fast = parse_plain(text, text.split("\n"), {})
        fast_taken += fast is not None
        assert parse_text(text) == _general(text, monkeypatch), text
    assert 150 < fast_taken < 400  # both paths were exercised


@pytest.mark.parametrize("odd", ODD_LINES)
def test_each_odd_line_parses_the_same(odd: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"[00:00:01] T: hello\n{odd}\n[00:00:05] C: fine\n[00:00:09] T: good\n"
    assert parse_text(text) == _general(text, monkeypatch)


def test_plain_file_takes_the_regex_path() -> None:
    text = "[00:00:01] T: hello\n\n[00:00:05] C: fine, thanks\n[01:02:03] T: good\n"
    parsed = parse_plain(text, text.split("\n"), {})
    assert parsed is not None
    turns = parsed.transcripts[0].utterances
    got = [(u.speaker, u.text, u.start_ms, u.line) for u in turns]
    assert got == [("T", "hello", 1000, 1), ("C", "fine, thanks", 5000, 3),
                   ("T", "good", 3723000, 4)]  # fmt: skip
