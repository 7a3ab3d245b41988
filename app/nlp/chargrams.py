"""Character n-grams of many words at once, in NumPy (``CharNgrams``' analysis of token types).

Why: a suggestion pass meets thousands of token types the model never saw (names, typos, rare
words), and cutting each into its n-grams in Python, one string per n-gram, took longer than
tokenising the whole text. Here every n-gram is an exact integer key: each character is replaced
by its rank in the alphabet of the model's n-grams (0 for a character none of them holds), and
up to ``hi`` ranks are packed into one 64-bit integer, so n-grams of all words are looked up
against the sorted keys of the model's n-grams with one ``searchsorted`` per length. Keys are
exact (no hashing): equal keys are equal strings. When the alphabet is too large to pack
(``bits x hi > 63``), ``GramIndex.usable`` is False and the caller analyses words in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All texts' characters as code points laid end to end, each text's start and length."""
    cps = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter(map(len, texts), np.int64, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    return cps, starts, lengths


class GramIndex:
    """The model's character n-grams (lengths up to ``hi``) as sorted exact integer keys."""

    def __init__(self, grams: Sequence[str], hi: int) -> None:
        cps, starts, lengths = _code_points(grams)
        self.alphabet = np.unique(cps)
        self.bits = max(1, len(self.alphabet).bit_length())  # ranks 1..len(alphabet)
        self.usable = self.bits * hi <= 63
        self.keys = np.zeros(0, np.uint64)
        self.ids = np.zeros(0, np.int64)
        if not self.usable or not len(grams):
            return
        ranks = self._ranks(cps)
        keys = np.zeros(len(grams), np.uint64)
        for j in range(int(lengths.max(initial=0))):
            longer = np.flatnonzero(lengths > j)
            keys[longer] |= ranks[starts[longer] + j] << np.uint64(self.bits * j)
        order = np.argsort(keys, kind="stable")
        self.keys, self.ids = keys[order], order.astype(np.int64)

    def _ranks(self, cps: np.ndarray) -> np.ndarray:
        if not len(self.alphabet):
            return np.zeros(len(cps), np.uint64)
        pos = np.searchsorted(self.alphabet, cps)
        known = self.alphabet[np.minimum(pos, len(self.alphabet) - 1)] == cps
        return np.where(known, pos + 1, 0).astype(np.uint64)

    def lookup(self, words: Sequence[str], lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """(word, n-gram id) of every lo..hi-gram of every padded word ``" word "`` that is one
        of the model's (scikit-learn's ``char_wb``; a repeat inside a word occurs twice)."""
        cps, starts, lengths = _code_points([f" {w} " for w in words])
        n_all = len(cps)
        ranks = self._ranks(cps)
        word_of = np.repeat(np.arange(len(words)), lengths)
        room = np.repeat(starts + lengths, lengths) - np.arange(n_all)  # characters left in word
        key = np.zeros(n_all, np.uint64)
        whole = np.ones(n_all, dtype=bool)  # no character outside the alphabet so far
        found_words, found_ids = [], []
        for n in range(1, hi + 1):
            j = n - 1
            key[: n_all - j] |= ranks[j:] << np.uint64(self.bits * j)
            whole[: n_all - j] &= ranks[j:] > 0
            whole[n_all - j :] = False
            if n < lo or not len(self.keys):
                continue
            at = np.flatnonzero(whole & (room >= n))
            pos = np.minimum(np.searchsorted(self.keys, key[at]), len(self.keys) - 1)
            hit = self.keys[pos] == key[at]
            found_words.append(word_of[at[hit]])
            found_ids.append(self.ids[pos[hit]])
        if not found_words:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(found_words), np.concatenate(found_ids)
