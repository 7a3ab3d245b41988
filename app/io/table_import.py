"""CSV/TSV transcripts, including tables already coded in spreadsheets or other tools.

Contract (spec §4): `--map COLUMN=FIELD,...` names which columns hold session, transcript,
speaker, start, end, text and utterance id; `--code-columns` turns each named column into a
parent code whose cell values are child codes; `--coder-column` says who coded each row. Rows that
share session and utterance id are one utterance coded by each of their coders (AnnoMI-full has
one row per annotator). Without `--map` the usual headers are recognised, including NVivo's
`Timespan / Speaker / Content` export.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from app.io.parsed import (
    ImportProblem,
    ParsedFile,
    ParsedTranscript,
    ParsedUtterance,
    UnreadableFile,
    fill_end_times,
    report_backwards,
)
from app.io.sniff import sniff_delimiter
from app.io.speakers import assignments, normalise_label
from app.io.timestamps import parse_clock, parse_range

FIELDS = ("session", "transcript", "speaker", "start", "end", "text", "utterance")
NONE_VALUES = frozenset({"", "n/a", "na", "none", "null", "-"})

_AUTO: dict[str, str] = {
    "session": "session",
    "session_id": "session",
    "transcript": "transcript",
    "transcript_id": "transcript",
    "speaker": "speaker",
    "interlocutor": "speaker",
    "role": "speaker",
    "start": "start",
    "start_time": "start",
    "begin": "start",
    "begin time": "start",
    "begin time - hh:mm:ss.ms": "start",
    "timestamp": "start",
    "time": "start",
    "end": "end",
    "end_time": "end",
    "end time": "end",
    "end time - hh:mm:ss.ms": "end",
    "stop": "end",
    "text": "text",
    "content": "text",
    "utterance_text": "text",
    "transcript text": "text",
    "utterance": "utterance",
    "utterance_id": "utterance",
    "timespan": "timespan",
}
_SECONDS = re.compile(r"^\d+(?:\.\d+)?$")


class ColumnMapError(ValueError):
    """A `--map` value that is not `COLUMN=FIELD,...` with known fields."""


def parse_column_map(spec: str | None) -> dict[str, str]:
    """`transcript_id=session,utterance_text=text` -> {column: field}.

    The spec writes COLUMN=FIELD; people (and the issue that asked for this) also write
    FIELD=COLUMN. When the right side is a field name it is COLUMN=FIELD, else when the left side
    is one it is FIELD=COLUMN.
    """
    result: dict[str, str] = {}
    for part, left, right in assignments(spec, "--map", "COLUMN=FIELD", ColumnMapError):
        if right in FIELDS:
            column, fld = left, right
        elif left in FIELDS:
            column, fld = right, left
        else:
            raise ColumnMapError(
                f"--map: '{part}' names no field; use COLUMN=FIELD with a field among "
                f"{', '.join(FIELDS)}"
            )
        if not column:
            raise ColumnMapError(f"--map: '{part}' has an empty column name")
        result[column] = fld
    return result


@dataclass
class TableOptions:
    column_map: dict[str, str]
    code_columns: list[str]
    coder_column: str | None = None
    coder: str | None = None


def _time(value: str) -> int | None:
    value = value.strip()
    if _SECONDS.match(value):
        return round(float(value) * 1000)
    return parse_clock(value)


def parse_table(
    text: str, options: TableOptions, filename: str = "table", delimiter: str | None = None
) -> ParsedFile:
    """Parse normalised CSV/TSV text; raise UnreadableFile when the header does not fit."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # callers normally did this already
    delim = delimiter or sniff_delimiter(text[:16384])
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile(f"{filename}: empty table (no header row)") from None
    except csv.Error as exc:
        raise UnreadableFile(f"{filename}:1: broken CSV header ({exc})") from exc
    header = [h.strip() for h in header]
    index = {h: i for i, h in enumerate(header)}
    mapping = _resolve_mapping(header, options.column_map, filename)
    headerless = False
    if "text" not in mapping and not options.column_map and _looks_like_data(header):
        # "00:00:05<TAB>T<TAB>Hello": a transcript table without a header row
        try:
            sample = [header, *list(csv.reader(io.StringIO(text), delimiter=delim))[1:50]]
        except csv.Error as exc:
            raise UnreadableFile(f"{filename}: broken CSV ({exc})") from exc
        mapping = _guess_mapping(sample)
        headerless = True
        reader = csv.reader(io.StringIO(text), delimiter=delim)
    if "text" not in mapping:
        raise UnreadableFile(
            f"{filename}:1: no text column; name it with --map COLUMN=text "
            f"(columns: {', '.join(header)})"
        )
    for col in [*options.code_columns, *([options.coder_column] if options.coder_column else [])]:
        if col not in index:
            raise UnreadableFile(
                f"{filename}:1: column '{col}' not in header ({', '.join(header)})"
            )
    code_idx = [(col, index[col]) for col in options.code_columns]
    coder_idx = index[options.coder_column] if options.coder_column else None

    problems: list[ImportProblem] = []
    coders: list[str] = []
    transcripts: dict[tuple[str | None, str | None], ParsedTranscript] = {}
    by_id: dict[tuple[str | None, str | None, str], ParsedUtterance] = {}
    seen_codings: set[tuple[int, str, tuple[str, ...]]] = set()
    # every index the loop reads must exist, also in short (or headerless) rows
    width = max([len(header), *(i + 1 for i in mapping.values()), *(i + 1 for _, i in code_idx)])
    if coder_idx is not None:
        width = max(width, coder_idx + 1)
    prev_line = 0 if headerless else 1
    try:
        for row in reader:
            line = prev_line + 1
            prev_line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header) and not headerless:
                problems.append(
                    ImportProblem(line, f"row has {len(row)} fields, the header has {len(header)}")
                )
            elif len(row) > len(header) and not headerless and header:
                # an unquoted delimiter inside the last column ("Gut; danke." in a ;-table)
                problems.append(
                    ImportProblem(
                        line,
                        f"row has {len(row)} fields, the header has {len(header)}; "
                        "the extra ones are joined into the last column",
                    )
                )
                last = len(header) - 1
                row = [*row[:last], delim.join(row[last:])]
            if len(row) < width:
                row = row + [""] * (width - len(row))

            def cell(fld: str, row: list[str] = row) -> str:
                return row[mapping[fld]].strip() if fld in mapping else ""

            session = cell("session") or None
            tname = cell("transcript") or None
            key = (session, tname)
            transcript = transcripts.get(key)
            if transcript is None:
                transcript = transcripts[key] = ParsedTranscript(session=session, name=tname)
            uid = cell("utterance") or None
            utt = by_id.get((session, tname, uid)) if uid is not None else None
            if utt is None:
                utt = _new_utterance(row, mapping, line, problems)
                if utt is None:
                    continue
                utt.source_id = uid
                transcript.utterances.append(utt)
                if uid is not None:
                    by_id[(session, tname, uid)] = utt
            coder = options.coder
            if coder_idx is not None and row[coder_idx].strip():
                coder = row[coder_idx].strip()
            if coder is not None and coder not in coders and (code_idx or coder_idx is not None):
                coders.append(coder)
            for col, ci in code_idx:
                value = row[ci].strip()
                if value.casefold() in NONE_VALUES or coder is None:
                    continue
                path = (col, value)
                marker = (id(utt), coder, path)
                if marker not in seen_codings:
                    seen_codings.add(marker)
                    utt.codings.append((coder, path))
    except csv.Error as exc:
        raise UnreadableFile(f"{filename}:{reader.line_num}: broken CSV ({exc})") from exc

    for transcript in transcripts.values():
        if all(u.source_id is not None and u.source_id.isdigit() for u in transcript.utterances):
            transcript.utterances.sort(key=lambda u: int(u.source_id or 0))
        report_backwards(transcript.utterances, problems)
        fill_end_times(transcript.utterances)
    problems.sort(key=lambda p: p.line)
    return ParsedFile(
        format="csv", transcripts=list(transcripts.values()), problems=problems, coders=coders
    )


