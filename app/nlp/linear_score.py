"""Scoring the default model (``linear.py``) without building its feature rows.

Why: a row of ``Features.transform`` holds its own turn, three context turns and the word
counts of its whole transcript, so in a 10,000-turn transcript every row carried the whole
transcript's vocabulary (rows x vocabulary non-zeros, then sorted and copied by ``hstack``).
Scoring only needs each row's decision values, and a decision is a sum over feature blocks:

* each distinct text is multiplied by every context block's coefficients once (a turn is also
  its neighbours' context; "Mm-hmm." recurs), and a row gathers its four blocks by index;
* each transcript's word counts are multiplied by the transcript block once, and added to the
  rows of that transcript;
* roles are a small product per row.

What is built grows with the distinct texts and transcripts, never with rows x transcript
vocabulary. Scores equal ``LinearModel.score_features(Features.transform(...))`` to float32
rounding, and the reasons (``explain``) are the same words in the same order; both are pinned by
``tests/unit/nlp/test_nlp_linear_score.py`` against that full path, which training still uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from app.nlp.linear import CONTEXT, NONE, ROLE_NAMES, _roles, _top_terms, context_ids
from app.nlp.ngrams import Tokens, rows_dot, tfidf, tfidf_dot

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from app.nlp.linear import LinearModel
    from app.nlp.model import Candidate


def place(model: LinearModel, probabilities: Sequence[np.ndarray]) -> np.ndarray:
    """(n x labels) scores in ``model.labels`` order from each head's calibrated probabilities
    (a binary head gives its positive class; a group every class but "none of them")."""
    n = len(probabilities[0]) if probabilities else 0
    out = np.zeros((n, len(model.labels)), dtype=np.float32)
    col = {g: j for j, g in enumerate(model.labels)}
    for head, prob in zip(model.heads, probabilities, strict=True):
        for j, cls in enumerate(head.classes):
            if cls in col and (not head.binary or j == 1):
                out[:, col[cls]] = prob[:, j]
    return out


class Layout:
    """A model's coefficients arranged for scoring by block (built once per model, cached).

    ``coef``: all heads stacked, one row per decision value; ``first``: each head's first row;
    ``row_of``: per explained code, the row whose weights say why; ``by_word``/``by_char``:
    (n-grams x blocks*rows) for one product per part over all context blocks and heads;
    ``transcript``, ``roles``: the other sparse blocks' (columns x rows).
    """

    def __init__(self, model: LinearModel) -> None:
        heads, features = model.heads, model.features
        self.key = Layout.key_of(model)
        self.coef = np.vstack([h.coef for h in heads]).astype(np.float32, copy=False)
        self.first = np.cumsum([0, *[len(h.coef) for h in heads]]).tolist()
        self.row_of: dict[str, int] = {}
        for head, start in zip(heads, self.first, strict=False):
            for j, cls in enumerate(head.classes):
                if cls != NONE and (not head.binary or j == 1):
                    self.row_of[cls] = start + (0 if head.binary else j)
        coef, ts, ws, nb = self.coef, features.turn_size, features.words.size, len(CONTEXT)
        # Columns: the turn-level blocks (context turns, roles), then the transcript's
        # words (if the model has them), then the stacked transcript context (if any).
        stack = features.stack
        n_words = ws if features.transcript_weight > 0 else 0
        n_stack = 0 if stack is None else stack.size
        end_turn = coef.shape[1] - n_words - n_stack
        start_roles = nb * ts
        end_roles = start_roles + 3 * len(ROLE_NAMES)
        if end_turn != end_roles or (stack is not None and stack.coef.shape[1] != end_turn):
            raise ValueError("the stored suggester model does not fit its features: train it again")
        # The stacked context's first stage reads the turn-level columns: its rows ride along
        # with the heads' (after them) in the per-block products.
        turn = coef[:, :end_turn] if stack is None else np.vstack([coef[:, :end_turn], stack.coef])
        self.n_heads = len(coef)
        self.by_word = np.ascontiguousarray(
            np.concatenate([turn[:, b * ts : b * ts + ws] for b in range(nb)], axis=0).T
        )
        self.by_char = np.ascontiguousarray(
            np.concatenate([turn[:, b * ts + ws : (b + 1) * ts] for b in range(nb)], axis=0).T
        )
        self.roles = np.ascontiguousarray(turn[:, start_roles:end_roles].T)
        self.transcript = np.ascontiguousarray(coef[:, end_turn : end_turn + n_words].T)
        self.stacked = np.ascontiguousarray(coef[:, end_turn + n_words :].T)
        # The latent-semantic head's SVD components ride along as the last columns: its text
        # vectors come out of the same two products (the character block's weighting and its
        # millions of non-zeros are read once).
        lsa = model.lsa
        self.n_lsa = 0 if lsa is None else int(lsa.words.shape[1])
        if lsa is not None:
            self.by_word = np.ascontiguousarray(np.hstack([self.by_word, lsa.words]))
            self.by_char = np.ascontiguousarray(np.hstack([self.by_char, lsa.chars]))

    @staticmethod
    def key_of(model: LinearModel) -> list[int]:
        """What a cached layout was made from: the heads' coefficients and the latent-semantic
        head (a model whose heads or head were replaced gets a new layout)."""
        return [*(id(h.coef) for h in model.heads), id(model.lsa)]

    @staticmethod
    def of(model: LinearModel) -> Layout:
        cached = getattr(model, "_layout", None)
        if cached is None or cached.key != Layout.key_of(model):
            cached = Layout(model)
            model._layout = cached  # type: ignore[attr-defined]
        return cached


class CandidateRows:
    """The candidates' feature rows, kept by reference: each distinct text's word TF-IDF and
    character counts, which text each row holds in each context block, and which transcript it
    belongs to."""

    def __init__(
        self,
        model: LinearModel,
        cands: Sequence[Candidate],
        known: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.model = model
        self.cands = cands
        #: The latent-semantic head's text vectors, unnormalised (set by ``decisions``).
        self.lsa_vectors: np.ndarray | None = None
        features = model.features
        distinct: dict[str, int] = {"": 0}
        self.index = context_ids(cands, distinct)
        tokens = Tokens.of(list(distinct), known)
        self.word_counts = features.words.counts(tokens)
        self.words = tfidf(self.word_counts, features.words.idf, unique=True)
        self.char_counts = features.chars.counts(tokens)

    @property
    def n(self) -> int:
        return len(self.cands)

    def materialised_nnz(self) -> int:
        """Non-zeros of the sparse matrices scoring builds (distinct texts, transcripts)."""
        docs, _rows, _doc_of = self._transcripts()
        return int(self.words.nnz + self.char_counts.nnz + self.word_counts.nnz + docs.nnz)

    def _transcripts(self) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
        """TF-IDF of each transcript's summed own-turn word counts (one row per transcript),
        the rows that have a transcript, and the transcript row of each of them."""
        from scipy.sparse import csr_matrix

        keys = np.array([c.transcript for c in self.cands], np.int64)
        rows = np.flatnonzero(keys >= 0)
        uniq, doc_of = np.unique(keys[rows], return_inverse=True)
        doc_of = doc_of.ravel()
        member = csr_matrix(
            (np.ones(len(rows), np.float32), (doc_of, self.index[0][rows])),
            shape=(len(uniq), self.words.shape[0]),
        )  # a text repeated in a transcript counts as often as it occurs (summed duplicates)
        counts = member @ self.word_counts
        features = self.model.features
        docs = _top_terms(tfidf(counts, features.words.idf, unique=True), features.transcript_top)
        return docs, rows, doc_of

    def decisions(self) -> list[np.ndarray]:
        """Each head's (n x classes) decision values, as ``Head.decision`` of the full rows."""
        model, features = self.model, self.model.features
        heads = model.heads
        if not heads:
            return []
        lay = Layout.of(model)
        width = lay.by_word.shape[1] - lay.n_lsa
        k = width // len(CONTEXT)  # heads' rows, then the first stage's
        per_text = rows_dot(self.words, lay.by_word) + tfidf_dot(
            self.char_counts, features.chars.idf, lay.by_char
        )
        if lay.n_lsa:
            self.lsa_vectors = per_text[:, width:]  # unnormalised (``LsaHead.text_vectors``)
            per_text = per_text[:, :width]
        dec = np.zeros((self.n, k), dtype=np.float32)
        for b, (_name, _which, weight) in enumerate(CONTEXT):
            dec += np.float32(weight) * per_text[self.index[b], b * k : (b + 1) * k]
        dec += np.asarray(_roles(self.cands) @ lay.roles)
        stack = features.stack
        if stack is not None:
            first_stage = dec[:, lay.n_heads :].astype(np.float64) + stack.intercept
            keys = np.array([c.transcript for c in self.cands], np.int64)
            dec = dec[:, : lay.n_heads] + stack.block(first_stage, keys).toarray() @ lay.stacked
        if features.transcript_weight > 0:
            docs, rows, doc_of = self._transcripts()
            if len(rows):
                tw = np.float32(features.transcript_weight)
                dec[rows] += tw * np.asarray(docs @ lay.transcript)[doc_of]
        first = lay.first
        return [
            dec[:, first[i] : first[i + 1]].astype(np.float64) + h.intercept
            for i, h in enumerate(heads)
        ]

    def scores(self) -> np.ndarray:
        """(n x labels) calibrated scores in ``model.labels`` order."""
        heads = self.model.heads
        if not heads or not self.n:
            return np.zeros((self.n, len(self.model.labels)), dtype=np.float32)
        probs = [h.calibrated(d) for h, d in zip(heads, self.decisions(), strict=True)]
        return place(self.model, probs)

    def explain(self, rows: Sequence[int], labels: Sequence[str], top: int = 3) -> list[str]:
        """Per (row, code): the words whose weight x TF-IDF pushed most toward the code, as
        ``LinearModel.explain_rows`` says it (only word n-grams of the turn and its context turns
        are shown, so only those are looked at)."""
        model, features = self.model, self.model.features
        out = [""] * len(rows)
        if not len(rows) or not model.heads:
            return out
        lay = Layout.of(model)
        coef, row_of = lay.coef, lay.row_of
        which = [i for i, g in enumerate(labels) if g in row_of]
        if not which:
            return out
        picked = np.asarray(rows, np.int64)[which]
        coef_row = np.array([row_of[labels[i]] for i in which], np.int64)
        from scipy.sparse import csr_matrix, hstack

        ts, ws = features.turn_size, features.words.size
        # The items' word n-grams of their four turns, item by item, columns in the full rows'
        # order; the same float32 arithmetic as the full rows: (TF-IDF x block weight) x coef.
        blocks = []
        for b, (_name, _which, scale) in enumerate(CONTEXT):
            sub = self.words[self.index[b][picked]]
            blocks.append(csr_matrix((sub.data * scale, sub.indices, sub.indptr), shape=sub.shape))
        x = hstack(blocks, format="csr")
        lens = np.diff(x.indptr)
        who = np.repeat(np.arange(len(picked)), lens)
        block, within = np.divmod(x.indices.astype(np.int64), max(1, ws))
        col = block * ts + within
        w = x.data * coef[coef_row[who], col]
        w = np.where(w > 0, w, np.float32(-np.inf))
        # The ``top`` heaviest per item, one round each: the row maximum, its first column
        # (equal weights in column order), then that entry is taken out.
        filled = lens > 0
        starts = x.indptr[:-1][filled]
        chosen_who, chosen_col = [], []
        for _ in range(top if len(w) else 0):
            best = np.full(len(picked), -np.inf, np.float32)
            best[filled] = np.maximum.reduceat(w, starts)
            at = np.flatnonzero((w == best[who]) & (w > -np.inf))
            if not len(at):
                break
            first = at[np.concatenate([[True], who[at[1:]] != who[at[:-1]]])]
            chosen_who.append(who[first])
            chosen_col.append(col[first])
            w[first] = -np.inf
        who = np.concatenate(chosen_who) if chosen_who else np.zeros(0, np.int64)
        col = np.concatenate(chosen_col) if chosen_col else np.zeros(0, np.int64)
        uniq, where = np.unique(col, return_inverse=True)
        shown = [features.describe(c) for c in uniq.tolist()]
        parts: list[list[str]] = [[] for _ in picked]
        for item, k in zip(who.tolist(), where.ravel().tolist(), strict=True):
            parts[item].append(shown[k])  # type: ignore[arg-type]  # word columns: never None
        for item, i in enumerate(which):
            out[i] = "model: " + ", ".join(parts[item]) if parts[item] else "model: overall wording"
        return out
