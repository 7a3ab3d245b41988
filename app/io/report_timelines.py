"""The Word report's per-session rupture timelines (the same figure as ``ipr-workbench
timeline``), gathered by the export service and placed by ``report_docx`` after agreement."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx.shared import Cm

from app.core.errors import UserError
from app.core.project import Project
from app.core.timeline_data import session_timeline
from app.io.timeline.layout import layout_timeline
from app.io.timeline.png import png_bytes

REPORT_DPI = 220  # sharp in print at 16.6 cm wide, a few hundred KB per session


def session_timeline_pngs(
    project: Project,
    sessions: Sequence[str],
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
) -> list[tuple[str, bytes]]:
    """(session, PNG) for every session with something placed on its clock."""
    out = []
    for name in sessions:
        try:
            data = session_timeline(project, name, list(coders) if coders else None,
                                    list(codes) if codes else None)  # fmt: skip
        except UserError:
            continue
        if data.marks and data.duration_ms > 0:
            out.append((name, png_bytes(layout_timeline(data, width=1000.0), dpi=REPORT_DPI)))
    return out


def add_timelines(doc: Any, heads: Any, figures: Sequence[tuple[str, bytes]]) -> None:
    """A "Timelines" chapter: one figure per session with a caption."""
    if not figures:
        return
    heads.add("Rupture timelines", 1)
    doc.add_paragraph(
        "Per session: x is the session clock; one lane per code group and coder. Filled bars are "
        "time segments (3RS windows, In/Out ranges, session ratings), outlined bars text "
        "segments placed by their utterances' times, dashed marks recall segments at the session "
        "moment they refer to (C/T: client/therapist recall); the red strip is each coder's "
        "highest significance rating per window."
    )
    for session, png in figures:
        doc.add_picture(io.BytesIO(png), width=Cm(16.6))
        caption = doc.add_paragraph(f"Figure: rupture timeline of {session}.")
        caption.runs[0].italic = True
