"""Done-when check of issue 6: the AnnoMI 10-annotator subset through import and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

IMPORT_MAP = (
    "transcript_id=session,utterance_id=utterance,interlocutor=speaker,"
    "timestamp=start,utterance_text=text"
)


def test_annomi_fleiss_through_cli(shared_data: Path, tmp_path: Path, cli: Any) -> None:
    project = str(tmp_path / "annomi.iprw")
    csv_path = shared_data / "annomi" / "annomi_multiannotator_subset.csv"
    assert cli("init", project).returncode == 0
    res = cli("import", project, str(csv_path), "--map", IMPORT_MAP,
              "--code-columns", "main_therapist_behaviour,client_talk_type",
              "--coder-column", "annotator_id")  # fmt: skip
    assert res.returncode == 0, res.stderr
    expected = {"main_therapist_behaviour": (0.7365, 216), "client_talk_type": (0.4669, 212)}
    for group, (fleiss, n_units) in expected.items():
        out = cli("agreement", project, "--coders", "all", "--unit", "utterance",
                  "--group", group, "--json")  # fmt: skip
        assert out.returncode == 0, out.stderr
        doc = json.loads(out.stdout)
        assert len(doc["coders"]) == 10
        assert doc["n_units"] == n_units
        assert doc["overall"]["fleiss_kappa"] == pytest.approx(fleiss, abs=0.0005)
        assert doc["overall"]["cohen_kappa"] is None  # ten coders: Cohen's kappa is undefined
        lo, hi = doc["overall"]["ci95"]["fleiss_kappa"]
        assert lo < fleiss < hi
    # Character level on the same data: every coder coded all of it, so unitizing applies.
    out = cli("agreement", project, "--coders", "0,1,2", "--unit", "char", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    unitized = doc["unitized"]
    assert unitized["length"] > 40_000  # characters of the seven transcripts
    for key in ("u_alpha", "bar_u_alpha", "cu_alpha", "alpha_U_1995"):
        assert -1.0 <= unitized[key] <= 1.0, key
    assert doc["bootstrap"]["resampled_unit"] == "utterance"
