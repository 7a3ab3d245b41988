"""The shared spaCy pipeline for suggestions (spec §7).

The default needs no download: ``spacy.blank("en")`` with a sentencizer and the lookup lemmatizer
whose tables ship in ``spacy-lookups-data``. If a trained English pipeline is installed
(``en_core_web_*``) it is used instead, because its lemmas and sentence boundaries are better; it
is never required. spaCy is imported inside functions so that ``import app.nlp`` stays cheap and
the application starts without paying for it.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

PREFERRED_MODELS = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf")

_lock = threading.Lock()
_cache: dict[str, Language] = {}


def installed_english_pipeline() -> str | None:
    """Name of an installed trained English pipeline, or None (the usual case offline)."""
    import spacy.util

    installed = set(spacy.util.get_installed_models())
    for name in PREFERRED_MODELS:
        if name in installed:
            return name
    others = sorted(n for n in installed if n.startswith("en_"))
    return others[0] if others else None


def blank_pipeline() -> Language:
    """``spacy.blank("en")`` + sentencizer + lookup lemmatizer: works on any machine."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def _load_trained(name: str) -> Language:
    import spacy

    # Only what suggestions need: parser/NER cost time and add nothing to lemmas + sentences.
    nlp = spacy.load(name, exclude=["ner"])
    if "parser" not in nlp.pipe_names and "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    return nlp


def get_pipeline(prefer_trained: bool = True) -> Language:
    """The process-wide pipeline, loaded once (thread-safe; call it off the UI thread)."""
    key = "trained" if prefer_trained else "blank"
    with _lock:
        nlp = _cache.get(key)
        if nlp is not None:
            return nlp
        name = installed_english_pipeline() if prefer_trained else None
        if name is not None:
            try:
                nlp = _load_trained(name)
                nlp.meta["iprw_source"] = name
            except (OSError, ValueError) as exc:
                log.warning(
                    "installed pipeline %s could not be loaded (%s); using blank", name, exc
                )
                nlp = None
        if nlp is None:
            nlp = blank_pipeline()
            nlp.meta["iprw_source"] = "blank:en"
        _cache[key] = nlp
        return nlp


def pipeline_name(nlp: Language) -> str:
    return str(nlp.meta.get("iprw_source", nlp.meta.get("name", "")))


def with_sentences(nlp: Language, doc: Doc) -> Doc:
    """Sentence boundaries for a doc that was only tokenised (done on demand: most need none)."""
    if "sentencizer" in nlp.pipe_names:
        return nlp.get_pipe("sentencizer")(doc)
    return nlp(doc.text)
