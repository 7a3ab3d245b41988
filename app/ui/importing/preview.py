"""Reading a large file for the preview off the GUI thread (a 10 MB table takes a second)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThread, Signal

from app.io.parsed import ParsedFile, UnreadableFile
from app.io.table_import import ColumnMapError
from app.io.transcript_reader import ReadOptions, read_transcript_file

#: files larger than this are previewed in a worker thread
PREVIEW_SYNC_BYTES = 1_000_000


class PreviewWorker(QThread):
    """Parses one file with the dialog's options; `done(token, parsed or None, error)`."""

    done = Signal(int, object, str)

    def __init__(self, token: int, path: Path, options: ReadOptions) -> None:
        super().__init__()
        self._token = token
        self._path = path
        self._options = options

    def run(self) -> None:
        try:
            parsed = read_transcript_file(self._path, self._options)
        except (UnreadableFile, ColumnMapError) as exc:
            self.done.emit(self._token, None, str(exc))
            return
        except Exception as exc:  # never leave the dialog waiting on "Reading…"
            self.done.emit(self._token, None, f"{self._path.name}: {type(exc).__name__}: {exc}")
            return
        self.done.emit(self._token, parsed, "")


#: running workers, owned here (not by the dialog) so that closing the dialog never destroys a
#: thread that is still reading; each drops out when it finishes
_RUNNING: set[PreviewWorker] = set()


def start_preview(
    token: int, path: Path, options: ReadOptions, on_done: Callable[[int, Any, str], None]
) -> PreviewWorker:
    """Read `path` in a thread; `on_done(token, parsed or None, error)` runs in the GUI thread."""
    worker = PreviewWorker(token, path, options)
    worker.done.connect(on_done)
    _RUNNING.add(worker)
    worker.finished.connect(lambda: _RUNNING.discard(worker))
    worker.start()
    return worker


def wait_for_previews(timeout_ms: int = 30000) -> None:
    """Block until every preview thread has finished (tests, application exit)."""
    for worker in list(_RUNNING):
        worker.wait(timeout_ms)


def summary(parsed: ParsedFile, filename: str) -> str:
    """What the preview pane says: counts first, then every problem as `FILE:LINE: problem`."""
    sessions = {t.session for t in parsed.transcripts if t.session}
    lines = [p.format(filename) for p in parsed.problems]
    n_codings = sum(len(u.codings) for t in parsed.transcripts for u in t.utterances)
    head = f"{parsed.utterance_count} utterances read as {parsed.format}"
    if sessions:
        head += f" in {len(sessions)} sessions"
    if n_codings:
        head += f", {n_codings} codings by {len(parsed.coders)} coder(s)"
    head += f"; {len(lines)} problem(s)"
    return "\n".join([head, *lines])
