"""The default suggester model: TF-IDF n-grams of the turn and its context, linear SVMs,
calibrated scores (scikit-learn for the SVMs; no pretrained weights, nothing to download).

Why this model: on AnnoMI (benchmarks/bench_suggest_quality.py, session splits) it is at or
above a plain TF-IDF logistic regression with the previous turn, trains on two cores, and can say
which words weighed most for each suggestion. Features (``ngrams.py``: numpy over spaCy's token
hashes, so a suggestion pass does not re-analyse text in Python):

* each turn's words (1-3-grams, punctuation kept: "?" matters) and characters (1-5-grams inside
  tokens: "mm-hmm", "-ish", typos and disfluencies);
* for the candidate: its own turn, the previous turn, the turn before that and the next turn,
  each in its own feature space (all turns of an imported transcript are known when
  suggestions are made; the next turn often answers the candidate: a reflection after change
  talk);
* the speaker's role, the previous and the next speaker's role;
* (models stored before s17: the stacked transcript context, ``linear_fit.py``: the mean
  decision values of a first-stage model over the *other* turns of the transcript).

Codes a coder never applies together (an *exclusive group*: one ``--code-columns`` column, or
siblings that never co-occur) get one factorised head: a binary SVM "any code of the group" vs
"none of them" (Platt-calibrated on 3-fold out-of-fold decisions), and a balanced multinomial
logistic regression telling the codes apart on the rows that have one (so the codes' boundary
is not learnt against, say, the other speaker's turns); a code's score is P(any) x
P(code | any). Other codes get a binary SVM each, and groups without "none" rows one multi-class
SVM: balanced class weights keep a rare code from being drowned by the frequent one; per-class
offsets chosen for kappa on 3-fold out-of-fold decision values take back part of their
over-prediction of rare codes; scores are Platt-calibrated on the same decisions (one sigmoid
per head, so the calibration keeps the ranking of codes), so 0.7 means about "seven in ten such
suggestions were right" in the training data. The heads, their fitting on two threads and
their calibration are in ``linear_heads.py``. Stored as plain arrays and
vocabularies (msgpack), never pickled: opening someone's project must not run their code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from app.nlp.linear_fit import Stack
from app.nlp.linear_heads import (
    NONE,
    Head,
    calibrated_head,
    codebook_keys,
    fit_heads,
    guid_classes,
    head_targets,
)
from app.nlp.model import Candidate, TrainingCancelled
from app.nlp.ngrams import CharNgrams, Tokens, WordNgrams, tfidf

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from app.nlp.dense_head import DenseModel
    from app.nlp.linear_score import CandidateRows
    from app.nlp.lsa_head import LsaHead

ARCHITECTURE = "tfidf_svm"
FORMAT = 7  # 5: stacked transcript context instead of the transcript's words; offsets
#            6: factorised group heads (P(any code) x P(code | any))
#            7: a factorised head's code part is a logistic regression (softmax); no stacking
#: Formats this version scores: a format-6 model's heads are SVMs (no ``softmax`` flag) and its
#: stack is stored with it, so it keeps working until it is trained again.
READS = (6, 7)
#: Each turn is featurised once (word 1-3-grams, character 1-5-grams inside word boundaries);
#: the candidate's row holds the turn and its neighbours in separate feature spaces:
#: (name shown in reasons, which turn, weight). The weights were chosen on AnnoMI's training
#: sessions (the turn after helps little, the turn before the previous one helps client talk).
CONTEXT = (
    ("", "own", 1.0),
    ("previous turn", "prev", 1.0),
    ("turn before that", "prev2", 0.5),
    ("next turn", "next", 0.3),
)
WORDS, CHARS = 3, (1, 5)
#: The transcript's other turns, through the first-stage model's mean decision values
#: (``linear_fit.Stack``): its topic and the client's overall stance, in a few columns. Chosen
#: on inner splits of AnnoMI's training sessions in s12 (weight 1 beat 0.5 and 2 on client
#: talk); 0 (off) since s17, when the factorised heads' code part became a logistic regression
#: (``linear_heads.CODE_LR``): without the first stage, on 13 fresh inner splits (salt 200)
#: +0.002 / +0.011 kappa (therapist / client), on the 13 the stack was chosen on (salt 100)
#: -0.001 / +0.001, with one stage of fits instead of two (benchmarks/RESULTS.md, s17). Models
#: stored with the stack still read it. Centring the columns lost about 0.03 client kappa.
STACK_WEIGHT = 0.0
STACK_CENTER = False
#: Exclusive groups with a "none of them" class get factorised heads (``linear_heads``): on
#: inner splits of AnnoMI's training sessions (8 splits) client-talk kappa +0.009 mean, better
#: on 6 of 8; therapist talk +0.002 (benchmarks/RESULTS.md, suggester-quality, s13).
FACTORISE = True
#: A latent-semantic head (``lsa_head``) fused with the SVMs' scores (False: none).
LSA = True
#: Word n-grams of the whole transcript on every row (0: left out; the stacked context replaces
#: them: three times fewer non-zeros per row, and a transcript-length-free row).
TRANSCRIPT_WEIGHT = 0.0
#: ... its most telling words only (0: all).
TRANSCRIPT_TOP = 0
ROLE_NAMES = ("therapist", "client", "interviewer", "other", "none")
Progress = Callable[[float, str], None]


def _block_texts(cands: Sequence[Candidate], which: str) -> list[str]:
    """Each candidate's text in one context block; a missing context turn (no previous or next
    speaker) is the empty text."""
    if which == "own":
        return [c.text for c in cands]
    if which == "prev":
        return [c.prev_text if c.prev_role else "" for c in cands]
    if which == "prev2":
        return [c.prev2_text if c.prev_role else "" for c in cands]
    return [c.next_text if c.next_role else "" for c in cands]


def context_ids(
    cands: Sequence[Candidate], distinct: dict[str, int], blocks: Sequence[str] | None = None
) -> list[np.ndarray]:
    """Per context block (``blocks``; default every ``CONTEXT`` block, in its order), each
    candidate's text in that block as an index into ``distinct`` (text -> index, extended in
    place). One comprehension per block: a suggestion pass does this for every turn."""
    add = distinct.setdefault
    if blocks is None:
        blocks = [which for _name, which, _w in CONTEXT]
    return [
        np.array([add(t, len(distinct)) for t in _block_texts(cands, which)], np.int64)
        for which in blocks
    ]


def _top_terms(x: csr_matrix, top: int) -> csr_matrix:
    """Each row's ``top`` largest values (a transcript's most telling words), re-normalised:
    a long transcript's thousands of words would make every row of it dense."""
    if top <= 0:
        return x
    x = x.tocsr()
    x.sort_indices()  # equal values: the lower column wins, however the rows were computed
    for i in range(x.shape[0]):
        lo, hi = x.indptr[i], x.indptr[i + 1]
        if hi - lo > top:
            vals = x.data[lo:hi]
            vals[np.argsort(-vals, kind="stable")[top:]] = 0.0
            norm = float(np.sqrt(np.square(vals).sum()))
            if norm > 0:
                vals /= norm
    x.eliminate_zeros()
    return x


