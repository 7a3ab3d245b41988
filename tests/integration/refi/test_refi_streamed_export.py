"""The streamed .qdpx export writes the same archive as the in-memory writer it replaced (issue 17).

The export used to build the whole ``project.qde`` tree and the sidecar in memory (1.7 GB at a
10^6-utterance archive); it now writes them piece by piece. The files under
``tests/data/refi/golden/`` were written by the in-memory writer (commit 829ef9a) from the project
built here: the tricky project (non-BMP text, three coders on one span, memos, ratings, time
segments, a recall transcript, a video, a case, duplicate code names) plus a second session
without a case, with every GUID and creation stamp fixed. The streamed writer must give the same
members, in the same order, byte for byte. One deliberate change since: the root now says
``basePath="."`` when a video is linked relatively (QualCoder's importer crashed without a
basePath); nothing else in the files moved. Regenerate only on purpose:
``IPRW_WRITE_GOLDEN=1 pytest tests/integration/refi/test_refi_streamed_export.py``.
"""

from __future__ import annotations

import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

import app.io.refi.qdpx_export as qdpx_export
from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor
from app.core.importing import ImportOptions, import_parsed
from app.core.project import Project
from app.core.sessions import ensure_coder, list_transcripts, transcript_text
from app.io.refi.qdpx_export import export_qdpx
from app.io.transcript_reader import ReadOptions, read_transcript_file
from tests.refi_tricky import build_tricky

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "refi" / "golden"
GUID_TABLES = ("coder", "session", "transcript", "code", "segment")
SECOND = "[00:00:01] T: Second session, & <angle> \"quotes\".\n[00:00:04] C: Mm. ]]> fine\n"


class _FixedNow(datetime):
    @classmethod
    def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
        return datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def build_fixed(folder: Path) -> Project:
    """The tricky project, a second session, and fixed GUIDs and stamps everywhere."""
    project = build_tricky(folder)
    path = folder / "second.txt"
    path.write_text(SECOND, encoding="utf-8")
    speakers = {"t": "therapist", "c": "client"}
    parsed = read_transcript_file(path, ReadOptions(speaker_map=speakers))
    import_parsed(project, parsed, path, ImportOptions(session="A second session",
                                                       speaker_map=speakers))
    tr = next(t for t in list_transcripts(project) if t.session_name == "A second session")
    body = transcript_text(project, tr.id)
    start = body.index("Mm.")
    ApplyCode(ensure_coder(project, "ana").id,
              find_code_by_path(project, "Repair/Validation").id,
              TextAnchor(tr.id, start, start + 3), memo="a memo with <xml> & ampersand").do(project)
    with project.transaction() as s:
        for k, table in enumerate(GUID_TABLES, start=1):
            s.execute(text(f"UPDATE {table} SET guid = printf('%08x-0000-4000-8000-%012x', "
                           f":k, id)"), {"k": k})  # fmt: skip
        s.execute(text("UPDATE segment SET created_at = :t, updated_at = :t"),
                  {"t": datetime(2025, 1, 2, 3, 4, 5)})  # fmt: skip
    return project


def members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    folder = tmp_path_factory.mktemp("streamed") / "proj"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(qdpx_export, "datetime", _FixedNow)
        project = build_fixed(folder)
        try:
            export_qdpx(project, folder / "out.qdpx")
        finally:
            project.close()
    return members(folder / "out.qdpx")


def test_streamed_export_equals_the_in_memory_export(exported: list[tuple[str, bytes]]) -> None:
    if os.environ.get("IPRW_WRITE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        (GOLDEN / "members.txt").write_text("".join(f"{n}\n" for n, _ in exported))
        for name, data in exported:
            if not name.endswith("/"):
                (GOLDEN / name.replace("/", "__")).write_bytes(data)
    expected = (GOLDEN / "members.txt").read_text().splitlines()
    assert [n for n, _ in exported] == expected
    for name, data in exported:
        if name.endswith("/"):
            assert data == b""
            continue
        golden = (GOLDEN / name.replace("/", "__")).read_bytes()
        assert data == golden, f"{name} differs from the in-memory writer's output"


def test_golden_covers_what_streaming_splits(exported: list[tuple[str, bytes]]) -> None:
    """The fixed project exercises every part the streamed writer assembles separately."""
    qde = dict(exported)["project.qde"].decode("utf-8")
    for part in ("<Users>", "<CodeBook>", "<Cases>", "<Sources>", "<TextSource",
                 "<VideoSource", "<PlainTextSelection", "<VideoSelection", "<Description>"):
        assert part in qde
    assert qde.count("<TextSource") == 3
    sources = [n for n, _ in exported if n.startswith("sources/") and n != "sources/"]
    assert len(sources) == 3
