"""Per-user settings (coder name, recent projects, window layout) in one INI file.

The file lives in the per-user config folder (``$XDG_CONFIG_HOME/ipr-workbench`` on Linux, or
``IPRW_CONFIG_DIR`` when set), never next to a project: a project may be shared by a team, while
who is coding and how the window is laid out belong to one person. Tests point
``XDG_CONFIG_HOME`` at a temporary folder (``tests/conftest.py``), so they never touch a real home.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

MAX_RECENT = 10


def config_dir() -> Path:
    env = os.environ.get("IPRW_CONFIG_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / "ipr-workbench"
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(base) / "ipr-workbench"


def settings() -> QSettings:
    path = config_dir()
    path.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path / "settings.ini"), QSettings.Format.IniFormat)


def coder_name() -> str:
    return str(settings().value("coder/name", "") or "")


def set_coder_name(name: str) -> None:
    s = settings()
    s.setValue("coder/name", name.strip())
    s.sync()


def blind_mode() -> bool:
    return str(settings().value("coder/blind", "true")).lower() == "true"


def set_blind_mode(on: bool) -> None:
    s = settings()
    s.setValue("coder/blind", "true" if on else "false")
    s.sync()


def recent_projects() -> list[str]:
    value = settings().value("recent/projects", [])
    if isinstance(value, str):
        value = [value] if value else []
    return [str(v) for v in (value or []) if v]


def add_recent_project(target: str) -> list[str]:
    items = [target] + [p for p in recent_projects() if p != target]
    s = settings()
    s.setValue("recent/projects", items[:MAX_RECENT])
    s.sync()
    return items[:MAX_RECENT]


def remove_recent_project(target: str) -> None:
    s = settings()
    s.setValue("recent/projects", [p for p in recent_projects() if p != target])
    s.sync()
