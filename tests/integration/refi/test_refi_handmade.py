"""The hand-written REFI fixtures (tests/data/refi) import as the standard says they should."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.core.codebook import list_codes
from app.core.coding import list_segments
from app.core.project import Project, create_project
from app.core.sessions import list_sessions, list_transcripts, list_utterances, transcript_text
from app.io.refi.qdc import read_qdc
from app.io.refi.qdpx_import import import_qdpx

DATA = Path(__file__).resolve().parents[2] / "data" / "refi"


def _zip_handmade(dest: Path) -> Path:
    src = DATA / "handmade"
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(src / "project.qde", "project.qde")
        for f in sorted((src / "sources").iterdir()):
            zf.write(f, f"sources/{f.name}")
    return dest


def _facts(project: Project) -> set[tuple[Any, ...]]:
    sessions = {s.id: s.name for s in list_sessions(project)}
    texts = {t.id: transcript_text(project, t.id) for t in list_transcripts(project)}
    out = set()
    for g in list_segments(project):
        text = texts[g.transcript_id][g.start_char : g.end_char] if g.transcript_id else None
        out.add((sessions[g.session_id], g.code_path, g.coder_name, text, g.start_ms, g.end_ms,
                 g.memo))
    return out


EXPECTED = {
    ("Session 1", "Rupture/Withdrawal", "Dr. Rivera", "I guess.", None, None, ""),
    ("Session 1", "Rupture/Withdrawal", "Sam Lee", "I guess.", None, None, ""),
    ("Session 1", "Rupture/Withdrawal", "Dr. Rivera", "Whatever you say.", None, None,
     "deferential"),
    # clamped to the end of the text
    ("Session 1", "Rupture/Confrontation", "Dr. Rivera", "er you say.\n", None, None, ""),
    ("Session 1", "Rupture/Confrontation", "Dr. Rivera", None, 0, 300_000, ""),
    ("Inline note", "Alliance∕Bond", "Sam Lee", "Oui.", None, None, ""),
    ("Inline note", "Rupture/Confrontation", "Dr. Rivera", "Zoë: Ça va? 🙂 Oui.\nAnne: D’accord.",
     None, None, ""),
    ("Recall interview", "Rupture/Withdrawal", "Sam Lee", "I just agreed to get it over with.",
     None, None, ""),
    ("Recall interview", "Rupture/Withdrawal", "Sam Lee", None, 6000, 15000, ""),
}


@pytest.mark.parametrize("as_zip", [True, False], ids=["qdpx", "bare-qde"])
def test_handmade_project_imports(tmp_path: Path, as_zip: bool) -> None:
    if as_zip:
        path = _zip_handmade(tmp_path / "handmade.qdpx")
    else:
        shutil.copytree(DATA / "handmade", tmp_path / "handmade")
        path = tmp_path / "handmade" / "project.qde"
    project = create_project(tmp_path / "p.iprw")
    try:
        report = import_qdpx(project, path)
        assert _facts(project) == EXPECTED
        assert sorted(report.coders) == ["Dr. Rivera", "Sam Lee"]
        assert (report.transcripts, report.text_segments, report.time_segments) == (3, 7, 2)
        problems = "\n".join(report.problems)
        for expected in ("lies outside its text", "not in the codebook", "5000-5000 ms is empty",
                         "marked not codable", "PictureSource", "Notes"):
            assert expected in problems
        # element problems name where they are: inner file and line, or the line of a bare .qde
        located = [p for p in report.problems if "outside" in p or "not in the codebook" in p]
        prefix = "project.qde:" if as_zip else "line "
        assert len(located) == 2 and all(p.startswith(prefix) for p in located)
        # the video's Transcript shares the TextSource's file: one transcript, timed by SyncPoints
        session1 = next(s for s in list_sessions(project) if s.name == "Session 1")
        assert session1.video_path is not None and session1.video_path.endswith(
            "media/session1.mp4")
        [tr] = list_transcripts(project, session1.id)
        turns = list_utterances(project, tr.id)
        assert [(u.speaker, u.role, u.start_ms) for u in turns] == [
            ("T", "therapist", 0), ("C", "client", 4000), ("T", "therapist", 9000),
            ("C", "client", 12000),
        ]
        recall = next(s for s in list_sessions(project) if s.name == "Recall interview")
        assert recall.video_path == "C:/Studies/recall01.m4a"
        codes = {c.path: c for c in list_codes(project)}
        assert codes["Rupture/Confrontation"].color.upper() == "#CC3333"
        assert codes["Alliance∕Bond"].codable is True
    finally:
        project.close()


def test_import_is_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure half-way leaves nothing behind."""
    from app.core.errors import UserError
    from app.io.refi import import_sources

    path = _zip_handmade(tmp_path / "handmade.qdpx")
    project = create_project(tmp_path / "p.iprw")
    calls = {"n": 0}
    real = import_sources._write_transcript

    def failing(importer: Any, session: Any, tplan: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise UserError("simulated failure")
        return real(importer, session, tplan)

    monkeypatch.setattr(import_sources, "_write_transcript", failing)
    try:
        with pytest.raises(UserError, match="simulated"):
            import_qdpx(project, path)
        assert list_sessions(project) == [] and list_codes(project) == []
        assert list_segments(project) == []
    finally:
        project.close()


def test_session_option_collects_sources(tmp_path: Path) -> None:
    path = _zip_handmade(tmp_path / "handmade.qdpx")
    project = create_project(tmp_path / "p.iprw")
    try:
        report = import_qdpx(project, path, coder="fallback", session="Dyad 7", kind="recall")
        assert [s.name for s in list_sessions(project)] == ["Dyad 7"]
        assert {t.kind for t in list_transcripts(project)} == {"recall"}
        assert report.segments == 9
    finally:
        project.close()


def test_cli_codebook_import_qdc_and_export_qdc(tmp_path: Path, cli: Any,
                                               shared_data: Path) -> None:
    import xmlschema

    target = tmp_path / "cb.iprw"
    assert cli("init", str(target)).returncode == 0
    result = cli("codebook", "import", str(target), str(DATA / "other_tool_codebook.qdc"))
    assert result.returncode == 0, result.stderr
    out = tmp_path / "back.qdc"
    result = cli("codebook", "export", str(target), str(out))
    assert result.returncode == 0, result.stderr
    xmlschema.XMLSchema(str(shared_data / "refi-qda" / "Codebook.xsd")).validate(str(out))
    original = read_qdc(DATA / "other_tool_codebook.qdc")
    again = read_qdc(out)

    def tree(specs: Any) -> list[Any]:
        return [(s.name, s.codable, s.definition, s.include, s.examples, s.guid,
                 tree(s.children)) for s in specs]

    assert tree(again) == tree(original)
    info = json.loads(cli("info", str(target), "--json").stdout)
    assert info["codes"] == 7


def test_cli_refuses_broken_qdpx_without_traceback(tmp_path: Path, cli: Any) -> None:
    target = tmp_path / "x.iprw"
    assert cli("init", str(target)).returncode == 0
    bad = tmp_path / "broken.qdpx"
    bad.write_bytes(b"PK\x03\x04garbage")
    result = cli("import", str(target), str(bad), "--format", "qdpx")
    assert result.returncode == 1
    assert "broken.qdpx" in result.stderr and "Traceback" not in result.stderr


def test_embedded_video_is_extracted_next_to_the_project(tmp_path: Path) -> None:
    qde = b"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="v" origin="Test">
  <Sources>
    <VideoSource guid="00000000-0000-4000-8000-000000000001" name="Session 4.mp4"
                 path="internal://00000000-0000-4000-8000-000000000009.mp4"/>
  </Sources>
</Project>"""
    fake_video = bytes(range(256)) * 64
    path = tmp_path / "embedded.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/00000000-0000-4000-8000-000000000009.mp4", fake_video)
    project = create_project(tmp_path / "study.iprw")
    try:
        report = import_qdpx(project, path)
        assert not [p for p in report.problems if "extract" in p]
        [session] = list_sessions(project)
        assert (session.name, session.video_path) == ("Session 4", "study media/Session 4.mp4")
        assert (tmp_path / "study media" / "Session 4.mp4").read_bytes() == fake_video
    finally:
        project.close()


def test_atlas_pseudo_user_codings_go_to_the_project_creator(tmp_path: Path) -> None:
    qde = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="a" origin="ATLAS.ti 23.2"
         creatingUserGUID="11111111-0000-4000-8000-000000000001">
  <Users>
    <User guid="11111111-0000-4000-8000-000000000001" name="Maya"/>
    <User guid="C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B" name="ATLAS.ti"/>
  </Users>
  <CodeBook><Codes>
    <Code guid="22222222-0000-4000-8000-000000000001" name="Bond" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="33333333-0000-4000-8000-000000000001" name="s.txt">
      <PlainTextContent>C: I trust you.</PlainTextContent>
      <PlainTextSelection guid="44444444-0000-4000-8000-000000000001" startPosition="3"
                          endPosition="15" creatingUser="C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B">
        <Coding guid="55555555-0000-4000-8000-000000000001"
                creatingUser="C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B">
          <CodeRef targetGUID="22222222-0000-4000-8000-000000000001"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    path = tmp_path / "a.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
    project = create_project(tmp_path / "a.iprw")
    try:
        report = import_qdpx(project, path)
        assert report.coders == ["Maya"]
        assert [(g.coder_name, g.code_path) for g in list_segments(project)] == [("Maya", "Bond")]
        # an explicit --coder takes them instead
        other = create_project(tmp_path / "b.iprw")
        import_qdpx(other, path, coder="Rater 2")
        assert [g.coder_name for g in list_segments(other)] == ["Rater 2"]
        other.close()
    finally:
        project.close()


def test_write_qdc_from_project_keeps_texts(tmp_path: Path, project: Project,
                                            shared_data: Path) -> None:
    import xmlschema

    from app.core.codebook import codebook_spec
    from app.io.refi.qdc import write_qdc

    out = write_qdc(project, tmp_path / "mini.qdc")
    xmlschema.XMLSchema(str(shared_data / "refi-qda" / "Codebook.xsd")).validate(str(out))

    def tree(specs: Any) -> list[Any]:
        return [(s.name, s.codable, s.definition, s.include, s.exclude, s.examples,
                 s.color.upper(), s.guid, tree(s.children)) for s in specs]

    assert tree(read_qdc(out)) == tree(codebook_spec(project).codes)


def test_progress_and_cancel(tmp_path: Path) -> None:
    from app.core.importing import ImportCancelled

    path = _zip_handmade(tmp_path / "handmade.qdpx")
    project = create_project(tmp_path / "p.iprw")
    try:
        seen: list[tuple[int, int]] = []
        with pytest.raises(ImportCancelled):
            import_qdpx(project, path, progress=lambda d, t: seen.append((d, t)),
                        cancel=lambda: len(seen) >= 2)
        assert seen == [(1, 3), (2, 3)]
        assert list_sessions(project) == [] and list_segments(project) == []
        seen.clear()
        import_qdpx(project, path, progress=lambda d, t: seen.append((d, t)))
        assert seen == [(1, 3), (2, 3), (3, 3)]
    finally:
        project.close()
