"""The default model's latent-semantic head: what a turn is about, without pretrained weights.

Why: on AnnoMI, sentence embeddings fused with the TF-IDF model's scores raised client-talk
kappa by about 0.03 (``dense_head``), but they need the optional ``[embeddings]`` (torch). Most of
that gain is meaning shared by turns with few words in common ("I want to quit" / "I'd like to
stop"), which a truncated SVD of the project's own TF-IDF turns (latent semantic analysis)
captures in part, with scikit-learn alone. So the default model has a second, small head: a
multinomial logistic regression per sparse head on

* the turn's LSA vector, the next turn's (the turn that answers it) and its transcript's mean
  (each normalised), and who speaks (own, previous and next speaker's role);

whose calibrated probabilities are averaged with the SVMs' at ``weight_for`` the number of
training examples (``WEIGHT`` for a large project, more for a small one). The SVD reads the
model's own TF-IDF columns (turn words and characters), so a suggestion pass reuses the counts
it already made for the SVMs (``linear_score.CandidateRows``): one product per distinct text.

Chosen on 13 inner splits of AnnoMI's training sessions (``benchmarks/RESULTS.md``,
"suggester-quality"): fused at 0.3 it raised therapist kappa by about 0.005 and client kappa by
about 0.02 over the SVMs alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from app.nlp.dense_head import DenseHead, fuse_scores, place_heads
from app.nlp.linear_fit import unit_rows
from app.nlp.ngrams import Tokens, rows_dot, tfidf, tfidf_dot

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from app.nlp.linear import Features
    from app.nlp.model import Candidate

#: Dimensions of the SVD (fewer when a project has fewer distinct turns).
DIM = 128
#: The head's share of a fused score (the SVMs have the rest).
WEIGHT = 0.3
#: ... but more in a small project, where the n-gram SVMs have seen few examples of each word and
#: the head's few dense dimensions generalise better: ``SMALL_WEIGHT`` up to ``SMALL`` training
#: examples, ``WEIGHT`` from ``LARGE`` on, log-linear between (``weight_for``). Chosen on 13
#: inner splits of AnnoMI's training sessions subsampled to 25-500 coded examples per code
#: (benchmarks/RESULTS.md, "suggester-quality", s14): 0.5 beat 0.3 by +0.023 / -0.000 kappa
#: (therapist / client) at 25 per code (175 examples), +0.017 / +0.002 at 50, +0.010 / +0.003 at
#: 100; on all of an inner split's ~5,800 examples 0.3 was best (0.4: -0.000 / -0.003).
SMALL_WEIGHT = 0.5
SMALL, LARGE = 1750, 6000
#: The components' stored precision (models stored before say none: float32). They are most
#: of the model (AnnoMI: 58k n-gram columns x 128 dimensions); the vectors are normalised
#: afterwards, so float16's three digits hardly move the head's probabilities
#: (benchmarks/RESULTS.md, "suggester-quality").
STORED = np.float16
#: How far the head evens out its classes (``dense_head.BALANCE``; 1: scikit-learn's
#: "balanced", as chosen with the head in s13).
BALANCE = 1.0
#: Below this many distinct turns there is no head (an SVD of a handful of turns says nothing).
MIN_TEXTS = 50


@dataclass
class LsaHead:
    """The SVD's components split by feature block, and one logistic regression per sparse
    head (``DenseHead``: same classes, same rows and targets)."""

    words: np.ndarray  # (word n-grams x dim) float32
    chars: np.ndarray  # (character n-grams x dim) float32
    heads: list[DenseHead]
    weight: float = WEIGHT

    def raw_vectors(self, words: csr_matrix, char_counts: csr_matrix, idf: np.ndarray) -> Any:
        """Unnormalised LSA vectors of texts from their word TF-IDF rows and raw character
        counts (the blocks ``Features`` and ``CandidateRows`` compute; ``CandidateRows`` gets
        them from the SVMs' products, where the components ride along)."""
        return rows_dot(words, self.words) + tfidf_dot(char_counts, idf, self.chars)

    def text_vectors(self, words: csr_matrix, char_counts: csr_matrix, idf: np.ndarray) -> Any:
        """``raw_vectors`` normalised; an empty text gets zeros."""
        return unit_rows(self.raw_vectors(words, char_counts, idf))

    def block(
        self, z: np.ndarray, own: np.ndarray, nxt: np.ndarray, cands: Sequence[Candidate]
    ) -> np.ndarray:
        """The head's input per candidate: its turn's vector (``z[own]``), the next turn's
        (``z[nxt]``; index 0 is the empty text), its transcript's mean, roles."""
        from app.nlp.linear import _roles
        from app.nlp.linear_fit import transcript_means

        d = z.shape[1]
        roles = _roles(cands)
        out = np.empty((len(cands), 3 * d + roles.shape[1]), np.float32)  # filled in place
        mine = out[:, :d]
        mine[:] = z[own]
        out[:, d : 2 * d] = z[nxt]
        keys = np.array([c.transcript for c in cands], np.int64)
        out[:, 2 * d : 3 * d] = transcript_means(mine, keys)
        out[:, 3 * d :] = roles.toarray()
        return out

    def probabilities(self, x: np.ndarray, labels: Sequence[str]) -> np.ndarray:
        """(n x labels) probabilities from ``block`` rows; columns no head covers are NaN."""
        return place_heads(self.heads, x, labels)

    def fuse(self, sparse: np.ndarray, dense: np.ndarray) -> np.ndarray:
        """The SVMs' scores averaged with this head's (``weight`` to the head)."""
        return fuse_scores(sparse, dense, self.weight)

    def to_data(self) -> dict[str, Any]:
        return {
            "dim": int(self.words.shape[1]),
            "words": self.words.astype(STORED).tobytes(),
            "chars": self.chars.astype(STORED).tobytes(),
            "dtype": np.dtype(STORED).name,
            "heads": [h.to_data() for h in self.heads],
            "weight": self.weight,
        }

    @staticmethod
    def from_data(d: dict[str, Any]) -> LsaHead:
        dim, dtype = int(d["dim"]), np.dtype(d.get("dtype", "float32"))
        return LsaHead(
            np.frombuffer(d["words"], dtype).astype(np.float32).reshape(-1, dim),
            np.frombuffer(d["chars"], dtype).astype(np.float32).reshape(-1, dim),
            [DenseHead.from_data(h) for h in d["heads"]],
            float(d["weight"]),
        )


def weight_for(n_examples: int) -> float:
    """The head's share of a fused score for a model trained on ``n_examples`` examples."""
    if n_examples <= SMALL:
        return SMALL_WEIGHT
    if n_examples >= LARGE:
        return WEIGHT
    t = float(np.log(n_examples / SMALL) / np.log(LARGE / SMALL))
    return SMALL_WEIGHT + (WEIGHT - SMALL_WEIGHT) * t


def texts_block(features: Features, texts: Sequence[str]) -> tuple[csr_matrix, csr_matrix]:
    """Word TF-IDF rows and raw character counts of texts, as the scoring path makes them."""
    tokens = Tokens.of(list(texts))
    words = tfidf(features.words.counts(tokens), features.words.idf, unique=True)
    return words, features.chars.counts(tokens)


def train_lsa(
    features: Features,
    cands: Sequence[Candidate],
    targets: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray | None] | None],
) -> LsaHead | None:
    """The SVD of the training turns' TF-IDF rows and one logistic regression per head target
    (``linear_heads.head_targets``); None for a project too small for an SVD."""
    from scipy.sparse import hstack
    from sklearn.decomposition import TruncatedSVD
    from threadpoolctl import threadpool_limits

    from app.nlp.dense_head import fit_dense_head
    from app.nlp.linear import context_ids

    distinct: dict[str, int] = {"": 0}
    own, nxt = context_ids(cands, distinct, ("own", "next"))
    texts = list(distinct)
    words, char_counts = texts_block(features, texts)
    chars = tfidf(char_counts, features.chars.idf, unique=True)
    x = hstack([words, chars], format="csr", dtype=np.float32)
    used = np.unique(own)  # the SVD reads the training turns (each distinct text once)
    dim = min(DIM, len(used) - 1, x.shape[1] - 1)
    if len(used) < MIN_TEXTS or dim < 2:
        return None
    with threadpool_limits(limits=1):
        svd = TruncatedSVD(dim, algorithm="randomized", random_state=0).fit(x[used])
    # Kept at float16 precision (``STORED``): the model's largest part, halved in the project,
    # and the same numbers in memory as after a reload.
    comp = np.asarray(svd.components_, dtype=STORED).astype(np.float32).T
    split = features.words.size
    lsa = LsaHead(comp[:split].copy(), comp[split:].copy(), [], weight_for(len(cands)))
    block = lsa.block(lsa.text_vectors(words, char_counts, features.chars.idf), own, nxt, cands)
    for target in targets:
        if target is not None:
            rows, y, weights = target
            lsa.heads.append(fit_dense_head(block[rows], y, weights, BALANCE))
    return lsa if lsa.heads else None


def lsa_scores(
    lsa: LsaHead,
    features: Features,
    cands: Sequence[Candidate],
    labels: Sequence[str],
    rows: Any = None,
) -> np.ndarray:
    """The head's (n x labels) probabilities; ``rows``: the candidates' ``CandidateRows``
    (its word TF-IDF and character counts of each distinct text are reused)."""
    from app.nlp.linear import CONTEXT, context_ids

    if rows is not None:
        if rows.lsa_vectors is None:  # its SVMs' decisions were not computed (explain only)
            rows.lsa_vectors = lsa.raw_vectors(rows.words, rows.char_counts, features.chars.idf)
        z = unit_rows(rows.lsa_vectors)
        blocks = [which for _n, which, _w in CONTEXT]
        own, nxt = rows.index[blocks.index("own")], rows.index[blocks.index("next")]
    else:
        distinct: dict[str, int] = {"": 0}
        own, nxt = context_ids(cands, distinct, ("own", "next"))
        words, char_counts = texts_block(features, list(distinct))
        z = lsa.text_vectors(words, char_counts, features.chars.idf)
    return lsa.probabilities(lsa.block(z, own, nxt, cands), labels)
