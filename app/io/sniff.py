"""Encoding sniffing and format detection by content.

Researchers bring files saved by Word, Excel, Otter, Zoom, ELAN and NVivo on every platform; the
extension is often wrong (a `.txt` that is really SRT, a CSV saved as UTF-16 by Excel). So the
bytes decide: BOMs first, then UTF-16 without BOM (NUL pattern), strict UTF-8, and cp1252 as the
last resort for legacy Windows files. Text is returned normalised the way the project stores it
(`\\n` line ends, NFC), so character offsets mean the same thing everywhere.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from pathlib import Path

from app.io.parsed import UnreadableFile

FORMATS = ("txt", "srt", "vtt", "docx", "csv", "eaf", "qdpx")

_SRT_TIMING = re.compile(
    r"^\s*\d{1,3}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,3}:\d{2}:\d{2}[,.]\d{1,3}"
)


def normalise_text(text: str) -> str:
    """`\\r\\n` and lone `\\r` to `\\n`, then NFC: the one form offsets are counted in."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def decode_bytes(data: bytes, filename: str = "file") -> str:
    """Decode and normalise a text file's bytes; raise UnreadableFile for binary content."""
    encoding = sniff_encoding(data, filename)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:  # only cp1252's five undefined bytes can get here
        raise UnreadableFile(
            f"{filename}: byte {exc.start} is not valid text in any supported encoding "
            "(UTF-8, UTF-16, cp1252)"
        ) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    return normalise_text(text)


def mostly_utf8(data: bytes) -> int | None:
    """Offset of the first bad byte when ``data`` is UTF-8 apart from a few bad bytes, else None.

    One stray byte (a cp1252 quote pasted into a UTF-8 file) used to turn the whole file into
    cp1252 mojibake; a file whose non-ASCII text is mostly valid UTF-8 is read as UTF-8 instead,
    the bad bytes replaced, and the caller warns with the line.
    """
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        first = exc.start
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return first if good >= 1 and bad <= max(3, good // 100) else None


def decode_with_warning(
    data: bytes, filename: str = "file"
) -> tuple[str, tuple[int, str] | None]:
    """``decode_bytes`` plus a warning (naming the line) when a mostly-UTF-8 file had bad bytes."""
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        first = mostly_utf8(data)
        if first is not None and b"\x00" not in data[:4096]:
            line = data.count(b"\n", 0, first) + 1
            text = data.decode("utf-8", errors="replace")
            warning = (
                f"byte 0x{data[first]:02X} is not valid UTF-8; read as UTF-8 with the bad "
                "byte(s) shown as \ufffd (check this line in the original)"
            )
            return normalise_text(text.removeprefix("\ufeff")), (line, warning)
    return decode_bytes(data, filename), None


def sniff_encoding(data: bytes, filename: str = "file") -> str:
    """Name of the codec that reads `data`: utf-8-sig, utf-16(-le/-be), utf-8 or cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    head = data[:4096]
    if head:
        even_nuls = head[0::2].count(0)
        odd_nuls = head[1::2].count(0)
        half = max(1, len(head) // 2)
        # ASCII-heavy UTF-16 text has a NUL in every other byte; binary files have them scattered.
        if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
            return "utf-16-le"
        if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
            return "utf-16-be"
        if b"\x00" in head:
            raise UnreadableFile(f"{filename}: binary content, not a text transcript")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def detect_format(path: Path, data: bytes | None = None) -> str:
    """One of FORMATS, decided from the content; the extension only breaks ties for tables."""
    if data is None:
        data = path.read_bytes()
    name = path.name
    if data[:4] == b"PK\x03\x04":
        return _zip_format(path, data)
    ext = path.suffix.lower().lstrip(".")
    if ext == "qdc" or ext == "qde":
        return "qdpx"
    try:
        text = decode_bytes(data[:65536], name)
    except UnreadableFile:
        raise
    except UnicodeDecodeError:  # pragma: no cover - decode_bytes converts these
        raise UnreadableFile(f"{name}: cannot be decoded as text") from None
    stripped = text.lstrip()
    if stripped.startswith("<"):
        head = stripped[:4000]
        if "<ANNOTATION_DOCUMENT" in head:
            return "eaf"
        if "<CodeBook" in head or "<Project" in head:
            return "qdpx"
        if stripped.startswith("<?xml"):
            raise UnreadableFile(
                f"{name}: XML that is neither ELAN (.eaf, ANNOTATION_DOCUMENT) nor REFI-QDA"
            )
        # otherwise text that starts with a tag, e.g. `<v Anna>` cues: decided below
    if stripped.startswith("WEBVTT"):
        return "vtt"
    if _looks_like_srt(stripped):
        return "srt"
    if ext in ("csv", "tsv") or _looks_like_table(text):
        return "csv"
    return "txt"


def is_codebook(data: bytes) -> bool:
    """A REFI-QDA codebook (.qdc: XML whose root is CodeBook) rather than a project."""
    head = data[:4096].lstrip(codecs.BOM_UTF8).lstrip()
    if not head.startswith(b"<"):
        return False
    return b"<CodeBook" in head and b"<Project" not in head


def _zip_format(path: Path, data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"{path.name}: a damaged ZIP archive ({exc})") from exc
    if "word/document.xml" in names:
        return "docx"
    if any(n.lower().endswith(".qde") for n in names):
        return "qdpx"
    if "xl/workbook.xml" in names:
        raise UnreadableFile(
            f"{path.name}: an Excel workbook; save it as CSV (UTF-8) and import that"
        )
    raise UnreadableFile(
        f"{path.name}: a ZIP archive that is neither a Word document (.docx) nor a REFI-QDA "
        "project (.qdpx)"
    )


def _looks_like_srt(text: str) -> bool:
    lines = [ln for ln in text.split("\n")[:6] if ln.strip()]
    if len(lines) >= 2 and lines[0].strip().isdigit() and _SRT_TIMING.match(lines[1]):
        return True
    return bool(lines) and bool(_SRT_TIMING.match(lines[0]))


def sniff_delimiter(sample: str) -> str:
    """Tab, comma or semicolon: whichever splits the first lines into equal, wide rows."""
    best, best_score = ",", -1
    for delim in ("\t", ",", ";"):
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=delim))[:20]
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if len(rows) < 2:
            continue
        widths = {len(r) for r in rows[:-1]}  # the last sampled row may be cut short
        if len(widths) == 1:
            width = widths.pop()
            if width >= 2 and width > best_score:
                best, best_score = delim, width
    return best


def _looks_like_table(text: str) -> bool:
    """A header row and rows of the same width (>= 3 columns) under one delimiter."""
    lines = text.split("\n")
    sample = "\n".join(lines[:30])
    for delim in ("\t", ",", ";"):
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if r]
        except csv.Error:
            continue
        if len(lines) > 30:
            rows = rows[:-1]  # the last sampled row may be cut inside a quoted field
        if len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows) and len(rows[0]) >= 3:
            header = rows[0]
            if all(h.strip() and len(h) < 60 for h in header):
                return True
    return False
