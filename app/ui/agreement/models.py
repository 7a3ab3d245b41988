"""Item models of the comparison view: statistics, per-code table, confusion matrix, the
disagreement queue and the side-by-side transcript.  All are read-only table models over plain
dataclasses, reset wholesale when the report or the workspace changes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.agreement.icc import MCGRAW_WONG
from app.agreement.matching import Item
from app.agreement.report import REPORT_ORDER, AgreementReport

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
ALIGN = Qt.ItemDataRole.TextAlignmentRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole
NUMERIC = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

COEFFICIENT_LABELS = {
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "scott_pi": "Scott's pi",
    "fleiss_kappa": "Fleiss' kappa",
    "conger_kappa": "Conger's kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "gwet_ac1": "Gwet's AC1",
    "brennan_prediger": "Brennan-Prediger",
}
KIND_LABELS = {
    "agreed": "Agreed",
    "boundary": "Boundary",
    "conflict": "Code conflict",
    "unmatched": "Unmatched",
}
KIND_COLORS = {
    "agreed": "#e6f4ea",
    "boundary": "#fff4ce",
    "conflict": "#fde2e1",
    "unmatched": "#e8eaf6",
}


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def fmt_n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


class _Table(QAbstractTableModel):
    def __init__(self, headers: list[str] | None = None) -> None:
        super().__init__()
        self.headers: list[str] = list(headers or [])
        self.rows: list[list[str]] = []
        self.tips: list[str] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if role != DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
            return self.headers[section]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        if role == DISPLAY:
            return self.rows[index.row()][index.column()]
        if role == TOOLTIP and index.row() < len(self.tips):
            return self.tips[index.row()] or None
        if role == ALIGN and index.column() > 0:
            return int(NUMERIC)
        return None

    def _reset(self, rows: list[list[str]], tips: list[str] | None = None) -> None:
        self.beginResetModel()
        self.rows = rows
        self.tips = tips or []
        self.endResetModel()


class StatsModel(_Table):
    """Coefficient, value, 95% interval, and the line on how it is computed."""

    def __init__(self) -> None:
        super().__init__(["Coefficient", "Value", "95% interval", "How it is computed"])

    def set_report(self, report: AgreementReport | None) -> None:
        rows: list[list[str]] = []
        if report is not None:
            for name in REPORT_ORDER:
                value = report.overall.get(name)
                skip = value is None and name in ("cohen_kappa", "scott_pi")
                if name not in report.overall or skip:
                    continue
                lo, hi = report.ci95.get(name, (None, None))
                ci = "" if lo is None or hi is None else f"[{lo:.3f}, {hi:.3f}]"
                rows.append([COEFFICIENT_LABELS[name], fmt(value), ci, report.how.get(name, "")])
            rows += icc_rows(report)
        self._reset(rows, [r[3] for r in rows])

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if role == ALIGN and index.isValid() and index.column() == 3:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)


def icc_rows(report: AgreementReport) -> list[list[str]]:
    """The six ICC forms on the ratings (Shrout & Fleiss), with their how-computed line."""
    if report.icc is None:
        return []
    rows = []
    for name, form in report.icc.items():
        lo, hi = form["ci95"]
        ci = "" if lo is None or hi is None else f"[{lo:.3f}, {hi:.3f}]"
        how = (f"{MCGRAW_WONG[name]}, on {report.icc_units} units every coder rated; two-way "
               "ANOVA mean squares, F-based 95% interval (Shrout & Fleiss 1979)")
        rows.append([f"Rating {name}", fmt(form["value"]), ci, how])
    return rows


class PerCodeModel(_Table):
    """One row per code: counts of units each coder applied it in, and binary kappa/alpha."""

    def set_report(self, report: AgreementReport | None) -> None:
        if report is None:
            self.headers = ["Code"]
            self._reset([])
            return
        two = len(report.coders) == 2
        only = [f"Only {c}" for c in report.coders] if len(report.coders) <= 4 else []
        rated = any(c.coefficients.get("rated_units") for c in report.per_code)
        has_icc = any(c.icc for c in report.per_code)
        self.headers = ["Code", "Units", "All", *only, "None",
                        "Cohen's kappa" if two else "Fleiss' kappa", "Krippendorff's alpha",
                        "AC1", *(["Rating alpha (ordinal)"] if rated else []),
                        *(["Rating ICC(2,1)"] if has_icc else [])]  # fmt: skip
        rows = []
        tips = []
        key = "cohen_kappa" if two else "fleiss_kappa"
        for c in report.per_code:
            k = c.coefficients.get(key)
            only_cells = [fmt_n(c.only.get(name, 0)) for name in report.coders] if only else []
            rating = [fmt(c.coefficients.get("rating_alpha_ordinal"))] if rated else []
            if has_icc:
                rating.append(fmt(c.icc["ICC(2,1)"]["value"]) if c.icc else "")
            rows.append([c.code, fmt_n(c.n_units), fmt_n(c.both), *only_cells, fmt_n(c.neither),
                         fmt(k), fmt(c.coefficients.get("krippendorff_alpha")),
                         fmt(c.coefficients.get("gwet_ac1")), *rating])  # fmt: skip
            tips.append("; ".join(
                f"{COEFFICIENT_LABELS[name]} 95% interval [{lo:.3f}, {hi:.3f}]"
                for name, (lo, hi) in c.ci95.items() if lo is not None and hi is not None
            ))  # fmt: skip
        self._reset(rows, tips)


class ConfusionModel(_Table):
    """Rows one coder's value, columns the other's (or the coincidence matrix for 3+ coders)."""

    def set_report(self, report: AgreementReport | None) -> None:
        if report is None:
            self.headers = [""]
            self._reset([])
            return
        self.headers = ["", *report.confusion_labels]
        rows = [[label, *(fmt_n(x) for x in row)]
                for label, row in zip(report.confusion_labels, report.confusion, strict=True)]
        self._reset(rows)


@dataclass(frozen=True)
class QueueRow:
    item: Item
    where: str
    text: str
    by_coder: dict[str, str]
    decided: bool


class QueueModel(_Table):
    """The disagreement queue: one decision per row, coloured by kind."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[QueueRow] = []
        self.coders: list[str] = []

    def set_entries(self, coders: list[str], entries: list[QueueRow]) -> None:
        """One column per coder for up to four coders; beyond that one tally column."""
        wide = len(coders) <= 4
        self.headers = ["Kind", *(coders if wide else ["Codes (coders)"]), "Decided", "Where",
                        "Text"]  # fmt: skip
        self.coders = list(coders)
        self.entries = list(entries)
        rows = [[KIND_LABELS.get(e.item.kind, e.item.kind),
                 *((e.by_coder.get(c, "") for c in coders) if wide else [_tally(e, coders)]),
                 "yes" if e.decided else "", e.where, e.text] for e in entries]  # fmt: skip
        self._reset(rows)

    def set_decided(self, decided: list[bool]) -> None:
        """Each row's "Decided" flag after a decision or its undo: only rows that changed are
        repainted, never a reset (the queue keeps its selection and scroll; issue 17)."""
        col = self.headers.index("Decided")
        for row, (entry, now) in enumerate(zip(self.entries, decided, strict=True)):
            if entry.decided != now:
                self.entries[row] = replace(entry, decided=now)
                self.rows[row][col] = "yes" if now else ""
                self.dataChanged.emit(self.index(row, col), self.index(row, col))

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if role == BACKGROUND and index.isValid() and index.row() < len(self.entries):
            return QBrush(QColor(KIND_COLORS.get(self.entries[index.row()].item.kind, "#ffffff")))
        if role == ALIGN:
            return None
        return super().data(index, role)


