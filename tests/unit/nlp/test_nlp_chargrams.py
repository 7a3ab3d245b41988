"""Character n-grams in NumPy (``chargrams``) equal the Python analysis (``_word_grams``)."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from app.nlp.chargrams import GramIndex
from app.nlp.ngrams import CharNgrams, Tokens, _word_grams

ALPHABET = "abcdeéñß-'?.ü😀中文 \n"


def _reference(words: list[str], grams: list[str], lo: int, hi: int) -> Counter[tuple[int, int]]:
    gram_id = {g: i for i, g in enumerate(grams)}
    return Counter(
        (k, gram_id[g]) for k, w in enumerate(words) for g in _word_grams(w, lo, hi) if g in gram_id
    )


@pytest.mark.parametrize(("lo", "hi"), [(1, 5), (2, 4), (3, 3)])
def test_lookup_equals_the_python_analysis(lo: int, hi: int) -> None:
    rnd = random.Random(lo * 10 + hi)
    known_words = ["".join(rnd.choices(ALPHABET[:12], k=rnd.randint(1, 8))) for _ in range(300)]
    grams = sorted({g for w in known_words for g in _word_grams(w, lo, hi)})
    # New words: characters no n-gram holds (emoji, CJK, newline), repeats ("aaaa"), 1-letter.
    words = ["".join(rnd.choices(ALPHABET, k=rnd.randint(1, 9))) for _ in range(500)]
    words += ["a", "aaaa", "banana", "é", "😀a😀", "", *known_words[:20]]
    index = GramIndex(grams, hi)
    assert index.usable
    rows, ids = index.lookup(words, lo, hi)
    assert Counter(zip(rows.tolist(), ids.tolist(), strict=True)) == _reference(
        words, grams, lo, hi
    )


def test_a_large_alphabet_falls_back_to_python() -> None:
    grams = [chr(0x4E00 + i) for i in range(5000)]  # 5,000 characters: 13 bits x 5 > 63
    assert not GramIndex(grams, 5).usable
    chars = CharNgrams(1, 5, sorted(grams), np.ones(len(grams), np.float32))
    rows, cols = chars._analyse(["一丁", "x"])
    assert sorted(chars.grams[c] for c in cols) == sorted("一丁") and set(rows.tolist()) == {0}


def test_counts_of_unseen_types_equal_the_python_path() -> None:
    texts = ["I can't stop, mm-hmm. Naïve café 😀!", "Zyzzyva zyzzyvas? Banana-ish.", ""]
    tokens = Tokens.of(texts)
    fitted, counts = CharNgrams.fit(Tokens.of(["I can stop a banana café."] * 2), 1, 5, 1)
    fast = fitted.counts(tokens).toarray()
    slow = CharNgrams(1, 5, fitted.grams, fitted.idf)
    slow._index = GramIndex([], 5)
    slow._index.usable = False  # the Python analysis
    assert np.array_equal(fast, slow.counts(tokens).toarray())
    assert fast.sum() > 0 and counts.shape[1] == fitted.size
