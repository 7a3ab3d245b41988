"""De-identification: the project's word list of names and places, and the text transform.

A de-identified export replaces every word of the project's list (client and therapist names,
places, employers...) in transcript text, memos, session and transcript names, turns speaker
labels into roles ("Therapist", "Client", "Interviewer", "Speaker 2") and drops video paths.

It is applied once, to a private temporary copy of the project (``deidentified_copy``), and every
exporter then reads that copy like any project: CSV, XLSX, Word and REFI-QDA need no logic of
their own, and positions stay right because each transcript's utterance and segment offsets are
moved through the same replacement map as its text.

The word list lives in the project (meta ``deidentify_words``, JSON ``{word: replacement}``;
an empty replacement means ``[REDACTED]``), so a team shares one list.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import UserError

META_KEY = "deidentify_words"
DEFAULT_REPLACEMENT = "[REDACTED]"
ROLE_NAMES = {"therapist": "Therapist", "client": "Client", "interviewer": "Interviewer"}


def parse_word_list(text: str, where: str = "word list") -> dict[str, str]:
    """``Name`` or ``Name = Replacement`` per line; ``#`` starts a comment."""
    words: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        word, _, replacement = line.partition("=")
        word = word.strip()
        if len(word) < 2:
            raise UserError(f"{where}:{number}: a word to replace needs at least 2 characters")
        words[word] = replacement.strip() or DEFAULT_REPLACEMENT
    return words


def read_word_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the word list ({exc})") from exc
    return parse_word_list(text, str(path))


def format_word_list(words: Mapping[str, str]) -> str:
    return "".join(
        f"{w}\n" if r == DEFAULT_REPLACEMENT else f"{w} = {r}\n" for w, r in words.items()
    )


def words_from_meta(value: str) -> dict[str, str]:
    if not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def words_to_meta(words: Mapping[str, str]) -> str:
    return json.dumps(dict(words), ensure_ascii=False)


@dataclass
class Replaced:
    """A text after replacement and the map that moves positions of the old text into it."""

    text: str
    old_starts: list[int] = field(default_factory=list)
    old_ends: list[int] = field(default_factory=list)
    new_starts: list[int] = field(default_factory=list)
    new_ends: list[int] = field(default_factory=list)

    def position(self, old: int, end: bool = False) -> int:
        """Where old position ``old`` lands; inside a replaced word: its start (or end)."""
        i = bisect.bisect_right(self.old_starts, old) - 1
        if i < 0:
            return old
        if old >= self.old_ends[i]:
            return old - self.old_ends[i] + self.new_ends[i]
        if old == self.old_starts[i]:
            return self.new_starts[i]
        return self.new_ends[i] if end else self.new_starts[i]


class Deidentifier:
    """Replaces the listed words (whole words, any case) in one pass of one compiled pattern."""

    def __init__(self, words: Mapping[str, str]) -> None:
        self.words = {w.casefold(): r for w, r in words.items() if w.strip()}
        if self.words:
            alternatives = sorted(self.words, key=len, reverse=True)
            body = "|".join(re.escape(w) for w in alternatives)
            self.pattern: re.Pattern[str] | None = re.compile(
                rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE
            )
        else:
            self.pattern = None

    def text(self, value: str | None) -> str | None:
        if not value or self.pattern is None:
            return value
        return self.pattern.sub(lambda m: self.words[m.group(0).casefold()], value)

    def replace(self, value: str) -> Replaced:
        if self.pattern is None:
            return Replaced(value)
        out: list[str] = []
        result = Replaced("")
        last = 0
        shift = 0
        for m in self.pattern.finditer(value):
            new = self.words[m.group(0).casefold()]
            out.append(value[last : m.start()])
            out.append(new)
            result.old_starts.append(m.start())
            result.old_ends.append(m.end())
            result.new_starts.append(m.start() + shift)
            shift += len(new) - (m.end() - m.start())
            result.new_ends.append(m.end() + shift)
            last = m.end()
        out.append(value[last:])
        result.text = "".join(out)
        return result


def speaker_pseudonyms(labels: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Label -> role name; several labels of one role, or role "other": "Speaker N"."""
    by_role: dict[str, list[str]] = {}
    for label, role in labels:
        by_role.setdefault(role, [])
        if label not in by_role[role]:
            by_role[role].append(label)
    names: dict[str, str] = {}
    counter = 0
    for role, role_labels in sorted(by_role.items()):
        for i, label in enumerate(sorted(role_labels)):
            base = ROLE_NAMES.get(role)
            if base is None:
                counter += 1
                names[label] = f"Speaker {counter}"
            else:
                names[label] = base if len(role_labels) == 1 else f"{base} {i + 1}"
    return names
