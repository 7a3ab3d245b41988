"""Search in the codebook tree: every typed word must occur in a code's name, key, definition or
inclusion criteria; matching codes keep their ancestors visible so a hit is seen in its place."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel
from PySide6.QtWidgets import QWidget

from app.ui.codebook.model import COL_NAME, SEARCH_ROLE


class SearchProxy(QSortFilterProxyModel):
    """Keeps codes whose name, key, definition or inclusion text contains every typed word,
    and their ancestors (so a hit is shown in its place in the tree)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.words: list[str] = []
        self.setRecursiveFilteringEnabled(True)
        # The filter reads names, keys and definitions only: a count changing after an edit
        # (the model's only in-place change; anything else resets it) needs no re-filtering
        # of the tree's ancestors (issue 17: part of every edit's frame).
        self.setDynamicSortFilter(False)
        # The filter's role is the one ``filterAcceptsRow`` reads. Left at DisplayRole, every
        # count change (a DisplayRole change) made Qt re-check and re-signal each ancestor's
        # row as well: ten times the cost of the change itself, on every edit (issue 17).
        self.setFilterRole(SEARCH_ROLE)

    def set_query(self, text: str) -> None:
        self.words = text.casefold().split()
        # Setting the (otherwise unused) fixed-string filter re-runs filterAcceptsRow; the
        # direct invalidateFilter() call is deprecated in Qt 6.10.
        self.setFilterFixedString(" ".join(self.words))

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:  # type: ignore[override]
        if not self.words:
            return True
        index = self.sourceModel().index(source_row, COL_NAME, source_parent)
        haystack = str(index.data(SEARCH_ROLE) or "")
        return all(word in haystack for word in self.words)
