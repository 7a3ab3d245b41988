"""Render the main views of the demo project to PNG, offscreen (for the README and docs).

Run:  python scripts/screenshots.py [--out docs] [--width 1500 --height 900]

Writes ``docs/screenshot.png`` (the coding workspace at the confrontation and its repair, both
coders shown, a segment selected with its memo), ``docs/screenshots/recall.png`` (the client's
recall interview with the session times it refers to) and ``docs/screenshots/start-page.png``.
Settings and the demo project go to a temporary folder, so the user's own are left alone. The
video pane is hidden: an offscreen platform cannot draw video frames.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--width", type=int, default=1500)
    ap.add_argument("--height", type=int, default=900)
    args = ap.parse_args()
    out = Path(args.out)
    (out / "screenshots").mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="iprw-shots-"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["IPRW_CONFIG_DIR"] = str(tmp / "config")
    os.environ["IPRW_NO_MEDIA"] = "1"

    from PySide6.QtWidgets import QApplication

    from app.io.demo import build_demo
    from app.ui.app import make_application
    from app.ui.main_window import MainWindow

    app = make_application([sys.argv[0]])
    demo = build_demo(tmp / "demo")

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    window = MainWindow()
    window.resize(args.width, args.height)
    window.show()
    settle()
    window.start_page.set_recent([str(demo), str(tmp / "pilot-study" / "pilot.iprw")])
    window.grab().save(str(out / "screenshots" / "start-page.png"))

    window.open_project(str(demo))
    window.set_coder("Ana")
    window.blind_action.setChecked(False)
    window.video_dock.hide()
    window.resizeDocks(
        [window.navigator_dock, window.segments_dock], [300, 520], Qt.Orientation.Horizontal
    )
    settle()
    view = window.transcript_view
    # The confrontation: the client rejects the breathing exercise and complains about progress.
    anchor = next(u for u in view.utterances if u.start_ms == 21 * 60_000 + 35_000)
    ana = next(
        s
        for s in window.coding.segments
        if s.coder_name == "Ana" and s.code_path.endswith("Complaints about progress")
    )
    window.coding.select_segment(ana.id)
    middle = next(u for u in view.utterances if u.start_ms == 23 * 60_000 + 14_000)
    view.select_span(middle.start_char, middle.start_char)  # centres the confrontation
    settle()
    view.select_span(anchor.start_char, anchor.start_char, scroll=False)
    window.segment_panel.table.scrollTo(
        window.segment_panel.model.index(window.segment_panel.model.row_of(ana.id), 0)
    )
    panel = window.codebook_hookup.panel
    if panel is not None:
        panel.select_code(ana.code_id)
    settle()
    window.grab().save(str(out / "screenshot.png"))

    recall = next(
        t for t in window.navigator._items if "recall" in window.navigator._items[t].text()
    )
    window.show_transcript(recall)
    window.blind_action.setChecked(True)
    settle()
    window.grab().save(str(out / "screenshots" / "recall.png"))
    window.close()
    QApplication.processEvents()
    for name in ("screenshot.png", "screenshots/recall.png", "screenshots/start-page.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    from PySide6.QtCore import Qt

    raise SystemExit(main())