_ROLE_COL = {name: j for j, name in enumerate(ROLE_NAMES)}


def _roles(cands: Sequence[Candidate]) -> csr_matrix:
    """Indicators of the speaker's role, the previous and the next speaker's (an unknown
    speaker role counts as "other"; a neighbour's unknown role, or no neighbour, as "none")."""
    from scipy.sparse import csr_matrix

    n, k = len(cands), len(ROLE_NAMES)
    get, other, none = _ROLE_COL.get, _ROLE_COL["other"], _ROLE_COL["none"]
    cols = np.empty((n, 3), dtype=np.int32)
    cols[:, 0] = [get(c.role or "", other) for c in cands]
    cols[:, 1] = [get(c.prev_role or "", none) for c in cands]
    cols[:, 2] = [get(c.next_role or "", none) for c in cands]
    cols += np.array([0, k, 2 * k], dtype=np.int32)
    indptr = np.arange(0, 3 * n + 1, 3, dtype=np.int32)
    return csr_matrix((np.ones(3 * n, np.float32), cols.ravel(), indptr), shape=(n, 3 * k))


class Features:
    """TF-IDF word and character n-grams of the turn and its context, plus roles (the optional
    sentence embeddings are not columns here: they have a head of their own, ``dense_head``)."""

    def __init__(self, words: WordNgrams, chars: CharNgrams) -> None:
        self.words = words
        self.chars = chars
        #: The transcript's words on every row, at this weight (0: none).
        self.transcript_weight = TRANSCRIPT_WEIGHT
        self.transcript_top = TRANSCRIPT_TOP
        #: The stacked transcript context (set by ``train_linear``; None while it fits it).
        self.stack: Stack | None = None
        self.turn_width = 0  # set by ``fit`` (training only)

    @property
    def turn_size(self) -> int:
        return self.words.size + self.chars.size

    @staticmethod
    def fit(cands: Sequence[Candidate]) -> tuple[Features, csr_matrix]:
        min_df = 2 if len(cands) >= 50 else 1
        texts = [c.text for c in cands]
        if not any(t.strip() for t in texts):
            texts = [*texts[:-1], "."] if texts else ["."]
        tokens = Tokens.of(texts)
        words, _w = WordNgrams.fit(tokens, WORDS, min_df)
        chars, _c = CharNgrams.fit(tokens, *CHARS, min_df)
        # The optional sentence embeddings are not columns here: they have a head of their own
        # (``dense_head``), fused with this model's scores.
        features = Features(words, chars)
        x = features.transform(cands)
        # The turn-level columns come first (context turns, roles): the stacked context's first
        # stage reads only them.
        features.turn_width = x.shape[1] - (words.size if features.transcript_weight > 0 else 0)
        return features, x

    def transform(
        self,
        cands: Sequence[Candidate],
        known: dict[str, np.ndarray] | None = None,
    ) -> csr_matrix:
        """Rows for the candidates. Each distinct text is analysed once: a turn is also its
        neighbours' context, and turns such as "Mm-hmm." recur. ``known``: token hashes of
        texts the caller has tokenised already (the suggestion pass has)."""
        from scipy.sparse import hstack

        distinct: dict[str, int] = {"": 0}
        ids = context_ids(cands, distinct)
        index = {which: ids[b] for b, (_name, which, _w) in enumerate(CONTEXT)}
        tokens = Tokens.of(list(distinct), known)
        word_counts = self.words.counts(tokens)
        turn = hstack(
            [
                tfidf(word_counts, self.words.idf, unique=True),
                tfidf(self.chars.counts(tokens), self.chars.idf, unique=True),
            ],
            format="csr",
            dtype=np.float32,
        )
        blocks = [turn[index[which]] * weight for _name, which, weight in CONTEXT]
        blocks.append(_roles(cands))
        # The turn-level columns; then the transcript's: its words, the stacked context.
        x = hstack(blocks, format="csr", dtype=np.float32)
        wide = [x]
        if self.transcript_weight > 0:
            wide.append(self._transcript_words(cands, word_counts[index["own"]]))
        if self.stack is not None:
            keys = np.array([c.transcript for c in cands], np.int64)
            wide.append(self.stack.block(self.stack.decision(x), keys))
        return x if len(wide) == 1 else hstack(wide, format="csr", dtype=np.float32)

    def _transcript_words(self, cands: Sequence[Candidate], own_counts: csr_matrix) -> csr_matrix:
        """The transcript's words: the summed word counts of its candidates' own turns."""
        from scipy.sparse import csr_matrix

        keys = np.array([c.transcript for c in cands], np.int64)
        known_rows = np.flatnonzero(keys >= 0)
        uniq, doc_of = np.unique(keys[known_rows], return_inverse=True)
        member = csr_matrix(
            (np.ones(len(known_rows), np.float32), (doc_of.ravel(), known_rows)),
            shape=(len(uniq), len(cands)),
        )
        docs = tfidf(member @ own_counts, self.words.idf, unique=True)
        docs = _top_terms(docs, self.transcript_top)
        pick = csr_matrix(
            (np.ones(len(known_rows), np.float32), (known_rows, doc_of.ravel())),
            shape=(len(cands), len(uniq)),
        )
        return (pick @ docs) * self.transcript_weight

    def describe(self, col: int) -> str | None:
        """The words of a column, quoted, with the turn they come from; None for characters,
        the transcript and roles (not shown in reasons)."""
        size = self.turn_size
        block, within = divmod(int(col), size)
        if block >= len(CONTEXT) or within >= self.words.size:
            return None
        name = CONTEXT[block][0]
        return f'"{self.words.names[within]}"' + (f" ({name})" if name else "")

    def to_data(self) -> dict[str, Any]:
        return {
            "words": self.words.to_data(),
            "chars": self.chars.to_data(),
            "stack": None if self.stack is None else self.stack.to_data(),
            "transcript_weight": self.transcript_weight,
            "transcript_top": self.transcript_top,
        }

    @staticmethod
    def from_data(data: dict[str, Any]) -> Features:
        features = Features(
            WordNgrams.from_data(data["words"]), CharNgrams.from_data(data["chars"])
        )
        features.transcript_weight = float(data.get("transcript_weight", 0.0))
        features.transcript_top = int(data.get("transcript_top", 0))
        if data.get("stack") is not None:
            features.stack = Stack.from_data(data["stack"])
        return features


