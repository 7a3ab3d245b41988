"""Cached sentence embeddings are derived data (issue #16): no count, export or copy shows them.

The demo's every turn gets a cached vector (a fake encoder: CI installs no torch); then the real
CLI's ``info``, CSV and .qdpx exports must be byte-identical to before, and ``copy``, ``split``
and a de-identified copy must carry no vector.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from app.core import embedding_cache
from app.core.project import open_project
from app.core.suggestions import load_units
from app.nlp import embeddings
from tests.fake_encoder import FakeEncoder
from tests.integration.integrity.test_suggestions_are_not_coding import _snapshot


def _vectors(path: Path) -> int:
    with sqlite3.connect(path) as con:
        return int(con.execute("SELECT count(*) FROM utterance_embedding").fetchone()[0])


def test_cached_embeddings_are_not_counted_exported_or_copied(cli: Any, tmp_path: Path) -> None:
    r = cli("demo", "--no-gui", "--dir", str(tmp_path / "d"))
    assert r.returncode == 0, r.stderr
    demo = Path(r.stdout.strip())
    before = _snapshot(cli, demo, tmp_path, "before")

    with embeddings.use_encoder(FakeEncoder()), open_project(demo) as project:
        units = [u for u in load_units(project) if u.text.strip()]
        assert embeddings.prepare(project, units) == len(units) > 100
        assert embedding_cache.count(project) == len(units)
    assert _vectors(demo) == len(units)

    after = _snapshot(cli, demo, tmp_path, "after")
    assert after["info"] == before["info"]
    assert after["navigator"] == before["navigator"]
    assert after["codebook"] == before["codebook"]
    assert after["csv"] == before["csv"]
    assert after["qde"] == before["qde"]
    assert after["members"] == before["members"]

    copied = tmp_path / "copy.iprw"
    r = cli("copy", str(demo), str(copied))
    assert r.returncode == 0, r.stderr
    assert "utterance_embedding" not in r.stdout + r.stderr  # not among the counts
    assert _vectors(copied) == 0

    r = cli("split", str(demo), "--coders", "Ana,Ben", "--dir", str(tmp_path / "split"))
    assert r.returncode == 0, r.stderr
    copies = sorted((tmp_path / "split").glob("*.iprw"))
    assert len(copies) == 2 and all(_vectors(p) == 0 for p in copies)

    from app.core.deidentify_copy import deidentified_copy

    with open_project(demo) as project, deidentified_copy(project) as (copy, _renamed):
        assert embedding_cache.count(copy) == 0
    assert _vectors(demo) == len(units)  # the project itself keeps its cache
