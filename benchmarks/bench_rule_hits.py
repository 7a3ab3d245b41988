"""Rule suggestions of the four bundled schemes on AnnoMI: what fires, where, and a sample to judge.

Run:  python benchmarks/bench_rule_hits.py [--per-code 3] [--write]

AnnoMI-simple (9,699 utterances of 133 motivational-interviewing demonstrations) is imported into
a fresh project with the four bundled schemes, and the suggester's real pass (``suggest_units``:
rules only, no model) is run over it, so hits respect each code's ``speakers``/``transcripts``.
Printed:
* per code: hits, hits on each speaker role, hits on turns of more than 15 words, and a fixed-seed
  sample of hits with the reason stored with each (the pattern and the words it matched);
* the same pass with every code's scope removed, to show what the scopes keep out;
* 30 random 3RS hits (seed 16), numbered, for a person to judge. Their verdicts live in
  ``benchmarks/rule_hits_judged.tsv`` (session, utterance ordinal, code, verdict, note); ``--write``
  puts the sample with those verdicts, and the counts, in the ``## rule-hits`` section of
  RESULTS.md. A hit that has no verdict yet is shown as "not judged".
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _results import cpu_model, write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECTION = "## rule-hits"
DATA = Path(os.environ.get("IPRW_SHARED_DATA") or ROOT.parent / "shared" / "data")
ANNOMI = DATA / "annomi" / "AnnoMI-simple.csv"
JUDGED = Path(__file__).resolve().parent / "rule_hits_judged.tsv"
SCHEMES = ("3rs", "alliance", "ipr-recall", "repair-strategies")
SAMPLE_SEED = 16
SAMPLE_SIZE = 30


def build(folder: Path) -> Path:
    db = folder / "annomi.iprw"
    init = [sys.executable, "-m", "app", "init", str(db)]
    for scheme in SCHEMES:
        init += ["--scheme", scheme]
    subprocess.run(init, check=True, cwd=ROOT, capture_output=True)
    subprocess.run(
        [
            sys.executable, "-m", "app", "import", str(db), str(ANNOMI), "--map",
            "session=transcript_id,utterance=utterance_id,speaker=interlocutor,"
            "start=timestamp,text=utterance_text",
        ],
        check=True, cwd=ROOT, capture_output=True,
    )  # fmt: skip
    return db


def rule_pass(db: Path, scoped: bool = True) -> tuple[list[dict[str, Any]], int]:
    """Every rule hit as a dict (code path, session, ordinal, role, turn words, text, reason)."""
    from app.core.codebook import resolve_codes
    from app.core.project import open_project
    from app.core.suggestions import load_units
    from app.nlp.scan import suggest_units

    project = open_project(db)
    try:
        units = load_units(project)
        codes = resolve_codes(project, None)
    finally:
        project.close()
    if not scoped:
        codes = [replace(c, speakers=(), transcripts=()) for c in codes]
    path_of = {c.id: c.path for c in codes}
    found = suggest_units(units, codes, None)
    by_span = {(u.transcript_id, u.start_char): u for u in units}
    starts: dict[int, list[int]] = {}
    for u in units:
        starts.setdefault(u.transcript_id, []).append(u.start_char)
    hits = []
    import bisect

    for sug in found:
        row = starts[sug.transcript_id]
        unit = by_span[(sug.transcript_id, row[bisect.bisect_right(row, sug.start_char) - 1])]
        a, b = sug.start_char - unit.start_char, sug.end_char - unit.start_char
        hits.append(
            {
                "code": path_of[sug.code_id],
                "session": unit.session_name,
                "ordinal": unit.ordinal,
                "role": unit.role,
                "words": len(unit.text.split()),
                "text": unit.text,
                "span": unit.text[a:b],
                "prev": unit.prev_text,
                "reason": sug.reason,
            }
        )
    return hits, len(units)


def load_judged() -> dict[tuple[str, int, str], tuple[str, str]]:
    if not JUDGED.is_file():
        return {}
    out = {}
    with JUDGED.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            key = (row["session"], int(row["ordinal"]), row["code"])
            out[key] = (row["verdict"], row.get("note", ""))
    return out


def sample_3rs(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """30 hits of 3RS codes, drawn with a fixed seed (stable while the hits are)."""
    from app.io.codebook_yaml import load_scheme

    scheme = load_scheme(ROOT / "coding_schemes" / "3rs.yaml")
    tops = {c.name for c in scheme.codes}
    pool = sorted(
        (h for h in hits if h["code"].split("/", 1)[0] in tops),
        key=lambda h: (h["session"], h["ordinal"], h["code"]),
    )
    return random.Random(SAMPLE_SEED).sample(pool, min(SAMPLE_SIZE, len(pool)))


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def report(
    hits: list[dict[str, Any]], unscoped: list[dict[str, Any]], n_units: int, seconds: float
) -> tuple[str, list[dict[str, Any]]]:
    judged = load_judged()
    per_code: dict[str, list[dict[str, Any]]] = {}
    for h in hits:
        per_code.setdefault(h["code"], []).append(h)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_rule_hits.py --write` on {now}; {cpu_model()}. AnnoMI-simple "
        f"({n_units:,} utterances) with the four bundled schemes; the real suggestion pass "
        f"(rules only) took {seconds:.1f} s.",
        "",
        f"Rule hits: **{len(hits):,}** with each code's speaker/transcript scope, "
        f"{len(unscoped):,} without it. Scoped hits on a role a code excludes: "
        f"{sum(1 for h in hits if not h['allowed']):,}.",
        "",
        "| code | hits | client | therapist | turns > 15 words |",
        "|---|---:|---:|---:|---:|",
    ]
    for code in sorted(per_code):
        rows = per_code[code]
        roles = Counter(h["role"] for h in rows)
        long = sum(1 for h in rows if h["words"] > 15)
        lines.append(
            f"| {code} | {len(rows)} | {roles['client']} | {roles['therapist']} | {long} |"
        )
    sample = sample_3rs(hits)
    verdicts = [judged.get((h["session"], h["ordinal"], h["code"])) for h in sample]
    plausible = sum(1 for v in verdicts if v and v[0] == "plausible")
    done = sum(1 for v in verdicts if v)
    lines += [
        "",
        f"**Hand-judged sample**: {len(sample)} random 3RS rule hits (seed {SAMPLE_SEED}); "
        f"{done} judged, **{plausible} plausible** (a coder would want to look at it for that "
        "code). Verdicts from `benchmarks/rule_hits_judged.tsv`, by a developer reading the "
        "turn and the one before it; AnnoMI is motivational interviewing, not rupture coding, "
        "so plausible means worth a look, not a confirmed marker.",
        "",
        "| # | session/turn | code | matched | verdict |",
        "|---:|---|---|---|---|",
    ]
    for i, (h, v) in enumerate(zip(sample, verdicts, strict=True), 1):
        verdict = f"{v[0]}: {v[1]}" if v else "not judged"
        lines.append(
            f"| {i} | {h['session']}/{h['ordinal']} | {h['code'].rsplit('/', 1)[-1]} | "
            f"{_short(h['span'], 90).replace('|', '/')} | {verdict.replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n", sample


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--per-code", type=int, default=3, help="sample hits printed per code")
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args()
    if not ANNOMI.is_file():
        print(f"AnnoMI not found at {ANNOMI}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        db = build(Path(tmp))
        start = time.perf_counter()
        hits, n_units = rule_pass(db)
        seconds = time.perf_counter() - start
        unscoped, _ = rule_pass(db, scoped=False)
        from app.core.codebook import resolve_codes
        from app.core.project import open_project

        project = open_project(db)
        scope = {c.path: c for c in resolve_codes(project, None)}
        project.close()
    for h in hits:
        h["allowed"] = scope[h["code"]].applies_to(h["role"], "session")
    rnd = random.Random(SAMPLE_SEED)
    per_code: dict[str, list[dict[str, Any]]] = {}
    for h in hits:
        per_code.setdefault(h["code"], []).append(h)
    for code in sorted(per_code):
        rows = per_code[code]
        print(f"\n== {code}: {len(rows)} hits ({Counter(h['role'] for h in rows)})")
        for h in rnd.sample(rows, min(args.per_code, len(rows))):
            print(
                f"  [{h['session']}/{h['ordinal']} {h['role']}, {h['words']} words] "
                f"{_short(h['text'])}\n      why: {h['reason']}"
            )
    text, sample = report(hits, unscoped, n_units, seconds)
    print("\n== 30 random 3RS hits to judge (session, ordinal, code; previous turn first)")
    for i, h in enumerate(sample, 1):
        print(
            f"{i:2d}. {h['session']}\t{h['ordinal']}\t{h['code']}\n    before: "
            f"{_short(h['prev'], 200)}\n    turn:   {_short(h['text'], 300)}\n    "
            f"why: {h['reason']}"
        )
    print()
    print(text)
    if args.write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