@dataclass
class LinearModel:
    """The trained default model: features, one head per exclusive group or free code."""

    features: Features
    heads: list[Head]
    labels: list[str]
    exclusive_groups: list[list[str]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    #: The sentence-embedding head (optional ``[embeddings]``), fused with the scores.
    dense: DenseModel | None = None
    #: The latent-semantic head (``lsa_head``), fused with the SVMs' scores first.
    lsa: LsaHead | None = None

    @property
    def architecture(self) -> str:
        return ARCHITECTURE

    def score_matrix(self, cands: Sequence[Candidate]) -> np.ndarray:
        """(n x labels) calibrated scores in ``self.labels`` order."""
        return self.score_candidates(cands)[0]

    def score_candidates(
        self, cands: Sequence[Candidate], known: dict[str, np.ndarray] | None = None
    ) -> tuple[np.ndarray, CandidateRows]:
        """Scores of the candidates, and their rows by reference (for ``CandidateRows.explain``);
        ``known``: token hashes of texts the caller has tokenised already (the suggestion pass
        has). Never builds the full feature rows (``linear_score``). The latent-semantic and
        the embedding heads' scores are fused in (``fused``)."""
        from app.nlp.linear_score import CandidateRows

        rows = CandidateRows(self, cands, known)
        return self.fused(rows.scores(), cands, rows), rows

    def fused(
        self, scores: np.ndarray, cands: Sequence[Candidate], rows: CandidateRows | None = None
    ) -> np.ndarray:
        """The SVMs' scores of ``cands`` with the latent-semantic head's averaged in, then the
        embedding head's (each if trained); ``rows``: the candidates' ``CandidateRows``, whose
        counts the latent-semantic head reuses."""
        if self.lsa is not None and len(cands):
            from app.nlp.lsa_head import lsa_scores

            dense = lsa_scores(self.lsa, self.features, cands, self.labels, rows)
            scores = self.lsa.fuse(scores, dense)
        return scores if self.dense is None else self.dense.fuse(scores, cands, self.labels)

    def score_features(self, x: csr_matrix) -> tuple[np.ndarray, csr_matrix]:
        """Scores of full feature rows (``Features.transform``), and the rows (for
        ``explain_rows``): the reference the faster ``score_candidates`` is tested against."""
        from app.nlp.linear_score import place

        return place(self, [head.probabilities(x) for head in self.heads]), x

    def predict(self, cands: Sequence[Candidate]) -> list[dict[str, float]]:
        matrix = self.score_matrix(cands)
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in matrix]

    def explain_many(self, items: Sequence[tuple[Candidate, str]], top: int = 3) -> list[str]:
        """Per (candidate, code): the words whose weight x TF-IDF pushed most toward the code."""
        if not items:
            return []
        from app.nlp.linear_score import CandidateRows

        rows = CandidateRows(self, [c for c, _g in items])
        return rows.explain(range(len(items)), [g for _c, g in items], top)

    def explain_rows(self, x: csr_matrix, labels: Sequence[str], top: int = 3) -> list[str]:
        """``explain_many`` for feature rows already computed (row k explains ``labels[k]``)."""
        x = x.tocsr()
        items = list(enumerate(labels))
        head_of: dict[str, tuple[Head, int]] = {}
        for head in self.heads:
            for j, cls in enumerate(head.classes):
                if cls != NONE and (not head.binary or j == 1):
                    head_of[cls] = (head, 0 if head.binary else j)
        out = []
        for row, label in items:
            found = head_of.get(label)
            if found is None:
                out.append("")
                continue
            head, j = found
            lo, hi = x.indptr[row], x.indptr[row + 1]
            cols, vals = x.indices[lo:hi], x.data[lo:hi]
            weight = vals * head.coef[j, cols]
            parts: list[str] = []
            for k in np.argsort(-weight, kind="stable"):  # equal weights: column order
                if weight[k] <= 0 or len(parts) >= top:
                    break
                shown = self.features.describe(int(cols[k]))
                if shown is not None:
                    parts.append(shown)
            out.append("model: " + ", ".join(parts) if parts else "model: overall wording")
        return out

    def to_bytes(self) -> bytes:
        import srsly

        return bytes(
            srsly.msgpack_dumps(
                {
                    "format": FORMAT,
                    "architecture": ARCHITECTURE,
                    "features": self.features.to_data(),
                    "dense": None if self.dense is None else self.dense.to_data(),
                    "lsa": None if self.lsa is None else self.lsa.to_data(),
                    "heads": [h.to_data() for h in self.heads],
                    "labels": self.labels,
                    "exclusive_groups": self.exclusive_groups,
                    "meta": self.meta,
                }
            )
        )

    @staticmethod
    def from_payload(payload: dict[str, Any]) -> LinearModel:
        from app.nlp.dense_head import DenseModel
        from app.nlp.lsa_head import LsaHead

        if payload.get("embeddings"):  # embeddings as SVM columns: an earlier layout
            raise ValueError(
                "the stored suggester model uses an earlier layout of the sentence embeddings: "
                "train it again (suggest train)"
            )
        dense, lsa = payload.get("dense"), payload.get("lsa")
        return LinearModel(
            features=Features.from_data(payload["features"]),
            heads=[Head.from_data(h) for h in payload["heads"]],
            labels=list(payload["labels"]),
            exclusive_groups=[list(g) for g in payload["exclusive_groups"]],
            meta=dict(payload["meta"]),
            dense=None if dense is None else DenseModel.from_data(dense),
            lsa=None if lsa is None else LsaHead.from_data(lsa),
        )


