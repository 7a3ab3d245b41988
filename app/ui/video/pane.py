"""The session video for real work: play/pause, speed, jumps, frame steps, a J/K/L shuttle,
In/Out marks, a millisecond clock and a time ruler.

QtMultimedia is optional at run time: without a multimedia backend (a bare server, CI, or
``IPRW_NO_MEDIA=1``) the pane keeps a clock of its own and shows the ruler instead of the
picture, so coding on the clock still works.  The player has no audio output object unless
sound is wanted, so no audio device is ever required.  A missing file shows its path and a
"Locate video…" button (``locateRequested``); the window stores the new path relative to the
project.  Keys live in ``keys.py`` (one table for the menu and the Help sheet).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.timeutil import format_ms
from app.ui.video.ruler import TimeRuler

SPEEDS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
DEFAULT_FPS = 25.0


def _multimedia() -> tuple[Any, Any] | None:
    if os.environ.get("IPRW_NO_MEDIA"):
        return None
    try:
        from PySide6.QtMultimedia import QMediaPlayer
        from PySide6.QtMultimediaWidgets import QVideoWidget
    except ImportError:
        return None
    return QMediaPlayer, QVideoWidget


class VideoPane(QWidget):
    positionChanged = Signal(int)  # ms on the session clock, while playing
    seeked = Signal(int)  # ms, after any seek (click, key, ruler)
    marksChanged = Signal()
    locateRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player: Any = None
        self.video: Any = None
        self._duration = 0
        self._position = 0
        self.fps = DEFAULT_FPS
        self.path: Path | None = None
        self.mark_in: int | None = None
        self.mark_out: int | None = None
        self.last_mark = "in"
        self.play_button = QToolButton(text="▶")
        self.play_button.setToolTip("Play / pause (Ctrl+P; shuttle Ctrl+J / Ctrl+K / Ctrl+L)")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(self.seek)
        self.time_label = QLabel("00:00:00.000 / 00:00:00")
        self.time_label.setStyleSheet("font-family: monospace;")
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Playback speed (Alt+Up / Alt+Down)")
        self.speed.currentIndexChanged.connect(self._speed_changed)
        self.marks_label = QLabel("In –  Out –")
        self.marks_label.setStyleSheet("font-family: monospace; color: #374151;")
        self.message = QLabel("No video for this session")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet("color: #6b7280;")
        self.locate_button = QPushButton("Locate video…")
        self.locate_button.clicked.connect(self.locateRequested)
        self.locate_button.hide()
        self.ruler = TimeRuler()
        self.ruler.seekRequested.connect(self.seek)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        mm = _multimedia()
        if mm is not None:
            player_cls, widget_cls = mm
            try:
                self.player = player_cls(self)
                self.video = widget_cls(self)
                self.video.setMinimumSize(320, 180)
                self.player.setVideoOutput(self.video)
                self.player.positionChanged.connect(self._position_from_player)
                self.player.durationChanged.connect(self._duration_changed)
                self.player.playbackStateChanged.connect(self._state)
                self.player.metaDataChanged.connect(self._read_fps)
                layout.addWidget(self.video, 1)
            except Exception:  # a backend that fails to start must not take the window down
                self.player = None
                self.video = None
        layout.addWidget(self.message, 1)
        layout.addWidget(self.locate_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.ruler)
        layout.addWidget(self.slider)
        controls = QHBoxLayout()
        buttons = (("−5s", "Back 5 s (Alt+PgUp)", -5000), ("−1s", "Back 1 s (Alt+Left)", -1000),
                   ("+1s", "Forward 1 s (Alt+Right)", 1000),
                   ("+5s", "Forward 5 s (Alt+PgDown)", 5000))  # fmt: skip
        controls.addWidget(self.play_button)
        for text, tip, step in buttons:
            b = QToolButton(text=text)
            b.setToolTip(tip)
            b.clicked.connect(lambda _c=False, s=step: self.jump(s))
            controls.addWidget(b)
        for text, tip, frames in (("|◀", "Previous frame (Alt+,)", -1),
                                  ("▶|", "Next frame (Alt+.)", 1)):  # fmt: skip
            b = QToolButton(text=text)
            b.setToolTip(tip)
            b.clicked.connect(lambda _c=False, f=frames: self.step_frames(f))
            controls.addWidget(b)
        controls.addStretch(1)
        controls.addWidget(self.speed)
        controls.addWidget(self.time_label)
        layout.addLayout(controls)
        marks = QHBoxLayout()
        for text, tip, slot in (("In", "Mark In at the playhead (Alt+I)", self.set_in),
                                ("Out", "Mark Out at the playhead (Alt+O)", self.set_out),
                                ("Clear", "Clear In/Out (Alt+X)", self.clear_marks)):  # fmt: skip
            b = QToolButton(text=text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            marks.addWidget(b)
        marks.addWidget(self.marks_label, 1)
        layout.addLayout(marks)
        self.set_source(None)

    # ------------------------------------------------------------------ source

    @property
    def available(self) -> bool:
        return self.player is not None

    @property
    def has_video(self) -> bool:
        return self.available and self.path is not None and self.path.is_file()

    def set_source(self, path: Path | None, duration_ms: int | None = None) -> None:
        """Show ``path`` (None: no video); without a playable file the clock still runs."""
        if self.player is not None:
            self.player.stop()
        self.path = path
        has = path is not None and path.is_file()
        self._duration = duration_ms or 0
        self._position = 0
        self.mark_in = self.mark_out = None
        self.slider.setRange(0, self._duration)
        playable = has and self.available
        self.play_button.setEnabled(playable)
        self.speed.setEnabled(playable)
        if self.video is not None:
            self.video.setVisible(playable)
        self.locate_button.setVisible(path is not None and not has)
        self.message.setVisible(not playable)
        if path is not None and not has:
            self.message.setText(f"Video not found:\n{path}")
        elif path is None:
            self.message.setText("No video for this session")
        elif not self.available:
            self.message.setText("Video playback is not available on this system; "
                                 "the ruler below is the session clock")  # fmt: skip
        if self.player is not None:
            self.player.setSource(QUrl.fromLocalFile(str(path)) if playable and path else QUrl())
        self.fps = DEFAULT_FPS
        self._sync_ruler()
        self._show_time(0)
        self.marksChanged.emit()

    def set_duration(self, ms: int) -> None:
        """The session's length from the project when no player reports one."""
        if ms > self._duration:
            self._duration = ms
            self.slider.setRange(0, ms)
            self._sync_ruler()

    @property
    def duration(self) -> int:
        return self._duration

    # ------------------------------------------------------------------ transport

    def toggle(self) -> None:
        if self.player is None or not self.has_video:
            return
        if self.is_playing():
            self.player.pause()
        else:
            self.player.play()

    def pause(self) -> None:
        if self.is_playing():
            self.player.pause()

    def is_playing(self) -> bool:
        if self.player is None:
            return False
        from PySide6.QtMultimedia import QMediaPlayer

        return bool(self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState)

    def position(self) -> int:
        if self.player is not None and self.has_video:
            return int(self.player.position())
        return self._position

    def seek(self, ms: int) -> None:
        ms = max(0, min(int(ms), self._duration)) if self._duration else max(0, int(ms))
        self._position = ms
        if self.player is not None and self.has_video:
            self.player.setPosition(ms)
        self.slider.blockSignals(True)
        self.slider.setValue(ms)
        self.slider.blockSignals(False)
        self._show_time(ms)
        self.ruler.position = ms
        self.ruler.update()
        self.seeked.emit(ms)

    def jump(self, delta_ms: int) -> None:
        self.seek(self.position() + delta_ms)

    def frame_ms(self) -> int:
        return max(1, round(1000 / (self.fps or DEFAULT_FPS)))

    def step_frames(self, n: int) -> None:
        self.pause()
        self.seek(self.position() + n * self.frame_ms())

    def set_speed(self, rate: float) -> None:
        nearest = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - rate))
        self.speed.setCurrentIndex(nearest)

    def faster(self, steps: int = 1) -> None:
        i = max(0, min(len(SPEEDS) - 1, self.speed.currentIndex() + steps))
        self.speed.setCurrentIndex(i)

    def shuttle(self, key: str) -> None:
        """J/K/L: J jumps back 5 s (playback cannot run backwards), K pauses at 1×, L plays and
        each further L plays faster (up to 2×)."""
        if key == "k":
            self.pause()
            self.set_speed(1.0)
        elif key == "j":
            self.jump(-5000)
        elif key == "l":
            if self.is_playing():
                self.faster()
            else:
                self.toggle()

    # ------------------------------------------------------------------ In / Out

    def set_in(self) -> None:
        self.mark_in = self.position()
        if self.mark_out is not None and self.mark_out <= self.mark_in:
            self.mark_out = None
        self.last_mark = "in"
        self._marks_changed()

    def set_out(self) -> None:
        self.mark_out = self.position()
        if self.mark_in is not None and self.mark_in >= self.mark_out:
            self.mark_in = None
        self.last_mark = "out"
        self._marks_changed()

    def set_marks(self, start: int | None, end: int | None) -> None:
        self.mark_in, self.mark_out = start, end
        self._marks_changed()

    def nudge(self, delta_ms: int) -> None:
        """Move the mark set last (In or Out) by ``delta_ms``."""
        if self.last_mark == "out" and self.mark_out is not None:
            self.mark_out = max(0, self.mark_out + delta_ms)
        elif self.mark_in is not None:
            self.mark_in = max(0, self.mark_in + delta_ms)
        self._marks_changed()

    def clear_marks(self) -> None:
        self.set_marks(None, None)

    def marked_range(self) -> tuple[int, int] | None:
        if self.mark_in is None or self.mark_out is None or self.mark_out <= self.mark_in:
            return None
        return self.mark_in, self.mark_out

    def _marks_changed(self) -> None:
        fmt = lambda v: "–" if v is None else format_ms(v, millis=True)  # noqa: E731
        length = self.marked_range()
        extra = f"   ({(length[1] - length[0]) / 1000:.3f} s)" if length else ""
        self.marks_label.setText(f"In {fmt(self.mark_in)}  Out {fmt(self.mark_out)}{extra}")
        self._sync_ruler()
        self.marksChanged.emit()

    # ------------------------------------------------------------------ player events

    def _position_from_player(self, ms: int) -> None:
        self._position = ms
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(ms)
            self.slider.blockSignals(False)
        self._show_time(ms)
        self.ruler.position = ms
        self.ruler.update()
        if self.is_playing():
            self.positionChanged.emit(int(ms))

    def _duration_changed(self, ms: int) -> None:
        if ms > 0:
            self._duration = ms
            self.slider.setRange(0, ms)
            self._sync_ruler()

    def _read_fps(self) -> None:
        from PySide6.QtMultimedia import QMediaMetaData

        value = self.player.metaData().value(QMediaMetaData.Key.VideoFrameRate)
        try:
            fps = float(value)
        except (TypeError, ValueError):
            return
        if 1.0 <= fps <= 240.0:
            self.fps = fps

    def _state(self, _state: object) -> None:
        self.play_button.setText("❚❚" if self.is_playing() else "▶")

    def _speed_changed(self, _index: int) -> None:
        if self.player is not None:
            self.player.setPlaybackRate(float(self.speed.currentData()))

    def _sync_ruler(self) -> None:
        self.ruler.duration = self._duration
        self.ruler.mark_in, self.ruler.mark_out = self.mark_in, self.mark_out
        self.ruler.update()

    def _show_time(self, ms: int) -> None:
        self.time_label.setText(f"{format_ms(ms, millis=True)} / {format_ms(self._duration)}")
