"""Suggester benchmark: pass throughput vs bare spaCy tokenising, and quality on AnnoMI.

Throughput (spec §8: a full suggestion pass at least half the throughput of bare
``spacy.blank("en")`` tokenising the same text): a generated ~2,000-page study (3,000 characters
to a page) with the bundled 3RS codebook (its rule patterns) and a trained model; the pass
(tokenise, rules, context features, model scores, choice per code) is timed against tokenising
the same utterance texts with ``spacy.blank("en").pipe``, interleaved, best of N, in one process.
Also timed: ``run_on_project`` end to end (reading utterances, the pass, storing suggestions;
suggestions are never copied into segments).

Quality (issue 7): AnnoMI-simple imported with ``--coder gold`` and both code columns; train on
80% of the sessions, run on the other 20% (split by session with a fixed seed; seeds 0-2 are
all reported), top code per utterance within each code column: macro-F1 and Cohen's kappa on
the utterances gold labelled in that column. Baseline in the same process: spaCy's plain
TextCatBOW on the utterance alone (no role, no previous turn, no oversampling).

    python benchmarks/bench_suggest.py [--write] [--pages 2000] [--skip-quality]
        [--keep /tmp/study.iprw] [--profile]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _results import cpu_model, write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECTION = "## nlp"
ANNOMI = (
    Path(os.environ.get("IPRW_SHARED_DATA") or ROOT.parent / "shared" / "data")
    / "annomi"
    / "AnnoMI-simple.csv"
)
CHARS_PER_PAGE = 3000

WORDS = (  # noqa: SIM905 - a word list reads best as text
    "I you we it that this what how why feel think know want need try really just like "
    "mean said say going go get got time work home family mother father partner kids friend "
    "week today yesterday session talk talking talked felt hard easy better worse anxious "
    "angry sad tired worried sure maybe never always sometimes again still little lot much "
    "good bad right wrong help helped drink drinking sleep job money plan change stop start "
    "because but and so or if when then there here about with from into over after before"
).split()
STARTERS = ["I guess", "I don't know", "You never listen", "Whatever", "It sounds like", "So"]


def vocabulary() -> tuple[list[str], list[float]]:
    """Common words first, then the English lookup table's word forms, Zipf-weighted.

    A realistic spread of rare words matters: with a tiny vocabulary spaCy's tokenizer answers
    every chunk from its cache and the baseline becomes unrealistically cheap.
    """
    from app.nlp.lemmas import lemma_tables

    forms = sorted(w for w in lemma_tables()[0] if w.isalpha() and w.islower())
    random.Random(3).shuffle(forms)
    words = WORDS + forms[:30000]
    return words, [1.0 / (rank + 1) for rank in range(len(words))]


def _utterance(rnd: random.Random, vocab: tuple[list[str], list[float]]) -> str:
    sentences = []
    for _ in range(rnd.choice((1, 1, 2, 2, 3, 4))):
        words = rnd.choices(vocab[0], weights=vocab[1], k=rnd.randint(3, 18))
        if rnd.random() < 0.08:
            words = rnd.choice(STARTERS).split() + words
        sentences.append(" ".join(words).capitalize() + rnd.choice(".?.!."))
    return " ".join(sentences)


def build_study(path: Path, pages: int, seed: int = 11) -> tuple[int, int]:
    """A project of generated sessions (therapist/client turns), the 3RS codebook and a model."""
    from app.core.codebook import add_scheme
    from app.core.importing import ImportOptions, import_parsed
    from app.core.project import create_project
    from app.io.codebook_yaml import load_scheme
    from app.io.parsed import ParsedFile, ParsedTranscript, ParsedUtterance
    from app.nlp.suggester import train_from_project

    rnd = random.Random(seed)
    vocab = vocabulary()
    target = pages * CHARS_PER_PAGE
    transcripts, chars, n_utts, s = [], 0, 0, 0
    while chars < target:
        utts = []
        for i in range(300):
            who = "T" if i % 2 == 0 else "C"
            text = _utterance(rnd, vocab)
            code = ("Behaviour", "question" if text.endswith("?") else "other")
            if who == "C":
                code = ("Talk", "change" if "change" in text or "stop" in text else "neutral")
            codings = [("gold", code)] if s < 8 else []
            utts.append(ParsedUtterance(who, text, i * 5000, i * 5000 + 4000, codings=codings))
            chars += len(text) + 1
        transcripts.append(ParsedTranscript(utts, session=f"S{s:03d}", name=f"S{s:03d}"))
        n_utts += len(utts)
        s += 1
    project = create_project(path)
    add_scheme(project, load_scheme(ROOT / "coding_schemes" / "3rs.yaml"))
    import_parsed(project, ParsedFile("csv", transcripts), Path("generated.csv"), ImportOptions())
    train_from_project(project, "gold", session_names=[f"S{i:03d}" for i in range(8)])
    project.close()
    return n_utts, chars


def time_pass(project: Any, runs: int) -> dict[str, Any]:
    """Best-of-``runs`` pass time vs bare tokenising, interleaved, on one open project."""
    import spacy

    from app.core.codebook import resolve_codes
    from app.core.suggestions import load_units
    from app.nlp.suggester import load_trained, suggest_units

    units = load_units(project)
    codes = resolve_codes(project, None)
    model = load_trained(project)
    texts = [u.text for u in units]
    blank = spacy.blank("en")
    found = suggest_units(units, codes, model)  # warm-up: compiles the rule patterns
    for _doc in blank.pipe(texts, batch_size=1000):  # warm-up: the tokenizer's cache
        pass
    t_base, t_pass = float("inf"), float("inf")
    c_base, c_pass = float("inf"), float("inf")  # CPU seconds (process time) of the same runs
    for _ in range(runs):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        for _doc in blank.pipe(texts, batch_size=1000):
            pass
        t_base = min(t_base, time.perf_counter() - start)
        c_base = min(c_base, time.process_time() - cpu)
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        found = suggest_units(units, codes, model)
        t_pass = min(t_pass, time.perf_counter() - start)
        c_pass = min(c_pass, time.process_time() - cpu)
    return {
        "utterances": len(units),
        "base": t_base,
        "pass": t_pass,
        "cpu_base": c_base,
        "cpu_pass": c_pass,
        "suggestions": len(found),
        "rule": sum(1 for f in found if f.origin == "rule"),
    }


def profile_pass(project: Any) -> None:
    """Where one suggestion pass spends its CPU time (cProfile on process time, by own time)."""
    import cProfile
    import pstats

    from app.core.codebook import resolve_codes
    from app.core.suggestions import load_units
    from app.nlp.suggester import load_trained, suggest_units

    units, codes, model = load_units(project), resolve_codes(project, None), load_trained(project)
    suggest_units(units, codes, model)  # warm: rule patterns, tokenizer cache, n-gram cache
    prof = cProfile.Profile(time.process_time)
    prof.runcall(suggest_units, units, codes, model)
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def throughput(
    pages: int, runs: int, keep: Path | None = None, profile: bool = False
) -> dict[str, Any]:
    import shutil

    from app.core.project import open_project
    from app.nlp.suggester import run_on_project

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "study.iprw"
        if keep is not None and keep.is_file():  # a study built before: copied, not rebuilt
            shutil.copyfile(keep, db)
            n_utts, n_chars = _size(db)
        else:
            n_utts, n_chars = build_study(db, pages)
            if keep is not None:
                shutil.copyfile(db, keep)
        project = open_project(db)
        if profile:
            profile_pass(project)
        timed = time_pass(project, runs)
        t_base, t_pass, found_n, rule_n = (
            timed["base"],
            timed["pass"],
            timed["suggestions"],
            timed["rule"],
        )
        start, cpu = time.perf_counter(), time.process_time()
        summary = run_on_project(project)
        t_run, c_run = time.perf_counter() - start, time.process_time() - cpu
        project.close()
    return {
        "utterances": n_utts,
        "chars": n_chars,
        "pages": n_chars / CHARS_PER_PAGE,
        "base": t_base,
        "pass": t_pass,
        "run": t_run,
        "cpu_base": timed["cpu_base"],
        "cpu_pass": timed["cpu_pass"],
        "cpu_run": c_run,
        "load": os.getloadavg()[0],
        "suggestions": found_n,
        "rule": rule_n,
        "stored": summary.n_stored,
        "runs": runs,
    }


def _size(db: Path) -> tuple[int, int]:
    """Utterances and characters of a study built before."""
    from app.core.project import open_project
    from app.core.suggestions import load_units

    project = open_project(db)
    try:
        units = load_units(project)
        return len(units), sum(len(u.text) + 1 for u in units)
    finally:
        project.close()


def annomi_project(folder: Path) -> Path:
    db = folder / "annomi.iprw"
    subprocess.run([sys.executable, "-m", "app", "init", str(db)], check=True, cwd=ROOT)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "import",
            str(db),
            str(ANNOMI),
            "--map",
            "session=transcript_id,utterance=utterance_id,speaker=interlocutor,"
            "start=timestamp,text=utterance_text",
            "--code-columns",
            "main_therapist_behaviour,client_talk_type",
            "--coder",
            "gold",
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return db


def split_quality(db: Path, seeds: tuple[int, ...]) -> list[dict[str, Any]]:
    from app.core.codebook import resolve_codes
    from app.core.project import open_project
    from app.core.sessions import get_coder
    from app.core.suggestions import load_units
    from app.nlp.evaluate import evaluate_predictions
    from app.nlp.model import TrainConfig, exclusive_groups_from, train
    from app.nlp.suggester import build_examples, sibling_groups, unit_candidate

    project = open_project(db)
    gold = get_coder(project, "gold")
    codes = resolve_codes(project, None)
    units = load_units(project, coder_id=gold.id, code_ids=[c.id for c in codes])
    used = {cid for u in units for cid in u.codes}
    codes = [c for c in codes if c.id in used]
    guid_to_id = {c.guid: c.id for c in codes}
    path_of = {c.guid: c.path for c in codes}
    sessions = sorted({u.session_name for u in units}, key=lambda n: (len(n), n))
    rows = []
    for seed in seeds:
        order = list(sessions)
        random.Random(seed).shuffle(order)
        test = set(order[: round(len(order) * 0.2)])
        train_units = [u for u in units if u.session_name not in test]
        held = [u for u in units if u.session_name in test and u.text.strip()]
        examples, _ = build_examples(train_units, codes)
        groups = exclusive_groups_from((c for _e, c in examples), sibling_groups(codes))
        for name, config in (
            ("context_bow", TrainConfig(architecture="context_bow")),
            ("plain_bow", TrainConfig(architecture="plain_bow", max_oversample=1)),
        ):
            start = time.perf_counter()
            model = train(examples, list(guid_to_id), groups=sibling_groups(codes), config=config)
            seconds = time.perf_counter() - start
            scores = model.predict([unit_candidate(u) for u in held])
            result = evaluate_predictions(held, scores, guid_to_id, path_of, groups)
            rows.append(
                {"seed": seed, "model": name, "seconds": seconds, "groups": result["groups"]}
            )
            print(
                seed,
                name,
                [(g["group"], g["macro_f1"], g["cohen_kappa"]) for g in result["groups"]],
            )
    project.close()
    return rows


def annomi_throughput(db: Path, runs: int) -> dict[str, Any]:
    """The same timing on real counselling text: a model trained on all of AnnoMI + 3RS rules."""
    from app.core.codebook import add_scheme
    from app.core.project import open_project
    from app.io.codebook_yaml import load_scheme
    from app.nlp.suggester import train_from_project

    project = open_project(db)
    try:
        train_from_project(project, "gold")
        add_scheme(project, load_scheme(ROOT / "coding_schemes" / "3rs.yaml"))
        return time_pass(project, runs)
    finally:
        project.close()


def cross_validation(db: Path) -> dict[str, Any]:
    from app.core.project import open_project
    from app.nlp.evaluate import evaluate_project

    project = open_project(db)
    try:
        return evaluate_project(project, "gold", folds=5)
    finally:
        project.close()


def _group(row: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for g in row["groups"] if g["group"] == name)


def report(
    tp: dict[str, Any],
    quality: list[dict[str, Any]] | None,
    cv: dict[str, Any] | None,
    real: dict[str, Any] | None = None,
) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ratio = tp["base"] / tp["pass"]
    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_suggest.py --write` on {now}; machine: {os.cpu_count()} CPUs "
        f"(nproc), {cpu_model()}; Python {platform.python_version()}, spaCy "
        f'{__import__("spacy").__version__}; default pipeline spacy.blank("en") + sentencizer + '
        "lookup lemmatizer (no model download).",
        "",
        f"**Throughput** on a generated study: {tp['utterances']:,} utterances, {tp['chars']:,} "
        f"characters (~{tp['pages']:,.0f} pages), 3RS codebook patterns + a trained model; best "
        f"of {tp['runs']} interleaved runs; the machine is shared, so expect noise.",
        "",
        f"Load average when the runs ended: {tp['load']:.1f} on {os.cpu_count()} CPUs; CPU "
        "seconds (process time) are given beside wall seconds because the machine is shared.",
        "",
        "| what | seconds (wall) | CPU s | utterances/s | vs bare tokenising (wall) | (CPU) |",
        "|---|---:|---:|---:|---:|---:|",
        f'| `spacy.blank("en").pipe` tokenising the same texts (baseline) | {tp["base"]:.2f} | '
        f"{tp['cpu_base']:.2f} | {tp['utterances'] / tp['base']:,.0f} | 1.00 | 1.00 |",
        f"| suggestion pass: rules + context model + choice (spec bar: >= 0.50) | "
        f"{tp['pass']:.2f} | {tp['cpu_pass']:.2f} | {tp['utterances'] / tp['pass']:,.0f} | "
        f"{ratio:.2f} | {tp['cpu_base'] / tp['cpu_pass']:.2f} |",
        f"| `run_on_project`: read, pass, store {tp['stored']:,} suggestions | "
        f"{tp['run']:.2f} | {tp['cpu_run']:.2f} | {tp['utterances'] / tp['run']:,.0f} | "
        f"{tp['base'] / tp['run']:.2f} | {tp['cpu_base'] / tp['cpu_run']:.2f} |",
        "",
        f"The pass found {tp['suggestions']:,} suggestions ({tp['rule']:,} from rules). The "
        "generated text draws words Zipf-style from 30,000 English word forms (a tiny "
        "vocabulary would let the tokenizer answer everything from its cache).",
    ]
    if real:
        lines += [
            "",
            f"On real text, AnnoMI-simple ({real['utterances']:,} utterances; model trained on "
            f"all of it, 3RS patterns): bare tokenising {real['base']:.2f} s, suggestion pass "
            f"{real['pass']:.2f} s, throughput ratio **{real['base'] / real['pass']:.2f}** "
            f"({real['suggestions']:,} suggestions, {real['rule']:,} from rules).",
        ]
    if quality:
        lines += [
            "",
            "**Quality on AnnoMI-simple** (133 sessions; train on 80% of the sessions, run on the "
            "other 20%, split by session; top code per utterance within each code column, on the "
            "utterances gold labelled in it). Targets (issue 7): therapist behaviour macro-F1 >= "
            "0.70, client talk type >= 0.45; human annotators agree at kappa 0.74 and 0.47.",
            "",
            "| split seed | model | therapist macro-F1 | therapist kappa | client macro-F1 | "
            "client kappa | train s |",
            "|---:|---|---:|---:|---:|---:|---:|",
        ]
        for row in quality:
            t = _group(row, "main_therapist_behaviour")
            c = _group(row, "client_talk_type")
            lines.append(
                f"| {row['seed']} | {row['model']} | {t['macro_f1']:.3f} | {t['cohen_kappa']:.3f} "
                f"| {c['macro_f1']:.3f} | {c['cohen_kappa']:.3f} | {row['seconds']:.0f} |"
            )
        for model in ("context_bow", "plain_bow"):
            rows = [r for r in quality if r["model"] == model]
            t = sum(_group(r, "main_therapist_behaviour")["macro_f1"] for r in rows) / len(rows)
            c = sum(_group(r, "client_talk_type")["macro_f1"] for r in rows) / len(rows)
            lines.append(f"| mean | {model} | {t:.3f} | | {c:.3f} | | |")
    if cv:
        groups = {g["group"]: g for g in cv["groups"]}
        t, c = groups["main_therapist_behaviour"], groups["client_talk_type"]
        lines += [
            "",
            f"`suggest evaluate --folds 5` (5-fold by session, all {cv['n_sessions']} sessions, "
            f"{cv['seconds']:.0f} s): therapist behaviour macro-F1 {t['macro_f1']:.3f}, kappa "
            f"{t['cohen_kappa']:.3f}; client talk type macro-F1 {c['macro_f1']:.3f}, kappa "
            f"{c['cohen_kappa']:.3f}.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    ap.add_argument(
        "--keep",
        type=Path,
        help="build the study once at this path, then reuse it (delete it "
        "when the model format changes)",
    )
    ap.add_argument("--profile", action="store_true", help="print a CPU profile of one pass")
    args = ap.parse_args()
    quality = cv = real = None
    if not args.skip_quality and ANNOMI.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            db = annomi_project(Path(tmp))
            # Timed first, while the process is fresh (later work grows spaCy's vocab/caches).
            real = annomi_throughput(db, args.runs)
            print(real)
            quality = split_quality(db, (0, 1, 2))
            cv = cross_validation(db)
    tp = throughput(args.pages, args.runs, args.keep, args.profile)
    print(tp)
    text = report(tp, quality, cv, real)
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
