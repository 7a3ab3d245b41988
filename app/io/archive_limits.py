"""Size, ratio and total caps for zip archives we open (.docx transcripts, .qdpx projects).

A zip's headers say how large each member will be once decompressed; Python's ``zipfile``
never yields more than that, so checking the headers before parsing bounds the memory a file
can make us use. A 3 MB .docx of repeated paragraphs, or 1 MB of zeros, used to expand into
gigabytes inside python-docx/lxml; the import preview reads through the same check.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from app.core.errors import UserError

MIB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    max_member: int
    max_total: int
    max_ratio: int
    ratio_from: int = MIB  # small members may compress extremely well (empty styles, zeros)


#: A Word transcript: document.xml of a 2,000-page transcript is ~30 MB.
DOCX_LIMITS = ZipLimits(max_member=64 * MIB, max_total=128 * MIB, max_ratio=100)
#: Media inside a .qdpx compress poorly (video is compressed already).
MEDIA_MAX_RATIO = 20


def check_zip(zf: zipfile.ZipFile, name: str, limits: ZipLimits) -> None:
    """Refuse (UserError naming ``name`` and the member) an archive past ``limits``."""
    total = 0
    for info in zf.infolist():
        size = info.file_size
        total += size
        if size > limits.max_member:
            raise UserError(
                f"{name}: part {info.filename} would expand to {size / MIB:.0f} MiB, more than "
                f"the {limits.max_member / MIB:.0f} MiB limit; refusing it"
            )
        if size > limits.ratio_from and size > limits.max_ratio * max(info.compress_size, 1):
            raise UserError(
                f"{name}: part {info.filename} compresses {size // max(info.compress_size, 1)}"
                f":1, a likely zip bomb; refusing it"
            )
    if total > limits.max_total:
        raise UserError(
            f"{name}: would expand to {total / MIB:.0f} MiB in all, more than the "
            f"{limits.max_total / MIB:.0f} MiB limit; refusing it"
        )


def check_docx_bytes(data: bytes, name: str) -> None:
    """The .docx checks, on the file's bytes (a broken zip is left to the parser's message)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_zip(zf, name, DOCX_LIMITS)
    except zipfile.BadZipFile:
        return
