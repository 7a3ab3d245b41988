"""Write output files all-or-nothing: a crash or an error never leaves half a file behind.

New files are private (0600; see ``app.core.permissions``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.core.errors import UserError
from app.core.permissions import new_file_mode


def _new_file_mode(target: Path) -> int:
    """The old file's mode when replacing one; a new export is private (0600) because it holds
    clinical text, unless the folder has a default ACL (then the ACL decides, see permissions).
    """
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        return new_file_mode(target.parent)


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
