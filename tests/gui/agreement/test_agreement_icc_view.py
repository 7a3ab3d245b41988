"""The comparison window shows the ICC of window ratings with its how-computed line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from app.core.project import Project
from app.ui.agreement.window import ComparisonWindow
from tests.integration.agreement.test_agreement_icc_cli import _rated_project


def test_statistics_tab_lists_the_six_icc_forms(qtbot: Any, project: Project,
                                                tmp_path: Path) -> None:  # fmt: skip
    _rated_project(project, tmp_path)
    win = ComparisonWindow(project, QUndoStack())
    qtbot.addWidget(win)
    win.set_coders(["A", "B"])
    win.unit.setCurrentIndex(win.unit.findData("window"))
    win.seconds.setValue(300)
    win.resize(1100, 700)
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.computed, timeout=20000):
        qtbot.mouseClick(win.compute_button, Qt.MouseButton.LeftButton)
    rows = {r[0]: r for r in win.stats_model.rows}
    for form in ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"):
        row = rows[f"Rating {form}"]
        assert row[1] not in ("", "n/a") and row[2].startswith("[")
        assert "Shrout & Fleiss 1979" in row[3] and "9 units every coder rated" in row[3]
    assert "absolute agreement" in rows["Rating ICC(2,1)"][3]
    assert "Rating ICC(2,1)" in win.per_code_model.headers
    assert win.grab().save(str(tmp_path / "icc.png"))
