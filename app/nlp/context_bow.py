"""A bag-of-n-grams text classifier whose features include the turn's context, built for speed.

spaCy's ``TextCatBOW`` reads n-grams from the doc's own tokens. Giving it the speaker role and
the previous turn would mean building a new ``Doc`` per candidate (string lookups for every
context word), which costs several times the tokenisation itself. Instead each candidate's
feature sequence is an array of 64-bit token hashes, assembled with NumPy from arrays that the
tokeniser already made:

    [role] + own lower-cased tokens + [previous role] + previous turn's last tokens (salted)

The salt puts the previous turn's words in their own feature space ("quit" said now differs
from "quit" said just before). Unigrams and bigrams of that sequence are hashed into the same
sparse linear layer + logistic output that ``TextCatBOW`` uses, so the model is a normal spaCy
``textcat_multilabel`` (trainable with ``nlp.update``, serialisable with ``to_bytes``) whose
architecture is registered as ``iprw.ContextBOW.v1``. During a suggestion pass the scorer is
called directly on the feature arrays, without per-candidate ``Doc`` objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from thinc.api import Model

ARCHITECTURE = "iprw.ContextBOW.v1"
SEQ_KEY = "iprw_seq"
PREV_TOKENS = 30
PREV_SALT = np.uint64(0x9E3779B97F4A7C15)
_registered = False


def _hash(text: str) -> np.uint64:
    from spacy.strings import hash_string  # type: ignore[attr-defined]

    return np.uint64(hash_string(text))


_KEYS: dict[str, np.uint64] = {}


def marker(text: str) -> np.uint64:
    """Hash of a context marker such as ``__role_client`` (cached)."""
    key = _KEYS.get(text)
    if key is None:
        key = _KEYS[text] = _hash(text)
    return key


def lower_array(doc: Doc) -> np.ndarray:
    """The doc's lower-cased token hashes (spaCy's LOWER attribute id is looked up once)."""
    global _LOWER
    if _LOWER < 0:
        from spacy.attrs import LOWER

        _LOWER = int(LOWER)
    return np.asarray(doc.to_array(_LOWER), dtype=np.uint64)


_LOWER = -1


LENGTH_LIMITS = np.array([2, 5, 10, 20, 40])
LENGTH_BUCKETS = "abcdef"


def length_bucket(n: int) -> str:
    """Coarse length class of a turn in tokens (short answers carry a lot of the signal)."""
    return LENGTH_BUCKETS[int(np.searchsorted(LENGTH_LIMITS, n, side="left"))]


def context_sequence(
    own: np.ndarray, role: str, prev: np.ndarray | None, prev_role: str | None
) -> np.ndarray:
    """The feature sequence of one candidate (see the module docstring).

    After the words come two length markers: the candidate's length class with its speaker's
    role, and the previous turn's length class (an "Mm-hmm" answers differently from a story).
    """
    head = np.array([marker(f"__role_{role}")], dtype=np.uint64)
    own_len = marker(f"__len_{length_bucket(len(own))}_{role}")
    if prev_role is None or prev is None:
        tail = np.array([marker("__first_turn"), own_len], dtype=np.uint64)
        return np.concatenate([head, own, tail])
    mid = np.array([marker(f"__prev_{prev_role}")], dtype=np.uint64)
    lens = np.array([own_len, marker(f"__plen_{length_bucket(len(prev))}")], dtype=np.uint64)
    return np.concatenate([head, own, mid, prev[-PREV_TOKENS:] ^ PREV_SALT, lens])


def concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])`` without the loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.cumsum(lengths) - lengths
    return np.arange(total) - np.repeat(first, lengths) + np.repeat(starts, lengths)


def batch_sequences(
    lower: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    roles: Sequence[str],
    prev_roles: Sequence[str | None],
) -> tuple[np.ndarray, np.ndarray]:
    """``context_sequence`` of every unit of a transcript at once: (flat hashes, lengths).

    Unit k owns tokens ``starts[k]:ends[k]`` of ``lower``; its previous turn is unit k-1 (the
    first unit has none). Built with index arithmetic instead of one small array per unit.
    """
    n, size = len(starts), len(lower)
    role_set = sorted(set(roles))
    names = sorted({f"__role_{r}" for r in role_set} | {f"__prev_{r}" for r in prev_roles if r})
    names += [f"__len_{b}_{r}" for r in role_set for b in LENGTH_BUCKETS]
    names += [f"__plen_{b}" for b in LENGTH_BUCKETS] + ["__first_turn"]
    where = {name: 2 * size + i for i, name in enumerate(names)}
    src = np.concatenate(
        [lower, lower ^ PREV_SALT, np.array([marker(x) for x in names], dtype=np.uint64)]
    )
    own_len = np.maximum(ends - starts, 0)
    prev_end = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    prev_full = np.concatenate([[0], own_len[:-1]]).astype(np.int64)
    prev_start = np.maximum(np.concatenate([[0], starts[:-1]]), prev_end - PREV_TOKENS)
    prev_len = np.maximum(prev_end - prev_start, 0)
    prev_len[0] = 0
    has_prev = np.array([bool(k and r) for k, r in enumerate(prev_roles)], dtype=bool)
    prev_len[~has_prev] = 0
    own_class = np.searchsorted(LENGTH_LIMITS, own_len, side="left")
    prev_class = np.searchsorted(LENGTH_LIMITS, prev_full, side="left")
    role_at = np.array([where[f"__role_{r}"] for r in roles], dtype=np.int64)
    prev_at = np.array(
        [
            where[f"__prev_{r}"] if h else where["__first_turn"]
            for h, r in zip(has_prev, prev_roles, strict=True)
        ],
        dtype=np.int64,
    )
    len_at = np.array(
        [where[f"__len_{LENGTH_BUCKETS[c]}_{r}"] for c, r in zip(own_class, roles, strict=True)],
        dtype=np.int64,
    )
    plen_at = np.array([where[f"__plen_{LENGTH_BUCKETS[c]}"] for c in prev_class], dtype=np.int64)
    one = np.ones(n, np.int64)
    seg_starts = np.stack(
        [role_at, starts, prev_at, size + prev_start, len_at, plen_at], axis=1
    ).ravel()
    seg_lens = np.stack([one, own_len, one, prev_len, one, has_prev.astype(np.int64)], axis=1)
    flat = src[concat_ranges(seg_starts, seg_lens.ravel())]
    return flat, seg_lens.sum(axis=1)


def ngram_features(
    seqs: Sequence[np.ndarray], ngram_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keys, counts, lengths) for thinc's SparseLinear, like spaCy's ``extract_ngrams``.

    The linear layer sums weight x count over a doc's keys, so a key listed twice with count 1
    scores the same as once with count 2. For uni- and bigrams this lets all docs be done in
    a few whole-array NumPy operations instead of a ``unique`` per doc.
    """
    from thinc.api import NumpyOps

    ops = NumpyOps()
    lengths = np.array([len(seq) for seq in seqs], dtype="int64")
    if not len(seqs) or not lengths.sum():
        return (np.zeros(0, "uint64"), np.zeros(0, "f"), np.zeros(len(seqs), "int32"))
    if ngram_size > 2:
        keys_all, vals_all = [], []
        for seq in seqs:
            grams = [seq] + [ops.ngrams(n, seq) for n in range(2, ngram_size + 1) if len(seq) >= n]
            keys, vals = np.unique(np.concatenate(grams), return_counts=True)
            keys_all.append(keys)
            vals_all.append(vals)
        return (
            np.concatenate(keys_all).astype(np.uint64),
            np.concatenate(vals_all).astype("f"),
            np.array([len(k) for k in keys_all], dtype="int32"),
        )
    return flat_ngram_features(np.concatenate(seqs).astype(np.uint64), lengths, ngram_size)


