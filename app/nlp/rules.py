"""Rule suggestions from each code's ``patterns`` (spec §7), matched on lemmas.

A pattern is either a phrase (``"I don't know"``) or a spaCy Matcher token pattern
(``[{"LOWER": "one"}, {"LEMMA": {"IN": ["could", "might"]}}]``). Phrases are lemmatised with the
same pipeline as the transcript and compared on lower-cased lemmas, so "I didn't care" matches
"I don't care". The suggestion is the sentence that holds the match (a researcher codes passages,
not keywords); several matches in one sentence raise its score.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

BASE_SCORE = 0.45
PER_TOKEN = 0.1
MAX_SINGLE = 0.9


@dataclass(frozen=True)
class RuleHit:
    """A sentence (character offsets into the processed text) suggested for a code."""

    code_key: str
    start_char: int
    end_char: int
    score: float


def lemma_norms(doc: Doc) -> Doc:
    """Put the lower-cased lemma in ``NORM`` so phrases match whatever the casing or inflection."""
    for token in doc:
        token.norm_ = (token.lemma_ or token.text).lower()
    return doc


class RuleMatcher:
    """Compiled patterns of many codes; ``match(doc)`` gives sentence hits per code."""

    def __init__(self, nlp: Language, patterns: dict[str, Sequence[Any]]) -> None:
        from spacy.matcher import Matcher

        self.nlp = nlp
        self.matcher: Matcher = Matcher(nlp.vocab)
        self.problems: list[str] = []
        for key, items in patterns.items():
            compiled = [p for p in (self._compile(key, item) for item in items) if p]
            if compiled:
                self.matcher.add(key, compiled)

    def __bool__(self) -> bool:
        return len(self.matcher) > 0

    def _compile(self, key: str, item: Any) -> list[dict[str, Any]] | None:
        if isinstance(item, str):
            doc = lemma_norms(self.nlp(item))
            tokens = [{"NORM": t.norm_} for t in doc if not t.is_space]
            return tokens or None
        if isinstance(item, list) and item and all(isinstance(t, dict) for t in item):
            return [dict(t) for t in item]
        self.problems.append(f"code {key}: pattern {item!r} is neither a phrase nor a token list")
        return None

    def match(self, doc: Doc, offset: int = 0) -> list[RuleHit]:
        """Hits in one processed document; ``offset`` shifts positions into the transcript."""
        lemma_norms(doc)
        try:
            matches = self.matcher(doc)
        except ValueError as exc:  # a malformed token pattern surfaces only when matching
            self.problems.append(str(exc))
            return []
        per_sentence: dict[tuple[str, int, int], float] = {}
        for match_id, start, end in matches:
            key = self.nlp.vocab.strings[match_id]
            sent = doc[start:end].sent if doc.has_annotation("SENT_START") else doc[:]
            score = min(MAX_SINGLE, BASE_SCORE + PER_TOKEN * (end - start))
            span_key = (key, sent.start_char, sent.end_char)
            old = per_sentence.get(span_key, 0.0)
            per_sentence[span_key] = 1.0 - (1.0 - old) * (1.0 - score)
        hits = []
        for (key, a, b), score in per_sentence.items():
            text = doc.text[a:b]
            lead = len(text) - len(text.lstrip())
            trail = len(text) - len(text.rstrip())
            if b - trail > a + lead:
                hits.append(RuleHit(key, offset + a + lead, offset + b - trail, round(score, 4)))
        return hits


def patterns_of(codes: Iterable[Any]) -> dict[str, Sequence[Any]]:
    """``{code GUID: patterns}`` of the codes (``CodeInfo``-like) that have any."""
    return {c.guid: list(c.patterns) for c in codes if c.patterns}
