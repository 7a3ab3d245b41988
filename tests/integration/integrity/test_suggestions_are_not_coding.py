"""Done when (issue 11): on the demo, ``suggest run`` changes no count and no export.

Everything goes through the real CLI (a subprocess); the counts the navigator and the codebook
panel show are read with the same core calls they make. The suggester can still be compared
with a person: agreement reads its pending and accepted suggestions at comparison time.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from app.core.codebook_stats import segment_counts
from app.core.project import open_project
from app.core.sessions import list_sessions, list_transcripts


def _snapshot(cli: Any, demo: Path, out: Path, tag: str) -> dict[str, Any]:
    info = cli("info", str(demo), "--json")
    assert info.returncode == 0, info.stderr
    csv_path, qdpx_path = out / f"{tag}.csv", out / f"{tag}.qdpx"
    for path in (csv_path, qdpx_path):
        r = cli("export", str(demo), str(path))
        assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(qdpx_path) as z:
        members = {name: z.read(name) for name in sorted(z.namelist())}
    # The export's own creation time is the only thing allowed to differ between two exports.
    qde = re.sub(rb'creationDateTime="[^"]*"', b"", members.pop("project.qde"))
    with open_project(str(demo)) as project:
        navigator = (
            [(s.name, s.n_transcripts, s.n_segments) for s in list_sessions(project)],
            [(t.name, t.n_utterances, t.n_segments) for t in list_transcripts(project)],
        )
        codebook = segment_counts(project)
    return {
        "info": json.loads(info.stdout),
        "csv": csv_path.read_bytes(),
        "qde": qde,
        "members": members,
        "navigator": navigator,
        "codebook": codebook,
    }


def test_suggest_run_changes_no_count_and_no_export(cli: Any, tmp_path: Path) -> None:
    r = cli("demo", "--no-gui", "--dir", str(tmp_path / "d"))
    assert r.returncode == 0, r.stderr
    demo = Path(r.stdout.strip())
    before = _snapshot(cli, demo, tmp_path, "before")
    # 58 text segments, 32 window ticks and 4 session ratings (resources/demo/*.yaml)
    assert before["info"]["segments"] == 94 and before["info"]["suggestions"] == 0

    r = cli("suggest", "run", str(demo))
    assert r.returncode == 0, r.stderr
    after = _snapshot(cli, demo, tmp_path, "after")

    n_suggestions = after["info"].pop("suggestions")
    assert n_suggestions > 0  # the run did store suggestions
    before["info"].pop("suggestions")
    assert after["info"] == before["info"]  # segments, coders (no "suggester"), everything else
    assert after["navigator"] == before["navigator"]
    assert after["codebook"] == before["codebook"]
    assert after["csv"] == before["csv"]
    assert after["qde"] == before["qde"]
    assert after["members"] == before["members"]
    assert b"suggester" not in after["qde"]

    # CSV keeps the suggestions on request, with status and score.
    r = cli("export", str(demo), str(tmp_path / "with.csv"), "--suggestions")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "with.csv").read_text("utf-8-sig"))))
    pending = [row for row in rows if row["status"] == "pending"]
    assert len(pending) == n_suggestions
    assert all(float(row["score"]) > 0 for row in pending)
    assert sum(row["status"] == "coded" for row in rows) == 94

    # The suggester is still compared with a person, from its suggestions.
    r = cli("agreement", str(demo), "--coders", "Ana,suggester", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["coders"] == ["Ana", "suggester"]
    assert report["n_units"] > 0 and report["overall"]["percent_agreement"] is not None
    one_code = report["per_code"]
    assert sum(c["only"]["suggester"] + c["both"] for c in one_code) > 0
    r = cli("agreement", str(demo), "--coders", "Ana,suggester", "--unit", "char", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["unitized"]["u_alpha"] is not None
