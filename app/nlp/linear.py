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
  talk), plus the words of its whole transcript (topic, the client's overall stance);
* the speaker's role, the previous and the next speaker's role.

Codes a coder never applies together (an *exclusive group*: one ``--code-columns`` column, or
siblings that never co-occur) get one multi-class SVM with a "none of them" class, with balanced
class weights so that a rare code is not drowned by the frequent one; other codes get a binary
SVM each. Scores are Platt-calibrated on 3-fold out-of-fold decision values (one sigmoid per
head, so the calibration keeps the SVMs' ranking of codes), so 0.7 means about "seven in ten
such suggestions were right" in the training data. Stored as plain arrays and
vocabularies (msgpack), never pickled: opening someone's project must not run their code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from app.nlp.model import Candidate, TrainingCancelled
from app.nlp.ngrams import CharNgrams, Tokens, WordNgrams, tfidf

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from app.nlp.linear_score import CandidateRows

ARCHITECTURE = "tfidf_svm"
FORMAT = 4  # 4: own n-gram code (ngrams.py), next turn, turn before previous, transcript
NONE = ""  # the "none of the group" class
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
#: Word n-grams of the whole transcript: its topic and the client's overall stance.
TRANSCRIPT_WEIGHT = 0.5
ROLE_NAMES = ("therapist", "client", "interviewer", "other", "none")
Progress = Callable[[float, str], None]


def _text(c: Candidate, which: str) -> str:
    if which == "own":
        return c.text
    if which == "prev":
        return c.prev_text if c.prev_role else ""
    if which == "prev2":
        return c.prev2_text if c.prev_role else ""
    return c.next_text if c.next_role else ""


def _role_col(role: str | None, default: str) -> int:
    return ROLE_NAMES.index(role if role in ROLE_NAMES else default)


def _roles(cands: Sequence[Candidate]) -> csr_matrix:
    """Indicators of the speaker's role, the previous and the next speaker's."""
    from scipy.sparse import csr_matrix

    n, k = len(cands), len(ROLE_NAMES)
    rows = np.repeat(np.arange(n), 3)
    cols = np.array(
        [
            j
            for c in cands
            for j in (
                _role_col(c.role, "other"),
                k + _role_col(c.prev_role, "none"),
                2 * k + _role_col(c.next_role, "none"),
            )
        ],
        dtype=np.int64,
    )
    return csr_matrix((np.ones(3 * n, np.float32), (rows, cols)), shape=(n, 3 * k))


class Features:
    """TF-IDF word and character n-grams of the turn and its context, plus roles.

    With the optional ``[embeddings]`` installed, a dense block of sentence embeddings
    (``app/nlp/embeddings.dense_block``) follows as the last columns; ``embedding_id`` names the
    encoder, and a model trained with it needs it to score.
    """

    def __init__(
        self, words: WordNgrams, chars: CharNgrams, embedding_id: str | None = None
    ) -> None:
        self.words = words
        self.chars = chars
        self.embedding_id = embedding_id

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
        from app.nlp import embeddings

        dense = embeddings.dense_block(cands)
        features = Features(words, chars, embeddings.model_id() if dense is not None else None)
        return features, features.transform(cands, dense=dense)

    def transform(
        self,
        cands: Sequence[Candidate],
        known: dict[str, np.ndarray] | None = None,
        dense: Any = None,
    ) -> csr_matrix:
        """Rows for the candidates. Each distinct text is analysed once: a turn is also its
        neighbours' context, and turns such as "Mm-hmm." recur. ``known``: token hashes of
        texts the caller has tokenised already (the suggestion pass has)."""
        from scipy.sparse import csr_matrix, hstack

        distinct: dict[str, int] = {"": 0}
        index = {
            which: np.array(
                [distinct.setdefault(_text(c, which), len(distinct)) for c in cands], np.int64
            )
            for _name, which, _w in CONTEXT
        }
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
        # The transcript: the summed word counts of its candidates' own turns.
        keys = np.array([c.transcript for c in cands], np.int64)
        known_rows = np.flatnonzero(keys >= 0)
        uniq, doc_of = np.unique(keys[known_rows], return_inverse=True)
        member = csr_matrix(
            (np.ones(len(known_rows), np.float32), (doc_of.ravel(), known_rows)),
            shape=(len(uniq), len(cands)),
        )
        docs = tfidf(member @ word_counts[index["own"]], self.words.idf, unique=True)
        pick = csr_matrix(
            (np.ones(len(known_rows), np.float32), (known_rows, doc_of.ravel())),
            shape=(len(cands), len(uniq)),
        )
        blocks.append((pick @ docs) * TRANSCRIPT_WEIGHT)
        blocks.append(_roles(cands))
        if self.embedding_id is not None:
            blocks.append(dense if dense is not None else self._dense(cands))
        return hstack(blocks, format="csr", dtype=np.float32)

    def _dense(self, cands: Sequence[Candidate]) -> Any:
        from app.nlp import embeddings

        dense = (
            embeddings.dense_block(cands) if embeddings.model_id() == self.embedding_id else None
        )
        if dense is None:
            raise ValueError(
                f"the stored suggester model was trained with sentence embeddings "
                f"({self.embedding_id}), which are not installed here: install "
                '"ipr-workbench[embeddings]" or train it again (suggest train)'
            )
        return dense

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
        return {"words": self.words.to_data(), "chars": self.chars.to_data()}

    @staticmethod
    def from_data(data: dict[str, Any], embedding_id: str | None = None) -> Features:
        return Features(
            WordNgrams.from_data(data["words"]), CharNgrams.from_data(data["chars"]), embedding_id
        )


@dataclass
class Head:
    """One linear SVM (a group's classes, or one code vs the rest) with Platt calibration."""

    classes: list[str]  # code GUIDs, NONE for "none of the group"
    coef: np.ndarray  # (k x features) float32; k = 1 for a binary head
    intercept: np.ndarray
    a: np.ndarray
    b: np.ndarray

    @property
    def binary(self) -> bool:
        return len(self.coef) == 1

    def decision(self, x: csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.coef.T) + self.intercept

    def probabilities(self, x: csr_matrix) -> np.ndarray:
        """(n x classes) calibrated; a group's rows are normalised to sum to 1."""
        return self.calibrated(self.decision(x))

    def calibrated(self, dec: np.ndarray) -> np.ndarray:
        """``probabilities`` from decision values (``linear_score`` computes those per block)."""
        prob = 1.0 / (1.0 + np.exp(np.clip(self.a * dec + self.b, -30, 30)))
        if self.binary:
            return np.concatenate([1.0 - prob, prob], axis=1)
        total = prob.sum(axis=1, keepdims=True)
        return prob / np.where(total > 0, total, 1.0)

    def to_data(self) -> dict[str, Any]:
        return {
            "classes": self.classes,
            "shape": list(self.coef.shape),
            "coef": self.coef.astype(np.float32).tobytes(),
            "intercept": self.intercept.astype(np.float64).tobytes(),
            "a": self.a.astype(np.float64).tobytes(),
            "b": self.b.astype(np.float64).tobytes(),
        }

    @staticmethod
    def from_data(d: dict[str, Any]) -> Head:
        shape = tuple(d["shape"])
        return Head(
            classes=list(d["classes"]),
            coef=np.frombuffer(d["coef"], dtype=np.float32).reshape(shape),
            intercept=np.frombuffer(d["intercept"], dtype=np.float64),
            a=np.frombuffer(d["a"], dtype=np.float64),
            b=np.frombuffer(d["b"], dtype=np.float64),
        )


def _svm(c: float, balanced: bool) -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c, class_weight="balanced" if balanced else None, dual=True, max_iter=4000)


def _platt(dec: np.ndarray, hit: np.ndarray) -> tuple[float, float]:
    """a, b with P(hit) = 1 / (1 + exp(a * dec + b)) (Platt 1999, his smoothed targets)."""
    from sklearn.linear_model import LogisticRegression

    n_pos, n_neg = int(hit.sum()), int((~hit).sum())
    if n_pos == 0 or n_neg == 0:
        return -1.0, 0.0
    targets = np.where(hit, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    # Smoothed targets as sample weights over a duplicated set (LogisticRegression wants 0/1).
    x = np.concatenate([dec, dec]).reshape(-1, 1)
    y = np.concatenate([np.ones(len(dec)), np.zeros(len(dec))])
    w = np.concatenate([targets, 1 - targets])
    lr = LogisticRegression(C=1e4).fit(x, y, sample_weight=w)
    return -float(lr.coef_[0, 0]), -float(lr.intercept_[0])


def fit_head(
    x: csr_matrix,
    y: np.ndarray,
    classes: list[str],
    *,
    c: float,
    folds: int = 3,
    weights: np.ndarray | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Head:
    """Fit on all rows; calibrate on ``folds`` contiguous folds' out-of-fold decisions."""
    binary = len(classes) == 2
    k = 1 if binary else len(classes)
    out_of_fold = np.zeros((len(y), k))
    bounds = np.linspace(0, len(y), folds + 1).astype(int)
    for i in range(folds):
        if cancelled is not None and cancelled():
            raise TrainingCancelled()
        test = np.zeros(len(y), dtype=bool)
        test[bounds[i] : bounds[i + 1]] = True
        if len(set(y[~test].tolist())) < len(classes):
            out_of_fold[test] = 0.0  # too few rows of a class outside this fold
            continue
        model = _svm(c, True).fit(x[~test], y[~test], sample_weight=_w(weights, ~test))
        dec = model.decision_function(x[test])
        out_of_fold[test] = dec.reshape(len(dec), -1)
    model = _svm(c, True).fit(x, y, sample_weight=weights)
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    order = list(model.classes_)
    if binary:
        a, b = _platt(out_of_fold[:, 0], y == order[1])
        return Head([order[0], order[1]], coef, intercept, np.array([a]), np.array([b]))
    # One sigmoid for all classes of the head: a per-class intercept would put the class
    # priors back that the balanced weights took out, and the top code would again be the
    # frequent one; a shared monotone map keeps the SVMs' ranking of codes.
    hits = np.stack([y == cls for cls in order], axis=1)
    a, b = _platt(out_of_fold.ravel(), hits.ravel())
    k = len(order)
    return Head([str(o) for o in order], coef, intercept, np.full(k, a), np.full(k, b))


def _target(cats: dict[str, float], members: list[str], is_group: bool) -> tuple[str, float] | None:
    """A row's class for one head and its weight (None: the row says nothing about it).

    A rejected suggestion knows only "not this code": in a group it counts, at half weight,
    as "none of them".
    """
    known = [g for g in members if g in cats]
    if not known:
        return None
    positive = [g for g in members if cats.get(g, 0.0) >= 0.5]
    if positive:
        return positive[0], 1.0
    if not is_group or len(known) == len(members):
        return NONE, 1.0
    return NONE, 0.5


def _w(weights: np.ndarray | None, mask: np.ndarray) -> np.ndarray | None:
    return None if weights is None else weights[mask]


@dataclass
class LinearModel:
    """The trained default model: features, one head per exclusive group or free code."""

    features: Features
    heads: list[Head]
    labels: list[str]
    exclusive_groups: list[list[str]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

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
        has). Never builds the full feature rows (``linear_score``)."""
        from app.nlp.linear_score import CandidateRows

        rows = CandidateRows(self, cands, known)
        return rows.scores(), rows

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
                    "embeddings": self.features.embedding_id,
                    "heads": [h.to_data() for h in self.heads],
                    "labels": self.labels,
                    "exclusive_groups": self.exclusive_groups,
                    "meta": self.meta,
                }
            )
        )

    @staticmethod
    def from_payload(payload: dict[str, Any]) -> LinearModel:
        return LinearModel(
            features=Features.from_data(payload["features"], payload.get("embeddings")),
            heads=[Head.from_data(h) for h in payload["heads"]],
            labels=list(payload["labels"]),
            exclusive_groups=[list(g) for g in payload["exclusive_groups"]],
            meta=dict(payload["meta"]),
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
    """Fit the features and one head per exclusive group / free code (see the module doc)."""
    from app.nlp.model import exclusive_groups_from

    if not labels:
        raise ValueError("nothing to train: no codes chosen")
    if not any(v >= 0.5 for _c, cats in examples for v in cats.values()):
        raise ValueError("nothing to train: the coder has no segments on these codes")
    cands = [cand for cand, _cats in examples]
    cats_list = [cats for _cand, cats in examples]
    exclusive = exclusive_groups_from(cats_list, groups)
    if progress is not None:
        progress(0.05, "features")
    features, x = Features.fit(cands)
    grouped = {g for grp in exclusive for g in grp}
    jobs: list[tuple[list[str], bool]] = [(list(g), True) for g in exclusive]
    jobs += [([g], False) for g in labels if g not in grouped]
    heads = []
    for n, (members, is_group) in enumerate(jobs):
        if cancelled is not None and cancelled():
            raise TrainingCancelled()
        rows, ys, ws = [], [], []
        for i, cats in enumerate(cats_list):
            target = _target(cats, members, is_group)
            if target is not None:
                rows.append(i)
                ys.append(target[0])
                ws.append(target[1])
        y = np.array(ys, dtype=object)
        classes = sorted(set(ys))
        if len(classes) < 2 or not any(cl != NONE for cl in classes):
            continue
        heads.append(
            fit_head(
                x[rows],
                y.astype(str),
                classes,
                c=c,
                weights=np.array(ws) if any(w != 1.0 for w in ws) else None,
                cancelled=cancelled,
            )
        )
        if progress is not None:
            progress(0.1 + 0.9 * (n + 1) / len(jobs), f"model {n + 1}/{len(jobs)}")
    meta = {
        "architecture": ARCHITECTURE,
        "c": c,
        "n_examples": len(examples),
        "n_features": int(x.shape[1]),
        "embeddings": features.embedding_id,
        "n_positive": sum(1 for cats in cats_list if any(v >= 0.5 for v in cats.values())),
    }
    return LinearModel(features, heads, list(labels), exclusive, meta)
