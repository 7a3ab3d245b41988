"""The Word report: what a team pastes into a paper's appendix.

Layout: a title page (project, date, coders, what was exported), a table of contents, the
codebook (definitions with inclusion/exclusion criteria and a colour swatch), an agreement summary
when two or more human coders coded, then one chapter per code with its segments as quotations.
Each quotation carries a bar in the code's colour on its left and a line with session, transcript,
both clocks (hh:mm:ss), speaker, coder and rating, followed by the memo.

The table of contents lists the chapters as links, each with a ``PAGEREF`` field for its page:
LibreOffice computes those while laying out and Word refreshes them on opening (the file asks it to
update fields). A Word ``TOC`` field was tried first, but LibreOffice shows a TOC field's stored
result without page numbers and cannot refresh it when converting, so the report would have
reached readers of the PDF with an unnumbered contents page.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from app.io import docx_fields as fx
from app.io.csv_export import ExportCancelled, ProgressCallback
from app.io.report_ratings import add_icc_table, icc_source
from app.io.report_tables import header_row, set_widths, small_text
from app.io.report_teams import (
    Quotation,
    add_agreement_scope,
    coders_phrase,
    differences,
    keep_rows_whole,
    merge_quotations,
    ratings_phrase,
    span_key,
)
from app.io.report_timelines import add_timelines
from app.io.segment_table import ExportCode, ExportRow, format_range

TEXT_WIDTH = Cm(16.6)  # A4/Letter minus 2.2 cm margins each side

_GREY = RGBColor(0x59, 0x59, 0x59)


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, as plain values gathered by the export service."""

    project: str
    date: str
    coders: Sequence[tuple[str, int]]
    codes: Sequence[ExportCode]
    rows: Sequence[ExportRow]
    sessions: Sequence[str] = ()
    filters: Sequence[str] = ()
    agreement: Mapping[str, Any] | None = None
    app_version: str = ""
    notes: Sequence[str] = field(default_factory=tuple)
    turns: Mapping[tuple[str, str, int, int], str] = field(default_factory=dict)
    schemes: Sequence[tuple[str, str, str]] = ()
    """(name, version, citation) of the coding schemes the codebook came from."""
    timelines: Sequence[tuple[str, bytes]] = ()  # (session, PNG): see report_timelines
    group_agreements: Sequence[Mapping[str, Any]] = ()
    """Agreement per code group (``agreement --group`` JSON each), see ``group_summary``."""
    full_codebook: bool = False
    """Print every code in the codebook, not only those in use (and their parents)."""
    """Text spans that cross speaker turns, as labelled lines (see ``ExportTable.turns``)."""


def _setup_styles(doc: Any) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    for level, size in ((1, 16), (2, 13), (3, 11.5)):
        st = styles[f"Heading {level}"]
        st.font.size = Pt(size)
    quote = styles["Quote"]
    quote.font.italic = False
    quote.font.color.rgb = RGBColor(0x1F, 0x1F, 0x1F)
    quote.paragraph_format.left_indent = Cm(0.6)
    quote.paragraph_format.right_indent = Cm(0.3)
    quote.paragraph_format.space_before = Pt(8)
    quote.paragraph_format.space_after = Pt(1)
    for level in (1, 2):
        name = f"TOC {level}"
        if name not in [s.name for s in styles]:
            toc = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            toc.base_style = normal
            toc.paragraph_format.left_indent = Cm(0.6 * (level - 1))
            toc.paragraph_format.space_after = Pt(2)
    criteria = styles.add_style("Criteria", WD_STYLE_TYPE.PARAGRAPH)
    criteria.base_style = normal
    criteria.font.size = Pt(9)
    criteria.paragraph_format.space_after = Pt(2)
    meta = styles.add_style("Segment Meta", WD_STYLE_TYPE.PARAGRAPH)
    meta.base_style = normal
    meta.font.size = Pt(8.5)
    meta.font.color.rgb = _GREY
    meta.paragraph_format.left_indent = Cm(0.6)
    meta.paragraph_format.space_after = Pt(2)


