"""Word forms of a lemma, from the English lookup table that ships in ``spacy-lookups-data``.

Rule patterns match on lemmas; rather than lemmatising every transcript token, each lemma in a
pattern is expanded once into the word forms that the lookup lemmatizer (the same table the
default pipeline's lemmatizer uses) maps to it.
"""

from __future__ import annotations

import threading
from pathlib import Path

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
            if path.is_file():
                data = srsly.read_gzip_json(path)
            else:  # some releases ship the table uncompressed
                data = srsly.read_json(path.with_suffix(""))
            lemma_of = {str(k): str(v) for k, v in data.items()}
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
