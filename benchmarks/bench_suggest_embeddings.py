"""Suggester quality with the optional sentence embeddings (issue #16, ``[embeddings]``).

Run (in an environment with ``ipr-workbench[embeddings]`` installed):

    nice -n 10 python benchmarks/bench_suggest_embeddings.py --vectors /tmp/annomi-minilm.npz \
        [--seeds 13] [--write]

Same data, splits and scoring as ``bench_suggest_quality.py`` (AnnoMI-simple, split seeds 0-12,
80/20 by session, top code per code column, Cohen's kappa against gold): its functions are
imported, not copied. Models, all measured in this run on the same splits:

* ``default+embeddings``: what ``suggest train`` stores when the extra is installed (the
  TF-IDF model of ``app/nlp/linear.py`` with the embedding head of ``app/nlp/dense_head.py``
  fused in), trained and scored through the real path;
* ``default``: the same trained model scored with its embedding head removed. Its TF-IDF part
  does not depend on the embeddings, so this is the model ``suggest train`` stores without the
  extra, from the same training (its time: the total minus the embedding head's);
* ``tfidf_lr@10``: the issue's TF-IDF + logistic regression baseline.

Encoding AnnoMI's 9,699 turns takes minutes on two cores, so the vectors are computed once and
kept in ``--vectors`` (an .npz of texts and float16 vectors, exactly what the project cache
stores); the per-split training time reported is then the warm-cache time, and the cold time
(encoding every turn, as a first ``suggest train`` on the project does) is measured once and
reported beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _results import cpu_model, write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECTION = "## suggester-quality-embeddings"
TARGET = {"main_therapist_behaviour": 0.72, "client_talk_type": 0.30}


def load_vectors(path: Path) -> int:
    """Put the saved vectors into the embeddings memo; how many."""
    import numpy as np

    from app.nlp import embeddings

    if not path.is_file():
        return 0
    data = np.load(path, allow_pickle=False)
    model = str(data["model_id"])
    if model != embeddings.model_id():
        return 0
    texts = [str(t) for t in data["texts"]]
    embeddings.remember(model, texts, data["vectors"])
    return len(texts)


def save_vectors(path: Path) -> None:
    import numpy as np

    from app.nlp import embeddings

    enc = embeddings.encoder()
    assert enc is not None
    memo = embeddings.known(enc.model_id)
    texts = list(memo)
    np.savez(
        path,
        model_id=np.array(enc.model_id),
        texts=np.array(texts, dtype=str),
        vectors=np.stack([memo[t] for t in texts]) if texts else np.zeros((0, enc.dim), np.float16),
    )


def encode_all(data: dict[str, Any]) -> tuple[int, float, float]:
    """Encode every turn (cold, as a first training does); (texts, wall s, CPU s)."""
    from app.nlp import embeddings

    texts = embeddings.unit_texts(data["units"])
    start, cpu = time.perf_counter(), time.process_time()
    embeddings.embed(
        texts,
        progress=lambda f, m: print(f"  {m}", flush=True) if int(f * 100) % 10 == 0 else None,
    )
    return len(set(texts)), time.perf_counter() - start, time.process_time() - cpu


def score_held(
    model: Any, examples: list[Any], held: list[Any], data: dict[str, Any]
) -> dict[str, dict[str, float]]:
    """Per code column: kappa, macro-F1 and count on the held-out units (as
    ``bench_suggest_quality.score_project_model`` scores them)."""
    from app.nlp.evaluate import evaluate_predictions
    from app.nlp.model import exclusive_groups_from
    from app.nlp.suggester import sibling_groups, unit_candidate

    codes = data["codes"]
    guid_to_id = {c.guid: c.id for c in codes}
    path_of = {c.guid: c.path for c in codes}
    groups = exclusive_groups_from((c for _e, c in examples), sibling_groups(codes))
    scores = model.predict([unit_candidate(u) for u in held])
    result = evaluate_predictions(held, scores, guid_to_id, path_of, groups)
    return {
        g["group"]: {"kappa": g["cohen_kappa"], "f1": g["macro_f1"], "n": g["n_units"]}
        for g in result["groups"]
    }


_SPARSE_ROWS: dict[int, dict[str, Any]] = {}  # id(held) -> the "default" row of that training


def fused_and_sparse(
    train: list[Any], held: list[Any], data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train the default model once through the real path with embeddings on; score the held
    units with it (``default+embeddings``) and with its embedding head removed (``default``:
    the TF-IDF part does not depend on the embeddings, so it is the model trained without them;
    its time is the total minus the embedding head's)."""
    from app.nlp import dense_head
    from app.nlp.model import TrainConfig
    from app.nlp.model import train as train_model
    from app.nlp.suggester import build_examples, sibling_groups

    spent = {"wall": 0.0, "cpu": 0.0}
    real = dense_head.train_dense

    def timed(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            spent["wall"] += time.perf_counter() - start
            spent["cpu"] += time.process_time() - cpu

    codes = data["codes"]
    start, cpu = time.perf_counter(), time.process_time()
    dense_head.train_dense = timed  # type: ignore[assignment]
    try:
        examples, _ = build_examples(train, codes)
        model = train_model(
            examples, [c.guid for c in codes], groups=sibling_groups(codes), config=TrainConfig()
        )
    finally:
        dense_head.train_dense = real  # type: ignore[assignment]
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if getattr(model, "dense", None) is None:
        raise SystemExit("the default model was trained without its embedding head")
    fused = score_held(model, examples, held, data)
    model.dense = None  # type: ignore[attr-defined]
    sparse = score_held(model, examples, held, data)
    return (
        {"groups": fused, "seconds": wall, "cpu": cpu},
        {"groups": sparse, "seconds": wall - spent["wall"], "cpu": cpu - spent["cpu"]},
    )


def run(name: str, train: list[Any], held: list[Any], data: dict[str, Any]) -> dict[str, Any]:
    from bench_suggest_quality import run_model

    from app.nlp import embeddings

    if name == "default+embeddings":
        if not embeddings.available():
            raise SystemExit('not installed: pip install "ipr-workbench[embeddings]"')
        row, _SPARSE_ROWS[id(held)] = fused_and_sparse(train, held, data)
    elif name == "default" and id(held) in _SPARSE_ROWS:
        row = _SPARSE_ROWS.pop(id(held))
    else:
        with embeddings.disabled():
            row = run_model(name, train, held, data)
    return row | {"model": name}


def main() -> int:
    from bench_suggest_quality import annomi_data, measure_splits, seed_list

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--vectors", required=True, help=".npz of saved vectors (made if missing)")
    ap.add_argument("--seeds", type=int, default=13)
    ap.add_argument("--seed-list", help="only these split seeds (e.g. 0,1,2)")
    ap.add_argument("--models", default="default+embeddings,default,tfidf_lr@10")
    ap.add_argument("--prepare-only", action="store_true", help="encode and save vectors only")
    ap.add_argument("--rows-out", help="save the measured rows (JSON)")
    ap.add_argument("--combine", nargs="+", help="report from saved rows files")
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    ap.add_argument("--note", default="", help="a paragraph to add (how the rows were run)")
    args = ap.parse_args()
    if args.combine:
        parts = [json.loads(Path(p).read_text(encoding="utf-8")) for p in args.combine]
        rows = [r for p in parts for r in p["rows"]]
        cold = next((p["cold"] for p in parts if p.get("cold")), None)
        text = report(rows, cold, max(p["wall"] for p in parts), args.note)
        print(text)
        if args.write:
            write_section(SECTION, text)
        return 0
    started = time.perf_counter()
    data = annomi_data()
    if data is None:
        return 1
    vectors = Path(args.vectors)
    n_loaded = load_vectors(vectors)
    cold = None
    if n_loaded == 0:
        n, wall, cpu = encode_all(data)
        cold = {"texts": n, "wall": wall, "cpu": cpu}
        print(f"encoded {n} distinct turns: {wall:.0f} s wall, {cpu:.0f} s CPU", flush=True)
        save_vectors(vectors)
    else:
        print(f"{n_loaded} vectors read from {vectors}", flush=True)
    if args.prepare_only:
        if cold:
            vectors.with_suffix(".cold.json").write_text(json.dumps(cold), encoding="utf-8")
        return 0
    if cold is None and vectors.with_suffix(".cold.json").is_file():
        cold = json.loads(vectors.with_suffix(".cold.json").read_text(encoding="utf-8"))

    def save(rows: list[dict[str, Any]]) -> None:  # a long run stopped early keeps its rows
        Path(args.rows_out).write_text(
            json.dumps({"rows": rows, "cold": cold, "wall": time.perf_counter() - started}),
            encoding="utf-8",
        )

    seeds = seed_list(args.seed_list or None, args.seeds)
    rows = measure_splits(data, seeds, args.models, run, save if args.rows_out else None)
    wall = time.perf_counter() - started
    if args.rows_out:
        Path(args.rows_out).write_text(
            json.dumps({"rows": rows, "cold": cold, "wall": wall}), encoding="utf-8"
        )
        return 0
    text = report(rows, cold, wall, args.note)
    print(text)
    if args.write:
        write_section(SECTION, text)
    return 0


def report(
    rows: list[dict[str, Any]], cold: dict[str, float] | None, wall: float, note: str = ""
) -> str:
    import sklearn
    import torch
    from bench_suggest_quality import GROUPS, HUMAN, _fmt, _secs, mean, sd

    from app.nlp import embeddings

    seeds = sorted({r["seed"] for r in rows})
    models = list(dict.fromkeys(r["model"] for r in rows))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    t, c = GROUPS
    lines = [
        SECTION,
        "",
        f"`nice -n 10 python benchmarks/bench_suggest_embeddings.py --vectors FILE --write` on "
        f"{now}; machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, shared with other "
        f"engineers' runs; Python {platform.python_version()}, scikit-learn "
        f"{sklearn.__version__}, torch {torch.__version__}, encoder {embeddings.model_id()}. "
        f"Longest part of the run: {wall / 60:.1f} min wall time.",
        "",
        f"Same AnnoMI data, splits and scoring as `suggester-quality` above (split seeds "
        f"{seeds[0]}-{seeds[-1]}, {len(seeds)} splits, 80/20 by session); every model below "
        "measured in this run on the same splits. Targets (issue 16, with `[embeddings]`): "
        f"kappa >= {TARGET[t]:.2f} therapist / >= {TARGET[c]:.2f} client, training under 3 "
        "minutes on 2 cores.",
        "",
        "| model | therapist kappa (sd) | client kappa (sd) | therapist macro-F1 | client "
        "macro-F1 | train s wall (mean, max) | train s CPU (mean, max) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in models:
        secs = [r.get("seconds") for r in rows if r["model"] == m]
        cpus = [r.get("cpu") for r in rows if r["model"] == m]
        lines.append(
            f"| {m} | {mean(rows, m, t, 'kappa'):.3f} ({sd(rows, m, t, 'kappa'):.3f}) | "
            f"{mean(rows, m, c, 'kappa'):.3f} ({sd(rows, m, c, 'kappa'):.3f}) | "
            f"{_fmt(mean(rows, m, t, 'f1'))} | {_fmt(mean(rows, m, c, 'f1'))} | "
            f"{_secs(secs)} | {_secs(cpus)} |"
        )
    lines.append(
        f"| human annotators (Fleiss' kappa, 10-annotator subset) | {HUMAN[t]:.2f} | "
        f"{HUMAN[c]:.2f} | | | | |"
    )
    lines.append("")
    emb = "default+embeddings"
    if emb in models:
        verdict = []
        for g, label in ((t, "therapist"), (c, "client")):
            k = mean(rows, emb, g, "kappa")
            gain = [
                _at(rows, emb, s, g) - _at(rows, "default", s, g)
                for s in seeds
                if "default" in models
            ]
            better = sum(1 for x in gain if x > 0)
            verdict.append(
                f"{label} {k:.3f} ({'met' if k >= TARGET[g] else 'NOT met'} >= "
                f"{TARGET[g]:.2f}; {statistics.fmean(gain) if gain else float('nan'):+.3f} over "
                f"the default without embeddings, better on {better} of {len(gain)} splits)"
            )
        lines.append("With embeddings: " + "; ".join(verdict) + ".")
        lines.append("")
    if cold:
        lines.append(
            f"Training time: the per-split times above read the vectors from the cache (as a "
            f"retrain on a project does). A first training encodes every turn once: "
            f"{cold['texts']} distinct AnnoMI turns took {cold['wall']:.0f} s wall / "
            f"{cold['cpu']:.0f} s CPU on this machine, stored in the project afterwards."
        )
        lines.append("")
    if note:
        lines += [note, ""]
    lines += [
        "Per split (kappa, therapist / client):",
        "",
        "| seed | " + " | ".join(models) + " |",
        "|---:|" + "---:|" * len(models),
    ]
    for s in seeds:
        cells = [f"{_at(rows, m, s, t):.3f} / {_at(rows, m, s, c):.3f}" for m in models]
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _at(rows: list[dict[str, Any]], model: str, seed: int, group: str) -> float:
    for r in rows:
        if r["model"] == model and r["seed"] == seed:
            return float(r["groups"][group]["kappa"])
    return float("nan")


if __name__ == "__main__":
    sys.exit(main())