def _para(doc: Any, style: str, text: str = "") -> Paragraph:
    """A paragraph in ``style``, setting the style id directly.

    ``add_paragraph(style=name)`` looks the style up by name through every style in the file
    each time; for thousands of quotations that was most of the report's run time.
    """
    ids: dict[str, str] = doc.__dict__.setdefault("_ipr_style_ids", {})
    if style not in ids:
        ids[style] = doc.styles[style].style_id
    p = doc.add_paragraph(text)
    p._p.style = ids[style]
    return p


def _codes_fact(data: ReportData) -> str:
    codable = sum(1 for c in data.codes if c.codable)
    applied = len({r.code_path for r in data.rows if r.status in ("", "coded")})
    return f"{applied} applied, of {codable} codable codes in the codebook"


def _title_page(doc: Any, data: ReportData) -> None:
    for _ in range(5):
        doc.add_paragraph()
    title = doc.add_paragraph(data.project, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.LEFT
    doc.add_paragraph("Coded segments report", style="Subtitle")
    facts = [
        ("Date", data.date),
        ("Coders", ", ".join(f"{name} ({n} segments)" for name, n in data.coders) or "none"),
        ("Sessions", ", ".join(data.sessions) or "none"),
        ("Segments", str(sum(1 for r in data.rows if r.status in ("", "coded")))),
        ("Codes", _codes_fact(data)),
    ]
    if data.schemes:
        names = "; ".join(f"{n} {v}".strip() for n, v, _c in data.schemes)
        facts.insert(3, ("Codebook", names))
    facts += [("Filter", f) for f in data.filters]
    for label, value in facts:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value)
    for note in data.notes:
        doc.add_paragraph(note).runs[0].italic = True
    tail = doc.add_paragraph()
    tail.paragraph_format.space_before = Pt(36)
    made = "Made with IPR Workbench" + (f" {data.app_version}" if data.app_version else "")
    run = tail.add_run(made)
    run.font.size = Pt(9)
    run.font.color.rgb = _GREY
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _anchor(n: int) -> str:
    return f"_ipr_h{n}"


def _toc(doc: Any, entries: Sequence[tuple[int, str, str]]) -> None:
    doc.add_paragraph("Contents", style="TOC Heading")
    if not entries:
        return
    paragraphs = []
    for level, text, anchor in entries:
        p = doc.add_paragraph(style=f"TOC {min(level, 2)}")
        p.paragraph_format.tab_stops.add_tab_stop(
            TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
        )
        paragraphs.append((p, text, anchor))
    for p, text, anchor in paragraphs:
        fx.internal_link(p, anchor, text)
        p.add_run("\t")
        fx.simple_field(p, f"PAGEREF {anchor} \\h", "")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


