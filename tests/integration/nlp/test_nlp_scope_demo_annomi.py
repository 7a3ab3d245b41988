"""On the demo and on (part of) AnnoMI: no rule or model suggestion lands on a speaker role or
transcript kind its code excludes, and none repeats the coder's own coding of that passage."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.core.codebook import list_codes
from app.core.coding import list_segments
from app.core.sessions import get_coder
from app.core.suggestions import NewSuggestion, list_suggestions, load_units


def _violations(project: Any, coder: str | None) -> tuple[list[str], list[str], int]:
    """(scope violations, repeats of ``coder``'s coding, suggestions checked)."""
    codes = {c.id: c for c in list_codes(project)}
    units = load_units(project)
    segs = [s for s in list_segments(project) if s.transcript_id is not None]
    if coder is not None:
        segs = [s for s in segs if s.coder_name == coder]
    out_of_scope, repeats = [], []
    sugs = list_suggestions(project)
    for sug in sugs:
        unit = next(
            u for u in units
            if u.transcript_id == sug.transcript_id and u.start_char <= sug.start_char < u.end_char
        )  # fmt: skip
        code = codes[sug.code_id]
        if not code.applies_to(unit.role, unit.kind):
            out_of_scope.append(f"{code.path} on a {unit.role} turn ({unit.kind})")
        for seg in segs:
            if (
                seg.code_id == sug.code_id
                and seg.transcript_id == sug.transcript_id
                and seg.start_char is not None
                and seg.end_char is not None
                and seg.start_char < sug.end_char
                and seg.end_char > sug.start_char
            ):
                repeats.append(f"{code.path} repeats segment #{seg.id}")
    return out_of_scope, repeats, len(sugs)


def test_demo_suggestions_respect_scope_and_the_coders_own_coding(tmp_path: Path) -> None:
    from app.core.project import open_project
    from app.io.demo import build_demo
    from app.nlp.suggester import run_on_project, train_from_project

    project = open_project(build_demo(tmp_path))
    try:
        train_from_project(project, "Ana")
        summary = run_on_project(project, coder="Ana", min_score=0.2)
        assert summary.n_rule > 0 and summary.n_model > 0
        assert summary.n_already_coded > 0  # the unfiltered pass did repeat Ana's coding
        assert (
            summary.n_rule + summary.n_model - summary.n_already_coded - summary.n_already_decided
            == summary.n_stored
        )
        out_of_scope, repeats, n = _violations(project, "Ana")
        assert n > 0
        assert out_of_scope == [] and repeats == []
        clock = [
            s for s in list_suggestions(project)
            if s.code_path.endswith("Complaints about the parameters of therapy")
        ]  # fmt: skip
        units = load_units(project)
        for sug in clock:  # never the therapist's "You've noticed me looking at the clock."
            unit = next(u for u in units if u.start_char <= sug.start_char < u.end_char
                        and u.transcript_id == sug.transcript_id)  # fmt: skip
            assert unit.role == "client"
    finally:
        project.close()


def test_the_check_can_fail_without_scopes(tmp_path: Path) -> None:
    """Without the codes' scopes the same pass puts codes on turns they exclude."""
    from app.core.codebook import resolve_codes
    from app.core.project import open_project
    from app.io.demo import build_demo
    from app.nlp.scan import suggest_units

    project = open_project(build_demo(tmp_path))
    try:
        units = load_units(project)
        codes = resolve_codes(project, None)
        unscoped = [replace(c, speakers=(), transcripts=()) for c in codes]
        by_id = {c.id: c for c in codes}

        def wrong(found: list[NewSuggestion]) -> int:
            n = 0
            for sug in found:
                unit = next(u for u in units if u.transcript_id == sug.transcript_id
                            and u.start_char <= sug.start_char < u.end_char)  # fmt: skip
                n += not by_id[sug.code_id].applies_to(unit.role, unit.kind)
            return n

        assert wrong(suggest_units(units, unscoped, None)) > 0
        assert wrong(suggest_units(units, codes, None)) == 0
    finally:
        project.close()


def _annomi_subset(shared_data: Path, out: Path, n_sessions: int = 12) -> None:
    src = shared_data / "annomi" / "AnnoMI-simple.csv"
    with src.open(encoding="utf-8", newline="") as fh, out.open("w", encoding="utf-8") as dst:
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            if int(row["transcript_id"]) < n_sessions:
                writer.writerow(row)


def test_annomi_suggestions_respect_scope_and_the_coders_own_coding(
    tmp_path: Path, shared_data: Path, cli: Any
) -> None:
    """Gold codes half of the sessions; the 3RS rules and the model run over all of them."""
    from app.core.project import open_project
    from app.nlp.suggester import run_on_project, train_from_project

    data = tmp_path / "annomi.csv"
    _annomi_subset(shared_data, data)
    db = tmp_path / "annomi.iprw"
    assert cli("init", str(db), "--scheme", "3rs", "--scheme", "ipr-recall").returncode == 0
    r = cli(
        "import", str(db), str(data),
        "--map", "session=transcript_id,utterance=utterance_id,speaker=interlocutor,"
        "start=timestamp,text=utterance_text",
        "--code-columns", "main_therapist_behaviour,client_talk_type", "--coder", "gold",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    project = open_project(db)
    try:
        train_from_project(project, "gold", session_names=[str(i) for i in range(6)])
        get_coder(project, "gold")
        summary = run_on_project(project, coder="gold", min_score=0.2)
        assert summary.n_rule > 0 and summary.n_model > 0 and summary.n_already_coded > 0
        out_of_scope, repeats, n = _violations(project, "gold")
        assert n > 0 and out_of_scope == [] and repeats == []
    finally:
        project.close()
