"""A fixed, seeded project whose agreement JSON is pinned (``agreement_golden.json``).

The project path of ``agreement`` (reading, unit building, matching, unitizing) was rewritten for
speed in issue 17; the golden file holds the JSON the code gave *before* that rewrite, so any
change in a number shows up.  The project mixes what the unit builders treat differently:
whole-turn and partial spans, spans across turns, a coder's overlapping same-code segments, a
coder who coded only some sessions (missing, not "none"), ratings, time segments and a session
without clock times.

Regenerate (only on purpose, after checking that a change in numbers is right):
    PYTHONPATH=. python tests/integration/agreement/golden_project.py --write
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "agreement_golden.json"
GROUP = "Rupture/Withdrawal"
CONFRONTATION = "Rupture/Confrontation"

#: (label, coders, unit, codes, group, sessions)
CASES: list[tuple[str, str, str, list[str] | None, str | None, list[str] | None]] = [
    ("all-char-group", "all", "char", None, GROUP, None),
    ("all-utterance-group", "all", "utterance", None, GROUP, None),
    ("all-window-group", "all", "window:30", None, GROUP, None),
    ("all-session-group", "all", "session", None, GROUP, None),
    ("abc-utterance-confrontation", "A,B,C", "utterance", None, CONFRONTATION, None),
    (
        "ab-char-codes",
        "A,B",
        "char",
        [
            "Rupture/Withdrawal/Denial",
            "Rupture/Withdrawal/Minimal response",
            "Rupture/Confrontation/Complaints about the therapist",
        ],
        None,
        None,
    ),
    ("ab-utterance-group", "A,B", "utterance", None, GROUP, None),
    ("ab-window-group-s1", "A,B", "window:20", None, GROUP, ["S1"]),
    ("acd-char-group-s2s3", "A,C,D", "char", None, GROUP, ["S2", "S3"]),
]


def build(target: str, tmp: Path) -> None:
    """Create the fixed project at ``target`` (a ``.iprw`` path or an empty database URL)."""
    from app.core.codebook import add_scheme, list_codes
    from app.core.coding import TextAnchor, TimeAnchor, new_segment_row
    from app.core.importing import ImportOptions, import_parsed
    from app.core.project import create_project
    from app.core.sessions import ensure_coder, list_transcripts, list_utterances
    from app.io.codebook_yaml import resolve_scheme
    from app.io.transcript_reader import ReadOptions, read_transcript_file

    rng = random.Random(17)
    project = create_project(target)
    try:
        add_scheme(project, resolve_scheme("3rs"))
        codes = list_codes(project)
        groups = [c for c in codes if c.path in (GROUP, CONFRONTATION)]
        children = [c for c in codes if c.codable and any(c.parent_id == g.id for g in groups)]
        for k, n_turns in enumerate((40, 30, 25)):
            timed = k < 2  # S3 has no clock: window and session units leave it out
            lines = []
            for i in range(n_turns):
                words = " ".join(rng.choice(("well", "no", "fine", "I", "guess", "so", "maybe",
                                             "really", "it's", "nothing")) for _ in
                                 range(rng.randint(1, 9)))  # fmt: skip
                who = "T" if i % 2 else "C"
                lines.append(f"[00:{i // 6:02d}:{i % 6 * 10:02d}] {who}: {words}" if timed
                             else f"{who}: {words}")  # fmt: skip
            src = tmp / f"golden{k}.txt"
            src.write_text("\n".join(lines) + "\n", encoding="utf-8")
            import_parsed(project, read_transcript_file(src, ReadOptions()), src,
                          ImportOptions(session=f"S{k + 1}"))  # fmt: skip
        coders = {name: ensure_coder(project, name).id for name in "ABCD"}
        plan = {"A": (0, 1, 2), "B": (0, 1), "C": (0, 1, 2), "D": (1, 2)}  # sessions coded
        transcripts = sorted(list_transcripts(project), key=lambda t: t.session_name)
        with project.transaction() as s:
            for k, t in enumerate(transcripts):
                utts = list_utterances(project, t.id)
                truth = [rng.randrange(len(children)) for _ in utts]
                for name, sessions in plan.items():
                    if k not in sessions:
                        continue
                    for i, u in enumerate(utts):
                        roll = rng.random()
                        if roll < 0.35:
                            continue
                        pick = truth[i] if rng.random() < 0.7 else rng.randrange(len(children))
                        code = children[pick]
                        a, b = u.start_char, u.end_char
                        if roll < 0.5 and b - a > 4:  # a partial span
                            a = rng.randrange(a, b - 2)
                            b = rng.randrange(a + 1, b + 1)
                        elif roll < 0.58 and i + 1 < len(utts):  # across two turns
                            b = utts[i + 1].end_char - rng.randrange(0, 3)
                        rating = rng.randint(1, 5) if code.rating and rng.random() < 0.6 else None
                        new_segment_row(s, coder_id=coders[name], code_id=code.id,
                                        anchor=TextAnchor(t.id, a, b), rating=rating)  # fmt: skip
                        if rng.random() < 0.08:  # the same code again, overlapping
                            c = max(u.start_char, a - 2)
                            again = TextAnchor(t.id, c, max(c + 1, b - 1))
                            new_segment_row(s, coder_id=coders[name], code_id=code.id,
                                            anchor=again)  # fmt: skip
                    if k < 2:  # time segments (3RS windows) on the session clock
                        for w in range(4):
                            if rng.random() < 0.7:
                                code = children[rng.randrange(len(children))]
                                start = w * 15_000 + rng.randrange(0, 5_000)
                                new_segment_row(
                                    s, coder_id=coders[name], code_id=code.id,
                                    anchor=TimeAnchor(t.session_id, start,
                                                      start + rng.randrange(2_000, 30_000)),
                                    rating=rng.randint(1, 5) if code.rating else None,
                                )  # fmt: skip
    finally:
        project.close()


def reports(target: str) -> dict[str, Any]:
    """Every case's agreement JSON, keyed by its label."""
    from app.agreement.report import agreement_report
    from app.core.project import open_project

    project = open_project(target)
    try:
        return {
            label: agreement_report(
                project, coders, unit, codes=codes, group=group, sessions=sessions
            ).to_json_dict()
            for label, coders, unit, codes, group, sessions in CASES
        }
    finally:
        project.close()


def main() -> None:
    if "--write" not in sys.argv:
        raise SystemExit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        target = str(Path(tmp) / "golden.iprw")
        build(target, Path(tmp))
        out = reports(target)
    GOLDEN.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN} ({len(out)} cases)")


if __name__ == "__main__":
    main()