class _Headings:
    """Adds headings with bookmarks and remembers them for the table of contents."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.entries: list[tuple[int, str, str]] = []

    def add(self, text: str, level: int) -> Paragraph:
        p = self.doc.add_heading(text, level=level)
        fx.keep_with_next(p)
        anchor = _anchor(len(self.entries) + 1)
        fx.bookmark(p, anchor)
        if level <= 2:
            self.entries.append((level, text, anchor))
        return p


def _codes_shown(data: ReportData, counts: Mapping[str, int]) -> list[ExportCode]:
    """Codes in use and their parents, or every code with ``full_codebook``."""
    if data.full_codebook:
        return list(data.codes)
    keep: set[str] = set()
    for path in counts:
        parts = path.split("/")
        keep.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return [c for c in data.codes if c.path in keep]


def _scale_owner(codes: Sequence[ExportCode]) -> dict[str, str]:
    """Code path -> the path under which its rating scale is printed: a scale shared by all
    codable children of a parent is printed once, at the parent (``parent`` -> itself)."""
    owner: dict[str, str] = {}
    by_parent: dict[str, list[ExportCode]] = {}
    for code in codes:
        if code.codable and code.rating:
            by_parent.setdefault(code.path.rpartition("/")[0], []).append(code)
    for parent, kids in by_parent.items():
        if parent and len(kids) > 1 and len({k.rating for k in kids}) == 1:
            owner[parent] = parent
            for kid in kids:
                owner[kid.path] = parent
    return owner


def _codebook(doc: Any, heads: _Headings, data: ReportData, counts: Mapping[str, int]) -> None:
    heads.add("Codebook", 1)
    shown = _codes_shown(data, counts)
    hidden = len(data.codes) - len(shown)
    doc.add_paragraph(
        "The code tree with each code's definition. Category codes (not applied directly) are "
        "shown in grey; n counts the exported segments. Inclusion and exclusion criteria and "
        "examples are given with each code's segments below."
        + (f" {hidden} codes not used in this export are left out (export with "
           f"--full-codebook to list them)." if hidden else "")
    )
    owner = _scale_owner(data.codes)
    shared_scale = {parent: c.rating for c in data.codes
                    if (parent := owner.get(c.path)) and parent != c.path}
    for name, version, citation in data.schemes:
        if citation:
            p = doc.add_paragraph(style="Criteria")
            p.add_run(f"{name}{' ' + version if version else ''}: ").bold = True
            p.add_run(citation)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header_row(table, ("Code", "Definition", "n"))
    for code in shown:
        cells = table.add_row().cells
        name_p = cells[0].paragraphs[0]
        name_p.paragraph_format.left_indent = Cm(0.4 * code.depth)
        fx.left_bar(name_p, code.color, width_eighths=24, space_pt=4)
        run = name_p.add_run(code.name)
        run.bold = code.depth == 0
        if not code.codable:
            run.font.color.rgb = _GREY
        body = cells[1].paragraphs[0]
        body.add_run(code.definition)
        shared = shared_scale.get(code.path)
        if shared or (code.rating and code.path not in owner):
            extra = cells[1].add_paragraph()
            extra.add_run("Rating (every code below): " if shared else "Rating: ").italic = True
            extra.add_run(shared or code.rating)
        n = counts.get(code.path, 0)
        cells[2].paragraphs[0].add_run(str(n) if code.codable else "")
        cells[2].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_widths(table, (Cm(5.4), Cm(9.9), Cm(1.3)))
    small_text(table, 9)


def _criteria(doc: Any, code: ExportCode, rating_shown: set[str] | None = None) -> None:
    """Definition and criteria under a code's chapter heading, so each chapter stands alone.
    A rating scale is printed once per group: ``rating_shown`` holds the scales already given
    for the code's parent."""
    rating = code.rating
    if rating and rating_shown is not None:
        key = f"{code.path.rpartition('/')[0]}\x00{rating}"
        if key in rating_shown:
            rating = ""
        rating_shown.add(key)
    for label, text in (
        ("Definition", code.definition),
        ("Include", code.include),
        ("Exclude", code.exclude),
        ("Examples", code.examples),
        ("Rating", rating),
    ):
        if not text:
            continue
        p = _para(doc, "Criteria")
        p.add_run(f"{label}: ").bold = True
        p.add_run(text)


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


_UNIT_WORDS = {
    "utterance": "utterances (a coder's value for an utterance is the code whose segments cover "
    "most of it)",
    "char": "characters",
    "session": "sessions",
}


def _agreement(
    doc: Any, heads: _Headings, agreement: Mapping[str, Any],
    groups: Sequence[Mapping[str, Any]] = (), counts: Mapping[tuple[str, str], int] | None = None,
) -> None:
    heads.add("Agreement", 1)
    coders = list(agreement.get("coders", []))
    unit = str(agreement.get("unit", ""))
    unit_words = _UNIT_WORDS.get(unit, unit.replace("window:", "windows of ") + " s"
                                 if unit.startswith("window:") else unit)  # fmt: skip
    doc.add_paragraph(
        f"{len(coders)} coders ({', '.join(coders)}); {_fmt(agreement.get('n_units', 0))} "
        f"units, the units being {unit_words}. Intervals are bootstrap 95% intervals."
    )
    counts = counts or {}
    for item in groups:
        group = str(item.get("group") or "")
        heads.add(f"Agreement on {group.replace('/', ' › ')}", 2)
        values = ", ".join(v.rsplit("/", 1)[-1] for v in item.get("values", []) or [])
        doc.add_paragraph(
            f"The codes below {group.replace('/', ' › ')} as one variable"
            + (f" (values: {values})" if values else "")
            + f"; {_fmt(item.get('n_units', 0))} units where any of {len(item.get('coders', []))}"
            f" coders applied one of them."
        )
        add_agreement_scope(doc, item, counts)
        _agreement_warnings(doc, item)
        add_icc_table(doc, item)
    if groups:
        heads.add("Agreement on all codes together", 2)
    add_agreement_scope(doc, agreement, counts)
    _agreement_warnings(doc, agreement)
    add_icc_table(doc, agreement)


