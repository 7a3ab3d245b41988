"""Fast TF-IDF n-gram features for the default suggester model (numpy + scipy over spaCy's token
hashes; no Python work per token or per n-gram).

Why not scikit-learn's ``TfidfVectorizer``: its analysers build every n-gram as a Python string,
which made a suggestion pass twenty times slower than tokenising the same text. The suggestion
pass tokenises every utterance with spaCy anyway (for the rules), and spaCy hands over each
token's lower-case hash as a number. From those:

* word n-grams: an n-gram is an integer key mixed from its tokens' hashes, matched against the
  kept keys with ``np.searchsorted``;
* character n-grams inside token boundaries (like scikit-learn's ``char_wb``, each token padded
  with a space): a text's counts are the sum of its tokens' counts, a sparse product
  ``(text x token type) @ (token type x n-gram)``; each distinct token type is analysed once and
  kept in a cache.

``tfidf`` then applies sublinear tf, smooth idf and L2 normalisation as scikit-learn does.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse import csr_matrix

if TYPE_CHECKING:
    from app.nlp.chargrams import GramIndex

MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: key = key * MIX + next hash (mod 2**64)


class Tokens:
    """Texts as spaCy lower-case token hashes laid end to end: ``hashes[starts[i]:ends[i]]`` is
    text i. ``strings`` turns a hash back into its text (spaCy's StringStore)."""

    def __init__(self, hashes: np.ndarray, lengths: np.ndarray, strings: Any) -> None:
        self.hashes = hashes.astype(np.uint64, copy=False)
        self.lengths = lengths.astype(np.int64, copy=False)
        self.rows = np.repeat(np.arange(len(lengths)), lengths)
        self.strings = strings

    @property
    def n(self) -> int:
        return len(self.lengths)

    @staticmethod
    def of(texts: Sequence[str], known: dict[str, np.ndarray] | None = None) -> Tokens:
        """Tokenise the texts (reusing ``known`` arrays of texts already tokenised)."""
        from app.nlp.pipeline import get_pipeline

        arrays: list[np.ndarray | None] = [None if known is None else known.get(t) for t in texts]
        missing = [i for i, a in enumerate(arrays) if a is None]
        for i, array in zip(missing, lower_arrays([texts[i] for i in missing]), strict=True):
            arrays[i] = array
        parts = [a for a in arrays if a is not None]
        hashes = np.concatenate(parts) if parts else np.zeros(0, np.uint64)
        return Tokens(
            hashes, np.array([len(a) for a in parts], np.int64), get_pipeline().vocab.strings
        )


def lower_arrays(texts: Sequence[str]) -> list[np.ndarray]:
    """Each text's lower-case token hashes, from spaCy's tokenizer (nothing is done, and the
    tokenizer is not touched, for no texts: ``scan`` relies on that to keep it on one thread)."""
    if not texts:
        return []
    from app.nlp.context_bow import lower_array
    from app.nlp.pipeline import get_pipeline

    docs = get_pipeline().tokenizer.pipe(texts, batch_size=1000)  # type: ignore[union-attr]
    return [lower_array(doc) for doc in docs]


def _df_keep(x: csr_matrix, min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns with document frequency >= min_df, and their idf (smooth, as scikit-learn)."""
    df = np.bincount(x.indices, minlength=x.shape[1])
    keep = np.flatnonzero(df >= min_df)
    idf = np.log((1.0 + x.shape[0]) / (1.0 + df[keep])) + 1.0
    return keep, idf.astype(np.float32)


def tfidf(counts: csr_matrix, idf: np.ndarray, unique: bool = False) -> csr_matrix:
    """Sublinear tf x idf, rows L2-normalised (empty rows stay empty). ``unique``: no column
    repeats within a row (a sparse product's result), so the sort that merges repeats is skipped."""
    x = counts.tocsr().astype(np.float32)
    if not unique:
        x.sum_duplicates()
    x.data = (1.0 + np.log(x.data)) * idf[x.indices]
    lens = np.diff(x.indptr)
    sq = np.bincount(np.repeat(np.arange(x.shape[0]), lens), np.square(x.data), x.shape[0])
    norms = np.sqrt(sq).astype(np.float32)
    x.data /= np.repeat(np.where(norms > 0, norms, 1.0), lens)
    return x


def tfidf_dot(counts: csr_matrix, idf: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``tfidf(counts, idf, unique=True) @ right`` without building the normalised matrix: the
    rows' norms divide the (rows x right columns) product instead of every non-zero (the
    character block of a suggestion pass has hundreds of non-zeros per text)."""
    weighted = (1.0 + np.log(counts.data, dtype=np.float32)) * idf[counts.indices]
    sq = np.zeros(counts.shape[0], np.float32)
    filled = np.flatnonzero(np.diff(counts.indptr))
    if len(filled):
        sq[filled] = np.add.reduceat(np.square(weighted), counts.indptr[filled])
    norms = np.sqrt(sq)
    x = csr_matrix((weighted, counts.indices, counts.indptr), shape=counts.shape)
    out = rows_dot(x, right)
    out /= np.where(norms > 0, norms, 1.0)[:, None]
    return out


#: Threads for the products of many rows (SciPy's sparse products release the GIL) and, in
#: ``linear_fit``, for the SVM fits (liblinear releases it too): the bar is a 2-core laptop.
WORKERS = max(1, min(2, os.cpu_count() or 1))
#: Below this many rows one thread does the product (a thread's start costs more).
THREADED_ROWS = 4096


_products = threading.local()


@contextmanager
def products_on_one_thread() -> Iterator[None]:
    """``rows_dot`` on the calling thread alone, for code on this thread in the block: a pass
    scoring one part while the next is tokenised (``scan``) leaves the other core to spaCy."""
    _products.one_thread = True
    try:
        yield
    finally:
        _products.one_thread = False


def rows_dot(x: csr_matrix, right: np.ndarray) -> np.ndarray:
    """``x @ right`` as a dense array, its row blocks on ``WORKERS`` threads: the same numbers
    (each row's sum is computed as in one product), in half the wall time on two cores for a
    suggestion pass's character block (millions of non-zeros times a few hundred columns)."""
    n = x.shape[0]
    if getattr(_products, "one_thread", False) or WORKERS < 2 or n < THREADED_ROWS:
        return np.asarray(x @ right)
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, n, WORKERS + 1).astype(int).tolist()
    blocks = [x[a:b] for a, b in itertools.pairwise(bounds)]
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="dot") as pool:
        parts = list(pool.map(lambda block: np.asarray(block @ right), blocks))
    return np.vstack(parts)


def _grams(tokens: Tokens, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keys, rows, first token position) of the word n-grams inside each text."""
    h, rows = tokens.hashes, tokens.rows
    m = len(h) - n + 1
    if m <= 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    key = h[:m].copy()
    for j in range(1, n):
        key = key * MIX + h[j : j + m]
    ok = rows[:m] == rows[n - 1 : n - 1 + m]
    return key[ok], rows[:m][ok], np.flatnonzero(ok)


class WordNgrams:
    """Word 1..n-grams (punctuation tokens kept: "?" matters)."""

    def __init__(self, n: int, keys: list[np.ndarray], names: list[str], idf: np.ndarray):
        self.n = n
        self.keys = keys  # per n-gram length, sorted uint64 keys
        self.names = names  # per column, for reasons
        self.idf = idf
        self.offsets = np.cumsum([0, *[len(k) for k in keys]])

    @property
    def size(self) -> int:
        return int(self.offsets[-1])

    @staticmethod
    def fit(tokens: Tokens, n: int, min_df: int) -> tuple[WordNgrams, csr_matrix]:
        from scipy.sparse import hstack

        keys, names, idfs, mats = [], [], [], []
        for k in range(1, n + 1):
            key, row, first = _grams(tokens, k)
            uniq, where, col = np.unique(key, return_index=True, return_inverse=True)
            counts = csr_matrix(
                (np.ones(len(col), np.float32), (row, col.ravel())), shape=(tokens.n, len(uniq))
            )
            counts.sum_duplicates()
            keep, idf = _df_keep(counts, min_df)
            keys.append(uniq[keep])
            for pos in first[where[keep]]:
                names.append(" ".join(tokens.strings[int(t)] for t in tokens.hashes[pos : pos + k]))
            idfs.append(idf)
            mats.append(counts[:, keep])
        fitted = WordNgrams(n, keys, names, np.concatenate(idfs))
        return fitted, hstack(mats, format="csr", dtype=np.float32)

    def counts(self, tokens: Tokens) -> csr_matrix:
        cols, rs = [], []
        for k in range(1, self.n + 1):
            key, row, _first = _grams(tokens, k)
            kept = self.keys[k - 1]
            if not len(kept) or not len(key):
                continue
            pos = np.minimum(np.searchsorted(kept, key), len(kept) - 1)
            hit = kept[pos] == key
            cols.append(pos[hit] + self.offsets[k - 1])
            rs.append(row[hit])
        col = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        row = np.concatenate(rs) if rs else np.zeros(0, np.int64)
        # Repeats merged (scipy sorts each row's few columns): a canonical matrix.
        out = csr_matrix((np.ones(len(row), np.float32), (row, col)), shape=(tokens.n, self.size))
        out.sum_duplicates()
        return out

    def to_data(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "keys": [k.astype(np.uint64).tobytes() for k in self.keys],
            "names": self.names,
            "idf": self.idf.astype(np.float32).tobytes(),
        }

    @staticmethod
    def from_data(d: dict[str, Any]) -> WordNgrams:
        return WordNgrams(
            int(d["n"]),
            [np.frombuffer(k, np.uint64) for k in d["keys"]],
            list(d["names"]),
            np.frombuffer(d["idf"], np.float32),
        )


def _word_grams(word: str, lo: int, hi: int) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of one word."""
    padded = f" {word} "
    out: list[str] = []
    for n in range(lo, hi + 1):
        out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        if len(padded) < n:  # as scikit-learn: a short word counts once, whole
            break
    return out


class CharNgrams:
    """Character lo..hi-grams inside token boundaries, as a product of token-type counts and each
    type's n-gram counts (each distinct token type analysed once, then cached)."""

    def __init__(self, lo: int, hi: int, grams: list[str], idf: np.ndarray):
        self.lo, self.hi = lo, hi
        self.grams = grams
        self.gram_id = {g: i for i, g in enumerate(grams)}
        self.idf = idf
        self._known = np.zeros(0, np.uint64)  # sorted type hashes in the table
        self._table = csr_matrix((0, len(grams)), dtype=np.float32)  # rows in _known order
        self._index: GramIndex | None = None  # the n-grams as packed keys, built when needed

    @property
    def size(self) -> int:
        return len(self.grams)

    def _analyse(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(word, n-gram column) of each of the model's n-grams in each word, with repeats:
        in NumPy (``chargrams``), or in Python when the alphabet is too large to pack."""
        from app.nlp.chargrams import GramIndex

        if self._index is None:
            self._index = GramIndex(self.grams, self.hi)
        if self._index.usable:
            return self._index.lookup(words, self.lo, self.hi)
        get = self.gram_id.get
        cols_of = [
            [c for c in (get(g, -1) for g in _word_grams(w, self.lo, self.hi)) if c >= 0]
            for w in words
        ]
        lens = [len(c) for c in cols_of]
        cols = np.fromiter((c for cs in cols_of for c in cs), np.int64, count=sum(lens))
        return np.repeat(np.arange(len(words)), lens), cols

    def _add_types(self, new: np.ndarray, strings: Any) -> None:
        from scipy.sparse import vstack

        rows, cols = self._analyse([strings[int(h)] for h in new])
        extra = csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(new), self.size)
        )  # repeats summed: a type's count of each n-gram
        known = np.concatenate([self._known, new])
        order = np.argsort(known, kind="stable")
        self._known = known[order]
        self._table = vstack([self._table, extra], format="csr")[order]

    def counts(self, tokens: Tokens) -> csr_matrix:
        """Raw counts; no column repeats within a row (see ``tfidf``'s ``unique``)."""
        h = tokens.hashes
        if len(self._known):
            pos = np.minimum(np.searchsorted(self._known, h), len(self._known) - 1)
            miss = self._known[pos] != h
        else:
            miss = np.ones(len(h), dtype=bool)
        if miss.any():
            self._add_types(np.unique(h[miss]), tokens.strings)
            pos = np.searchsorted(self._known, h)
        type_row = pos
        words = csr_matrix(
            (np.ones(len(type_row), np.float32), type_row, np.cumsum([0, *tokens.lengths])),
            shape=(tokens.n, len(self._known)),
        )
        return (words @ self._table).tocsr()

    @staticmethod
    def fit(tokens: Tokens, lo: int, hi: int, min_df: int) -> tuple[CharNgrams, csr_matrix]:
        types = np.unique(tokens.hashes)
        grams = sorted({g for h in types for g in _word_grams(tokens.strings[int(h)], lo, hi)})
        full = CharNgrams(lo, hi, grams, np.zeros(0, np.float32))
        counts = full.counts(tokens)
        keep, idf = _df_keep(counts, min_df)
        fitted = CharNgrams(lo, hi, [grams[i] for i in keep], idf)
        return fitted, counts[:, keep].tocsr()

    def to_data(self) -> dict[str, Any]:
        return {
            "lo": self.lo,
            "hi": self.hi,
            "grams": self.grams,
            "idf": self.idf.astype(np.float32).tobytes(),
        }

    @staticmethod
    def from_data(d: dict[str, Any]) -> CharNgrams:
        return CharNgrams(
            int(d["lo"]), int(d["hi"]), list(d["grams"]), np.frombuffer(d["idf"], np.float32)
        )
