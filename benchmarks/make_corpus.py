"""A lab's whole archive as one project: ``--utterances`` turns (10^6 by default) in 1,000 sessions.

Run:  python benchmarks/make_corpus.py OUT.iprw [--utterances 1000000] [--sessions 1000]
      [--coded 0.1] [--coders 3] [--seed 17]

Deterministic: the same arguments give the same sessions, texts, speakers, clocks and coding
(only creation stamps and GUIDs differ). Written through the app's own import service
(``import_parsed``, codings carried with the utterances as a coded table would bring them), in
batches of sessions, so the file is exactly what a lab that imported its studies would hold:

* session lengths vary (a quarter of the mean to twice it); session ``S0000`` is the largest
  (10,000 turns, or a tenth of all turns when that is less);
* ``--coded`` of the sessions (10%: the reliability sample) are coded by ``--coders`` coders with
  the 3RS rupture markers, one marker on about one turn in four, 80% agreeing with a latent
  truth; every other session is uncoded, as most of an archive is.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.codebook import add_scheme, list_codes
from app.core.importing import ImportOptions, import_parsed
from app.core.project import create_project
from app.io.codebook_yaml import resolve_scheme
from app.io.parsed import ParsedFile, ParsedTranscript, ParsedUtterance

BATCH = 25  # sessions per import transaction
SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "to", "vi", "ne", "da", "pol", "tur", "es", "an")


def vocabulary(rng: random.Random, n: int = 5000) -> list[str]:
    words = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
                    for _ in range(n)})  # fmt: skip
    return words + ["I", "you", "we", "it", "felt", "said", "think", "okay", "really", "just"] * 40


def session_sizes(total: int, sessions: int, rng: random.Random) -> list[int]:
    largest = min(10_000, max(1, total // 10))
    rest = max(0, total - largest)
    weights = [rng.uniform(0.25, 2.0) for _ in range(sessions - 1)]
    scale = rest / sum(weights) if weights else 0
    sizes = [largest] + [max(1, int(w * scale)) for w in weights]
    sizes[-1] += total - sum(sizes)  # exact total
    return sizes


def build(out: Path, utterances: int, sessions: int, coded: float, coders: int, seed: int) -> dict:
    rng = random.Random(seed)
    words = vocabulary(rng)
    sizes = session_sizes(utterances, sessions, rng)
    n_coded = max(1, round(sessions * coded))
    coded_set = set(range(n_coded))  # S0000 (the largest) is among them: the coding benchmark
    project = create_project(out)
    add_scheme(project, resolve_scheme("3rs"))
    codes = list_codes(project)
    group = next(c for c in codes if c.name.lower().startswith("withdrawal"))
    by_id = {c.id: c for c in codes}

    def names_of(code_id: int | None) -> tuple[str, ...]:
        code = by_id.get(code_id) if code_id is not None else None
        return () if code is None else (*names_of(code.parent_id), code.name)

    markers = [names_of(c.id) for c in codes if c.parent_id == group.id and c.codable]
    names = [f"coder{j + 1}" for j in range(coders)]
    n_segments = 0
    for first in range(0, sessions, BATCH):
        parsed = ParsedFile(format="corpus")
        for k in range(first, min(sessions, first + BATCH)):
            turns: list[ParsedUtterance] = []
            ms = 0
            for i in range(sizes[k]):
                start = ms
                ms += rng.randint(2, 12) * 1000
                text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 18)))
                utt = ParsedUtterance("TC"[i % 2], text.capitalize() + ".", start, ms)
                if k in coded_set and rng.random() < 0.25:
                    truth = rng.randrange(len(markers))
                    for name in names:
                        pick = truth if rng.random() < 0.8 else rng.randrange(len(markers))
                        utt.codings.append((name, markers[pick]))
                        n_segments += 1
                turns.append(utt)
            parsed.transcripts.append(
                ParsedTranscript(turns, session=f"S{k:04d}", name=f"S{k:04d}", kind="session")
            )
        import_parsed(project, parsed, out.with_suffix(".corpus"), ImportOptions())
    project.close()
    return {
        "utterances": utterances,
        "sessions": sessions,
        "coded_sessions": n_coded,
        "segments": n_segments,
        "largest": sizes[0],
        "group": group.path,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--utterances", type=int, default=1_000_000)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--coded", type=float, default=0.1, help="share of sessions coded")
    ap.add_argument("--coders", type=int, default=3)
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out}: exists already; choose a new file")
    t0 = time.perf_counter()
    facts = build(args.out, args.utterances, args.sessions, args.coded, args.coders, args.seed)
    facts["seconds"] = round(time.perf_counter() - t0, 1)
    print(" ".join(f"{k}={v}" for k, v in facts.items()))


if __name__ == "__main__":
    main()