def flat_ngram_features(
    flat: np.ndarray, lengths: np.ndarray, ngram_size: int = 2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Uni- and bigram features of many sequences given as one array and their lengths."""
    from thinc.api import NumpyOps

    ops = NumpyOps()
    lengths = np.asarray(lengths, dtype=np.int64)
    if ngram_size > 2:
        bounds = np.cumsum(lengths)[:-1]
        return ngram_features(np.split(flat, bounds), ngram_size)
    if ngram_size < 2:
        return flat, np.ones(len(flat), "f"), lengths.astype("int32")
    bigrams = np.zeros(len(flat), dtype=np.uint64)
    if len(flat) > 1:
        bigrams[:-1] = ops.ngrams(2, flat)
    has_bigram = np.ones(len(flat), dtype=bool)
    ends = np.cumsum(lengths)
    has_bigram[ends[lengths > 0] - 1] = False  # a doc's last token starts no bigram
    keys = np.stack([flat, bigrams], axis=1).ravel()
    keep = np.stack([np.ones(len(flat), dtype=bool), has_bigram], axis=1).ravel()
    out_lengths = np.maximum(2 * lengths - 1, 0).astype("int32")
    return keys[keep], np.ones(int(keep.sum()), "f"), out_lengths


def _extract_forward(model: Model, docs: list[Doc], is_train: bool) -> Any:
    # A doc without attached context (spaCy samples reference docs at initialisation) is read
    # as a first turn of an unknown speaker.
    seqs = [
        doc.user_data[SEQ_KEY]
        if SEQ_KEY in doc.user_data
        else context_sequence(lower_array(doc), "other", None, None)
        for doc in docs
    ]
    return ngram_features(seqs, model.attrs["ngram_size"]), lambda d_y: []


def build_context_bow(ngram_size: int, length: int = 262144, nO: int | None = None) -> Model:
    """Same layers as spaCy's TextCatBOW.v3 (multilabel), with the context feature extractor."""
    from spacy.ml.models.textcat import NEG_VALUE, resize_and_set_ref
    from thinc.api import Logistic, Model, SparseLinear_v2, chain
    from thinc.layers.resizable import resizable, resize_linear_weighted

    length = 2 ** (length - 1).bit_length()
    extract: Model = Model("iprw_context_ngrams", _extract_forward)
    extract.attrs["ngram_size"] = ngram_size
    sparse = SparseLinear_v2(nO=nO, length=length)
    resizable_layer: Model = resizable(
        sparse,
        resize_layer=partial(resize_linear_weighted, fill_defaults={"b": NEG_VALUE, "W": 0}),
    )
    scorer: Model = chain(resizable_layer, Logistic())
    model: Model = chain(extract, scorer)
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", sparse)
    model.set_ref("scorer", scorer)
    model.attrs["multi_label"] = True
    model.attrs["resize_output"] = partial(resize_and_set_ref, resizable_layer=resizable_layer)
    return model


def register() -> None:
    """Make the architecture known to spaCy's registry (idempotent; before building/loading)."""
    global _registered
    if _registered:
        return
    from spacy.util import registry

    registry.architectures.register(ARCHITECTURE, func=build_context_bow)
    _registered = True


def score_flat(model: Model, flat: np.ndarray, lengths: np.ndarray, ngram_size: int) -> np.ndarray:
    """Scores (n x labels) for sequences given flat (see ``batch_sequences``), no Docs."""
    if not len(lengths):
        return np.zeros((0, model.get_dim("nO")), dtype="f")
    scorer = model.get_ref("scorer")
    return np.asarray(scorer.predict(flat_ngram_features(flat, lengths, ngram_size)))


def score_sequences(model: Model, seqs: Sequence[np.ndarray], ngram_size: int) -> np.ndarray:
    """Scores (n x labels) for feature sequences, skipping the Doc-based extractor."""
    if not seqs:
        return np.zeros((0, model.get_dim("nO")), dtype="f")
    scorer = model.get_ref("scorer")
    return np.asarray(scorer.predict(ngram_features(seqs, ngram_size)))
