"""Highlights of pending suggestions in a transcript text widget, in their own style.

Coded segments are painted with a filled background in the code's colour (transcript view);
pending suggestions must not look like coding, so they get a dotted underline in the code's
colour and never a fill. The suggestion under review is also overlined, so it stands out
without looking coded. Positions are code points in the core and UTF-16 units in Qt: the
conversion happens here, at the widget boundary.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextEdit

from app.core.dto import SuggestionInfo
from app.core.text import Utf16Map

QUIET_ALPHA = 170
FALLBACK_COLOR = "#ff9800"


def suggestion_format(color: str, current: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    qcolor = QColor(color if QColor.isValidColorName(color) else FALLBACK_COLOR)
    if not current:
        qcolor.setAlpha(QUIET_ALPHA)
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
    fmt.setUnderlineColor(qcolor)
    fmt.setFontOverline(current)
    fmt.setProperty(QTextCharFormat.Property.UserProperty + 1, "suggestion")
    return fmt


def suggestion_selections(
    document: QTextDocument,
    text: str,
    suggestions: Sequence[SuggestionInfo],
    colors: dict[int, str],
    current_id: int | None = None,
) -> list[QTextEdit.ExtraSelection]:
    """Extra selections for the pending suggestions of the document's transcript ``text``."""
    u16 = Utf16Map(text)
    out: list[QTextEdit.ExtraSelection] = []
    for s in suggestions:
        if s.status != "pending":
            continue
        cursor = QTextCursor(document)
        cursor.setPosition(u16.to_utf16(s.start_char))
        cursor.setPosition(u16.to_utf16(s.end_char), QTextCursor.MoveMode.KeepAnchor)
        sel = QTextEdit.ExtraSelection()
        sel.cursor = cursor
        sel.format = suggestion_format(
            colors.get(s.code_id, FALLBACK_COLOR), current=s.id == current_id
        )
        out.append(sel)
    return out
