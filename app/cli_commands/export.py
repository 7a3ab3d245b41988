"""``ipr-workbench export PROJECT OUT``: coded segments to CSV, XLSX, Word or REFI-QDA.

The suffix of OUT picks the format (see ``app.io.export_service.FORMATS``); the summary line goes
to stdout, notes (e.g. suggestions left out of a REFI-QDA file) to stderr.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli_commands.common import blind_view, open_existing, warn
from app.core.errors import UserError
from app.io.export_service import export_format, run_export
from app.io.segment_query import ExportFilter

if TYPE_CHECKING:
    from app.core.project import Project


def cmd_export(args: argparse.Namespace) -> int:
    export_format(args.out)  # a wrong suffix is refused before the project is opened
    flt = ExportFilter(
        coders=args.coders,
        codes=args.codes,
        sessions=args.sessions,
        suggestions=bool(args.suggestions),
        deidentify=bool(getattr(args, "deidentify", False)),
        formula_guard=bool(getattr(args, "formula_guard", True)),
        audit_appendix=bool(getattr(args, "audit_appendix", False)),
        full_codebook=bool(getattr(args, "full_codebook", False)),
    )
    extra = None
    if getattr(args, "words", None):
        from app.core.deidentify import read_word_file

        if not flt.deidentify:
            raise UserError("--words lists words to replace: use it with --deidentify")
        extra = read_word_file(Path(args.words))
    with open_existing(args.project, readonly=True) as project:
        flt = _blind_filter(project, args, flt)
        result = run_export(project, args.out, flt, extra_words=extra)
    for note in result.notes:
        warn(f"{args.out}: {note}")
    print(result.summary())
    return 0


def _blind_filter(project: Project, args: argparse.Namespace, flt: ExportFilter) -> ExportFilter:
    """On a blind project a coder exports their own work only (issue #11); a lead or
    ``--unblind`` (recorded in the audit log) exports everyone's."""
    if export_format(args.out) == ".qdc":  # the codebook alone: nobody's coding
        return flt
    view = blind_view(project, args, "export")
    if view.full:
        return flt
    where = project.location
    coders = view.coders(where, flt.coders)
    if flt.suggestions:
        raise UserError(f"{where}: the project is coded blind and suggestions carry other "
                        "coders' decisions and what a model learned from them; leave out "
                        "--suggestions, or export as a lead or with --unblind")  # fmt: skip
    if flt.audit_appendix:
        raise UserError(f"{where}: the project is coded blind and the audit log names every "
                        "coder's edits; leave out --audit-appendix, or export as a lead or with "
                        "--unblind")  # fmt: skip
    return replace(flt, coders=coders)
