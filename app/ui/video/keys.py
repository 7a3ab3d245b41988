"""Every video-coding key in one table: the Video menu is built from it and the Help sheet
lists it.  None of them is a code key (codes use digits, Ctrl+digit, Alt+digit and
Ctrl+Alt+digit), so coding and video control never fight over a key."""

from __future__ import annotations

#: (menu text, shortcut, VideoHookup method)
VIDEO_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Shuttle: back 5 s (J)", "Ctrl+J", "shuttle_j"),
    ("Shuttle: pause (K)", "Ctrl+K", "shuttle_k"),
    ("Shuttle: play, then faster (L)", "Ctrl+L", "shuttle_l"),
    ("Back 1 s", "Alt+Left", "back_1"),
    ("Forward 1 s", "Alt+Right", "forward_1"),
    ("Back 5 s", "Alt+PgUp", "back_5"),
    ("Forward 5 s", "Alt+PgDown", "forward_5"),
    ("Previous frame", "Alt+,", "frame_back"),
    ("Next frame", "Alt+.", "frame_forward"),
    ("Faster", "Alt+Up", "faster"),
    ("Slower", "Alt+Down", "slower"),
    ("Mark In at the playhead", "Alt+I", "mark_in"),
    ("Mark Out at the playhead", "Alt+O", "mark_out"),
    ("Nudge the last mark back a frame", "Alt+Shift+Left", "nudge_frame_back"),
    ("Nudge the last mark forward a frame", "Alt+Shift+Right", "nudge_frame_forward"),
    ("Nudge the last mark back 100 ms", "Ctrl+Alt+Left", "nudge_back"),
    ("Nudge the last mark forward 100 ms", "Ctrl+Alt+Right", "nudge_forward"),
    ("Clear In/Out", "Alt+X", "clear_marks"),
    ("Mark the current window", "Alt+W", "mark_window"),
    ("Mark the whole session (session ratings)", "Alt+S", "mark_session"),
    ("Detach / dock the video pane", "Ctrl+Shift+D", "detach"),
    ("Window grid", "F9", "show_grid"),
    ("Timeline", "F8", "show_timeline"),
)

#: keys the main window defines elsewhere, listed on the sheet too
OTHER_VIDEO_KEYS: tuple[tuple[str, str], ...] = (
    ("Play / pause", "Ctrl+P"),
    ("Code the marked range", "the code's key (with In and Out set)"),
)

GRID_KEYS: tuple[tuple[str, str], ...] = (
    ("Move between windows and codes", "arrow keys"),
    ("Tick / untick the cell (a time segment over the window)", "Space"),
    ("Significance rating of the ticked cell", "1 – 5 (0 clears)"),
    ("Seek the video to the window", "Enter"),
    ("Loop-play the window", "L"),
)
