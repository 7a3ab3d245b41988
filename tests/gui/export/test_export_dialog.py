"""The export dialog: filters, format follows the suffix, worker with progress, cancel, open."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor
from app.core.commands import UndoStack
from app.core.importing import ImportOptions, import_parsed
from app.core.models import Segment
from app.core.project import Project
from app.core.sessions import ensure_coder, list_transcripts, list_utterances
from app.io.transcript_reader import ReadOptions, read_transcript_file
from app.ui.export import ExportDialog

MR = "Rupture/Withdrawal/Minimal response"
DENIAL = "Rupture/Withdrawal/Denial"
TEXT = (
    "[00:00:05] T: How was the week, Zoë?\n"
    "[00:00:09] C: Fine. It's fine.\n"
    "[00:01:00] T: The café thing still matters?\n"
    "[00:02:00] C: No. Not at all.\n"
)


@pytest.fixture(autouse=True)
def _fresh_export_settings() -> None:
    """The settings file is shared by the test session; start each test without a last export."""
    from app.ui import settings

    store = settings.settings()
    store.remove("export")
    store.sync()


@pytest.fixture
def coded(project: Project, tmp_path: Path) -> Project:
    for session in ("3", "12"):
        path = tmp_path / f"s{session}.txt"
        path.write_text(TEXT, encoding="utf-8")
        import_parsed(project, read_transcript_file(path, ReadOptions()), path,
                      ImportOptions(session=session))  # fmt: skip
    stack = UndoStack(project)
    mr, denial = find_code_by_path(project, MR).id, find_code_by_path(project, DENIAL).id
    for t in list_transcripts(project):
        utts = list_utterances(project, t.id)
        for coder, code in (("Ana", mr), ("Ben", denial)):
            cid = ensure_coder(project, coder).id
            stack.push(ApplyCode(cid, code, TextAnchor(t.id, utts[1].start_char, utts[1].end_char)))
    return project


def _dialog(qtbot: Any, project: Project) -> ExportDialog:
    dialog = ExportDialog(None, project)
    qtbot.addWidget(dialog)
    return dialog


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_filters_list_the_project(qtbot: Any, coded: Project) -> None:
    dialog = _dialog(qtbot, coded)
    labels = [dialog.coders.list.item(i).text() for i in range(dialog.coders.list.count())]
    assert labels == ["Ana (2)", "Ben (2)"]
    sessions = [dialog.sessions.list.item(i).text() for i in range(dialog.sessions.list.count())]
    assert sessions == ["3 (2)", "12 (2)"]  # natural order
    top = [dialog.codes.tree.topLevelItem(i).text(0)
           for i in range(dialog.codes.tree.topLevelItemCount())]  # fmt: skip
    assert top == ["Rupture", "Resolution"]
    flt = dialog.export_filter()
    assert (flt.coders, flt.sessions, flt.codes, flt.suggestions) == (None, None, None, False)


def test_format_and_suffix_follow_each_other(qtbot: Any, coded: Project, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, coded)
    assert dialog.chosen_format() == ".csv" and dialog.path.text().endswith(".csv")
    dialog.set_format(".docx")
    assert dialog.path.text().endswith("-segments.docx")
    dialog.path.setText(str(tmp_path / "x.qdpx"))
    assert dialog.chosen_format() == ".qdpx" and not dialog.suggestions.isEnabled()
    dialog.path.setText(str(tmp_path / "x.pdf"))
    assert not dialog.export_button.isEnabled() and ".csv" in dialog.status.text()
    dialog.path.setText(str(tmp_path / "x.csv"))
    assert dialog.export_button.isEnabled()
    dialog.coders.set_all(Qt.CheckState.Unchecked)
    assert not dialog.export_button.isEnabled() and "coder" in dialog.status.text()


def test_export_with_filters_in_a_worker_then_open(
    qtbot: Any, coded: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, coded)
    out = tmp_path / "ana.csv"
    dialog.path.setText(str(out))
    dialog.coders.list.item(1).setCheckState(Qt.CheckState.Unchecked)  # Ben
    dialog.sessions.list.item(0).setCheckState(Qt.CheckState.Unchecked)  # session 3
    assert dialog.export_filter().coders == ["Ana"]
    with qtbot.waitSignal(dialog.exported, timeout=20_000) as blocker:
        dialog.start()
        assert not dialog.export_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert blocker.args == [str(out)]
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=5_000)
    rows = _rows(out)
    assert [(r["coder"], r["session"], r["code_path"]) for r in rows] == [("Ana", "12", MR)]
    assert rows[0]["text"] == "Fine. It's fine."
    assert "Wrote 1 segment to" in dialog.status.text() and not dialog.open_button.isHidden()
    assert dialog.close_button.isEnabled() and dialog.export_button.isEnabled()
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    assert dialog.open_file()
    assert opened and opened[0].isLocalFile() and Path(opened[0].toLocalFile()) == out.resolve()
    again = _dialog(qtbot, coded)  # the next export starts where this one went
    assert again.chosen_format() == ".csv" and Path(again.path.text()).parent == tmp_path


def test_code_tree_parent_unticks_children(qtbot: Any, coded: Project, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, coded)
    resolution = dialog.codes.tree.topLevelItem(1)
    resolution.setCheckState(0, Qt.CheckState.Unchecked)
    chosen = dialog.codes.chosen()
    assert chosen is not None and MR in chosen and DENIAL in chosen
    assert not any(p.startswith("Resolution") for p in chosen)
    out = tmp_path / "r.xlsx"
    dialog.path.setText(str(out))
    assert dialog.chosen_format() == ".xlsx"
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.start()
    from openpyxl import load_workbook

    assert load_workbook(out)["all"].max_row == 5
    again = _dialog(qtbot, coded)
    assert again.chosen_format() == ".xlsx" and again.path.text().endswith("-segments.xlsx")


def test_cancel_writes_no_file(qtbot: Any, coded: Project, tmp_path: Path) -> None:
    transcript = list_transcripts(coded)[0]
    tid, sid = transcript.id, transcript.session_id
    ana = ensure_coder(coded, "Ana").id
    mr = find_code_by_path(coded, MR).id
    with coded.transaction() as s:
        s.add_all(Segment(code_id=mr, coder_id=ana, session_id=sid, transcript_id=tid,
                          start_char=1 + i % 20, end_char=30) for i in range(6000))  # fmt: skip
    dialog = _dialog(qtbot, coded)
    out = tmp_path / "big.csv"
    dialog.path.setText(str(out))
    dialog.start()
    dialog.cancel()  # before the worker's first progress check
    assert dialog.status.text() == "Cancelling…"
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=30_000)
    assert "cancelled" in dialog.status.text()
    assert not out.exists() and not list(tmp_path.glob("*.part"))
    assert dialog.open_button.isHidden()


def test_file_export_action_opens_the_dialog(qtbot: Any, coded: Project) -> None:
    from PySide6.QtWidgets import QMainWindow

    from app.ui.export import install_export

    window = QMainWindow()
    qtbot.addWidget(window)
    menu = window.menuBar().addMenu("&File")
    current: list[Project | None] = [None]
    hookup = install_export(window, menu, lambda: current[0])
    assert hookup.action in menu.actions() and hookup.action.shortcut().toString() == "Ctrl+E"
    current[0] = coded
    dialog = hookup.open_dialog()
    assert dialog is not None and dialog.isVisible()
    assert hookup.open_dialog() is dialog  # a second trigger raises the open dialog
    dialog.reject()


def test_main_window_file_menu_has_export(qtbot: Any) -> None:
    from app.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    assert file_menu is not None
    assert "&Export…" in [a.text() for a in file_menu.actions()]


def test_full_codebook_box_only_for_word(qtbot: Any, coded: Project) -> None:
    dialog = _dialog(qtbot, coded)
    assert not dialog.full_codebook.isEnabled()  # CSV first
    dialog.full_codebook.setChecked(True)
    assert dialog.export_filter().full_codebook is False
    dialog.set_format(".docx")
    assert dialog.full_codebook.isEnabled() and dialog.export_filter().full_codebook is True
