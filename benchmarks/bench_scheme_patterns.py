"""How the bundled schemes' suggester patterns behave on real counselling talk (AnnoMI).

Run:  python benchmarks/bench_scheme_patterns.py [--write]

Patterns propose candidates; a coder accepts or rejects them, so a pattern that fires on a large
share of utterances costs coders time, and one that never fires is dead weight. On the 9,699
AnnoMI utterances (133 motivational-interviewing demonstrations, ../shared/data/annomi) this
script reports, through the suggester's own rule matcher:
* per scheme, how often each code's patterns fire on utterances of the speaker its examples
  name (client codes on client talk, therapist codes on therapist talk): the median and the
  noisiest codes;
* validity signals against AnnoMI's expert labels, as lift = P(label | pattern hit) / P(label):
  therapist codes that should pick out reflections or questions, and client rupture markers
  against "sustain" talk (arguing against change), plus the rate of rupture-marker hits in
  low- versus high-quality MI sessions (low-quality demos feature confrontational counselling).
AnnoMI is MI, not alliance-rupture coding: these are sanity signals, not accuracy figures.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _results import write_section

from app.core.dto import CodeSpec
from app.io.codebook_yaml import bundled_schemes, load_scheme
from app.nlp.pipeline import blank_pipeline
from app.nlp.rules import RuleMatcher

SECTION = "## codebook-patterns"
ANNOMI = Path(__file__).resolve().parents[2] / "shared" / "data" / "annomi" / "AnnoMI-simple.csv"
LIFTS = (
    ("alliance", "Alliance elements/Empathy", "therapist", "main_therapist_behaviour",
     "reflection"),
    ("3rs", "Resolution/Inviting the client to discuss the therapist or therapy", "therapist",
     "main_therapist_behaviour", "question"),
    ("repair-strategies", "Inquiry/Asking what the client wants from therapy", "therapist",
     "main_therapist_behaviour", "question"),
    ("repair-strategies", "Inquiry/Asking more or different questions", "therapist",
     "main_therapist_behaviour", "question"),
    ("3rs", "Rupture/Confrontation", "client", "client_talk_type", "sustain"),
    ("3rs", "Rupture/Withdrawal", "client", "client_talk_type", "sustain"),
)  # fmt: skip


def walk(codes: tuple[CodeSpec, ...], trail: str = "") -> Iterator[tuple[str, CodeSpec]]:
    for code in codes:
        path = f"{trail}{code.name}"
        yield path, code
        yield from walk(code.children, path + "/")


def role_of(code: CodeSpec) -> str:
    """The speaker a code is about, from its examples' prefixes ("C:" client, "T:" therapist)."""
    client = sum(e.lstrip().startswith("C") for e in code.examples)
    therapist = sum(e.lstrip().startswith("T") for e in code.examples)
    return "therapist" if therapist > client else "client"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args()
    if not ANNOMI.is_file():
        print(f"AnnoMI not found at {ANNOMI}", file=sys.stderr)
        return 1
    with ANNOMI.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    nlp = blank_pipeline()
    start = time.perf_counter()
    docs = list(nlp.pipe(r["utterance_text"] for r in rows))
    parse_s = time.perf_counter() - start

    hits: dict[tuple[str, str], set[int]] = {}
    roles: dict[tuple[str, str], str] = {}
    start = time.perf_counter()
    for scheme_name, path in bundled_schemes().items():
        scheme = load_scheme(path)
        codes = [(p, c) for p, c in walk(scheme.codes) if c.codable and c.patterns]
        matcher = RuleMatcher(nlp, {p: c.patterns for p, c in codes})
        for p, c in codes:
            hits[(scheme_name, p)] = set()
            roles[(scheme_name, p)] = role_of(c)
        for i, doc in enumerate(docs):
            for hit in matcher.match(doc):
                hits[(scheme_name, hit.code_key)].add(i)
    match_s = time.perf_counter() - start

    by_role = {
        role: {i for i, r in enumerate(rows) if r["interlocutor"] == role}
        for role in ("client", "therapist")
    }
    lines = []
    for scheme_name in bundled_schemes():
        rates = sorted(
            (len(ids & by_role[roles[key]]) / len(by_role[roles[key]]), key[1])
            for key, ids in hits.items()
            if key[0] == scheme_name
        )
        if not rates:
            continue
        median = statistics.median(r for r, _ in rates)
        noisiest = ", ".join(f"{p.rsplit('/', 1)[-1]} {r:.1%}" for r, p in rates[-2:][::-1])
        silent = sum(1 for r, _ in rates if r == 0)
        lines.append(f"| {scheme_name} | {len(rates)} | {median:.2%} | {noisiest} | {silent} |")

    lift_lines = []
    for scheme_name, prefix, role, column, label in LIFTS:
        pool = by_role[role]
        fired = (
            set().union(
                *(ids for (s, p), ids in hits.items() if s == scheme_name and p.startswith(prefix))
            )
            & pool
        )
        base = sum(rows[i][column] == label for i in pool) / len(pool)
        precision = sum(rows[i][column] == label for i in fired) / len(fired) if fired else 0.0
        lift = precision / base if base else 0.0
        lift_lines.append(
            f"| {scheme_name}: {prefix} | {role} | {label} | {len(fired)} | {precision:.1%} "
            f"| {base:.1%} | {lift:.2f} |"
        )

    rupture = set().union(
        *(ids for (s, p), ids in hits.items() if s == "3rs" and p.startswith("Rupture/"))
    )
    quality_lines = []
    for quality in ("high", "low"):
        pool = {i for i in by_role["client"] if rows[i]["mi_quality"] == quality}
        rate = len(rupture & pool) / len(pool)
        quality_lines.append(f"| {quality} | {len(pool)} | {len(rupture & pool)} | {rate:.1%} |")

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"{SECTION}\n\n"
        f"`python benchmarks/bench_scheme_patterns.py --write` on {stamp}; machine: "
        f"{os.cpu_count()} CPUs (nproc); Python {platform.python_version()}. AnnoMI-simple.csv, "
        f"{len(rows):,} utterances ({len(by_role['client']):,} client, "
        f"{len(by_role['therapist']):,} therapist); parsing {parse_s:.1f} s, matching every "
        f"scheme's patterns {match_s:.1f} s.\n\n"
        "Firing rate = share of the code's speaker's utterances on which its patterns fire.\n\n"
        "| scheme | codes with patterns | median firing rate | noisiest two | never fire |\n"
        "|---|---:|---:|---|---:|\n" + "\n".join(lines) + "\n\n"
        "Validity signals against AnnoMI's expert labels (lift > 1: hits are enriched for the "
        "label):\n\n"
        "| codes | speaker | AnnoMI label | hits | P(label given hit) | base rate | lift |\n"
        "|---|---|---|---:|---:|---:|---:|\n" + "\n".join(lift_lines) + "\n\n"
        "3RS rupture-marker hits on client utterances by the session's MI quality:\n\n"
        "| MI quality | client utterances | with a rupture-marker hit | rate |\n"
        "|---|---:|---:|---:|\n" + "\n".join(quality_lines) + "\n\n"
    )
    print(section)
    if args.write:
        write_section(SECTION, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
