"""The Word report's audit appendix (``export OUT.docx --audit-appendix``): who changed what, when.

Added to the finished report rather than woven into its layout, so the report module stays about
the coding; the appendix is a heading and one table in the report's own styles.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_BREAK

from app.core.audit import read_audit
from app.core.project import Project
from app.io.atomic import atomic_path

COLUMNS = ("When (UTC)", "Coder", "Login", "Action", "Detail")


def append_audit_appendix(project: Project, report: Path) -> int:
    """Append the project's audit log to ``report`` (a .docx); returns the number of entries."""
    entries = read_audit(project)
    doc = Document(str(report))
    if doc.paragraphs:
        doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading("Appendix: audit log", level=1)
    doc.add_paragraph(
        f"{len(entries)} recorded change{'' if len(entries) == 1 else 's'} to the project: who "
        "(the coder's name and the computer login), what, and when. Entries name codes, "
        "sessions and files, never transcript text."
    )
    table = doc.add_table(rows=1, cols=len(COLUMNS))
    if "Table Grid" in [style.name for style in doc.styles]:
        table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = title
    for e in entries:
        cells = table.add_row().cells
        values = (e.at.strftime("%Y-%m-%d %H:%M:%S"), e.coder or "", e.os_user, e.action,
                  e.detail)  # fmt: skip
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    with atomic_path(report) as tmp:
        doc.save(str(tmp))
    return len(entries)
