"""The transcript view: one transcript's text, with times, speakers, code highlights and stripes.

Built on QPlainTextEdit because its layout is lazy per block: only the visible paragraphs are laid
out and painted, which keeps a 10^4-utterance transcript smooth (see benchmarks/bench_workspace.py).
The document holds exactly the stored transcript text (utterances joined by ``\\n``), so a
document position is a UTF-16 offset of that text; ``Utf16Map`` converts to the code points the
core stores, here and nowhere else. Times and speakers live in a left gutter instead of in the
text, so selecting across utterances selects only transcript words.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextBlock,
    QTextCursor,
    QTextFormat,
    QTextOption,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from app.core.dto import SegmentInfo, UtteranceInfo
from app.core.text import Utf16Map
from app.ui.suggestions.highlight import FALLBACK_COLOR as FALLBACK_SUGGESTION
from app.ui.suggestions.highlight import suggestion_format
from app.ui.transcript.gutter import LANE_GAP, LANE_WIDTH, Gutter
from app.ui.transcript.layers import Stripe, stripes_at, tooltip_html
from app.ui.transcript.stripe_index import StripeIndex

HIGHLIGHT_ALPHA = 70
CURRENT_ALPHA = 160


class TranscriptView(QPlainTextEdit):
    """Read-only, selectable transcript; emits what the researcher clicks and selects."""

    segmentClicked = Signal(int)
    utteranceClicked = Signal(object)  # UtteranceInfo
    currentUtteranceChanged = Signal(object)  # UtteranceInfo | None
    codePopupRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        self.setCenterOnScroll(False)
        font = QFont(self.font())
        font.setPointSizeF(max(10.5, font.pointSizeF() * 1.1))
        self.setFont(font)
        self.document().setDocumentMargin(6)
        self.text = ""
        self.transcript_id: int | None = None
        self.kind = "session"
        self.utterances: list[UtteranceInfo] = []
        self._starts: list[int] = []
        self._by_start: dict[int, UtteranceInfo] = {}
        self._u16 = Utf16Map("")
        self._colors: dict[int, str] = {}
        self.stripes: list[Stripe] = []
        self._index = StripeIndex()
        self._n_lanes = 0
        self._current_segment: int | None = None
        self._external: list[QTextEdit.ExtraSelection] = []
        self._band: list[QTextEdit.ExtraSelection] = []
        self._last_utterance: UtteranceInfo | None = None
        self._visible_key: tuple[object, ...] | None = None  # see ``visible_range``
        self._visible = (0, 0)
        self.gutter = Gutter(self)
        self.updateRequest.connect(self._update_gutter)
        self.cursorPositionChanged.connect(self._cursor_moved)
        self.viewport().setMouseTracking(True)
        self._update_margins()

    # ------------------------------------------------------------------ content

    def set_transcript(
        self, transcript_id: int | None, text: str, utterances: Sequence[UtteranceInfo], kind: str
    ) -> None:
        """Show a transcript (``None`` clears the view)."""
        self.transcript_id = transcript_id
        self.text = text
        self.kind = kind
        self.utterances = sorted(utterances, key=lambda u: u.start_char)
        self._starts = [u.start_char for u in self.utterances]
        self._by_start = {u.start_char: u for u in self.utterances}
        self._u16 = Utf16Map(text)
        self._index = StripeIndex()
        self.stripes = self._index.stripes
        self._external = []
        self._band = []
        self._current_segment = None
        self._last_utterance = None
        self._visible_key = None
        self.setPlainText(text)
        self._update_margins()
        self._apply_selections()

    def set_segments(
        self,
        segments: Sequence[SegmentInfo],
        colors: dict[int, str],
        coder_order: Sequence[int] = (),
    ) -> None:
        """Paint these (already filtered) segments of the shown transcript, every lane packed
        afresh (a transcript switch, a full reload)."""
        shown = [s for s in segments if s.transcript_id == self.transcript_id]
        self._colors = dict(colors)
        self._index.rebuild(shown, self._colors, coder_order)
        self._after_stripes()
        self._update_margins()

    def update_segments(
        self, changed: dict[int, SegmentInfo | None], coder_order: Sequence[int] = ()
    ) -> None:
        """One edit: ``changed`` maps each segment id it touched to its row as shown now (None:
        removed or hidden). Only the lanes around those segments are packed again (issue 17);
        the stripes equal what ``set_segments`` of the whole list would give."""
        now = {
            sid: seg for sid, seg in changed.items()
            if seg is not None and seg.transcript_id == self.transcript_id
        }  # fmt: skip
        touched = self._index.update(now, list(changed), coder_order)
        self._after_stripes(touched)

    def coder_lane_base(self) -> dict[int, int]:
        """Coder id -> the first margin lane of that coder's group (left to right)."""
        return self._index.lane_base()

    def _after_stripes(self, touched: tuple[int, int] | None = None) -> None:
        self.stripes = self._index.stripes
        n_lanes = self._index.n_lanes if self.stripes else 0
        if n_lanes != self._n_lanes:
            self._n_lanes = n_lanes
            self._update_margins()
            touched = None
        if touched is None:
            self._repaint_highlights()
        else:
            self._repaint_span(*touched)

    def stripes_between(self, first: int, last: int) -> list[Stripe]:
        """Stripes that overlap code points ``[first, last)``, without walking all of them."""
        return self._index.between(first, last)

    def set_current_segment(self, segment_id: int | None) -> None:
        if segment_id == self._current_segment:
            return
        spans = [self._index.span_of(self._current_segment), self._index.span_of(segment_id)]
        self._current_segment = segment_id
        for span in spans:
            if span is not None:
                self._repaint_span(*span)

    def setExtraSelections(self, selections: Sequence[QTextEdit.ExtraSelection]) -> None:
        """Selections from outside (the suggestions hookup) are kept beside the code highlights."""
        self._external = list(selections)
        self._apply_selections()

    def set_suggestion_spans(
        self,
        spans: Sequence[tuple[int, int, str]],
        current: tuple[int, int] | None = None,
    ) -> None:
        """Pending suggestions (code points, colour), dotted: they must never look like coding.

        ``current`` is the span of the suggestion under review, drawn a little stronger.
        """
        out = []
        for start, end, color in spans:
            sel = QTextEdit.ExtraSelection()
            sel.cursor = self._cursor_for(start, end)
            sel.format = suggestion_format(color or FALLBACK_SUGGESTION, (start, end) == current)
            out.append(sel)
        self.setExtraSelections(out)

    # ------------------------------------------------------------------ positions

    def to_codepoint(self, u16: int) -> int:
        return self._u16.to_codepoint(u16)

    def to_utf16(self, cp: int) -> int:
        return self._u16.to_utf16(cp)

    def selected_span(self) -> tuple[int, int] | None:
        """The selection in code points, trimmed of surrounding white space; None if empty."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start = self.to_codepoint(cursor.selectionStart())
        end = self.to_codepoint(cursor.selectionEnd())
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return (start, end) if end > start else None

    def select_span(self, start: int, end: int, *, scroll: bool = True) -> None:
        self.setTextCursor(self._cursor_for(start, end))
        if scroll:
            self.centerCursor()

    def utterance_at(self, cp: int) -> UtteranceInfo | None:
        index = bisect.bisect_right(self._starts, cp) - 1
        return self.utterances[index] if index >= 0 else None

    def current_utterance(self) -> UtteranceInfo | None:
        return self.utterance_at(self.to_codepoint(self.textCursor().position()))

    def show_utterance(self, utterance: UtteranceInfo) -> None:
        """Scroll to an utterance without disturbing a selection the researcher is making."""
        if self.textCursor().hasSelection():
            return
        cursor = self._cursor_for(utterance.start_char, utterance.start_char)
        self.setTextCursor(cursor)
        self.centerCursor()

    def segment_ids_at(self, cp: int) -> list[int]:
        return [s.segment_id for s in stripes_at(self.stripes_between(cp, cp + 1), cp)]

    def _cursor_for(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.to_utf16(start))
        cursor.setPosition(self.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    # ------------------------------------------------------------------ painting

    def _repaint_highlights(self) -> None:
        self.viewport().update()
        self.gutter.update()

    def _repaint_span(self, start: int, end: int) -> None:
        """Repaint only the lines showing code points ``[start, end)`` (an edit's highlights
        and lanes), not the whole viewport: most of an edit's frame was Qt redrawing text."""
        first, last = self.visible_range()
        if end < first or start > last:
            return
        height = self.viewport().height()
        top = 0 if start <= first else self.cursorRect(self._cursor_for(start, start)).top()
        end_pos = max(start, end - 1)
        bottom = height if end >= last else (
            self.cursorRect(self._cursor_for(end_pos, end_pos)).bottom() + 1
        )
        top, bottom = max(0, top - 2), min(height, bottom + 2)
        if bottom > top:
            self.viewport().update(0, top, self.viewport().width(), bottom - top)
            self.gutter.update(0, top, self.gutter.width(), bottom - top)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Code highlights go under the text, painted only for the visible lines.

        Painting them here instead of as thousands of ExtraSelections keeps a heavily coded
        transcript cheap to scroll and to recode: the cost follows what is on screen.
        """
        if self.stripes:
            painter = QPainter(self.viewport())
            self._paint_highlights(painter, event.rect())
            painter.end()
        super().paintEvent(event)

    def block_at(self, y: int) -> QTextBlock:
        """The first block a repaint from viewport line ``y`` down has to draw: an edit
        repaints a few lines, often far below the first visible one (issue 17)."""
        block = self.cursorForPosition(QPoint(0, max(0, y))).block()
        return block if block.isValid() else self.firstVisibleBlock()

    def _paint_highlights(self, painter: QPainter, area: QRect) -> None:
        bottom = area.bottom()
        block = self.block_at(area.top())
        offset = self.contentOffset()
        last = self.block_at(bottom)
        first_cp = self.to_codepoint(block.position())
        last_cp = self.to_codepoint(last.position() + last.length() - 1) + 1
        visible = self.stripes_between(first_cp, last_cp)  # only those the repaint reaches
        while block.isValid() and visible:
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > bottom:
                break
            b_pos = block.position()
            b_start = self.to_codepoint(b_pos)
            b_end = self.to_codepoint(b_pos + block.length() - 1)
            layout = block.layout()
            origin = geometry.topLeft() + layout.position()
            for stripe in visible:
                if stripe.start >= b_end or stripe.end <= b_start:
                    continue
                rel_a = self.to_utf16(max(stripe.start, b_start)) - b_pos
                rel_b = self.to_utf16(min(stripe.end, b_end)) - b_pos
                color = QColor(stripe.color)
                current = stripe.segment_id == self._current_segment
                color.setAlpha(CURRENT_ALPHA if current else HIGHLIGHT_ALPHA)
                for i in range(layout.lineCount()):
                    line = layout.lineAt(i)
                    a = max(rel_a, line.textStart())
                    b = min(rel_b, line.textStart() + line.textLength())
                    if a >= b:
                        continue
                    x1 = _x(line.cursorToX(a))
                    x2 = _x(line.cursorToX(b))
                    rect = QRectF(origin.x() + x1, origin.y() + line.y(), x2 - x1, line.height())
                    painter.fillRect(rect, color)
                    if current:
                        painter.fillRect(
                            QRectF(rect.left(), rect.bottom() - 2, rect.width(), 2),
                            QColor(stripe.color).darker(140),
                        )
            block = block.next()

    def _apply_selections(self) -> None:
        super().setExtraSelections(self._band + self._external)

    def set_playing_band(self, utterance: UtteranceInfo | None) -> None:
        """The utterance the playing video is at, as a full-width band under the text."""
        self._band = []
        if utterance is not None:
            band = QTextEdit.ExtraSelection()
            band.format.setBackground(QColor("#fef3c7"))
            band.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            band.cursor = self._cursor_for(utterance.start_char, max(utterance.start_char,
                                                                    utterance.end_char - 1))
            self._band = [band]
        self._apply_selections()

    def gutter_width(self) -> int:
        fm = QFontMetrics(self.gutter.font())
        width = fm.horizontalAdvance("00:00:00") + fm.horizontalAdvance("WWW") + 22
        if self.kind == "recall":
            width += fm.horizontalAdvance("▶ 00:00:00") + 8
        return width + self._n_lanes * (LANE_WIDTH + LANE_GAP) + 6

    def _update_margins(self) -> None:
        lane = getattr(self, "right_lane", None)  # the video hookup's time lane, if any
        right = lane.sizeHint().width() if lane is not None else 0
        self.setViewportMargins(self.gutter_width(), 0, right, 0)
        cr = self.contentsRect()
        self.gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))
        self._place_lane()

    def _place_lane(self) -> None:
        """The time lane sits right of the text, left of the scroll bar: placed by the
        viewport's own geometry (``resizeEvent`` also sees the viewport's resizes, so it follows
        the scroll bar showing or hiding). A lane over the bar made every repaint of the one
        repaint the other too (issue 17)."""
        lane = getattr(self, "right_lane", None)
        if lane is None:
            return
        vp = self.viewport().geometry()
        lane.setGeometry(QRect(vp.right() + 1, vp.top(), lane.sizeHint().width(), vp.height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_margins()

    def _update_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def visible_range(self) -> tuple[int, int]:
        """Code points of the first and past-the-last visible character.

        Two hit tests of the text layout; an edit asks three or four times in one frame (its
        highlights, the current segment before and after, the margin), so the answer is kept
        while the view shows the same lines: same text, scroll position and viewport size."""
        vp = self.viewport()
        key = (
            self.transcript_id, self.document().revision(), self.firstVisibleBlock().blockNumber(),
            self.contentOffset().y(), vp.width(), vp.height(),
        )  # fmt: skip
        if key != self._visible_key:
            first = self.cursorForPosition(QPoint(0, 0)).position()
            last = self.cursorForPosition(QPoint(vp.width() - 1, vp.height() - 1)).position()
            self._visible_key = key
            self._visible = (self.to_codepoint(first), self.to_codepoint(last) + 1)
        return self._visible

    # ------------------------------------------------------------------ interaction

    def _cursor_moved(self) -> None:
        utt = self.current_utterance()
        if utt is not self._last_utterance:
            self._last_utterance = utt
            self.currentUtteranceChanged.emit(utt)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self.textCursor().hasSelection():
            return
        cp = self.to_codepoint(self.cursorForPosition(event.position().toPoint()).position())
        ids = self.segment_ids_at(cp)
        if ids:
            # Repeated clicks on stacked highlights walk through them.
            following = (
                ids[(ids.index(self._current_segment) + 1) % len(ids)]
                if (self._current_segment in ids)
                else ids[0]
            )
            self.segmentClicked.emit(following)
        utt = self.utterance_at(cp)
        if utt is not None:
            self.utteranceClicked.emit(utt)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.codePopupRequested.emit()
            return
        if (
            event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.ControlModifier
        ):
            self.codePopupRequested.emit()
            return
        super().keyPressEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            cp = self.to_codepoint(self.cursorForPosition(event.pos()).position())
            hits = stripes_at(self.stripes_between(cp, cp + 1), cp)
            if hits:
                QToolTip.showText(event.globalPos(), tooltip_html(hits), self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)


def _x(value: object) -> float:
    """``QTextLine.cursorToX`` returns the x (and, in some bindings, the position too)."""
    if isinstance(value, tuple):
        return float(value[0])
    return float(value)  # type: ignore[arg-type]
