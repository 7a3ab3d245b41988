"""Read a REFI-QDA ``.qdpx`` archive (or a bare ``.qde`` file) defensively.

A ``.qdpx`` comes from another program, often by e-mail, so it is untrusted input: the zip may be
broken, may be a zip bomb, or may hold huge members. Every read here is capped on the bytes
actually decompressed (the sizes in the zip header can lie), and every failure becomes a
``UserError`` naming the file, never a traceback.

Tools disagree on the layout: the standard says ``project.qde`` at the root and a flat ``sources/``
folder; NVivo writes ``Sources/``; some ATLAS.ti exports name the inner file ``Project.qde`` or
after the project. Lookups are therefore case-insensitive and accept any single root ``.qde``.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from app.core.errors import UserError
from app.io.archive_limits import MEDIA_MAX_RATIO

#: Largest project.qde we parse (XML is parsed in memory).
MAX_QDE_BYTES = 256 * 1024 * 1024
#: Largest single source member we extract (a text transcript; media are never extracted).
MAX_MEMBER_BYTES = 256 * 1024 * 1024
#: Largest total we are prepared to decompress from one archive.
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
#: A member that claims to expand more than this ratio (and is larger than 1 MiB) is a bomb.
MAX_RATIO = 200
_CHUNK = 1024 * 1024
#: Largest total of embedded media we extract from one archive.
MAX_TOTAL_MEDIA_BYTES = 64 * 1024**3


@dataclass
class QdpxArchive:
    """The parts of a REFI-QDA project we need: the XML and a way to fetch ``internal://`` files."""

    path: Path
    qde_name: str
    qde_bytes: bytes
    _zip: zipfile.ZipFile | None = None
    _sources: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    _root_files: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    _source_dir: Path | None = None
    _read_total: int = 0
    _media_total: int = 0

    def close(self) -> None:
        """Release the zip file handle."""
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> QdpxArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has_source(self, internal_name: str) -> bool:
        """True when the archive holds the file an ``internal://NAME`` path points to."""
        key = internal_name.lower()
        if self._zip is not None:
            return key in self._sources
        return self._loose_source(internal_name) is not None

    def read_source(self, internal_name: str) -> bytes | None:
        """The bytes of ``sources/NAME``, or None when the archive does not contain it."""
        if self._zip is not None:
            info = self._sources.get(internal_name.lower())
            if info is None:
                return None
            data = _read_member(self._zip, info, self.path, MAX_MEMBER_BYTES)
            self._read_total += len(data)
            if self._read_total > MAX_TOTAL_BYTES:
                raise UserError(
                    f"{self.path}: the archive expands to more than "
                    f"{MAX_TOTAL_BYTES // (1024 * 1024)} MiB; refusing to import it"
                )
            return data
        loose = self._loose_source(internal_name)
        if loose is None:
            return None
        if loose.stat().st_size > MAX_MEMBER_BYTES:
            raise UserError(f"{loose}: source file is larger than the import limit")
        return loose.read_bytes()

    def extract_source(self, internal_name: str, dest: Path) -> bool:
        """Stream ``sources/NAME`` (an embedded video) to ``dest``; False when absent.

        Media are too large to hold in memory and compress poorly, so the ratio check at open
        time does not catch a lying header; instead the copy stops as soon as more bytes come
        out than the member declared.
        """
        if self._zip is None:
            return False
        info = self._sources.get(internal_name.lower())
        if info is None:
            return False
        if info.file_size > _CHUNK and info.file_size > MEDIA_MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise UserError(
                f"{self.path}: media {info.filename} would expand "
                f"{info.file_size // max(info.compress_size, 1)}:1 (video barely compresses); "
                "refusing a likely zip bomb"
            )
        self._media_total += info.file_size
        if self._media_total > MAX_TOTAL_MEDIA_BYTES:
            raise UserError(
                f"{self.path}: its media would expand to more than "
                f"{MAX_TOTAL_MEDIA_BYTES // 2**30} GiB; refusing to extract them"
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        written = 0
        try:
            with self._zip.open(info) as fh, part.open("wb") as out:
                while chunk := fh.read(_CHUNK):
                    written += len(chunk)
                    if written > info.file_size:
                        raise UserError(
                            f"{self.path}: member {info.filename} is larger than its header "
                            f"says; refusing a likely zip bomb"
                        )
                    out.write(chunk)
            part.replace(dest)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            part.unlink(missing_ok=True)
            raise UserError(f"{self.path}: cannot extract {info.filename}: {exc}") from exc
        except UserError:
            part.unlink(missing_ok=True)
            raise
        return True

    def read_root_file(self, name: str, limit: int = MAX_QDE_BYTES) -> bytes | None:
        """A file at the archive root other than the .qde (our round-trip sidecar)."""
        if self._zip is None:
            return None
        info = self._root_files.get(name.lower())
        return None if info is None else _read_member(self._zip, info, self.path, limit)

    def _loose_source(self, internal_name: str) -> Path | None:
        """For a bare .qde: look in a sibling sources/ (or Sources/) folder."""
        if self._source_dir is None:
            return None
        wanted = internal_name.lower()
        for candidate in self._source_dir.iterdir():
            if candidate.name.lower() == wanted and candidate.is_file():
                return candidate
        return None


def open_project_file(path: Path) -> QdpxArchive:
    """Open a ``.qdpx`` zip or a bare ``.qde`` XML file for reading.

    Raises ``UserError`` for a missing file, a broken zip, a zip without a ``.qde``, or members
    that are too large or compress suspiciously well.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    if path.suffix.lower() == ".qde" or not zipfile.is_zipfile(path):
        return _open_bare_qde(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable .qdpx (zip) archive: {exc}") from exc
    try:
        return _open_zip(path, zf)
    except BaseException:
        zf.close()
        raise


def _open_bare_qde(path: Path) -> QdpxArchive:
    head = path.read_bytes()[:512].lstrip(b"\xef\xbb\xbf").lstrip()
    if path.suffix.lower() == ".qdpx" and not head.startswith(b"<"):
        raise UserError(f"{path}: not a readable .qdpx archive (not a zip file)")
    if path.stat().st_size > MAX_QDE_BYTES:
        raise UserError(f"{path}: project XML is larger than the import limit")
    source_dir = None
    for name in ("sources", "Sources"):
        candidate = path.parent / name
        if candidate.is_dir():
            source_dir = candidate
            break
    return QdpxArchive(
        path=path, qde_name=path.name, qde_bytes=path.read_bytes(), _source_dir=source_dir
    )


_MEDIA = (
    ".mp4",
    ".m4v",
    ".mov",
    ".avi",
    ".mkv",
    ".webm",
    ".wmv",
    ".mpg",
    ".mpeg",
    ".mp3",
    ".m4a",
    ".wav",
    ".aac",
    ".ogg",
    ".flac",
    ".wma",
    ".jpg",
    ".jpeg",
    ".png",
    ".pdf",
)


def _parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    return PurePosixPath(info.filename.replace("\\", "/")).parts


def _root_prefix(path: Path, files: list[zipfile.ZipInfo]) -> tuple[str, ...]:
    """The folder that plays the archive root: '' normally; the single top folder when someone
    zipped the project folder itself (``Study/project.qde``, ``Study/sources/...``)."""
    if any(len(_parts(i)) == 1 and _parts(i)[0].lower().endswith(".qde") for i in files):
        return ()
    nested = {
        _parts(i)[0] for i in files if len(_parts(i)) == 2 and _parts(i)[1].lower().endswith(".qde")
    }
    if len(nested) == 1:
        return (nested.pop(),)
    raise UserError(f"{path}: no project.qde at the root of the archive; not a REFI-QDA project")


def _open_zip(path: Path, zf: zipfile.ZipFile) -> QdpxArchive:
    files = [i for i in zf.infolist() if not i.is_dir()]
    total_claimed = 0
    qdes: list[zipfile.ZipInfo] = []
    sources: dict[str, zipfile.ZipInfo] = {}
    root_files: dict[str, zipfile.ZipInfo] = {}
    for info in files:
        _check_bomb(path, info)
        if not info.filename.lower().endswith(_MEDIA):
            # media are streamed to disk, never held in memory, so they do not count here
            total_claimed += info.file_size
    if total_claimed > MAX_TOTAL_BYTES:
        raise UserError(
            f"{path}: the archive expands to {total_claimed // (1024 * 1024)} MiB, more than the "
            f"{MAX_TOTAL_BYTES // (1024 * 1024)} MiB import limit"
        )
    prefix = _root_prefix(path, files)
    for info in files:
        parts = _parts(info)
        if parts[: len(prefix)] != prefix:
            continue
        parts = parts[len(prefix) :]
        if len(parts) == 1 and parts[0].lower().endswith(".qde"):
            qdes.append(info)
        elif len(parts) == 1:
            root_files[parts[0].lower()] = info
        elif len(parts) == 2 and parts[0].lower() == "sources":
            sources[parts[1].lower()] = info
    if len(qdes) > 1:
        preferred = [i for i in qdes if _parts(i)[-1].lower() == "project.qde"]
        if len(preferred) != 1:
            names = ", ".join(i.filename for i in qdes)
            raise UserError(f"{path}: several project files at the root ({names}); expected one")
        qdes = preferred
    qde = _read_member(zf, qdes[0], path, MAX_QDE_BYTES)
    return QdpxArchive(
        path=path,
        qde_name=qdes[0].filename,
        qde_bytes=qde,
        _zip=zf,
        _sources=sources,
        _root_files=root_files,
        _read_total=len(qde),
    )


def _check_bomb(path: Path, info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise UserError(
            f"{path}: member {info.filename} is encrypted; export it without a password"
        )
    if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise UserError(
            f"{path}: member {info.filename} would expand "
            f"{info.file_size // max(info.compress_size, 1)}-fold; refusing a likely zip bomb"
        )


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, limit: int) -> bytes:
    """Decompress one member, stopping as soon as more than ``limit`` bytes come out."""
    if info.file_size > limit:
        raise UserError(
            f"{path}: member {info.filename} is {info.file_size // (1024 * 1024)} MiB, more than "
            f"the {limit // (1024 * 1024)} MiB import limit"
        )
    if info.compress_type not in _READABLE:
        method = _METHODS.get(info.compress_type, f"method {info.compress_type}")
        raise UserError(
            f"{path}: member {info.filename} is compressed with {method}, which this app cannot "
            "read; zip the project again with ordinary (deflate) compression"
        )
    chunks: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise UserError(
                        f"{path}: member {info.filename} expands beyond the "
                        f"{limit // (1024 * 1024)} MiB import limit; refusing a likely zip bomb"
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UserError(f"{path}: member {info.filename} is damaged: {exc}") from exc
    return b"".join(chunks)


#: The compression methods Python's zipfile reads.
_READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
#: Compression methods an archiver may use that Python's zipfile cannot read (PKWARE APPNOTE).
_METHODS = {
    1: "Shrink",
    6: "Implode",
    9: "Deflate64",
    10: "PKWARE DCL Implode",
    18: "IBM TERSE",
    19: "IBM LZ77",
    93: "Zstandard",
    95: "XZ",
    96: "JPEG",
    97: "WavPack",
    98: "PPMd",
    99: "AES encryption",
}