def _tally(entry: QueueRow, coders: list[str]) -> str:
    """'reflection 6, other 3, nothing 1': how many coders chose what."""
    counts: dict[str, int] = {}
    for c in coders:
        key = entry.by_coder.get(c, "") or "nothing"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))


class SideBySideModel(_Table):
    """The transcript, one utterance per row, with each coder's codes in its own column."""

    def __init__(self) -> None:
        super().__init__()
        self.disagree: list[bool] = []

    def set_rows(self, coders: list[str], rows: list[tuple[str, str, list[str]]],
                 compared: int | None = None,
                 headers: tuple[str, str] = ("Turn", "Text")) -> None:  # fmt: skip
        """``rows``: (where, text, codes per coder); the first ``compared`` columns are coders
        whose differences are highlighted (the rest, e.g. the consensus, are shown only)."""
        n = len(coders) if compared is None else compared
        self.headers = [*headers, *coders]
        self.disagree = [len(set(codes[:n])) > 1 for _, _, codes in rows]
        self._reset([[where, text, *codes] for where, text, codes in rows])

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if role == BACKGROUND and index.isValid() and index.column() >= 2:
            if index.row() < len(self.disagree) and self.disagree[index.row()]:
                return QBrush(QColor(KIND_COLORS["conflict"]))
            return None
        if role == ALIGN:
            return None
        return super().data(index, role)
