"""The trainable suggester: a spaCy ``textcat_multilabel`` over utterances and sentences.

Context matters for process codes (a reflection answers what the client just said; change talk
often follows a question about change), so each candidate is turned into one token sequence:
a role marker, the candidate's own words, then the previous turn's role and its last words with a
``p_`` prefix. The bag-of-n-grams model then learns from "who speaks" and "what was just said" as
well as from the words themselves, without any pretrained vectors (nothing to download).

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

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

PREV_TOKENS = 30
FORMAT_VERSION = 1
Progress = Callable[[float, str], None]


class TrainingCancelled(Exception):
    """Raised inside training when the caller asked to stop."""


@dataclass(frozen=True)
class Candidate:
    """A passage to score: its text, its speaker's role and the turn before it.

    ``words``/``prev_words`` are lower-cased tokens when the caller has tokenised already (a
    suggestion pass reuses the pipeline's docs rather than tokenising twice).
    """

    text: str
    role: str = "other"
    prev_text: str = ""
    prev_role: str | None = None
    words: tuple[str, ...] | None = None
    prev_words: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TrainConfig:
    """Choices that were tuned on AnnoMI (benchmarks/bench_suggest.py) to fit a 2-core laptop."""

    architecture: str = "bow"
    ngram_size: int = 2
    epochs: int | None = None  # None: enough passes for small projects, 2 for large ones
    learn_rate: float = 0.001
    batch_size: int = 32
    max_oversample: int = 6
    seed: int = 0


@dataclass
class TrainedModel:
    """A trained textcat pipeline plus what is needed to use it well."""

    nlp: Language
    labels: list[str]
    exclusive_groups: list[list[str]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def predict(
        self, candidates: Sequence[Candidate], batch_size: int = 512
    ) -> list[dict[str, float]]:
        """Scores in [0, 1] per label for each candidate, in order."""
        docs = (feature_doc(self.nlp, c) for c in candidates)
        return [
            {label: float(doc.cats.get(label, 0.0)) for label in self.labels}
            for doc in self.nlp.pipe(docs, batch_size=batch_size)
        ]

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
        import srsly
        from spacy.util import load_model_from_config
        from thinc.api import Config

        payload = srsly.msgpack_loads(data)
        if payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"suggester model format {payload.get('format')} is not supported")
        nlp = load_model_from_config(Config().from_str(payload["config"]), auto_fill=True)
        nlp.from_bytes(payload["weights"])
        return TrainedModel(
            nlp=nlp,
            labels=list(payload["labels"]),
            exclusive_groups=[list(g) for g in payload["exclusive_groups"]],
            meta=dict(payload["meta"]),
        )


def feature_words(nlp: Language, candidate: Candidate) -> list[str]:
    """The token sequence the classifier sees (role, own words, previous turn)."""
    words = [f"__role_{candidate.role}"]
    words.extend(candidate.words if candidate.words is not None else tokens(nlp, candidate.text))
    if candidate.prev_role is None:
        words.append("__first_turn")
    else:
        words.append(f"__prev_{candidate.prev_role}")
        prev = candidate.prev_words
        if prev is None:
            prev = tokens(nlp, candidate.prev_text)
        words.extend("p_" + w for w in prev[-PREV_TOKENS:])
    return words


def tokens(nlp: Language, text: str) -> tuple[str, ...]:
    """Lower-cased tokens without whitespace tokens (what the classifier's features are made of)."""
    return tuple(t.lower_ for t in nlp.tokenizer(text) if not t.is_space)


def feature_doc(nlp: Language, candidate: Candidate) -> Doc:
    from spacy.tokens import Doc

    return Doc(nlp.vocab, words=feature_words(nlp, candidate))


def _model_config(config: TrainConfig) -> dict[str, Any]:
    bow = {
        "@architectures": "spacy.TextCatBOW.v3",
        "exclusive_classes": False,
        "ngram_size": config.ngram_size,
        "no_output_layer": False,
        "length": 262144,
    }
    if config.architecture == "bow":
        return bow
    if config.architecture == "ensemble":
        return {
            "@architectures": "spacy.TextCatEnsemble.v2",
            "linear_model": bow,
            "tok2vec": {
                "@architectures": "spacy.Tok2Vec.v2",
                "embed": {
                    "@architectures": "spacy.MultiHashEmbed.v2",
                    "width": 64,
                    "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
                    "rows": [5000, 1000, 2500, 2500],
                    "include_static_vectors": False,
                },
                "encode": {
                    "@architectures": "spacy.MaxoutWindowEncoder.v2",
                    "width": 64,
                    "window_size": 1,
                    "maxout_pieces": 3,
                    "depth": 2,
                },
            },
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
        eg = Example.from_dict(feature_doc(nlp, cand), {"cats": cats})
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
