"""``ngrams.rows_dot``: a product of many sparse rows split over threads gives the same numbers
as one product (the suggestion pass relies on it for its scores)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import random as sparse_random

from app.nlp import ngrams


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_threaded_product_equals_one_product(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setattr(ngrams, "WORKERS", workers)
    monkeypatch.setattr(ngrams, "THREADED_ROWS", 10)
    rng = np.random.default_rng(0)
    x = sparse_random(1001, 300, density=0.05, format="csr", dtype=np.float32, random_state=1)
    right = rng.random((300, 7), dtype=np.float32)
    got = ngrams.rows_dot(x, right)
    assert got.shape == (1001, 7)
    assert np.array_equal(got, np.asarray(x @ right))  # bit for bit: rows are independent
    empty = x[:0]
    assert ngrams.rows_dot(empty, right).shape == (0, 7)
