"""Locate the data folders shipped with the package.

In a wheel the folders ``migrations``, ``coding_schemes`` and ``resources`` are installed inside the
``app`` package; in a source checkout they sit next to it. Both are resolved from this file's
location, never from the working directory, so the CLI works from any folder.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the shipped folder ``name`` (installed copy first, then the source checkout)."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"the folder '{name}' is missing from this installation of IPR Workbench "
        f"(looked in {_PACKAGE_DIR} and {_PACKAGE_DIR.parent})"
    )


def migrations_dir() -> Path:
    return data_dir("migrations")


def schemes_dir() -> Path:
    return data_dir("coding_schemes")


def resources_dir() -> Path:
    return data_dir("resources")


def user_data_dir() -> Path:
    """``IPRW_DATA_DIR``, else the per-user data folder (XDG on Linux, AppData, Library)."""
    import os
    import sys

    env = os.environ.get("IPRW_DATA_DIR")
    if env:
        return Path(env)
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "ipr-workbench"
