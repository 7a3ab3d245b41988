"""One entry point for every transcript format: detect, decode, parse.

The CLI `import` command and the import dialog both call `read_transcript_file`, so a file
previews in the dialog exactly as it will import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.io.docx_import import parse_docx
from app.io.eaf_import import parse_eaf
from app.io.parsed import ImportProblem, ParsedFile, UnreadableFile
from app.io.sniff import FORMATS, decode_with_warning, detect_format
from app.io.subtitles import parse_subtitles
from app.io.table_import import TableOptions, parse_table
from app.io.txt_import import parse_text

#: formats handled by `app.io.refi` rather than by these parsers
REFI_FORMATS = frozenset({"qdpx"})


@dataclass
class ReadOptions:
    """Parser choices: forced format, speaker map, and the table contract (spec §4)."""

    format: str = "auto"
    speaker_map: dict[str, str] = field(default_factory=dict)
    column_map: dict[str, str] = field(default_factory=dict)
    code_columns: list[str] = field(default_factory=list)
    coder_column: str | None = None
    coder: str | None = None


def file_format(path: Path, forced: str = "auto", data: bytes | None = None) -> str:
    """The format to read `path` as: the forced one, else detected from the content."""
    if forced != "auto":
        if forced not in FORMATS:
            raise UnreadableFile(f"--format {forced}: expected auto or one of {', '.join(FORMATS)}")
        return forced
    return detect_format(path, data)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path}: is a folder, not a transcript file") from None
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot read ({exc.strerror})") from exc


def read_transcript_file(path: Path, options: ReadOptions) -> ParsedFile:
    """Parse one non-REFI file; raise UnreadableFile when nothing in it can be imported."""
    data = read_bytes(path)
    if not data.strip():
        raise UnreadableFile(f"{path.name}: the file is empty")
    fmt = file_format(path, options.format, data)
    if fmt in REFI_FORMATS:
        raise UnreadableFile(f"{path.name}: a REFI-QDA file; it is imported by the qdpx importer")
    name = path.name
    if fmt == "docx":
        parsed = parse_docx(data, options.speaker_map, filename=name)
    elif fmt == "eaf":
        parsed = parse_eaf(data, filename=name)
    else:
        text, encoding_warning = decode_with_warning(data, name)
        if fmt in ("srt", "vtt"):
            parsed = parse_subtitles(text, fmt, options.speaker_map)
        elif fmt == "csv":
            table = TableOptions(
                column_map=options.column_map,
                code_columns=list(options.code_columns),
                coder_column=options.coder_column,
                coder=options.coder,
            )
            delimiter = "\t" if path.suffix.lower() == ".tsv" else None
            parsed = parse_table(text, table, filename=name, delimiter=delimiter)
        else:
            parsed = parse_text(text, options.speaker_map)
        if encoding_warning is not None:
            parsed.problems.insert(0, ImportProblem(*encoding_warning))
    if parsed.utterance_count == 0:
        first = (
            f" (first problem: line {parsed.problems[0].line}: {parsed.problems[0].message})"
            if parsed.problems
            else ""
        )
        raise UnreadableFile(f"{name}: read as {fmt}, but no utterances were found{first}")
    return parsed
