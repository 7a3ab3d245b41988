"""``ipr-workbench suggest train|run|evaluate``: the spaCy suggester from the command line.

Long runs print progress on stderr (one line per step) so that stdout stays clean for ``--json``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from app.cli_commands.common import blind_view, open_existing, print_json
from app.core.errors import UserError


def _progress(label: str) -> Callable[[float, str], None]:
    state = {"last": -1}

    def report(fraction: float, message: str) -> None:
        step = int(fraction * 10)
        if step != state["last"]:
            state["last"] = step
            print(f"{label}: {int(fraction * 100):3d}% {message}", file=sys.stderr, flush=True)

    return report


def _own_coding_only(project: Any, args: argparse.Namespace, command: str) -> None:
    """On a blind project ``--coder NAME`` reads NAME's coding (training examples, per-code
    support, what they applied): allowed for NAME themself (``--as NAME``), a lead, or
    ``--unblind`` (audited), as the other commands (issue #11)."""
    coder = getattr(args, "coder", None)
    if coder is None:
        return
    view = blind_view(project, args, command)
    if view.blind and not view.full and view.viewer != coder:
        raise UserError(
            f"{args.project}: the project is coded blind and '{command} --coder {coder}' reads "
            f"{coder}'s coding: run it with --as NAME for your own coding, as a lead, or with "
            "--unblind (recorded in the audit log)"
        )


def cmd_suggest_train(args: argparse.Namespace) -> int:
    from app.nlp.suggester import train_from_project

    with open_existing(args.project) as project:
        _own_coding_only(project, args, "suggest train")
        try:
            info = train_from_project(
                project, args.coder, args.codes, args.sessions, progress=_progress("train")
            )
        except ValueError as exc:
            raise UserError(f"{args.project}: {exc}") from exc
    meta = info.meta
    print(
        f"trained on {info.n_examples} examples ({meta.get('utterances')} utterances of "
        f"{meta.get('sessions')} sessions, coder {info.coder_name}) for "
        f"{len(meta.get('codes', {}))} codes in {meta.get('seconds')} s; "
        f"stored in the project ({info.trained_at:%Y-%m-%d %H:%M} UTC)"
        + (f"; with sentence embeddings ({meta['embeddings']})" if meta.get("embeddings") else "")
    )
    return 0


def cmd_suggest_run(args: argparse.Namespace) -> int:
    from app.nlp.suggester import run_on_project

    if args.min_score is not None and not 0.0 <= args.min_score <= 1.0:
        raise UserError(f"--min-score {args.min_score}: expected a number from 0 to 1")
    with open_existing(args.project) as project:
        _own_coding_only(project, args, "suggest run")
        summary = run_on_project(
            project,
            args.sessions,
            args.codes,
            min_score=args.min_score,
            coder=getattr(args, "coder", None),
            progress=_progress("suggest"),
        )
    print(
        f"{summary.n_stored} pending suggestions stored for {summary.n_units} utterances in "
        f"{summary.seconds} s: {summary.n_model} from the model + {summary.n_rule} from rules, "
        f"minus {summary.n_already_coded} the coder already applied there and "
        f"{summary.n_already_decided} already decided or repeated"
    )
    for gap in summary.gaps:
        print(
            f"group {gap.group}: {gap.n_without} of {gap.n_turns} turns it applies to got no "
            f"suggestion (best score below --min-score {summary.min_score:g})"
        )
    return 0


def cmd_suggest_evaluate(args: argparse.Namespace) -> int:
    from app.nlp.evaluate import evaluate_project

    with open_existing(args.project) as project:
        _own_coding_only(project, args, "suggest evaluate")
        try:
            result = evaluate_project(
                project,
                args.coder,
                args.codes,
                folds=args.folds,
                progress=None if args.json else _progress("evaluate"),
            )
        except ValueError as exc:
            raise UserError(f"{args.project}: {exc}") from exc
    if args.json:
        print_json(result)
        return 0
    print(
        f"Suggester vs {result['coder']}: {result['folds']}-fold, split by session "
        f"({result['n_sessions']} sessions, {result['n_utterances']} utterances)"
    )
    print(f"{'code':<48}{'n':>6}{'P':>8}{'R':>8}{'F1':>8}{'kappa':>8}")
    for row in result["per_code"]:
        kappa = "n/a" if row["cohen_kappa"] is None else f"{row['cohen_kappa']:.3f}"
        print(
            f"{row['code'][:47]:<48}{row['support']:>6}{row['precision']:>8.3f}"
            f"{row['recall']:>8.3f}{row['f1']:>8.3f}{kappa:>8}"
        )
    macro = result["macro_f1"]
    print(f"macro-F1 over codes: {'n/a' if macro is None else f'{macro:.3f}'}")
    for group in result["groups"]:
        kappa = "n/a" if group["cohen_kappa"] is None else f"{group['cohen_kappa']:.3f}"
        if not group.get("mutually_exclusive", True):
            print(
                f"group {group['group'] or '(top level)'} is not mutually exclusive: "
                f"{group['n_conflicting']} utterances carry two or more of its codes (the "
                "suggester treats its codes one by one); the figures below use the "
                f"{group['n_units']} utterances with exactly one"
            )
        print(
            f"group {group['group'] or '(top level)'}: top code per utterance on "
            f"{group['n_units']} utterances: macro-F1 {group['macro_f1']:.3f}, "
            f"accuracy {group['accuracy']:.3f}, Cohen's kappa {kappa}"
        )
    return 0
