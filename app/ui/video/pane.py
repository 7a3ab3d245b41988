"""The session video beside the transcript: play/pause, position, seeking.

QtMultimedia is optional at run time: without a multimedia backend (a bare server, CI, or
``IPRW_NO_MEDIA=1``) the pane says so and everything else in the window keeps working. The player
has no audio output object unless sound is wanted, so no audio device is ever required.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QVBoxLayout, QWidget

from app.core.timeutil import format_ms


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

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player: Any = None
        self.video: Any = None
        self._duration = 0
        self.play_button = QToolButton(text="▶")
        self.play_button.setToolTip("Play / pause (Ctrl+P)")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(self.seek)
        self.time_label = QLabel("00:00:00 / 00:00:00")
        self.message = QLabel("No video for this session")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("color: #6b7280;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        mm = _multimedia()
        if mm is not None:
            player_cls, widget_cls = mm
            try:
                self.player = player_cls(self)
                self.video = widget_cls(self)
                self.video.setMinimumHeight(120)
                self.player.setVideoOutput(self.video)
                self.player.positionChanged.connect(self._position)
                self.player.durationChanged.connect(self._duration_changed)
                self.player.playbackStateChanged.connect(self._state)
                layout.addWidget(self.video, 1)
            except Exception:  # a backend that fails to start must not take the window down
                self.player = None
                self.video = None
        if self.player is None:
            self.message.setText("Video playback is not available on this system")
        layout.addWidget(self.message)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        layout.addLayout(controls)
        self.set_source(None)

    @property
    def available(self) -> bool:
        return self.player is not None

    def set_source(self, path: Path | None, duration_ms: int | None = None) -> None:
        has = path is not None and path.is_file()
        self._duration = duration_ms or 0
        self.slider.setRange(0, self._duration)
        self.play_button.setEnabled(has and self.available)
        self.slider.setEnabled(has and self.available)
        if self.video is not None:
            self.video.setVisible(has)
        self.message.setVisible(not has or not self.available)
        if path is not None and not has:
            self.message.setText(f"Video not found: {path.name}")
        elif path is None:
            self.message.setText("No video for this session")
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl.fromLocalFile(str(path)) if has and path else QUrl())
        self._show_time(0)

    def toggle(self) -> None:
        if self.player is None:
            return
        if self.is_playing():
            self.player.pause()
        else:
            self.player.play()

    def is_playing(self) -> bool:
        if self.player is None:
            return False
        from PySide6.QtMultimedia import QMediaPlayer

        return bool(self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState)

    def seek(self, ms: int) -> None:
        if self.player is not None:
            self.player.setPosition(int(ms))
        self.slider.setValue(int(ms))
        self._show_time(int(ms))

    def _position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self._show_time(ms)
        if self.is_playing():
            self.positionChanged.emit(int(ms))

    def _duration_changed(self, ms: int) -> None:
        if ms > 0:
            self._duration = ms
            self.slider.setRange(0, ms)

    def _state(self, _state: object) -> None:
        self.play_button.setText("❚❚" if self.is_playing() else "▶")

    def _show_time(self, ms: int) -> None:
        self.time_label.setText(f"{format_ms(ms)} / {format_ms(self._duration)}")
