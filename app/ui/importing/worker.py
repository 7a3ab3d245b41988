"""The import runs in a worker thread with progress and cancel (spec §3: long work never blocks).

The worker gets plain choices (paths, options) and the Project handle, whose sessionmaker gives
the thread its own short-lived DB sessions; it sends back plain report dataclasses only.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from app.core.errors import UserError
from app.core.importing import ImportCancelled, ImportOptions, import_parsed
from app.core.media import attach_video
from app.core.project import Project
from app.io.parsed import UnreadableFile
from app.io.transcript_reader import (
    REFI_FORMATS,
    ReadOptions,
    file_format,
    read_bytes,
    read_transcript_file,
)

log = logging.getLogger(__name__)


@dataclass
class FileChoice:
    """What the user chose for one file in the dialog."""

    path: Path
    format: str = "auto"
    session: str = ""
    kind: str | None = None
    video: Path | None = None


@dataclass
class FileOutcome:
    """One line of the result list: imported (with problems) or refused (with the reason)."""

    path: Path
    ok: bool
    summary: str
    problems: list[str] = field(default_factory=list)


class ImportWorker(QThread):
    """Imports the chosen files one after another; each file is its own transaction."""

    progress = Signal(int, int)  # permille of all files, file index
    file_done = Signal(object)  # FileOutcome
    all_done = Signal(bool)  # cancelled?

    def __init__(
        self,
        project: Project,
        choices: list[FileChoice],
        read_options: ReadOptions,
        speaker_map: dict[str, str],
        parent: object = None,
    ) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._project = project
        self._choices = list(choices)
        self._read = read_options
        self._speakers = dict(speaker_map)
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        n = len(self._choices)
        for i, choice in enumerate(self._choices):
            if self._cancel.is_set():
                break
            outcome = self._import_one(choice, i, n)
            self.file_done.emit(outcome)
            self.progress.emit(round(1000 * (i + 1) / n), i)
        self.all_done.emit(self._cancel.is_set())

    def _import_one(self, choice: FileChoice, i: int, n: int) -> FileOutcome:
        path = choice.path
        try:
            data = read_bytes(path)
            fmt = file_format(path, choice.format, data)
            if fmt in REFI_FORMATS:
                from app.io.refi.qdpx_import import import_qdpx

                refi = import_qdpx(
                    self._project, path, coder=self._read.coder, session=choice.session or None,
                    kind=choice.kind or "session",
                )  # fmt: skip
                summary = (
                    f"{path.name}: {refi.utterances} utterances, {refi.segments} segments "
                    f"(qdpx, {refi.origin})"
                )
                return FileOutcome(path, True, summary, list(refi.problems))
            options = ReadOptions(
                format=fmt, speaker_map=self._read.speaker_map, column_map=self._read.column_map,
                code_columns=self._read.code_columns, coder_column=self._read.coder_column,
                coder=self._read.coder,
            )  # fmt: skip
            parsed = read_transcript_file(path, options)

            def on_progress(done: int, total: int) -> None:
                part = (i + done / max(total, 1)) / n
                self.progress.emit(round(1000 * part), i)

            report = import_parsed(
                self._project,
                parsed,
                path,
                ImportOptions(
                    session=choice.session or None, kind=choice.kind, speaker_map=self._speakers
                ),
                progress=on_progress,
                cancel=self._cancel.is_set,
            )
            problems = [p.format(path.name) for p in report.problems]
            if choice.video is not None and len(report.sessions) == 1:
                video = attach_video(self._project, report.sessions[0], choice.video)
                problems.extend(video.warnings)
            where = (
                report.sessions[0]
                if len(report.sessions) == 1
                else f"{len(report.sessions)} sessions"
            )
            summary = f"{path.name}: {report.utterances} utterances into {where} ({report.format})"
            if report.segments:
                summary += f", {report.segments} segments by {len(report.coders)} coder(s)"
            return FileOutcome(path, True, summary, problems)
        except ImportCancelled as exc:
            return FileOutcome(path, False, str(exc))
        except (UnreadableFile, UserError) as exc:
            return FileOutcome(path, False, str(exc))
        except ImportError:
            return FileOutcome(
                path, False, f"{path.name}: REFI-QDA import is unavailable in this build"
            )
        except Exception as exc:  # a locked or lost database, a full disk: report, go on
            log.exception("import of %s failed", path)
            return FileOutcome(
                path, False, f"{path.name}: unexpected error ({type(exc).__name__}: {exc})"
            )
