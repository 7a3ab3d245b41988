"""Word (.docx) transcripts: paragraphs with the plain-text conventions, and transcript tables.

Transcription services and hand transcribers deliver Word files either as paragraphs
(`T: ...`, `[00:01:02] C: ...`) or as a table with time / speaker / text columns. The body is
walked in document order and fed to the same `TextParser` the .txt importer uses, so a DOCX and
its "Save as text" twin import identically. "Line" numbers in problems count the paragraphs and
table rows from the top of the document.
"""

from __future__ import annotations

import io

from app.io.archive_limits import check_docx_bytes
from app.io.parsed import ImportProblem, ParsedFile, UnreadableFile
from app.io.sniff import normalise_text
from app.io.speakers import accepted_labels, normalise_label
from app.io.timestamps import DEFAULT_FPS, parse_clock, parse_range
from app.io.txt_import import TextParser, candidate_lines

_TIME_HEADERS = {"time", "timestamp", "start", "begin", "timecode", "zeit", "tc", "timespan", "in"}
_END_HEADERS = {"end", "stop", "out"}
_SPEAKER_HEADERS = {"speaker", "name", "role", "person", "sprecher", "interlocutor", "who"}
_TEXT_HEADERS = {"text", "content", "utterance", "transcript", "transcription", "speech"}


def _blocks(data: bytes, filename: str) -> list[tuple[str, object]]:
    """Body items in order: ('p', text) or ('t', list of row cell texts)."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - python-docx is a declared dependency
        raise UnreadableFile(f"{filename}: python-docx is not installed") from exc
    check_docx_bytes(data, filename)  # before python-docx expands anything (zip bombs)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zip, OPC, XML and key errors alike
        reason = str(exc) or type(exc).__name__
        raise UnreadableFile(f"{filename}: not a readable Word document ({reason})") from exc
    items: list[tuple[str, object]] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            items.append(("p", normalise_text(Paragraph(child, document).text)))
        elif tag == "tbl":
            table = Table(child, document)
            rows = []
            for row in table.rows:
                cells: list[str] = []
                previous = None
                for c in row.cells:
                    if c._tc is previous:  # a horizontally merged cell is listed once per column
                        continue
                    previous = c._tc
                    cells.append(normalise_text(c.text))
                rows.append(cells)
            items.append(("t", rows))
    return items


def _columns(header: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for i, h in enumerate(header):
        key = h.strip().casefold()
        for fld, names in (
            ("time", _TIME_HEADERS),
            ("end", _END_HEADERS),
            ("speaker", _SPEAKER_HEADERS),
            ("text", _TEXT_HEADERS),
        ):
            if key in names and fld not in found:
                found[fld] = i
    return found if "text" in found else None


def _guess_columns(rows: list[list[str]]) -> dict[str, int] | None:
    """Headerless tables: a column of clocks, a short-label column, and the longest text column."""
    if not rows or len(rows[0]) < 2:
        return None
    width = len(rows[0])
    found: dict[str, int] = {}
    for i in range(width):
        values = [r[i].strip() for r in rows if i < len(r) and r[i].strip()]
        if values and all(parse_clock(v) is not None or parse_range(v) is not None for v in values):
            found.setdefault("time", i)
    lengths = [sum(len(r[i]) for r in rows if i < len(r)) for i in range(width)]
    text_col = max((i for i in range(width) if i not in found.values()), key=lambda i: lengths[i])
    found["text"] = text_col
    for i in range(width):
        if i not in found.values():
            found["speaker"] = i
            break
    return found


def parse_docx(
    data: bytes,
    speaker_map: dict[str, str] | None = None,
    filename: str = "document.docx",
    fps: int = DEFAULT_FPS,
) -> ParsedFile:
    """Parse a .docx file's bytes."""
    items = _blocks(data, filename)
    paragraphs = [str(text) for kind, text in items if kind == "p"]
    labels = accepted_labels(candidate_lines(paragraphs), speaker_map or {})
    has_tables = any(kind == "t" for kind, _ in items)
    parser = TextParser(labels, fps=fps, paragraph_mode=not labels and not has_tables)
    problems: list[ImportProblem] = []
    lineno = 0
    for kind, payload in items:
        if kind == "p":
            for piece in str(payload).split("\n"):  # soft line breaks inside a paragraph
                lineno += 1
                parser.feed(lineno, piece)
            parser.feed(lineno, "")
            continue
        rows = payload if isinstance(payload, list) else []
        if not rows:
            continue
        cols = _columns(rows[0])
        if cols is not None:
            lineno += 1  # the header row
            body = rows[1:]
        else:
            cols = _guess_columns(rows)
            body = rows
        if cols is None:
            lineno += len(rows)
            continue
        for row in body:
            lineno += 1
            if not any(c.strip() for c in row):
                continue

            def cell(fld: str, row: list[str] = row, cols: dict[str, int] = cols) -> str:
                i = cols.get(fld)
                return row[i].strip() if i is not None and i < len(row) else ""

            start = end = None
            stamp = cell("time")
            if stamp:
                rng = parse_range(stamp)
                if rng is not None:
                    start, end = rng
                else:
                    start = parse_clock(stamp.strip("[]{}#() "))
                    if start is None:
                        parser.problems.append(
                            ImportProblem(lineno, f"malformed timestamp '{stamp}'")
                        )
            if cell("end"):
                end = parse_clock(cell("end").strip("[]{}#() "))
                if end is None:
                    parser.problems.append(
                        ImportProblem(lineno, f"malformed timestamp '{cell('end')}'")
                    )
            parser.add_row(
                lineno, normalise_label(cell("speaker").rstrip(":")), start, end, cell("text")
            )
    transcript = parser.finish()
    problems.extend(parser.problems)
    problems.sort(key=lambda p: p.line)
    return ParsedFile(format="docx", transcripts=[transcript], problems=problems)