def _agreement_warnings(doc: Any, agreement: Mapping[str, Any]) -> None:
    """The report's warnings (few units, coders left out) as notes under the tables; those the
    ICC block prints itself are left to it."""
    block = icc_source(agreement)
    theirs = set((block or {}).get("warnings") or [])
    for warning in agreement.get("warnings") or []:
        if warning not in theirs:
            doc.add_paragraph(f"Note: {warning}.").runs[0].italic = True


def _segment_meta(row: ExportRow) -> str:
    session = row.session
    parts = [session if session.casefold().startswith("session") else f"Session {session}"]
    if not row.transcript:
        parts.append("time segment")
    elif row.transcript in (row.session, ""):
        parts.append(f"{row.transcript_kind} transcript")
    else:
        parts.append(f"{row.transcript_kind} transcript “{row.transcript}”")
    own = format_range(row.start_ms, row.end_ms)
    on_session = format_range(row.session_start_ms, row.session_end_ms)
    if row.transcript_kind == "recall" and own:
        parts.append(f"recall clock {own}")
    if on_session:
        parts.append(f"session clock {on_session}")
    if row.speakers:
        label = "speakers" if "," in row.speakers else "speaker"
        parts.append(f"{label} {row.speakers}")
    parts.append(f"coder {row.coder}")
    if row.rating is not None:
        parts.append(f"rating {row.rating}")
    if row.status not in ("", "coded"):
        score = f", score {row.score:.2f}" if row.score is not None else ""
        parts.append(f"suggestion {row.status}{score}")
    return " · ".join(p for p in parts if p)


def _quote_meta(quote: Quotation, n_coders: int, others: list[str]) -> str:
    """The quotation's line: where, both clocks, speaker, the coders who applied it (and
    ratings), and the coders who gave the same passage another value of the variable."""
    row = quote.first
    parts = _segment_meta(row).split(" · ")
    parts = [p for p in parts if not p.startswith(("coder ", "rating ", "suggestion "))]
    parts.append(coders_phrase(quote, n_coders))
    rating = ratings_phrase(quote)
    if rating:
        parts.append(rating)
    if others:
        parts.append("differs: " + "; ".join(others))
    return " · ".join(p for p in parts if p)


def _quotation(
    doc: Any, row: ExportRow, color: str, text: str | None = None, meta_text: str | None = None,
    memos: Sequence[tuple[str, str]] = (),
) -> None:
    quote = _para(doc, "Quote")
    fx.left_bar(quote, color)
    lines = (row.text if text is None else text).strip().split("\n") or [""]
    for i, line in enumerate(lines):
        run = quote.add_run(line)
        if i < len(lines) - 1:
            run.add_break()
    fx.keep_with_next(quote)
    meta = _para(doc, "Segment Meta", meta_text or _segment_meta(row))
    fx.left_bar(meta, color)
    for who, text in memos or ([("", row.memo)] if row.memo else []):
        memo = _para(doc, "Segment Meta")
        fx.left_bar(memo, color)
        memo.add_run(f"Memo ({who}): " if who else "Memo: ").bold = True
        memo.add_run(text).italic = True


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _natural(name: str) -> tuple[int, int | str]:
    return (0, int(name)) if name.isdigit() else (1, name.casefold())


def _sort_key(row: ExportRow) -> tuple[object, ...]:
    """Session order, then where on the session clock, so a recall quote sits by its moment."""
    return (
        _natural(row.session),
        row.session_start_ms if row.session_start_ms is not None else -1,
        row.transcript,
        row.start_char if row.start_char is not None else -1,
        row.coder,
    )