def train_linear(
    examples: Sequence[tuple[Candidate, dict[str, float]]],
    labels: Sequence[str],
    groups: Iterable[Sequence[str]],
    *,
    c: float = 0.3,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LinearModel:
    """Fit the features and one head per exclusive group / free code (see the module doc).
    The heads are fitted with the codes in the codebook's order, not their GUIDs'
    (``linear_heads.codebook_keys``); the model names them by GUID."""
    from app.nlp.lsa_head import train_lsa
    from app.nlp.model import exclusive_groups_from

    if not labels:
        raise ValueError("nothing to train: no codes chosen")
    if not any(v >= 0.5 for _c, cats in examples for v in cats.values()):
        raise ValueError("nothing to train: the coder has no segments on these codes")
    cands = [cand for cand, _cats in examples]
    cats_list, labels, groups, guid = codebook_keys([cats for _c, cats in examples], labels, groups)
    exclusive = exclusive_groups_from(cats_list, groups)
    if progress is not None:
        progress(0.05, "features")
    features, x = Features.fit(cands)
    picked = [t for t in head_targets(cats_list, labels, exclusive) if t is not None]

    def stage(lo: float, hi: float) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        report = progress
        return lambda done, total: report(lo + (hi - lo) * done / total, f"fit {done}/{total}")

    folds = 3
    stacked = STACK_WEIGHT > 0
    turn = x[:, : features.turn_width] if stacked and features.transcript_weight > 0 else x
    first = stage(0.1, 0.5 if stacked else 0.95)
    # The first stage keeps one-vs-rest group heads (its decisions are the stacked columns, as
    # tuned); the final heads are factorised (``linear_heads``).
    fitted = fit_heads(turn, picked, c, folds, cancelled, first, FACTORISE and not stacked)
    if fitted and stacked:
        # The stacked transcript context (linear_fit.py): out-of-fold decisions where the
        # rows have them, the final first-stage model's elsewhere.
        stack = Stack(
            np.vstack([np.asarray(f.model.coef_) for f in fitted]),
            np.concatenate([np.ravel(f.model.intercept_) for f in fitted]),
            STACK_WEIGHT,
        )
        dec = stack.decision(turn)
        col = 0
        for (head_rows, _y, _w), f in zip(picked, fitted, strict=True):
            width = f.oof.shape[1]
            dec[head_rows[f.valid], col : col + width] = f.oof[f.valid]
            col += width
        from scipy.sparse import hstack

        keys = np.array([cand.transcript for cand in cands], np.int64)
        if STACK_CENTER:
            stack.fit_center(dec, keys)
        x = hstack([x, stack.block(dec, keys)], format="csr", dtype=np.float32)
        features.stack = stack
        fitted = fit_heads(x, picked, c, folds, cancelled, stage(0.5, 0.95), FACTORISE)
    heads = [calibrated_head(f, y) for f, (_r, y, _w) in zip(fitted, picked, strict=True)]
    if progress is not None:
        progress(0.96, "semantic head")
    if cancelled is not None and cancelled():
        raise TrainingCancelled()
    lsa = train_lsa(features, cands, picked) if LSA else None
    if progress is not None:
        progress(1.0, "trained")
    meta = {
        "architecture": ARCHITECTURE,
        "c": c,
        "n_examples": len(examples),
        "n_features": int(x.shape[1]),
        "embeddings": None,  # the encoder's id when an embedding head is added (model.train)
        "lsa_dim": 0 if lsa is None else int(lsa.words.shape[1]),
        "n_positive": sum(1 for cats in cats_list if any(v >= 0.5 for v in cats.values())),
    }
    for head in heads:
        head.classes = guid_classes(head.classes, guid)
    for dense in [] if lsa is None else lsa.heads:
        dense.classes = guid_classes(dense.classes, guid)
    named = [[guid[k] for k in grp] for grp in exclusive]
    return LinearModel(features, heads, [guid[k] for k in labels], named, meta, lsa=lsa)