def _resolve_mapping(
    header: list[str], column_map: dict[str, str], filename: str
) -> dict[str, int]:
    index = {h: i for i, h in enumerate(header)}
    mapping: dict[str, int] = {}
    if column_map:
        for column, fld in column_map.items():
            if column not in index:
                raise UnreadableFile(
                    f"{filename}:1: --map names column '{column}', which is not in the header "
                    f"({', '.join(header)})"
                )
            mapping[fld] = index[column]
        return mapping
    for i, h in enumerate(header):
        auto = _AUTO.get(h.casefold())
        if auto is not None and auto not in mapping:
            mapping[auto] = i
    return mapping


def _looks_like_data(row: list[str]) -> bool:
    """A first row holding a clock value is data, not a header."""
    return any(parse_clock(c) is not None or parse_range(c) is not None for c in row if c.strip())


def _guess_mapping(rows: list[list[str]]) -> dict[str, int]:
    """Headerless tables: a column of clocks (start), a short-label column, the longest text."""
    width = max(len(r) for r in rows)
    mapping: dict[str, int] = {}
    for i in range(width):
        values = [r[i].strip() for r in rows if i < len(r) and r[i].strip()]
        if values and all(parse_clock(v) is not None for v in values):
            mapping.setdefault("start", i)
        elif values and all(parse_range(v) is not None for v in values):
            mapping.setdefault("timespan", i)
    free = [i for i in range(width) if i not in mapping.values()]
    if not free:
        return mapping
    lengths = {i: sum(len(r[i]) for r in rows if i < len(r)) for i in free}
    mapping["text"] = max(free, key=lambda i: lengths[i])
    labels = [i for i in free if i != mapping["text"]]
    if labels:
        mapping["speaker"] = min(labels, key=lambda i: lengths[i])
    return mapping


def _new_utterance(
    row: list[str], mapping: dict[str, int], line: int, problems: list[ImportProblem]
) -> ParsedUtterance | None:
    def cell(fld: str) -> str:
        return row[mapping[fld]].strip() if fld in mapping else ""

    text = row[mapping["text"]].replace("\r", "").strip()
    speaker = normalise_label(cell("speaker"))
    if not text:
        problems.append(ImportProblem(line, "empty turn: skipped"))
        return None
    start = end = None
    if cell("timespan"):
        rng = parse_range(cell("timespan"))
        if rng is None:
            problems.append(ImportProblem(line, f"malformed timespan '{cell('timespan')}'"))
        else:
            start, end = rng
    for fld in ("start", "end"):
        raw = cell(fld)
        if not raw:
            continue
        value = _time(raw)
        if value is None:
            problems.append(ImportProblem(line, f"malformed timestamp '{raw}' in the {fld} column"))
        elif fld == "start":
            start = value
        else:
            end = value
    if start is not None and end is not None and end < start:
        problems.append(ImportProblem(line, "row ends before it starts; end set to start"))
        end = start
    return ParsedUtterance(speaker=speaker, text=text, start_ms=start, end_ms=end, line=line)
