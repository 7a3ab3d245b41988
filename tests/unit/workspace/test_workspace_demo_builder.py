"""The demo project: what the researcher finds when they open it for the first time."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.coding import list_segments
from app.core.project import open_project
from app.core.sessions import list_coders, list_sessions, list_transcripts, list_utterances
from app.io.demo import build_demo, build_demo_report, default_demo_dir


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo"))


def test_demo_has_session_recall_video_and_two_coders(demo: Path) -> None:
    with open_project(demo) as project:
        sessions = list_sessions(project)
        assert [s.name for s in sessions] == ["Session 07"]
        assert sessions[0].video_path == "demo_session.mp4"
        assert sessions[0].duration_ms == 50 * 60_000
        transcripts = {t.kind: t for t in list_transcripts(project)}
        assert set(transcripts) == {"session", "recall"}
        session_utts = list_utterances(project, transcripts["session"].id)
        assert session_utts[-1].start_ms is not None
        assert 45 * 60_000 < session_utts[-1].start_ms <= 50 * 60_000
        assert {u.role for u in session_utts} == {"therapist", "client"}
        recall = list_utterances(project, transcripts["recall"].id)
        assert {u.role for u in recall} == {"interviewer", "client"}
        referred = {u.session_start_ms for u in recall if u.session_start_ms is not None}
        assert 25 * 60_000 + 18_000 in referred  # the repair moment the client recalls
        coders = {c.name: c.id for c in list_coders(project)}
        assert {"Ana", "Ben"} <= set(coders)


def test_coders_partly_disagree(demo: Path) -> None:
    with open_project(demo) as project:
        coders = {c.name: c.id for c in list_coders(project)}
        ana = list_segments(project, coder_ids=[coders["Ana"]])
        ben = list_segments(project, coder_ids=[coders["Ben"]])
    assert len(ana) > 20 and len(ben) > 20
    ana_keys = {(s.transcript_id, s.start_char, s.end_char, s.code_path) for s in ana}
    ben_keys = {(s.transcript_id, s.start_char, s.end_char, s.code_path) for s in ben}
    agreed = ana_keys & ben_keys
    assert agreed, "they agree on some segments"
    assert len(agreed) < min(len(ana_keys), len(ben_keys)), "and not on others"
    paths = {s.code_path for s in ana + ben}
    assert any(p.startswith("Rupture/Withdrawal/") for p in paths)
    assert any(p.startswith("Rupture/Confrontation/") for p in paths)
    assert any(p.startswith("Resolution/") for p in paths)
    assert any(s.memo for s in ana) and any(s.rating for s in ben)


def test_demo_is_kept_unless_fresh(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "d"
    first = build_demo_report(target)
    assert first.created and first.segments > 40
    again = build_demo_report(target)
    assert not again.created and again.path == first.path
    rebuilt = build_demo_report(target, fresh=True)
    assert rebuilt.created and rebuilt.segments == first.segments


def test_default_demo_dir_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IPRW_DATA_DIR", str(tmp_path / "x"))
    assert default_demo_dir() == tmp_path / "x"
    monkeypatch.delenv("IPRW_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    if not default_demo_dir().is_relative_to(tmp_path):
        pytest.skip("not an XDG platform")
    assert default_demo_dir() == tmp_path / "share" / "ipr-workbench"


def test_demo_video_is_small(demo: Path) -> None:
    video = demo.parent / "demo_session.mp4"
    assert 0 < video.stat().st_size < 1_000_000
