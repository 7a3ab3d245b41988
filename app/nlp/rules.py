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

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.nlp.pipeline import with_sentences

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


_forms_lock = threading.Lock()
_tables: tuple[dict[str, str], dict[str, set[str]]] | None = None


def lemma_tables() -> tuple[dict[str, str], dict[str, set[str]]]:
    """(form -> lemma, lemma -> lower-cased forms) from the English lookup table (cached)."""
    global _tables
    with _forms_lock:
        if _tables is None:
            import spacy_lookups_data
            import srsly

            # The packaged JSON keeps the word forms (spaCy's Table keeps only their hashes).
            path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
            lemma_of = {str(k): str(v) for k, v in srsly.read_gzip_json(path).items()}
            forms: dict[str, set[str]] = {}
            for form, lemma in lemma_of.items():
                forms.setdefault(lemma.lower(), set()).add(form.lower())
            _tables = (lemma_of, forms)
        return _tables


def lemma(word: str) -> str:
    lemma_of, _ = lemma_tables()
    return (lemma_of.get(word) or lemma_of.get(word.lower()) or word).lower()


def forms_of(word: str) -> list[str]:
    """Every lower-cased form whose lemma is the lemma of ``word`` (the word itself included)."""
    _, forms = lemma_tables()
    base = lemma(word)
    return sorted(forms.get(base, set()) | {base, word.lower()})


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
            words = [t.text for t in self.nlp.make_doc(item) if not t.is_space]
            return [{"LOWER": {"IN": forms_of(w)}} for w in words] or None
        if isinstance(item, list) and item and all(isinstance(t, dict) for t in item):
            return [_lemma_to_lower(t) for t in item]
        self.problems.append(f"code {key}: pattern {item!r} is neither a phrase nor a token list")
        return None

    def match(self, doc: Doc, offset: int = 0) -> list[RuleHit]:
        """Hits in one tokenised document; ``offset`` shifts positions into the transcript."""
        try:
            matches = self.matcher(doc)
        except ValueError as exc:  # a pattern needing a tagger or parser fails only here
            if str(exc) not in self.problems:
                self.problems.append(str(exc))
            return []
        if not matches:
            return []
        doc = with_sentences(self.nlp, doc)
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
