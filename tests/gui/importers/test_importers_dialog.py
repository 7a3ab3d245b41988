"""The import dialog: preview, speaker map, drop, worker-thread import with progress and cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from app.core.utterance_rows import utterance_rows
from app.ui.importing import ImportDialog
from app.ui.importing.models import PreviewModel, SpeakerMapModel

DATA = Path(__file__).resolve().parents[2] / "data" / "import"


def _dialog(qtbot: Any, project: Any, *names: str) -> ImportDialog:
    dialog = ImportDialog(None, project, [DATA / n for n in names])
    qtbot.addWidget(dialog)
    return dialog


def test_models_pass_the_model_tester(qtbot: Any, qtmodeltester: Any, project: Any) -> None:
    dialog = _dialog(qtbot, project, "recall.txt")
    qtmodeltester.check(dialog.preview_model)
    qtmodeltester.check(dialog.speaker_model)
    qtmodeltester.check(PreviewModel())
    qtmodeltester.check(SpeakerMapModel())


def test_preview_shows_format_speakers_and_both_clocks(qtbot: Any, project: Any) -> None:
    dialog = _dialog(qtbot, project, "recall.txt")
    assert dialog.detected.text() == "txt, recall markers found"
    model = dialog.preview_model
    assert model.rowCount() == 5
    row = [model.index(1, c).data() for c in range(model.columnCount())]
    assert row == [
        "4",
        "",
        "",
        "I",
        "interviewer",
        "00:23:41-00:23:41",
        "What was going on for you here?",
    ]
    speakers = dialog.speaker_model
    assert [speakers.index(r, 0).data() for r in range(speakers.rowCount())] == ["I", "C"]
    assert "recall.txt:1: text without a speaker" in dialog.messages.toPlainText()


def test_editing_a_role_updates_the_preview_and_the_import(qtbot: Any, project: Any) -> None:
    dialog = _dialog(qtbot, project, "zoom.txt")
    speakers = dialog.speaker_model
    labels = [speakers.index(r, 0).data() for r in range(speakers.rowCount())]
    assert labels == ["Dr. Lee", "Sam"]
    assert speakers.setData(speakers.index(0, 2), "therapist")
    assert not speakers.setData(speakers.index(1, 2), "boss")
    assert speakers.setData(speakers.index(1, 2), "client")
    assert dialog.preview_model.index(0, 4).data() == "therapist"
    dialog.session_edit.setText("Z1")
    dialog.session_edit.editingFinished.emit()
    with qtbot.waitSignal(dialog.imported, timeout=20000):
        dialog.import_button.click()
    rows = utterance_rows(project, "Z1")
    assert [(r.speaker, r.role) for r in rows] == [
        ("Dr. Lee", "therapist"),
        ("Sam", "client"),
        ("Sam", "client"),
    ]
    assert dialog.progress.value() == 1000
    assert dialog.file_list.count() == 0 and not dialog.import_button.isEnabled()
    assert "✓ zoom.txt: 3 utterances into Z1 (txt)" in dialog.messages.toPlainText()


def test_dropped_files_are_added_and_unreadable_ones_explained(
    qtbot: Any, project: Any, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, project)
    bad = tmp_path / "bad.eaf"
    bad.write_text("<ANNOTATION_DOCUMENT><TIER>", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DATA / "captions.srt")), QUrl.fromLocalFile(str(bad))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    dialog.dropEvent(event)
    assert dialog.file_list.count() == 2
    assert dialog.file_list.currentRow() == 1
    assert "Will not be imported: bad.eaf:1: not well-formed XML" in dialog.messages.toPlainText()
    dialog.file_list.setCurrentRow(0)
    assert dialog.detected.text() == "srt"
    with qtbot.waitSignal(dialog.imported, timeout=20000):
        dialog.import_button.click()
    text = dialog.messages.toPlainText()
    assert "✓ captions.srt: 3 utterances into captions (srt)" in text
    assert "✗ not imported: bad.eaf:1: not well-formed XML" in text
    # the imported file leaves the list; the refused one stays to be fixed or removed
    assert [dialog.file_list.item(i).text() for i in range(dialog.file_list.count())] == ["bad.eaf"]


def test_coded_table_options_in_the_dialog(qtbot: Any, project: Any) -> None:
    dialog = _dialog(qtbot, project, "coded.csv")
    assert not dialog.table_box.isHidden()
    dialog.map_edit.setText("dyad=session,utt=utterance,who=speaker,time=start,said=text")
    dialog.code_columns_edit.setText("behaviour")
    dialog.coder_column_edit.setText("coder")
    dialog.map_edit.editingFinished.emit()
    assert dialog.preview_model.rowCount() == 3
    assert not dialog.session_edit.isEnabled()  # sessions come from the file's column
    assert "3 utterances read as csv in 1 sessions, 4 codings by 2 coder(s)" in (
        dialog.messages.toPlainText()
    )
    with qtbot.waitSignal(dialog.imported, timeout=20000):
        dialog.import_button.click()
    assert "4 segments by 2 coder(s)" in dialog.messages.toPlainText()


def test_cancel_leaves_nothing_half_imported(qtbot: Any, project: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(
        "".join(
            f"[{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}] T: turn {i}\n" for i in range(20000)
        )
    )
    dialog = ImportDialog(None, project, [big])
    qtbot.addWidget(dialog)
    dialog.import_button.click()
    assert dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=30000):
        dialog._cancel()
    # cancelled while the worker was still reading: the transaction never committed
    assert utterance_rows(project) == []
    assert dialog.messages.toPlainText().endswith("Cancelled.")
    assert dialog.import_button.isEnabled()


def test_refi_project_is_handed_to_the_refi_importer(
    qtbot: Any, project: Any, shared_data: Path
) -> None:
    dialog = ImportDialog(
        None, project, [shared_data / "real-files" / "qcgen_interviews_demo.qdpx"]
    )
    qtbot.addWidget(dialog)
    assert dialog.detected.text() == "qdpx"
    assert "a REFI-QDA project" in dialog.messages.toPlainText()
    with qtbot.waitSignal(dialog.imported, timeout=30000):
        dialog.import_button.click()
    text = dialog.messages.toPlainText()
    # the counts are the REFI importer's business (tests/integration/refi); here: it was used
    line = next(ln for ln in text.splitlines() if ln.startswith("✓ qcgen_interviews_demo.qdpx:"))
    assert "(qdpx, QualCoder" in line
    assert f"{len(utterance_rows(project))} utterances" in line


def test_main_window_hookup_menu_action_and_drop(qtbot: Any, project: Any) -> None:
    from PySide6.QtWidgets import QMainWindow

    from app.ui.importing.hookup import install_import

    window = QMainWindow()
    qtbot.addWidget(window)
    menu = window.menuBar().addMenu("&File")
    refreshed: list[bool] = []
    current: list[Any] = [None]
    hookup = install_import(window, menu, lambda: current[0], lambda: refreshed.append(True))
    assert hookup.action in menu.actions()
    assert hookup.action.shortcut().toString() == "Ctrl+I"
    current[0] = project
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DATA / "captions.srt"))])
    drop = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    assert hookup.eventFilter(window, drop)
    dialog = hookup.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.file_list.count() == 1
    with qtbot.waitSignal(dialog.imported, timeout=20000):
        dialog.import_button.click()
    assert refreshed == [True]
    project_drop = QMimeData()
    project_drop.setUrls([QUrl.fromLocalFile("/tmp/other.iprw")])
    other = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, project_drop, Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    assert not hookup.eventFilter(window, other)  # projects are the window's business
    dialog.close()


def test_role_edits_survive_switching_files(qtbot: Any, project: Any) -> None:
    dialog = _dialog(qtbot, project, "zoom.txt", "rev.txt")
    speakers = dialog.speaker_model
    assert [speakers.index(r, 0).data() for r in range(speakers.rowCount())] == ["Dr. Lee", "Sam"]
    assert speakers.setData(speakers.index(1, 2), "client")  # Sam in rev.txt
    dialog.file_list.setCurrentRow(0)  # zoom.txt: Dr. Lee and Sam too
    assert speakers.index(1, 2).data() == "client"
    assert speakers.setData(speakers.index(0, 2), "therapist")
    dialog.session_edit.setText("Z")
    dialog.session_edit.editingFinished.emit()
    with qtbot.waitSignal(dialog.imported, timeout=20000):
        dialog.import_button.click()
    roles = {(r.session, r.speaker): r.role for r in utterance_rows(project)}
    assert roles == {
        ("Z", "Dr. Lee"): "therapist",
        ("Z", "Sam"): "client",
        ("rev", "Dr. Lee"): "therapist",
        ("rev", "Sam"): "client",
    }


def test_large_files_are_previewed_in_a_worker_thread(
    qtbot: Any, project: Any, monkeypatch: Any
) -> None:
    from app.ui.importing import preview

    monkeypatch.setattr(preview, "PREVIEW_SYNC_BYTES", 10)
    dialog = ImportDialog(None, project, [])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.previewed, timeout=20000):
        dialog.add_files([DATA / "zoom.txt"])
        assert dialog.messages.toPlainText() == "Reading zoom.txt…"
    assert dialog.preview_model.rowCount() == 3
    dialog.add_files([DATA / "otter.txt"])
    # switching files while one is being read: the stale result is dropped (no `previewed`)
    with qtbot.waitSignal(dialog.previewed, timeout=20000):
        dialog.file_list.setCurrentRow(0)
        dialog.file_list.setCurrentRow(1)
    assert dialog.preview_model.index(0, 3).data() == "Therapist"  # otter.txt
    preview.wait_for_previews()


def test_an_unexpected_error_is_reported_and_the_dialog_recovers(
    qtbot: Any, project: Any, monkeypatch: Any
) -> None:
    from app.ui.importing import worker as worker_module

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(worker_module, "import_parsed", broken)
    dialog = _dialog(qtbot, project, "zoom.txt")
    with qtbot.waitSignal(dialog.imported, timeout=20000):
        dialog.import_button.click()
    assert (
        "✗ not imported: zoom.txt: unexpected error (OSError: disk full)"
        in dialog.messages.toPlainText()
    )
    assert dialog.import_button.isEnabled() and dialog.close_button.isEnabled()
