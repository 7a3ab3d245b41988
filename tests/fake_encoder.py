"""A small deterministic sentence encoder for tests of the optional embeddings (no torch)."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class FakeEncoder:
    """Hashed bag of words, L2-normalised; records the texts it was asked to encode."""

    model_id = "fake-encoder/1"
    dim = 16

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        return out
