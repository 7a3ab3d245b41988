"""Opening a server project from the window: the password is asked for when libpq has none,
and what the start page remembers is the URL without it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from app.core.project import create_project
from app.core.server_url import without_password
from app.ui import settings
from app.ui.main_window import MainWindow

pytestmark = [
    pytest.mark.postgres,
]


@pytest.fixture
def server_project(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A server project with no password anywhere libpq looks (env, pgpass); its full URL."""
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", os.devnull)
    create_project(pg_url).close()
    return pg_url


def test_server_project_remembered_without_password(
    qtbot: Any, server_project: str, tmp_path: Path
) -> None:
    pg_url = server_project
    parsed = make_url(pg_url)
    bare = without_password(pg_url)
    assert parsed.password and f":{parsed.password}@" not in bare
    win = MainWindow()
    qtbot.addWidget(win)
    asked: list[str] = []
    errors: list[str] = []
    win.server_dialogs.show_error = errors.append
    win.server_dialogs.ask_password = lambda label: asked.append(label) or parsed.password
    assert win.open_interactively(bare)
    assert len(asked) == 1 and parsed.username in asked[0] and win.project is not None
    assert errors == []
    assert settings.recent_projects()[0] == bare
    assert f":{parsed.password}@" not in win.windowTitle()
    win.close_project()
    stored = "".join(p.read_text() for p in (tmp_path / "config").rglob("*") if p.is_file())
    assert bare in stored and f":{parsed.password}@" not in stored
    labels = [win.start_page.recent.item(i).text() for i in range(win.start_page.recent.count())]
    assert any(bare in label for label in labels)
    win.close()


def test_a_wrong_or_cancelled_password_opens_nothing_and_says_one_line(
    qtbot: Any, server_project: str
) -> None:
    pg_url = server_project
    bare = without_password(pg_url)
    win = MainWindow()
    qtbot.addWidget(win)
    errors: list[str] = []
    asked: list[str] = []
    win.server_dialogs.show_error = errors.append
    win.server_dialogs.ask_password = lambda label: asked.append(label) or "Wrong-Pw-93"
    assert not win.open_interactively(bare)
    assert len(asked) == 1 and win.project is None  # asked once, never again in a loop
    assert len(errors) == 1 and "refused the login" in errors[0]
    assert "Wrong-Pw-93" not in errors[0] and "\n" not in errors[0]
    win.server_dialogs.ask_password = lambda label: None  # the researcher cancels
    assert not win.open_interactively(bare)
    assert win.project is None and len(errors) == 1  # a cancel is not an error
    # A password written into the URL that is wrong: one line, no prompt.
    wrong = make_url(pg_url).set(password="Wrong-Pw-93").render_as_string(hide_password=False)
    win.server_dialogs.ask_password = lambda label: pytest.fail("asked despite a URL password")
    assert not win.open_interactively(wrong)
    assert len(errors) == 2 and "Wrong-Pw-93" not in errors[1]
