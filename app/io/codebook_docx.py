"""The Word codebook: the document a team puts in the methods appendix of a paper.

Layout, chosen to read like a published coding manual rather than a data dump:

1. Title, version and source citation, then a short paragraph saying how large the codebook is,
   which unit coders work in (e.g. 5-minute windows for 3RS) and how to read the entries.
2. An overview table: the whole hierarchy on one or two pages with colour swatches, shortcut keys
   and rating scales, so a reader sees the structure before the detail.
3. Rating scales, each printed once with its anchor labels (3RS attaches the same 1-5 significance
   scale to 24 codes; repeating it 24 times would bury the definitions).
4. One entry per code in tree order, headed by its name at a heading level that follows its depth.
   A coloured stripe runs down the left of the entry (a shaded table cell, so it survives printing
   and PDF conversion), beside definition, inclusion and exclusion criteria and examples.

Category nodes (``codable: false``) get their definition and a list of what they group.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell

from app.core.dto import CodeSpec, RatingScale, SchemeSpec
from app.io import codebook_docx_xml as fx
from app.io.atomic import atomic_path

_GREY = RGBColor(0x5F, 0x5F, 0x5F)
_INK = RGBColor(0x1F, 0x2A, 0x37)
_LABEL_FILL = "F3F4F6"
_PATH_SEP = "/"
_MAX_HEADING = 4


def write_codebook_docx(project: Any, path: str | Path) -> None:
    """Write the project's codebook as a Word document at ``path`` (atomically)."""
    from app.core.codebook import codebook_spec, list_schemes

    scheme = codebook_spec(project)
    loaded = list_schemes(project)
    write_scheme_docx(
        scheme, path, project_name=project.display_name, parts=loaded if len(loaded) > 1 else ()
    )


def write_scheme_docx(
    scheme: SchemeSpec,
    path: str | Path,
    project_name: str = "",
    parts: Sequence[SchemeSpec] = (),
) -> None:
    """Write a codebook given as a spec tree (a project's, or a scheme file's) to ``path``.

    ``parts`` names the schemes a project combined (their versions and window lengths), which
    the merged tree alone no longer carries.
    """
    doc = Document()
    _setup(doc)
    _title(doc, scheme, project_name, parts)
    _overview(doc, scheme, parts)
    scales = _distinct_scales(scheme.codes)
    if scales:
        _scales(doc, scales)
    doc.add_heading("Code definitions", level=1)
    for code, trail in _walk(scheme.codes, ()):
        _entry(doc, code, trail, scales)
    _footer(doc, scheme)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))


# ---------------------------------------------------------------- structure helpers


def _walk(
    codes: tuple[CodeSpec, ...], trail: tuple[str, ...]
) -> Iterator[tuple[CodeSpec, tuple[str, ...]]]:
    """Pre-order traversal yielding each code with the names of its ancestors."""
    for code in codes:
        yield code, trail
        yield from _walk(code.children, (*trail, code.name))


def _scale_key(scale: RatingScale) -> tuple[object, ...]:
    return (scale.name, scale.min, scale.max, tuple(sorted(scale.labels.items())))


def _distinct_scales(
    codes: tuple[CodeSpec, ...],
) -> dict[tuple[object, ...], tuple[RatingScale, list[str]]]:
    """Each distinct rating scale once, with a readable list of the codes that use it.

    Where every codable child of a category uses the scale, the category is named instead of
    its children ("all 7 in Withdrawal"), which keeps the 3RS list short enough to read.
    """
    users: dict[tuple[object, ...], tuple[RatingScale, list[tuple[tuple[str, ...], str]]]] = {}
    codable_children: dict[tuple[str, ...], int] = {}
    for code, trail in _walk(codes, ()):
        if code.codable:
            codable_children[trail] = codable_children.get(trail, 0) + 1
        if code.rating is not None:
            users.setdefault(_scale_key(code.rating), (code.rating, []))[1].append(
                (trail, code.name)
            )
    out: dict[tuple[object, ...], tuple[RatingScale, list[str]]] = {}
    for key, (scale, entries) in users.items():
        names: list[str] = []
        done: set[tuple[str, ...]] = set()
        for trail, name in entries:
            if trail in done:
                continue
            same = [n for t, n in entries if t == trail]
            if trail and len(same) > 1 and len(same) == codable_children.get(trail, 0):
                names.append(f"all {len(same)} codes in {trail[-1]}")
                done.add(trail)
            else:
                names.append(name)
        out[key] = (scale, names)
    return out


def _scale_title(scale: RatingScale) -> str:
    return f"{scale.name} ({scale.min}-{scale.max})"


def _count(codes: tuple[CodeSpec, ...]) -> tuple[int, int]:
    codable = categories = 0
    for code, _trail in _walk(codes, ()):
        if code.codable:
            codable += 1
        else:
            categories += 1
    return codable, categories


