"""REFI-QDA files other tools can import, and that come back to us unchanged (issue 14).

The demo and a tricky project (non-BMP text, CRLF input, three coders on one span, memos,
ratings, time segments, a recall transcript, duplicate code names) are exported, re-imported into
a fresh project and compared field by field. The file itself is checked for what QualCoder's
importer needs: unique source names, media names with the media's extension, creators and dates
on sources, one document per transcript, unique code names.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from app.core.codebook import list_codes
from app.core.coding import list_segments
from app.core.project import Project, create_project, open_project
from app.core.sessions import list_sessions, list_transcripts, list_utterances, transcript_text
from app.io.demo import build_demo
from app.io.refi.qdpx_export import export_qdpx
from app.io.refi.qdpx_import import import_qdpx
from tests.refi_tricky import build_tricky

NS = {"q": "urn:QDA-XML:project:1.0"}


def utterance_facts(project: Project) -> list[tuple[Any, ...]]:
    out = []
    for tr in list_transcripts(project):
        text = transcript_text(project, tr.id)
        out.append((tr.session_name, tr.name, tr.kind, text))
        out += [(tr.name, u.ordinal, u.speaker, u.role, u.start_char, u.end_char, u.start_ms,
                 u.end_ms, u.session_start_ms, u.session_end_ms,
                 text[u.start_char : u.end_char]) for u in list_utterances(project, tr.id)]
    return out


def segment_facts(project: Project) -> set[tuple[Any, ...]]:
    sessions = {s.id: s.name for s in list_sessions(project)}
    transcripts = {t.id: t.name for t in list_transcripts(project)}
    texts = {t.id: transcript_text(project, t.id) for t in list_transcripts(project)}
    return {
        (g.guid, sessions[g.session_id], transcripts.get(g.transcript_id or -1), g.code_path,
         g.coder_name, g.start_char, g.end_char, g.start_ms, g.end_ms, g.memo, g.rating,
         g.perspective,
         texts[g.transcript_id][g.start_char : g.end_char] if g.transcript_id else None)
        for g in list_segments(project)
    }


def session_facts(project: Project) -> list[tuple[Any, ...]]:
    return [(s.name, s.case_id, s.date, s.video_path, s.duration_ms)
            for s in list_sessions(project)]


@pytest.fixture(params=["demo", "tricky"])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    folder = tmp_path / "src"
    if request.param == "demo":
        p = open_project(build_demo(folder))
    else:
        p = build_tricky(folder)
    yield p
    p.close()


def test_export_reimport_gives_identical_project(tmp_path: Path, project: Project) -> None:
    out = tmp_path / "out.qdpx"
    export_qdpx(project, out)
    target = create_project(tmp_path / "src" / "copy.iprw")
    try:
        report = import_qdpx(target, out)
        assert report.problems == []
        assert session_facts(target) == session_facts(project)
        assert utterance_facts(target) == utterance_facts(project)
        assert segment_facts(target) == segment_facts(project)
        assert [c.path for c in list_codes(target)] == [c.path for c in list_codes(project)]
    finally:
        target.close()


def _qde(out: Path) -> tuple[etree._Element, dict[str, bytes]]:
    with zipfile.ZipFile(out) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    return etree.fromstring(files["project.qde"]), files


def test_sources_are_what_qualcoder_needs(tmp_path: Path, project: Project) -> None:
    out = tmp_path / "out.qdpx"
    export_qdpx(project, out)
    root, files = _qde(out)
    users = {u.get("guid") for u in root.iterfind("q:Users/q:User", NS)}
    sources = list(root.iterfind("q:Sources/*", NS))
    names = [s.get("name") for s in sources]
    assert len(names) == len({n.casefold() for n in names}), names
    text_paths = []
    for src in sources:
        # QualCoder reads a creator and a date from every source
        assert src.get("creatingUser") in users
        assert src.get("creationDateTime", "").endswith("Z")
        tag = etree.QName(src).localname
        if tag == "TextSource":
            assert src.get("name") in {t.name for t in list_transcripts(project)}
            text_paths.append(src.get("plainTextPath"))
        else:
            assert tag == "VideoSource"
            # the media file's extension, so QualCoder files it as a video it can play
            session = next(s for s in list_sessions(project) if s.video_path)
            assert src.get("name") == session.name + Path(session.video_path or "").suffix
            # relative to the .qdpx: basePath "." (an absolute one would leak the folder, #13;
            # none crashes QualCoder's importer)
            assert root.get("basePath") == "."
            video = (project.base_dir / (session.video_path or "")).resolve()
            relative = Path(os.path.relpath(video, out.resolve().parent)).as_posix()
            assert src.get("path") == "relative:///" + relative
            # one document per transcript: no media Transcript repeating a TextSource's text
            assert src.findall("q:Transcript", NS) == []
    assert len(text_paths) == len(list_transcripts(project)) == len(set(text_paths))
    # every turn shows its speaker and time in the text other tools display
    for src in root.iterfind(".//q:TextSource", NS):
        text = files["sources/" + src.get("plainTextPath").removeprefix("internal://")].decode()
        tr = next(t for t in list_transcripts(project) if src.get("name") == t.name)
        for u in list_utterances(project, tr.id):
            assert f"] {u.speaker}: " in text or u.start_ms is None
        first = list_utterances(project, tr.id)[0]
        assert text.startswith(f"[{first.start_ms // 3_600_000:02d}:")
        for sel in src.iterfind("q:PlainTextSelection", NS):
            a, b = int(sel.get("startPosition")), int(sel.get("endPosition"))
            words, name = " ".join(text[a:b].split()), sel.get("name")
            assert words == name or (name.endswith("…") and words.startswith(name[:-1]))


def test_duplicate_code_names_are_qualified_and_warned(tmp_path: Path) -> None:
    project = build_tricky(tmp_path / "src")
    try:
        out = tmp_path / "out.qdpx"
        report = export_qdpx(project, out)
        assert len(report.warnings) == 1 and "Repair/Denial" in report.warnings[0]
        root, _ = _qde(out)
        names = [c.get("name") for c in root.iterfind(".//q:Code", NS)]
        assert len(names) == len(set(names)) and "Denial (Repair)" in names
        target = create_project(tmp_path / "copy.iprw")
        import_qdpx(target, out)  # the sidecar gives the original name back
        assert "Repair/Denial" in {c.path for c in list_codes(target)}
        target.close()
    finally:
        project.close()


def test_without_sidecar_speakers_times_and_selections_survive(
    tmp_path: Path, project: Project
) -> None:
    """What a tool that drops our sidecar sends back (QualCoder re-exports do)."""
    out = tmp_path / "out.qdpx"
    export_qdpx(project, out)
    bare = tmp_path / "bare.qdpx"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(bare, "w") as dst:
        for info in src.infolist():
            if info.filename != "ipr-workbench.json":
                dst.writestr(info, src.read(info))
    target = create_project(tmp_path / "src" / "bare.iprw")
    try:
        import_qdpx(target, bare)
        # the session transcript joins the media source of the same name: no extra session
        assert len(list_sessions(target)) <= len(list_transcripts(project))
        for tr in list_transcripts(project):
            mine = list_utterances(project, tr.id)
            back = next(t for t in list_transcripts(target) if t.name == tr.name)
            theirs = list_utterances(target, back.id)
            assert [u.speaker for u in theirs] == [u.speaker for u in mine]
            assert [u.start_ms for u in theirs] == [
                None if u.start_ms is None else u.start_ms // 1000 * 1000 for u in mine]
        # a selection over several turns now shows the later turns' labels: drop them to compare
        label = re.compile(r"(?m)^\[\d\d:\d\d:\d\d\] (?:[^\s:]+: )?")
        # (and a qualified duplicate code name stays qualified without the sidecar)
        picked = {(f[3].replace("Denial (Repair)", "Denial"), f[4], f[7], f[8], f[9],
                   f[12] and label.sub("", f[12]))
                  for f in segment_facts(target)}
        assert picked == {(f[3], f[4], f[7], f[8], f[9], f[12]) for f in segment_facts(project)}
    finally:
        target.close()


def test_cli_export_warns_about_qualified_code_names(tmp_path: Path, cli: Any) -> None:
    build_tricky(tmp_path / "src").close()
    out = tmp_path / "t.qdpx"
    result = cli("export", str(tmp_path / "src" / "tricky.iprw"), str(out))
    assert result.returncode == 0, result.stderr
    assert "Repair/Denial" in result.stderr and "Denial (Repair)" in result.stderr
