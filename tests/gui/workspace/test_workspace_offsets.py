"""Selections in the transcript view become code-point spans, also with emoji and accents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QTextCursor

from app.core.coding import list_segments
from app.core.importing import ImportOptions, import_parsed
from app.core.sessions import list_transcripts
from app.io.transcript_reader import ReadOptions, read_transcript_file
from app.ui.main_window import MainWindow

TEXT = (
    "[00:00:01] T: Bonjour 🙂, ça va? Café crème 😀😀\n"
    "[00:00:05] C: Naïve señor 🎉 — fine, it's fine.\n"
    "[00:00:09] T: Let's 👍🏽 look at that.\n"
)


def test_emoji_selection_maps_to_code_points(
    qtbot: Any, project: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    source = tmp_path / "emoji.txt"
    source.write_text(TEXT, encoding="utf-8")
    import_parsed(
        project, read_transcript_file(source, ReadOptions()), source, ImportOptions(session="S1")
    )
    path = project.location
    project.close()
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.open_project(str(path))
    win.set_coder("Ana")
    view = win.transcript_view
    text = view.text
    target = "fine, it's fine"
    start = text.index(target)
    # Select through Qt's own UTF-16 positions, as a mouse drag would.
    cursor = QTextCursor(view.document())
    u16_start = len(text[:start].encode("utf-16-le")) // 2
    cursor.setPosition(u16_start)
    cursor.setPosition(u16_start + len(target), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    assert cursor.selectedText() == target
    assert view.selected_span() == (start, start + len(target))
    code_id = next(c.id for c in win.coding.codes.values() if c.codable)
    segment_id = win.coding.apply_code(code_id)
    assert segment_id is not None
    tid = list_transcripts(win.project)[0].id  # type: ignore[arg-type]
    seg = next(s for s in list_segments(win.project, transcript_id=tid) if s.id == segment_id)  # type: ignore[arg-type]
    assert text[seg.start_char : seg.end_char] == target
    # and back: the highlight lands on the same characters in Qt
    view.select_span(seg.start_char or 0, seg.end_char or 0)
    assert view.textCursor().selectedText() == target
    # a span that starts right after astral characters
    after = text.index("👍🏽") + 2
    view.select_span(after, after + 5)
    assert view.textCursor().selectedText() == " look"
    win.close()