# ---------------------------------------------------------------- low-level formatting


def _setup(doc: Any) -> None:
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.1
    for level, size, before in ((1, 16, 18), (2, 13.5, 14), (3, 12, 12), (4, 11, 10)):
        st = styles[f"Heading {level}"]
        st.font.name = "Calibri"
        st.font.size = Pt(size)
        st.font.color.rgb = _INK
        st.font.italic = False
        st.paragraph_format.space_before = Pt(before)
        st.paragraph_format.space_after = Pt(4)
        st.paragraph_format.keep_with_next = True
    title = styles["Title"]
    title.font.name = "Calibri"
    title.font.size = Pt(24)
    title.font.color.rgb = _INK


# ---------------------------------------------------------------- sections


def _title(
    doc: Any, scheme: SchemeSpec, project_name: str, combined: Sequence[SchemeSpec] = ()
) -> None:
    doc.add_paragraph(scheme.name, style="Title")
    sub = doc.add_paragraph()
    parts = ["Codebook"]
    if len(combined) > 1:  # a project's codebook of several schemes is titled after none
        names = [f"{p.name} {p.version}".strip() for p in combined]
        parts = [f"Codebook combining {', '.join(names[:-1])} and {names[-1]}"]
    if scheme.version:
        parts.append(f"version {scheme.version}")
    if project_name and project_name != scheme.name:
        parts.append(f"project {project_name}")
    parts.append(f"exported {date.today().isoformat()} from IPR Workbench")
    fx.run(sub, " · ".join(parts), color=_GREY, size=10)
    # A project that loaded several schemes carries one citation per line.
    sources = [" ".join(line.split()) for line in scheme.citation.splitlines() if line.strip()]
    for i, source in enumerate(sources):
        cite = doc.add_paragraph()
        cite.paragraph_format.space_before = Pt(8 if i == 0 else 2)
        if i == 0:
            fx.run(cite, "Sources. " if len(sources) > 1 else "Source. ", bold=True)
        fx.run(cite, source, italic=True)


def _window_text(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}-minute" if not rest else f"{seconds}-second"


def _overview(doc: Any, scheme: SchemeSpec, parts: Sequence[SchemeSpec]) -> None:
    codable, categories = _count(scheme.codes)
    doc.add_heading("Overview", level=1)
    intro = doc.add_paragraph()
    sentence = (
        f"The codebook has {codable} code{'s' if codable != 1 else ''} that coders apply to data"
    )
    if categories:
        sentence += (
            f", grouped under {categories} categor{'ies' if categories != 1 else 'y'} that only"
            " structure the tree"
        )
    intro.add_run(sentence + ".")
    if parts:
        described = []
        for part in parts:
            bits = [f"version {part.version}"] if part.version else []
            if part.window_seconds:
                bits.append(f"coded in {_window_text(part.window_seconds)} windows")
            described.append(f"{part.name}" + (f" ({'; '.join(bits)})" if bits else ""))
        intro.add_run(f" It combines {len(parts)} schemes: {', '.join(described)}.")
    if scheme.window_seconds:
        length = _window_text(scheme.window_seconds)
        intro.add_run(
            f" Coders work through each session in consecutive {length} windows of the session"
            " clock and mark every code that occurs in a window."
        )
    intro.add_run(
        " Each entry below gives the definition, when to apply the code (include), near misses"
        " and where they belong instead (exclude), and example utterances (T: therapist,"
        " C: client). The coloured stripe and the key match the highlight colour and keyboard"
        " shortcut used in IPR Workbench."
    )
    rows = list(_walk(scheme.codes, ()))
    table = doc.add_table(rows=1, cols=4)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0].cells
    for cell, text in zip(header, ("", "Code", "Key", "Rating"), strict=True):
        fx.cell_text(cell, text, bold=True, size=9.5)
    fx.repeat_header(table.rows[0])
    for code, trail in rows:
        cells = table.add_row().cells
        fx.shade_cell(cells[0], code.color or "#808080")
        name = cells[1].paragraphs[0]
        name.paragraph_format.left_indent = Cm(0.5 * len(trail))
        name.paragraph_format.space_after = Pt(1)
        fx.run(name, code.name, bold=not code.codable, size=9.5)
        if not code.codable:
            fx.run(name, "  category", italic=True, size=8.5, color=_GREY)
        fx.cell_text(cells[2], code.shortcut, size=9.5)
        fx.cell_text(cells[3], _scale_title(code.rating) if code.rating else "", size=9.5)
    fx.set_widths(table, (0.5, 10.6, 2.0, 3.5))
    fx.rule_borders(table)


