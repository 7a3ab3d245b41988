"""One entry point for every export format, shared by the CLI and the export dialog's worker.

The output file's suffix decides the format (spec §4: ``.csv .docx .xlsx .qdpx .qdc``). CSV, XLSX
and the Word report are built from the same export table (``app.io.segment_query``); REFI-QDA
files are written by ``app.io.refi``. Every writer goes through a temporary sibling file, so a
failed or cancelled export never leaves a half-written file under the chosen name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from app.core.errors import UserError
from app.core.permissions import new_file_mode
from app.core.project import Project
from app.io.segment_query import ExportFilter, export_table

FORMATS: dict[str, str] = {
    ".csv": "CSV table (R, SPSS, spreadsheets)",
    ".xlsx": "Excel workbook",
    ".docx": "Word report",
    ".qdpx": "REFI-QDA project",
    ".qdc": "REFI-QDA codebook",
}
"""Accepted suffixes with a short description, in the order the dialog offers them."""

Progress = Callable[[int, int], bool]


@dataclass
class ExportResult:
    """What was written, for the CLI's summary line and the dialog's last page."""

    path: str
    format: str
    segments: int = 0
    suggestions: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.format == ".qdc":
            return f"wrote the codebook to {self.path}"
        extra = f" and {_count(self.suggestions, 'suggestion')}" if self.suggestions else ""
        return f"wrote {_count(self.segments, 'segment')}{extra} to {self.path}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def export_format(out: str | os.PathLike[str]) -> str:
    """The format suffix of ``out``, or a ``UserError`` naming the accepted suffixes."""
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        accepted = ", ".join(FORMATS)
        raise UserError(f"{out}: cannot tell the export format from '{suffix or 'no suffix'}'; "
                        f"expected a file ending {accepted}")  # fmt: skip
    return suffix


def _check_target(out: Path) -> None:
    if out.is_dir():
        raise UserError(f"{out}: is a folder; expected a file name")
    if not out.parent.exists():
        raise UserError(f"{out}: the folder {out.parent} does not exist")


def run_export(
    project: Project,
    out: str | os.PathLike[str],
    flt: ExportFilter | None = None,
    progress: Progress | None = None,
    extra_words: dict[str, str] | None = None,
) -> ExportResult:
    """Write ``out`` in the format its suffix names, with ``flt``'s coders, codes and sessions.

    ``flt.deidentify`` exports from a de-identified private copy of the project (one transform
    for every format, see ``app.core.deidentify_copy``); ``extra_words`` add to the project's
    word list for this export.
    """
    flt = flt or ExportFilter()
    target = Path(out)
    try:
        mode = target.stat().st_mode & 0o777  # a replaced file keeps the mode its owner chose
    except OSError:
        mode = new_file_mode(target.parent)  # a new one is private (0600) unless a default ACL
    if flt.deidentify:
        result = _deidentified_export(project, out, flt, progress, extra_words)
    else:
        result = _export(project, out, flt, progress)
    if flt.audit_appendix and result.format == ".docx":
        from app.io.report_audit import append_audit_appendix

        if flt.deidentify:  # the de-identified copy has no audit log: it names people
            result.notes.append("no audit appendix in a de-identified report (it names people)")
        else:
            n = append_audit_appendix(project, target)
            result.notes.append(f"audit appendix: {n} entries")
    elif flt.audit_appendix:
        result.notes.append("--audit-appendix applies to Word reports (.docx) only; left out")
    if target.is_file():
        os.chmod(target, mode)
    return result


def _export(
    project: Project,
    out: str | os.PathLike[str],
    flt: ExportFilter,
    progress: Progress | None,
) -> ExportResult:
    path = Path(out)
    fmt = export_format(path)
    _check_target(path)
    result = ExportResult(str(path), fmt)
    try:
        if fmt == ".qdc":
            from app.io.refi.qdc import write_qdc

            write_qdc(project, path)
            return result
        if fmt == ".qdpx":
            from app.io.refi.qdpx_export import export_qdpx

            def refi_progress(done: int, total: int) -> None:
                if progress is not None:
                    progress(done, total)

            report = export_qdpx(project, path, flt.coders, flt.codes, flt.sessions,
                                 progress=refi_progress)  # fmt: skip
            result.segments = report.segments
            result.notes.extend(report.warnings)  # e.g. duplicate code names qualified
            if flt.suggestions:
                result.notes.append("suggestions are not part of a REFI-QDA project; left out")
            return result
        return _table_export(project, path, fmt, flt, progress, result)
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def _deidentified_export(
    project: Project,
    out: str | os.PathLike[str],
    flt: ExportFilter,
    progress: Progress | None,
    extra_words: dict[str, str] | None,
) -> ExportResult:
    from dataclasses import replace

    from app.core.deidentify_copy import deidentified_copy

    export_format(out)
    _check_target(Path(out))
    with deidentified_copy(project, extra_words) as (copy, renamed):
        sessions = [renamed.get(name, name) for name in flt.sessions] if flt.sessions else None
        inner = replace(flt, deidentify=False, sessions=sessions)
        result = run_export(copy, out, inner, progress)
    result.notes.append(
        "de-identified: listed names and places replaced, speakers by role, video paths dropped"
    )
    return result


def _table_export(
    project: Project,
    path: Path,
    fmt: str,
    flt: ExportFilter,
    progress: Progress | None,
    result: ExportResult,
) -> ExportResult:
    table = export_table(project, flt, progress)
    result.segments = sum(1 for r in table.rows if r.status == "coded")
    result.suggestions = len(table.rows) - result.segments
    if fmt == ".csv":
        from app.io.csv_export import write_csv

        write_csv(table.rows, path, progress, formula_guard=flt.formula_guard)
    elif fmt == ".xlsx":
        from app.io.xlsx_export import write_xlsx

        write_xlsx(table.rows, table.codes, path, progress)
    else:
        from app import __version__
        from app.agreement.group_summary import code_groups, group_summaries
        from app.agreement.report import summary_for_export
        from app.core.codebook import list_schemes
        from app.io.report_docx import ReportData, write_report
        from app.io.report_timelines import session_timeline_pngs

        agreement = None
        groups: list[dict[str, object]] = []
        if len(table.human_coders) >= 2:
            agreement = summary_for_export(project, table.human_coders, flt.codes, flt.sessions)
            used = {r.code_path for r in table.rows if r.status in ("", "coded")}
            groups = group_summaries(project, table.human_coders,
                                     code_groups(table.codes, used), flt.sessions)
        data = ReportData(
            project=project.display_name,
            date=date.today().isoformat(),
            coders=table.coders,
            codes=table.codes,
            rows=table.rows,
            sessions=table.sessions,
            filters=flt.describe(),
            agreement=agreement,
            app_version=__version__,
            turns=table.turns,
            schemes=[(sc.name, sc.version, sc.citation) for sc in list_schemes(project)],
            timelines=session_timeline_pngs(project, table.sessions, flt.coders, flt.codes),
            group_agreements=groups,
            full_codebook=flt.full_codebook,
            notes=_blind_notes(project),
        )
        write_report(data, path, progress)
    return result


def _blind_notes(project: Project) -> tuple[str, ...]:
    """Blind coding on the title page: "Coders were blind until ..." (or are still blind)."""
    from app.core.blind import blind_state

    note = blind_state(project).note()
    return (note[0].upper() + note[1:] + ".",) if note else ()
