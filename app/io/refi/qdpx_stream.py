"""Write a .qdpx piece by piece, so its size never has to fit in memory (issue 17).

A 10^6-utterance archive gave a ``project.qde`` tree, source texts and sidecar that held 1.7 GB
when built whole. Here each session's ``TextSource``/``VideoSource`` elements are serialised as
soon as they are built and then dropped; source texts and the sidecar's transcripts go to files
in a private temporary folder beside the output; the archive is assembled from those files at
the end, in the same member order as before (``project.qde``, ``sources/``, the texts, the
sidecar) and with the same bytes as the whole tree's pretty print: a source element is printed
inside a ``Project/Sources`` wrapper of the same namespace, which puts it at the depth and
indentation it has in the full document, and the head (users, codebook, cases) and tail are cut
from the small tree printed around a marker.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from lxml import etree

from app.core.errors import UserError
from app.io.refi.qde import PROJECT_NS

_NS = f"{{{PROJECT_NS}}}"
_MARKER = "IprwSourcesGoHere"
_CHUNK = 1 << 20


def _print(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


class QdpxStream:
    """Collects the parts of a .qdpx in temporary files, then writes the archive.

    Use as a context manager: the temporary folder (0700, beside the output, since it holds
    transcript text) is removed whatever happens.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self._tmp = Path(tempfile.mkdtemp(prefix=".qdpx-", dir=out.parent))
        self._sources = self._tmp / "sources.xml"
        self._sources_file: BinaryIO = self._sources.open("wb")
        self.sidecar_file: BinaryIO = (self._tmp / "sidecar.json").open("wb")
        self._texts: list[tuple[str, Path]] = []
        self.n_sources = 0

    def __enter__(self) -> QdpxStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._sources_file.close()
        self.sidecar_file.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def sources_element(self) -> etree._Element:
        """A fresh ``Sources`` element to build one batch of sources in (see ``flush``)."""
        wrapper = etree.Element(_NS + "Project", nsmap={None: PROJECT_NS})  # type: ignore[dict-item]
        return etree.SubElement(wrapper, _NS + "Sources")

    def flush(self, sources: etree._Element) -> None:
        """Print the batch's source elements exactly as the whole document would, then drop it."""
        if not len(sources):
            return
        self.n_sources += len(sources)
        wrapper = sources.getparent()
        assert wrapper is not None
        printed = bytes(etree.tostring(wrapper, encoding="utf-8", pretty_print=True))
        head = printed.index(b"<Sources>\n") + len(b"<Sources>\n")
        tail = printed.rindex(b"  </Sources>")
        self._sources_file.write(printed[head:tail])

    def text(self, name: str, data: bytes) -> None:
        """A source text (``sources/<guid>.txt``), written to disk now, archived at the end."""
        path = self._tmp / f"t{len(self._texts)}"
        path.write_bytes(data)
        self._texts.append((name, path))

    def write(self, root: etree._Element) -> None:
        """Assemble the archive: ``root`` holds everything before the sources (users, codebook,
        cases); the sources printed so far follow. Written beside ``out`` and moved into place,
        so a failure leaves no half file."""
        self._sources_file.close()
        self.sidecar_file.close()
        if self.n_sources:
            etree.SubElement(etree.SubElement(root, _NS + "Sources"), _NS + _MARKER)
            whole = _print(root)
            at = whole.index(f"<{_MARKER}/>".encode())
            head = whole[: whole.rindex(b"\n", 0, at) + 1]
            tail = whole[whole.index(b"\n", at) + 1 :]
        else:
            head, tail = _print(root), b""
        part = self.out.with_name(self.out.name + ".part")
        try:
            with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                self._member(zf, "project.qde", [head, self._sources, tail])
                zf.writestr(zipfile.ZipInfo("sources/"), b"")
                for name, path in self._texts:
                    self._member(zf, name, [path])
                self._member(zf, "ipr-workbench.json", [self._tmp / "sidecar.json"])
            part.replace(self.out)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise UserError(f"{self.out}: cannot write the .qdpx file: {exc.strerror or exc}") \
                from exc

    @staticmethod
    def _member(zf: zipfile.ZipFile, name: str, pieces: list[bytes | Path]) -> None:
        """One archive member from bytes and files, streamed; its size is given up front so
        the zip64 extension is used only where the member needs it (as ``writestr`` did)."""
        info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16  # what ``writestr`` gives a named member
        info.file_size = sum(len(p) if isinstance(p, bytes) else p.stat().st_size for p in pieces)
        with zf.open(info, "w") as dest:
            for piece in pieces:
                if isinstance(piece, bytes):
                    dest.write(piece)
                else:
                    with piece.open("rb") as src:
                        shutil.copyfileobj(src, dest, _CHUNK)

