"""The trainable suggester: a spaCy ``textcat_multilabel`` over utterances and sentences.

Context matters for process codes (a reflection answers what the client just said; change talk
often follows a question about change), so the default architecture (``context_bow``, see
``context_bow.py``) learns n-grams of the speaker role, the candidate's own words and the previous
turn's words; it needs no pretrained vectors (nothing to download). ``plain_bow`` (spaCy's
TextCatBOW on the candidate alone) is kept as the baseline the benchmark compares against.

Codes that a coder never applies together (one ``--code-columns`` group, say) form an *exclusive
group*; rare codes in such a group are oversampled so that the top code per utterance is not
always the majority one (macro-F1 rewards every code, not just the frequent one).
The trained pipeline is serialised to bytes so the project file can carry it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

FORMAT_VERSION = 2  # 2: length markers among the context features
Progress = Callable[[float, str], None]


class TrainingCancelled(Exception):
    """Raised inside training when the caller asked to stop."""


@dataclass(frozen=True)
class Candidate:
    """A passage to score: its text, its speaker's role and its context in the transcript.

    All turns of an imported transcript are known when suggestions are made, so the turn after
    and the transcript itself (``transcript``: any id shared by the candidates of one transcript,
    -1 unknown) are context as legitimate as the turn before.
    """

    text: str
    role: str = "other"
    prev_text: str = ""
    prev_role: str | None = None
    next_text: str = ""
    next_role: str | None = None
    prev2_text: str = ""
    transcript: int = -1


@dataclass(frozen=True)
class TrainConfig:
    """Choices that were tuned on AnnoMI (benchmarks/bench_suggest.py) to fit a 2-core laptop."""

    architecture: str = "tfidf_svm"  # see linear.py; "context_bow" and "plain_bow": spaCy
    ngram_size: int = 2
    epochs: int | None = None  # None: enough passes for small projects, 2 for large ones
    learn_rate: float = 0.001
    batch_size: int = 32
    max_oversample: int = 6
    seed: int = 0
    svm_c: float = 0.3  # tfidf_svm: the SVMs' C (tuned on AnnoMI)


@dataclass
class TrainedModel:
    """A trained textcat pipeline plus what is needed to use it well."""

    nlp: Language
    labels: list[str]
    exclusive_groups: list[list[str]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def architecture(self) -> str:
        return str(self.meta.get("architecture", "context_bow"))

    @property
    def ngram_size(self) -> int:
        return int(self.meta.get("ngram_size", 2))

    def predict(
        self, candidates: Sequence[Candidate], batch_size: int = 512
    ) -> list[dict[str, float]]:
        """Scores in [0, 1] per label for each candidate, in order."""
        if self.architecture == "context_bow":
            return self.label_scores(
                self.score_sequences([sequence_of(self.nlp, c) for c in candidates])
            )
        docs = (self.nlp.make_doc(c.text) for c in candidates)
        return [
            {label: float(doc.cats.get(label, 0.0)) for label in self.labels}
            for doc in self.nlp.pipe(docs, batch_size=batch_size)
        ]

    def score_sequences(self, seqs: Sequence[np.ndarray]) -> np.ndarray:
        """Fast path of a suggestion pass: feature arrays in, (n x labels) scores out."""
        from app.nlp.context_bow import score_sequences

        textcat = self.nlp.get_pipe("textcat_multilabel")
        scores = score_sequences(textcat.model, seqs, self.ngram_size)  # type: ignore[attr-defined]
        order = [list(textcat.labels).index(label) for label in self.labels]  # type: ignore[attr-defined]
        return scores[:, order] if len(scores) else scores

    def score_flat(self, flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Like ``score_sequences`` for sequences given as one array and their lengths."""
        from app.nlp.context_bow import score_flat

        textcat = self.nlp.get_pipe("textcat_multilabel")
        scores = score_flat(textcat.model, flat, lengths, self.ngram_size)  # type: ignore[attr-defined]
        order = [list(textcat.labels).index(label) for label in self.labels]  # type: ignore[attr-defined]
        return scores[:, order] if len(scores) else scores

    def label_scores(self, matrix: np.ndarray) -> list[dict[str, float]]:
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in matrix]

    def to_bytes(self) -> bytes:
        import srsly

        return bytes(
            srsly.msgpack_dumps(
                {
                    "format": FORMAT_VERSION,
                    "config": self.nlp.config.to_str(),
                    "weights": self.nlp.to_bytes(),
                    "labels": self.labels,
                    "exclusive_groups": self.exclusive_groups,
                    "meta": self.meta,
                }
            )
        )

    @staticmethod
    def from_bytes(data: bytes) -> TrainedModel:
        """The stored model (the default ``LinearModel``, or a spaCy ``TrainedModel``)."""
        import srsly
        from spacy.util import load_model_from_config
        from thinc.api import Config

        from app.nlp.context_bow import register

        payload = srsly.msgpack_loads(data)
        if payload.get("architecture") == "tfidf_svm":
            from app.nlp.linear import FORMAT, READS, LinearModel

            if payload.get("format") not in READS:
                raise ValueError(
                    f"the stored suggester model has format {payload.get('format')}, this "
                    f"version reads format {FORMAT}: train it again (suggest train)"
                )
            return LinearModel.from_payload(payload)  # type: ignore[return-value]
        register()
        if payload.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"the stored suggester model has format {payload.get('format')}, this version "
                f"reads format {FORMAT_VERSION}: train it again (suggest train)"
            )
        nlp = load_model_from_config(Config().from_str(payload["config"]), auto_fill=True)
        nlp.from_bytes(payload["weights"])
        return TrainedModel(
            nlp=nlp,
            labels=list(payload["labels"]),
            exclusive_groups=[list(g) for g in payload["exclusive_groups"]],
            meta=dict(payload["meta"]),
        )


