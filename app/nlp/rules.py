"""Rule suggestions from each code's ``patterns`` (spec §7), matched on lemmas.

A pattern is either a phrase (``"I don't know"``) or a spaCy Matcher token pattern
(``[{"LOWER": "one"}, {"LEMMA": {"IN": ["could", "might"]}}]``). Matching is on lemmas, so
"I didn't care" matches "I don't care". It is done the cheap way round: instead of lemmatising
every transcript token, each lemma in a pattern is expanded once into all the word forms that
the lookup lemmatizer (``spacy-lookups-data``, the same table the pipeline uses) maps to it, and
the Matcher compares lower-cased words against those sets. A suggestion pass then costs little
more than tokenising. The suggestion is the sentence that holds the match (a researcher codes
passages, not keywords); several matches in one sentence raise its score.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from app.nlp.context_bow import lower_array, marker
from app.nlp.lemmas import forms_of
from app.nlp.pipeline import with_sentences

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

BASE_SCORE = 0.45
PER_TOKEN = 0.1
MAX_SINGLE = 0.9
MAX_VARIANTS = 2000


@dataclass(frozen=True)
class RuleHit:
    """A sentence (character offsets into the processed text) suggested for a code."""

    code_key: str
    start_char: int
    end_char: int
    score: float
    reason: str = ""  # which pattern(s) matched which words


def _lemma_to_lower(token: dict[str, Any]) -> dict[str, Any]:
    """``{"LEMMA": x}`` / ``{"LEMMA": {"IN": [...]}}`` become LOWER tests over all their forms."""
    if "LEMMA" not in token:
        return dict(token)
    value = token["LEMMA"]
    out = {k: v for k, v in token.items() if k != "LEMMA"}
    if isinstance(value, str):
        out["LOWER"] = {"IN": forms_of(value)}
    elif isinstance(value, dict) and set(value) == {"IN"}:
        out["LOWER"] = {"IN": sorted({f for v in value["IN"] for f in forms_of(str(v))})}
    else:
        out["LEMMA"] = value
    return out


PUNCT_FORMS = (".", ",", "!", "?", ";", ":", "...", "\u2026", "-", "--", "\u2014", "\u2013")
SKIP = ""
SENT_START_KEY = "\x1fsentence-start"
PATTERN_SEP = "\x1e"


def describe_pattern(pattern: list[dict[str, Any]]) -> str:
    """A token pattern as a researcher reads it: words in order, alternatives with '|',
    optional tokens in brackets, punctuation as '.', other tests by name."""
    words = []
    for token in pattern:
        value = token.get("LOWER", token.get("LEMMA", token.get("ORTH", token.get("TEXT"))))
        if isinstance(value, dict) and isinstance(value.get("IN"), list):
            more = "|..." if len(value["IN"]) > 4 else ""
            word = "|".join(str(v) for v in value["IN"][:4]) + more
        elif isinstance(value, str):
            word = value
        elif token.get("IS_PUNCT"):
            word = "."
        else:
            word = "/".join(k for k in token if k != "OP").lower() or "?"
        if token.get("OP") == "?":
            word = f"[{word}]"
        elif token.get("OP") in ("*", "+"):
            word = f"{word}{token['OP']}"
        words.append(word)
    return '"' + " ".join(words) + '"'


def _word_options(pattern: list[dict[str, Any]]) -> list[list[str]] | None:
    """Forms each token may take, for token patterns that are plain word sequences, else None.

    Plain means each token tests LOWER, LEMMA or ``IS_PUNCT: true`` (read as the common
    punctuation marks ``PUNCT_FORMS``), optionally with ``OP: "?"`` (``SKIP`` is then one of
    its forms). Such patterns can go to the fast PhraseMatcher; anything else (other operators,
    regexes, sentence starts, other attributes) stays with the Matcher.
    """
    options = []
    for token in pattern:
        op = token.get("OP")
        rest = {k: v for k, v in token.items() if k != "OP"}
        if op not in (None, "?") or len(rest) != 1:
            return None
        ((attr, value),) = rest.items()
        if attr == "IS_PUNCT" and value is True:
            forms = set(PUNCT_FORMS)
        elif attr in ("LOWER", "LEMMA"):
            if isinstance(value, str):
                values = [value]
            elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list):
                values = [str(v) for v in value["IN"]]
            else:
                return None
            if attr == "LOWER":
                forms = {v.lower() for v in values}
            else:
                forms = {f for v in values for f in forms_of(v)}
        else:
            return None
        if op == "?":
            forms.add(SKIP)
        options.append(sorted(forms))
    return options


def _required_words(pattern: list[dict[str, Any]]) -> list[frozenset[str]]:
    """For each required LOWER/LEMMA token, the forms it accepts (a doc needs one of each)."""
    out = []
    for token in pattern:
        if token.get("OP") in ("?", "*", "!"):
            continue
        plain = {k: v for k, v in token.items() if k in ("LOWER", "LEMMA", "IS_PUNCT")}
        options = _word_options([plain]) if plain else None
        if options is not None:
            out.append(frozenset(options[0]))
    return out


_SENT_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)")


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (by final punctuation) holding ``text[start:end]``, without outer spaces.

    Found on the characters rather than by running the sentencizer over every matched doc: a
    rule hit is rare, but the sentencizer would build a Python object per token.
    """
    a = 0
    for m in _SENT_END.finditer(text, 0, start):
        a = m.end()
    b = len(text)
    for m in _SENT_END.finditer(text, start):
        if m.end() >= end:
            b = m.end()
            break
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` by final punctuation (same rule as ``sentence_around``)."""
    out, a = [], 0
    for m in _SENT_END.finditer(text):
        out.append((a, m.end()))
        a = m.end()
    if text[a:].strip():
        out.append((a, len(text)))
    spans = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))
    return spans


class _TokenGroup:
    """Matcher token patterns plus the words each needs (to skip docs that cannot match)."""

    def __init__(self, vocab: Any) -> None:
        from spacy.matcher import Matcher

        self.matcher = Matcher(vocab)
        self.required: list[list[frozenset[str]]] = []

    def add(self, key: str, patterns: list[list[dict[str, Any]]]) -> None:
        if patterns:
            self.matcher.add(key, patterns)
            self.required.extend(_required_words(p) for p in patterns)

    def may_match(self, tokens: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
        """Docs holding a form of every required word of some pattern (all docs at once)."""
        if not len(self.matcher):
            return np.zeros(n, dtype=bool)
        if any(not req for req in self.required):
            return np.ones(n, dtype=bool)
        present: dict[frozenset[str], np.ndarray] = {}
        result = np.zeros(n, dtype=bool)
        # One binary search of every token among all wanted hashes (a few dozen), then per
        # word set a lookup of which of them it holds.
        sets = list(dict.fromkeys(words for req in self.required for words in req))
        wanted = np.unique(np.array([marker(w) for ws in sets for w in ws], dtype=np.uint64))
        pos = np.minimum(np.searchsorted(wanted, tokens), max(0, len(wanted) - 1))
        found = wanted[pos] == tokens if len(wanted) else np.zeros(len(tokens), dtype=bool)
        pos, where = pos[found], owner[found]
        for req in self.required:
            ok = np.ones(n, dtype=bool)
            for words in req:
                if words not in present:
                    hashes = np.array([marker(w) for w in words], dtype=np.uint64)
                    has = np.zeros(n, dtype=bool)
                    has[where[np.isin(wanted, hashes)[pos]]] = True
                    present[words] = has
                ok &= present[words]
            result |= ok
        return result


def _sequence_keys(seqs: Sequence[np.ndarray]) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Sorted first words of the sequences, and per length their sorted keys."""
    from app.nlp.ngrams import MIX

    firsts = np.unique(np.array([s[0] for s in seqs if len(s)], dtype=np.uint64))
    by_len: dict[int, list[np.ndarray]] = {}
    for seq in seqs:
        if len(seq):
            by_len.setdefault(len(seq), []).append(seq)
    keys = {}
    for k, same in by_len.items():
        rows = np.stack(same).astype(np.uint64)  # (sequences x k): arrays wrap silently
        key = rows[:, 0].copy()
        for j in range(1, k):
            key = key * MIX + rows[:, j]
        keys[k] = np.unique(key)
    return firsts, keys


class RuleMatcher:
    """Compiled patterns of many codes; ``match(doc)`` gives sentence hits per code.

    Plain word sequences (phrases, and token patterns testing only LOWER/LEMMA) go to a
    PhraseMatcher as every combination of their word forms. Other token patterns go to a
    Matcher, which is run only on docs that hold the words they require (``may_match``), and
    patterns testing sentence starts get sentence boundaries first.
    """

    def __init__(self, nlp: Language, patterns: dict[str, Sequence[Any]]) -> None:
        from spacy.matcher import PhraseMatcher

        self.nlp = nlp
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.plain = _TokenGroup(nlp.vocab)
        self.sentence = _TokenGroup(nlp.vocab)
        self.problems: list[str] = []
        self.described: dict[str, str] = {}
        self.max_words: dict[str, int] = {}  # pattern key -> longest turn it may fire in
        self._phrase_seqs: list[np.ndarray] = []  # LOWER hashes of every phrase variant
        self._phrase_keys: tuple[np.ndarray, dict[int, np.ndarray]] | None = None
        for code_key, items in patterns.items():
            for i, item in enumerate(items):
                # One match key per pattern, so a hit can say which pattern matched.
                key = f"{code_key}{PATTERN_SEP}{i}"
                token_patterns: list[list[dict[str, Any]]] = []
                if isinstance(item, dict) and isinstance(item.get("max_words"), int):
                    self.max_words[key] = int(item["max_words"])
                    item = item.get("pattern")
                if isinstance(item, str):
                    self.described[key] = f'"{item}"'
                    token_patterns.extend(self._add_phrase(key, item))
                elif isinstance(item, list) and item and all(isinstance(t, dict) for t in item):
                    self.described[key] = describe_pattern(item)
                    if not self._add_token_pattern(key, item):
                        token_patterns.append([_lemma_to_lower(t) for t in item])
                else:
                    self.problems.append(
                        f"code {code_key}: pattern {item!r} is neither a phrase nor a token list"
                    )
                if key in self.max_words and key in self.described:
                    self.described[key] += f" (turns of at most {self.max_words[key]} words)"
                needs_sents = [p for p in token_patterns if any("IS_SENT_START" in t for t in p)]
                self.sentence.add(key, needs_sents)
                self.plain.add(key, [p for p in token_patterns if p not in needs_sents])

    def __bool__(self) -> bool:
        return bool(len(self.phrases) or len(self.plain.matcher) or len(self.sentence.matcher))

    def _add_token_pattern(self, key: str, pattern: list[dict[str, Any]]) -> bool:
        """Plain word-sequence patterns go to the PhraseMatcher; True if that worked.

        ``IS_SENT_START`` on the first token only is checked after matching (on the text's
        punctuation), so such patterns need neither the Matcher nor a sentencizer run.
        """
        first = pattern[0]
        if first.get("IS_SENT_START") is True and not any(
            "IS_SENT_START" in t for t in pattern[1:]
        ):
            stripped = [{k: v for k, v in first.items() if k != "IS_SENT_START"}, *pattern[1:]]
            options = _word_options(stripped)
            return options is not None and self._add_variants(key + SENT_START_KEY, options)
        options = _word_options(pattern)
        return options is not None and self._add_variants(key, options)

    def _add_phrase(self, key: str, phrase: str) -> list[list[dict[str, Any]]]:
        """Add every inflection of the phrase to the PhraseMatcher (hash lookups: fast).

        A phrase with too many combinations of forms falls back to a token pattern
        (returned for the Matcher, slower but exact).
        """
        words = [t.text for t in self.nlp.make_doc(phrase) if not t.is_space]
        if not words:
            return []
        options = [forms_of(w) for w in words]
        if self._add_variants(key, options):
            return []
        return [[{"LOWER": {"IN": forms}} for forms in options]]

    def _add_variants(self, key: str, options: list[list[str]]) -> bool:
        """Put every combination of word forms in the PhraseMatcher, unless there are too many."""
        from spacy.tokens import Doc

        n_variants = 1
        for forms in options:
            n_variants *= max(1, len(forms))
        if n_variants > MAX_VARIANTS or not all(options):
            return False
        variants = {tuple(w for w in v if w != SKIP) for v in itertools.product(*options)}
        docs = [Doc(self.nlp.vocab, words=list(v)) for v in sorted(variants) if v]
        if docs:
            self.phrases.add(key, docs)
            self._phrase_seqs.extend(lower_array(d) for d in docs)
            self._phrase_keys = None
        return True

    def docs_with_phrases(self, tokens: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """Per doc (LOWER hashes laid end to end, ``sizes`` per doc): does the word sequence of
        some phrase pattern occur in it? Only there need the PhraseMatcher run (it compares the
        same LOWER hashes). Sequences are compared by a 64-bit key of their hashes (the word
        n-gram key of ``ngrams``), only where a phrase's first word stands: a key collision can
        only send a doc to the matcher for nothing, never keep one away."""
        from app.nlp.ngrams import MIX

        n_docs, n_all = len(sizes), len(tokens)
        out = np.zeros(n_docs, dtype=bool)
        if self._phrase_keys is None:
            self._phrase_keys = _sequence_keys(self._phrase_seqs)
        firsts, by_len = self._phrase_keys
        if not len(firsts) or not n_all:
            return out
        doc_of = np.repeat(np.arange(n_docs), sizes)
        pos = np.minimum(np.searchsorted(firsts, tokens), len(firsts) - 1)
        at = np.flatnonzero(firsts[pos] == tokens)
        for k, wanted in by_len.items():
            start = at[at + k <= n_all]
            start = start[doc_of[start] == doc_of[start + k - 1]]  # inside one doc
            key = tokens[start].copy()
            for j in range(1, k):
                key = key * MIX + tokens[start + j]
            hit = wanted[np.minimum(np.searchsorted(wanted, key), len(wanted) - 1)] == key
            out[doc_of[start[hit]]] = True
        return out

    def may_match(self, lowers: Sequence[np.ndarray]) -> np.ndarray:
        """Per doc (given LOWER hash arrays), which token-pattern groups could match: bit 1 the
        plain Matcher, bit 2 the sentence-start one. One NumPy pass for all docs."""
        sizes = np.array([len(x) for x in lowers], dtype=np.int64)
        tokens = np.concatenate(lowers) if len(lowers) else np.zeros(0, dtype=np.uint64)
        return self.may_match_flat(tokens, sizes)

    def may_match_flat(self, tokens: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """``may_match`` for docs whose hashes are laid end to end (``sizes`` per doc)."""
        n = len(sizes)
        if not (len(self.plain.matcher) or len(self.sentence.matcher)):
            return np.zeros(n, dtype=np.int8)
        owner = np.repeat(np.arange(n), sizes)
        plain = self.plain.may_match(tokens, owner, n)
        sentence = self.sentence.may_match(tokens, owner, n)
        return plain.astype(np.int8) | (sentence.astype(np.int8) << 1)

    def phrase_matches(
        self, doc: Doc, found: Sequence[tuple[int, int, int]] | None = None
    ) -> list[tuple[int, int, int]]:
        """(match id, start char, end char) of the phrase patterns in one doc (``found``: the
        PhraseMatcher's own token matches, when the caller ran it already)."""
        if found is None:
            found = self.phrases(doc) if len(self.phrases) else []
        out = []
        for match_id, s, e in found:
            last = doc[e - 1]
            out.append((match_id, doc[s].idx, last.idx + len(last)))
        return out

    def match_texts(
        self,
        texts: Sequence[str],
        groups: np.ndarray,
        phrase_matches: Sequence[list[tuple[int, int, int]]] | None = None,
    ) -> list[tuple[int, RuleHit]]:
        """Hits per utterance text (positions relative to ``texts[k]``).

        ``phrase_matches`` are the phrase matches already found while tokenising (else they
        are found here); token patterns run only on the texts ``groups`` (from ``may_match``)
        allows, tokenised again, with sentence starts where patterns test them.
        """
        found: dict[int, list[tuple[int, int, int]]] = {}
        if phrase_matches is None:
            phrase_matches = [self.phrase_matches(self.nlp.make_doc(t)) for t in texts]
        for k, matches in enumerate(phrase_matches):
            if matches:
                found[k] = list(matches)
        for k_np in np.nonzero(groups)[0]:
            k = int(k_np)
            doc = self.nlp.make_doc(texts[k])
            try:
                plain = groups[k] & 1 and len(self.plain.matcher)
                token_matches = list(self.plain.matcher(doc)) if plain else []
                if groups[k] & 2 and len(self.sentence.matcher):
                    token_matches += self.sentence.matcher(with_sentences(self.nlp, doc))
            except ValueError as exc:  # a pattern needing a tagger or parser fails only here
                if str(exc) not in self.problems:
                    self.problems.append(str(exc))
                continue
            for match_id, s, e in token_matches:
                last = doc[e - 1]
                found.setdefault(k, []).append((match_id, doc[s].idx, last.idx + len(last)))
        return [
            (k, hit)
            for k, matches in sorted(found.items())
            for hit in self._to_hits(texts[k], matches)
        ]

    def _to_hits(self, text: str, matches: list[tuple[int, int, int]]) -> list[RuleHit]:
        """Character matches in ``text`` -> one hit per (code, sentence), scores combined."""
        per_sentence: dict[tuple[str, int, int], float] = {}
        why: dict[tuple[str, int, int], list[str]] = {}
        for match_id, a, b in matches:
            key = self.nlp.vocab.strings[match_id]
            sa, sb = sentence_around(text, a, b)
            if key.endswith(SENT_START_KEY):
                if sa != a:
                    continue  # the pattern wants its first word to open a sentence
                key = key[: -len(SENT_START_KEY)]
            limit = self.max_words.get(key)
            if limit is not None and len(text.split()) > limit:
                continue  # a pattern for short turns, in a long one
            code_key = key.split(PATTERN_SEP, 1)[0]
            n_words = max(1, len(text[a:b].split()))
            score = min(MAX_SINGLE, BASE_SCORE + PER_TOKEN * n_words)
            old = per_sentence.get((code_key, sa, sb), 0.0)
            per_sentence[(code_key, sa, sb)] = 1.0 - (1.0 - old) * (1.0 - score)
            said = f'{self.described.get(key, "pattern")} matched "{text[a:b]}"'
            reasons = why.setdefault((code_key, sa, sb), [])
            if said not in reasons:
                reasons.append(said)
        return [
            RuleHit(key, a, b, round(score, 4), "; ".join(why[(key, a, b)]))
            for (key, a, b), score in per_sentence.items()
            if b > a
        ]

    def match(self, doc: Doc, offset: int = 0, groups: int = 3) -> list[RuleHit]:
        """Hits in one tokenised document; ``offset`` shifts positions into the transcript.

        ``groups`` (from ``may_match``) says which token-pattern groups to try on this doc.
        """
        hits = self.match_texts(
            [doc.text], np.array([groups], dtype=np.int8), [self.phrase_matches(doc)]
        )
        return [
            RuleHit(h.code_key, offset + h.start_char, offset + h.end_char, h.score, h.reason)
            for _k, h in hits
        ]


_compiled: dict[tuple[int, str], RuleMatcher] = {}
_compiled_lock = threading.Lock()


def compiled(nlp: Language, patterns: dict[str, Sequence[Any]]) -> RuleMatcher:
    """A RuleMatcher for these patterns, compiled once per pipeline (retraining and re-running
    suggestions in the desktop app reuse it)."""
    import json

    key = (id(nlp), json.dumps(patterns, sort_keys=True, default=str))
    with _compiled_lock:
        found = _compiled.get(key)
    if found is None:
        found = RuleMatcher(nlp, patterns)
        with _compiled_lock:
            if len(_compiled) >= 4:
                _compiled.pop(next(iter(_compiled)))
            _compiled[key] = found
    return found


def patterns_of(codes: Iterable[Any]) -> dict[str, Sequence[Any]]:
    """``{code GUID: patterns}`` of the codes (``CodeInfo``-like) that have any."""
    return {c.guid: list(c.patterns) for c in codes if c.patterns}
