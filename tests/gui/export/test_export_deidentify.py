"""The export dialog's de-identify option and its word list (saved in the project)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.core.deidentify_copy import project_words
from app.core.project import Project
from tests.gui.export.test_export_dialog import _dialog, _rows, coded  # noqa: F401


def test_deidentified_export_from_the_dialog(
    qtbot: Any,
    coded: Project,  # noqa: F811
    tmp_path: Path,
) -> None:
    dialog = _dialog(qtbot, coded)
    assert not dialog.deidentify.isChecked()
    assert dialog.edit_word_list("Zoë = [CLIENT]\ncafé  # a place\n")
    assert project_words(coded) == {"Zoë": "[CLIENT]", "café": "[REDACTED]"}
    assert dialog.deidentify.isChecked() and dialog.export_filter().deidentify
    assert not dialog.edit_word_list("x\n")  # too short: refused with a message, list kept
    assert project_words(coded)["Zoë"] == "[CLIENT]"
    out = tmp_path / "deid.csv"
    dialog.path.setText(str(out))
    dialog.show()
    dialog.grab().save(str(tmp_path / "export-deidentify.png"))
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=10_000)
    rows = _rows(out)
    assert rows and {r["speakers"] for r in rows} == {"Client"}
    blob = out.read_text(encoding="utf-8-sig")
    assert "Zoë" not in blob and "café" not in blob
    assert out.stat().st_mode & 0o777 == 0o600