def _scales(doc: Any, scales: dict[tuple[object, ...], tuple[RatingScale, list[str]]]) -> None:
    doc.add_heading("Rating scales", level=1)
    doc.add_paragraph(
        "A coder who applies one of the codes below also gives a rating on its scale. Anchor"
        " labels describe the points; intermediate points without a label lie between them."
    )
    for scale, users in scales.values():
        doc.add_heading(_scale_title(scale), level=3)
        used = doc.add_paragraph()
        used.paragraph_format.keep_with_next = True
        fx.run(used, "Used by: ", bold=True, size=9.5)
        fx.run(used, ", ".join(users), size=9.5, color=_GREY)
        # Anchors as paragraphs, not a table: "keep with next" holds a scale together on one
        # page in LibreOffice as well as Word (LibreOffice ignores it inside table rows).
        points = range(scale.min, scale.max + 1)
        for point in points:
            line = doc.add_paragraph()
            line.paragraph_format.left_indent = Cm(1.0)
            line.paragraph_format.first_line_indent = Cm(-1.0)
            line.paragraph_format.tab_stops.add_tab_stop(Cm(1.0))
            line.paragraph_format.space_after = Pt(1)
            line.paragraph_format.keep_with_next = point != points[-1]
            fx.run(line, f"{point}\t", bold=True)
            fx.run(line, scale.labels.get(point, ""))


def _meta_line(doc: Any, code: CodeSpec, trail: tuple[str, ...]) -> None:
    meta = doc.add_paragraph()
    meta.paragraph_format.space_after = Pt(3)
    meta.paragraph_format.keep_with_next = True
    bits = [_PATH_SEP.join((*trail, code.name))]
    if code.shortcut:
        bits.append(f"key {code.shortcut}")
    if code.color:
        bits.append(code.color)
    if not code.codable:
        bits.append("category (not applied to data)")
    fx.run(meta, "   ·   ".join(bits), size=9, color=_GREY)


def _entry(
    doc: Any,
    code: CodeSpec,
    trail: tuple[str, ...],
    scales: dict[tuple[object, ...], tuple[RatingScale, list[str]]],
) -> None:
    level = min(len(trail) + 2, _MAX_HEADING)
    doc.add_heading(code.name, level=level)
    _meta_line(doc, code, trail)
    rows: list[tuple[str, str | list[str]]] = []
    if code.definition:
        rows.append(("Definition", code.definition))
    if code.include:
        rows.append(("Include", code.include))
    if code.exclude:
        rows.append(("Exclude", code.exclude))
    if code.examples:
        rows.append(("Examples", list(code.examples)))
    if code.rating is not None:
        rows.append(("Rating", _rating_text(code.rating, scales)))
    if not code.codable and code.children:
        rows.append(("Groups", ", ".join(c.name for c in code.children)))
    if not rows:
        note = doc.add_paragraph()
        fx.run(note, "No definition has been written for this code yet.", italic=True, color=_GREY)
        return
    table = doc.add_table(rows=len(rows), cols=3)
    stripe = (
        table.cell(0, 0).merge(table.cell(len(rows) - 1, 0)) if len(rows) > 1 else table.cell(0, 0)
    )
    fx.shade_cell(stripe, code.color or "#808080")
    for i, (label, value) in enumerate(rows):
        label_cell, text_cell = table.cell(i, 1), table.cell(i, 2)
        fx.shade_cell(label_cell, _LABEL_FILL)
        fx.cell_text(label_cell, label, bold=True, size=9.5)
        if isinstance(value, list):
            _examples(text_cell, value)
        else:
            fx.cell_text(text_cell, " ".join(value.split()))
    fx.set_widths(table, (0.35, 2.3, 13.95))
    fx.rule_borders(table, inside=True)
    fx.cant_split(table, keep_together=True)
    spacer = doc.add_paragraph()
    spacer.paragraph_format.space_after = Pt(2)


def _examples(cell: _Cell, examples: list[str]) -> None:
    for i, text in enumerate(examples):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.paragraph_format.left_indent = Cm(0.35)
        paragraph.paragraph_format.first_line_indent = Cm(-0.35)
        fx.run(paragraph, "\u2013 ", color=_GREY)
        fx.run(paragraph, " ".join(text.split()), italic=True)


def _rating_text(
    scale: RatingScale, scales: dict[tuple[object, ...], tuple[RatingScale, list[str]]]
) -> str:
    users = scales.get(_scale_key(scale), (scale, []))[1]
    if len(users) > 1 or any(u.startswith("all ") for u in users):
        return f"{_scale_title(scale)}; anchors under Rating scales."
    anchors = "; ".join(f"{k} = {v}" for k, v in sorted(scale.labels.items()))
    return f"{_scale_title(scale)}" + (f": {anchors}." if anchors else ".")


def _footer(doc: Any, scheme: SchemeSpec) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fx.run(paragraph, f"{scheme.name} · codebook · page ", size=8.5, color=_GREY)
    fx.page_field(paragraph)
    for run in paragraph.runs:
        run.font.size = Pt(8.5)
        run.font.color.rgb = _GREY
