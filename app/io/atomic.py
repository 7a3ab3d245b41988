"""Write output files all-or-nothing: a crash or an error never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.core.errors import UserError


def _new_file_mode(target: Path) -> int:
    """The mode a plainly created file would get: the old file's, else 0o666 less the umask.

    ``mkstemp`` makes its file private (0600); an export replacing it should not silently
    become unreadable to the colleague the researcher shares the folder with.
    """
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        pass
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; it replaces ``path`` only if the block succeeds."""
    target = Path(path)
    if not target.parent.is_dir():
        raise UserError(f"{target}: the folder {target.parent} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, _new_file_mode(target))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