def write_report(
    data: ReportData,
    out: str | os.PathLike[str],
    progress: ProgressCallback | None = None,
) -> int:
    """Write the report to ``out``; returns the number of quoted segments."""
    path = Path(out)
    doc = Document()
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)
    _setup_styles(doc)
    _footer(section, data.project)
    _title_page(doc, data)
    toc_anchor = doc.add_paragraph()
    heads = _Headings(doc)

    counts: dict[str, int] = {}
    by_code: dict[str, list[ExportRow]] = {}
    for row in data.rows:
        if row.status in ("", "coded"):
            counts[row.code_path] = counts.get(row.code_path, 0) + 1
        by_code.setdefault(row.code_path, []).append(row)
    _codebook(doc, heads, data, counts)
    by_coder: dict[tuple[str, str], int] = {}
    by_span: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
    for row in data.rows:
        if row.status in ("", "coded"):
            by_coder[(row.coder, row.code_path)] = by_coder.get((row.coder, row.code_path), 0) + 1
            by_span.setdefault(span_key(row), []).append((row.coder, row.code_path))
    if data.agreement:
        _agreement(doc, heads, data.agreement, data.group_agreements, by_coder)
    add_timelines(doc, heads, data.timelines)

    heads.add("Coded segments", 1)
    known = {c.path for c in data.codes}
    ordered = [c for c in data.codes if c.path in by_code]
    ordered += [
        ExportCode(path=p, name=p.rsplit("/", 1)[-1], depth=0) for p in by_code if p not in known
    ]
    if not ordered:
        doc.add_paragraph("No segments match the export's filter.")
    total = len(data.rows) or 1
    done = 0
    n_coders = len(data.coders)
    rating_shown: set[str] = set()
    for code in ordered:
        rows = sorted(by_code[code.path], key=_sort_key)
        heads.add(code.path.replace("/", " › "), 2)
        summary = _para(doc, "Segment Meta")
        coded = [r for r in rows if r.status in ("", "coded")]
        n_coders = len({r.coder for r in coded})
        told = []
        if coded:
            told.append(f"{_plural(len(coded), 'segment')} by {_plural(n_coders, 'coder')}")
        if len(coded) < len(rows):
            told.append(_plural(len(rows) - len(coded), "suggested passage"))
        quotes = merge_quotations(rows)
        if len(quotes) < len(rows):
            told.append(f"{_plural(len(quotes), 'passage')}, each quoted once with its coders")
        summary.add_run("; ".join(told) + ".")
        _criteria(doc, code, rating_shown)
        for quote in quotes:
            row = quote.first
            span = (row.session, row.transcript, row.start_char or 0, row.end_char or 0)
            is_coded = row.status in ("", "coded")
            meta = _quote_meta(quote, n_coders, differences(quote, by_span)) if is_coded else None
            memos = [(r.coder if len(quote.rows) > 1 else "", r.memo) for r in quote.rows
                     if r.memo]
            _quotation(doc, row, code.color, data.turns.get(span), meta, memos)
            done += len(quote.rows)
            if progress is not None and done % 200 < len(quote.rows) \
                    and not progress(done, total):
                raise ExportCancelled(f"export to {path} cancelled")

    # The TOC goes before the first chapter, but its entries are only known now.
    body = doc.element.body
    n_before = len(body)
    _toc(doc, heads.entries)
    for el in list(body)[n_before - 1 : len(body) - 1]:  # new paragraphs sit before sectPr
        toc_anchor._p.addprevious(el)
    body.remove(toc_anchor._p)
    keep_rows_whole(doc)
    fx.ask_word_to_update_fields(doc)

    tmp = path.with_name(path.name + ".part")
    try:
        doc.save(str(tmp))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(total, total)
    return len(data.rows)


def _footer(section: Any, project: str) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(f"{project} · page ")
    run.font.size = Pt(8)
    fx.simple_field(p, "PAGE", "1")
    for r in p.runs:
        r.font.size = Pt(8)
        r.font.color.rgb = _GREY


__all__ = ["ReportData", "write_report"]
