"""Render the video-coding views of the demo project to PNG, offscreen (for docs/workspace.md).

Run:  python scripts/screenshots_video.py [--out docs/screenshots]

Writes ``video-coding.png`` (video pane large beside the transcript, an In/Out range marked over
the confrontation, the playing utterance's band, the segment list with a window tick),
``window-grid.png`` (Ana's 3RS grid with ticks, ratings, text counts and session ratings) and
``timeline.png`` (the timeline dock, both coders).  An offscreen platform cannot draw video
into a window, so the video frame the player decoded (from its video sink) is drawn into the
grab where the video widget is.  Settings and the demo go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="iprw-shots-video-"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["IPRW_CONFIG_DIR"] = str(tmp / "config")
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "xdg")
    os.environ.pop("IPRW_NO_MEDIA", None)

    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QImage, QPainter

    from app.core.demo import build_demo
    from app.ui.app import make_application
    from app.ui.main_window import MainWindow

    app = make_application([sys.argv[0]])
    demo = build_demo(tmp / "demo")

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()

    frames: list[QImage] = []
    window = MainWindow()
    window.resize(1600, 980)
    window.show()
    window.open_project(str(demo))
    window.set_coder("Ana")
    settle(1.0)
    pane = window.video
    if pane.video is not None:
        sink = pane.video.videoSink()
        sink.videoFrameChanged.connect(lambda f: frames.append(f.toImage()))

    def grab(path: Path) -> None:
        image = window.grab().toImage()
        if frames and pane.video is not None and pane.video.isVisible():
            frame = frames[-1].scaled(pane.video.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                      Qt.TransformationMode.SmoothTransformation)  # fmt: skip
            at = pane.video.mapTo(window, QPoint(0, 0))
            p = QPainter(image)
            p.fillRect(pane.video.rect().translated(at), Qt.GlobalColor.black)
            p.drawImage(at.x() + (pane.video.width() - frame.width()) // 2,
                        at.y() + (pane.video.height() - frame.height()) // 2, frame)  # fmt: skip
            p.end()
        image.save(str(path))
        print(path)

    # 1. The video-coding layout: the confrontation, In/Out marked, the band on the playing turn.
    window.navigator_dock.hide()
    window.resizeDocks([window.video_dock], [640], Qt.Orientation.Horizontal)
    view = window.transcript_view
    turn = next(u for u in view.utterances if u.start_ms == 21 * 60_000 + 35_000)
    tick = next(s for s in window.coding.panel.model.segments
                if s.transcript_id is None and s.start_ms == 20 * 60_000)  # fmt: skip
    window.coding.select_segment(tick.id)
    view.utteranceClicked.emit(turn)
    pane.toggle()  # play a moment so the player has decoded a frame
    settle(1.2)
    pane.pause()
    view.select_span(turn.start_char, turn.start_char)  # as a click on the turn does
    view.utteranceClicked.emit(turn)
    window.follower.follow(turn.start_ms or 0)
    pane.set_marks(21 * 60_000 + 35_000, 21 * 60_000 + 58_400)
    settle(1.0)
    grab(out / "video-coding.png")

    # 2. The window grid at the confrontation window.
    window.video_hookup.show_grid()
    window.resizeDocks([window.video_hookup.docks.grid_dock], [430], Qt.Orientation.Vertical)
    grid = window.video_hookup.docks.grid
    grid.refresh()
    grid.table.setCurrentIndex(grid.model.index(4, 8))
    settle(0.8)
    grab(out / "window-grid.png")

    # 3. The timeline dock, both coders (blind mode off).
    window.blind_action.setChecked(False)
    window.video_hookup.show_timeline()
    window.resizeDocks([window.video_hookup.docks.timeline_dock], [560], Qt.Orientation.Vertical)
    window.video_hookup.docks.refresh_timeline()
    settle(0.8)
    grab(out / "timeline.png")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