def sequence_of(nlp: Language, candidate: Candidate) -> np.ndarray:
    """The context feature sequence of a candidate (tokenising its text and previous turn)."""
    from app.nlp.context_bow import context_sequence, lower_array

    own = lower_array(nlp.make_doc(candidate.text))
    prev = lower_array(nlp.make_doc(candidate.prev_text)) if candidate.prev_role else None
    return context_sequence(own, candidate.role, prev, candidate.prev_role)


def example_doc(nlp: Language, candidate: Candidate, architecture: str) -> Doc:
    """The Doc a training example is made of (context attached for ``context_bow``)."""
    from app.nlp.context_bow import SEQ_KEY, context_sequence, lower_array

    doc = nlp.make_doc(candidate.text)
    if architecture == "context_bow":
        prev = lower_array(nlp.make_doc(candidate.prev_text)) if candidate.prev_role else None
        doc.user_data[SEQ_KEY] = context_sequence(
            lower_array(doc), candidate.role, prev, candidate.prev_role
        )
    return doc


def _model_config(config: TrainConfig) -> dict[str, Any]:
    if config.architecture == "context_bow":
        from app.nlp.context_bow import ARCHITECTURE, register

        register()
        return {"@architectures": ARCHITECTURE, "ngram_size": config.ngram_size}
    if config.architecture == "plain_bow":
        return {
            "@architectures": "spacy.TextCatBOW.v3",
            "exclusive_classes": False,
            "ngram_size": config.ngram_size,
            "no_output_layer": False,
        }
    raise ValueError(f"unknown suggester architecture '{config.architecture}'")


def exclusive_groups_from(
    examples: Iterable[dict[str, float]], groups: Iterable[Sequence[str]]
) -> list[list[str]]:
    """Keep the candidate groups (e.g. sibling codes) whose codes never co-occur in the data."""
    rows = [frozenset(k for k, v in cats.items() if v >= 0.5) for cats in examples]
    out = []
    for group in groups:
        members = set(group)
        if len(members) < 2:
            continue
        if all(len(row & members) <= 1 for row in rows) and any(row & members for row in rows):
            out.append(list(group))
    return out


