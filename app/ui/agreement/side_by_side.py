"""The transcript side by side: one row per turn (or per window/session for clock units) with
each coder's codes in its own column, differences highlighted, the consensus alongside."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.agreement.report import AgreementReport
from app.agreement.units import NONE_LABEL, build_units
from app.core.coding import list_segments
from app.core.errors import UserError
from app.core.project import Project
from app.core.sessions import (
    UtteranceIndex,
    list_transcripts,
    list_utterances,
    transcript_text,
)
from app.core.suggestions import SUGGESTER_CODER, list_suggestions
from app.core.timeutil import format_ms
from app.ui.agreement.models import SideBySideModel


class SideBySidePanel(QWidget):
    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._texts: dict[int, str] = {}
        self.model = SideBySideModel()
        self.transcript = QComboBox()
        for t in list_transcripts(project):
            self.transcript.addItem(f"{t.session_name} / {t.name}", t.id)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.transcript)
        layout.addWidget(self.view)

    def fill(self, report: AgreementReport | None, choice: dict[str, Any],
             code_ids: list[int] | None, consensus: str | None) -> None:  # fmt: skip
        """Rows for the chosen transcript, or the report's windows/sessions for clock units."""
        coders: list[str] = list(choice["coders"])
        clock = report is not None and report.unit.split(":")[0] in ("window", "session")
        self.transcript.setEnabled(not clock)
        if clock:
            self._fill_clock_units(choice)
        else:
            self._fill_turns(coders, code_ids, consensus)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        if self.model.columnCount() > 1:
            # Text wraps in a column of half the view; the coders' columns stay visible.
            header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
            self.view.setColumnWidth(1, max(320, self.view.viewport().width() // 2))

    def _fill_turns(self, coders: list[str], code_ids: list[int] | None,
                    consensus: str | None) -> None:  # fmt: skip
        tid = self.transcript.currentData()
        if tid is None or not coders:
            self.model.set_rows(coders, [])
            return
        names = [*coders, consensus] if consensus and consensus not in coders else coders
        utts = list_utterances(self.project, int(tid))
        index = UtteranceIndex(utts)
        row_of = {u.id: i for i, u in enumerate(utts)}
        column = {name: j for j, name in enumerate(names)}
        cells: list[list[list[str]]] = [[[] for _ in names] for _ in utts]
        segs = list_segments(self.project, transcript_id=int(tid), code_ids=code_ids)
        for seg in segs:
            j = column.get(seg.coder_name)
            if j is None:
                continue
            for u in index.overlapping(seg.start_char or 0, seg.end_char or 0):
                name = seg.code_path.rsplit("/", 1)[-1]
                if name not in cells[row_of[u.id]][j]:
                    cells[row_of[u.id]][j].append(name)
        j_sug = column.get(SUGGESTER_CODER)
        if j_sug is not None and not any(s.coder_name == SUGGESTER_CODER for s in segs):
            # The suggester's column: its pending and accepted suggestions (not coding).
            for sug in list_suggestions(self.project, transcript_id=int(tid), code_ids=code_ids,
                                        statuses=("pending", "accepted")):  # fmt: skip
                for u in index.overlapping(sug.start_char, sug.end_char):
                    name = sug.code_path.rsplit("/", 1)[-1]
                    if name not in cells[row_of[u.id]][j_sug]:
                        cells[row_of[u.id]][j_sug].append(name)
        if int(tid) not in self._texts:
            self._texts[int(tid)] = transcript_text(self.project, int(tid))
        text = self._texts[int(tid)]
        rows = [(f"{u.ordinal} {u.speaker}", text[u.start_char:u.end_char],
                 [", ".join(c) for c in cells[i]]) for i, u in enumerate(utts)]  # fmt: skip
        self.model.set_rows(names, rows, compared=len(coders))

    def _fill_clock_units(self, choice: dict[str, Any]) -> None:
        """Windows (or sessions) as rows: each coder's value, as the statistics counted it."""
        try:
            matrix = build_units(self.project, choice["coders"], choice["unit"],
                                 choice["codes"], choice["group"], choice["sessions"])  # fmt: skip
        except UserError:
            self.model.set_rows(list(choice["coders"]), [])
            return
        values, _keep = matrix.overall()
        labels = [*matrix.values, NONE_LABEL]
        rows = []
        for i, ref in enumerate(matrix.refs):
            cells = [labels[v].rsplit("/", 1)[-1] if v >= 0 else "(not coded)"
                     for v in values[i]]  # fmt: skip
            rows.append((ref.label, f"{format_ms(ref.start)}-{format_ms(ref.end)}", cells))
        self.model.set_rows(matrix.coders, rows, headers=("Unit", "Session time"))
