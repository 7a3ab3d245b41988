"""Can Qt show a window here? Asked before QApplication exists, because Qt answers "no" by
aborting the process (SIGABRT, with advice about reinstalling the application).

Without a display (a server, a container, SSH without X forwarding) or with an X11 platform
plugin that cannot load (``libxcb-cursor0`` missing), the researcher gets one line saying so and
suggesting ``--no-gui`` instead. This module imports no Qt, so the check itself cannot abort.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from pathlib import Path

from app.core.errors import UserError

HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}
ADVICE = "use 'ipr-workbench demo --no-gui' or the command line (ipr-workbench --help)"


def _xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (base / "Qt" / "plugins" / "platforms" / "libqxcb.so",
                      base / "plugins" / "platforms" / "libqxcb.so"):  # fmt: skip
        if candidate.is_file():
            return candidate
    return None


def _x_server_reachable(display: str) -> bool:
    """A local ``:N`` display needs its socket; remote displays are trusted to exist."""
    if not display.startswith(":"):
        return True
    number = display[1:].split(".", 1)[0]
    return not number.isdigit() or Path(f"/tmp/.X11-unix/X{number}").exists()


def display_problem() -> str | None:
    """Why no window can be shown here (one line), or None when Qt should manage."""
    if sys.platform in ("win32", "darwin"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip().lower()
    if platform in HEADLESS_PLATFORMS or platform.startswith("wayland"):
        return None
    display = os.environ.get("DISPLAY", "")
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None
    if not display:
        return f"no display is available to open the window; {ADVICE}"
    if not _x_server_reachable(display):
        return f"the display {display} is not running; {ADVICE}"
    plugin = _xcb_plugin()
    if plugin is not None:
        try:
            ctypes.CDLL(str(plugin), mode=os.RTLD_LAZY)
        except OSError as exc:
            missing = str(exc).split(":", 1)[0].strip()
            hint = " (install libxcb-cursor0)" if "xcb-cursor" in missing else ""
            return (
                f"Qt cannot use the display {display}: its X11 plugin needs {missing}, which is "
                f"not installed{hint}; {ADVICE}"
            )
    return None


def require_display() -> None:
    """Raise ``UserError`` (one line) when no window can be shown."""
    problem = display_problem()
    if problem is not None:
        raise UserError(problem)