def _oversample_factors(
    examples: Sequence[dict[str, float]], groups: list[list[str]], cap: int
) -> list[int]:
    counts: Counter[str] = Counter(k for cats in examples for k, v in cats.items() if v >= 0.5)
    factor_of: dict[str, int] = {}
    for group in groups:
        top = max((counts[g] for g in group), default=0)
        for label in group:
            if counts[label]:
                factor_of[label] = max(1, min(cap, round(top / counts[label])))
    return [
        max([factor_of.get(k, 1) for k, v in cats.items() if v >= 0.5], default=1)
        for cats in examples
    ]


def auto_epochs(n_examples: int) -> int:
    """About 20,000 example updates, between 2 and 12 passes (tuned on AnnoMI and tiny sets)."""
    return max(2, min(12, 20000 // max(1, n_examples)))


def train(
    examples: Sequence[tuple[Candidate, dict[str, float]]],
    labels: Sequence[str],
    *,
    groups: Iterable[Sequence[str]] = (),
    config: TrainConfig | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> TrainedModel:
    """Train a multilabel text classifier; ``cats`` may name only some labels (others unknown).

    A rejected suggestion is an example whose ``cats`` holds 0.0 for the rejected code only.
    """
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch
    from thinc.api import Adam

    config = config or TrainConfig()
    if config.architecture == "tfidf_svm":
        from app.nlp.dense_head import train_dense
        from app.nlp.linear import train_linear

        linear = train_linear(
            examples, labels, groups, c=config.svm_c, progress=progress, cancelled=cancelled
        )
        # With the optional [embeddings]: a head on sentence embeddings, fused with its scores.
        linear.dense = train_dense(
            [cand for cand, _cats in examples],
            [cats for _cand, cats in examples],
            labels,
            linear.exclusive_groups,
            progress=progress,
            cancelled=cancelled,
        )
        if linear.dense is not None:
            linear.meta["embeddings"] = linear.dense.encoder_id
        return linear  # type: ignore[return-value]
    if not labels:
        raise ValueError("nothing to train: no codes chosen")
    if not any(v >= 0.5 for _c, cats in examples for v in cats.values()):
        raise ValueError("nothing to train: the coder has no segments on these codes")
    fix_random_seed(config.seed)
    rnd = random.Random(config.seed)
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": _model_config(config)})
    for label in labels:
        textcat.add_label(label)  # type: ignore[attr-defined]
    cats_list = [cats for _c, cats in examples]
    exclusive = exclusive_groups_from(cats_list, groups)
    factors = _oversample_factors(cats_list, exclusive, config.max_oversample)
    train_set: list[Example] = []
    for (cand, cats), k in zip(examples, factors, strict=True):
        eg = Example.from_dict(example_doc(nlp, cand, config.architecture), {"cats": cats})
        train_set.extend([eg] * k)
    nlp.initialize(lambda: train_set[:2000])
    optimizer = Adam(learn_rate=config.learn_rate, use_averages=True, L2=0.01)
    epochs = config.epochs or auto_epochs(len(train_set))
    total = max(1, epochs * ((len(train_set) + config.batch_size - 1) // config.batch_size))
    done = 0
    for epoch in range(epochs):
        rnd.shuffle(train_set)
        losses: dict[str, float] = {}
        for batch in minibatch(train_set, size=config.batch_size):
            if cancelled is not None and cancelled():
                raise TrainingCancelled()
            nlp.update(batch, sgd=optimizer, losses=losses, drop=0.2)
            done += 1
            if progress is not None and done % 20 == 0:
                progress(done / total, f"epoch {epoch + 1}/{epochs}")
    # Averaged weights generalise better than the last step's (the data are small and noisy).
    with nlp.use_params(optimizer.averages):
        weights = nlp.to_bytes()
    nlp.from_bytes(weights)
    if progress is not None:
        progress(1.0, "trained")
    meta = {
        "architecture": config.architecture,
        "ngram_size": config.ngram_size,
        "epochs": epochs,
        "n_examples": len(examples),
        "n_positive": sum(1 for c in cats_list if any(v >= 0.5 for v in c.values())),
    }
    return TrainedModel(nlp=nlp, labels=list(labels), exclusive_groups=exclusive, meta=meta)
