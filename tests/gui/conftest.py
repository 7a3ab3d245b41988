"""GUI tests open the ``project`` fixture on a SQLite file only: the window's behaviour does not
depend on the backend, and the team tests that need a server ask for ``pg_url`` themselves.

Two guards run around every GUI test, because CI has no one to click and a leaked server
connection once failed a later test and blocked a schema drop:
- a modal convenience dialog (message box, input, file dialog) fails the test at once instead of
  waiting forever: the window offers replaceable callables (``server_dialogs``, blind mode's
  ``confirm_leave``...) that tests answer;
- every PostgreSQL connection a test opened is closed when it ends (windows closed, fixtures
  finished), or the test fails naming where the connection was opened.
"""

from __future__ import annotations

import traceback
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, built once per test module; tests copy it before changing anything."""
    from app.io.demo import build_demo

    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def backend() -> str:
    return "sqlite"


class ModalInTest(AssertionError):
    """A test reached a modal dialog that would wait for a click."""


_MODALS = {
    "QMessageBox": ("critical", "warning", "information", "question", "about"),
    "QInputDialog": ("getText", "getItem", "getInt", "getDouble", "getMultiLineText"),
    "QFileDialog": (
        "getOpenFileName",
        "getOpenFileNames",
        "getSaveFileName",
        "getExistingDirectory",
    ),
}


@pytest.fixture(autouse=True)
def _no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that wants a dialog's answer patches it itself (its patch replaces this one)."""
    from PySide6 import QtWidgets

    for cls_name, names in _MODALS.items():
        cls = getattr(QtWidgets, cls_name)
        for name in names:

            def refuse(*_args: Any, _what: str = f"{cls_name}.{name}", **_kw: Any) -> Any:
                raise ModalInTest(f"{_what} would block the test waiting for a click")

            monkeypatch.setattr(cls, name, staticmethod(refuse))


@pytest.fixture(autouse=True)
def _server_connections_closed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    try:
        import psycopg
    except ImportError:
        yield
        return
    opened: list[tuple[weakref.ref[Any], str]] = []
    real = psycopg.Connection.connect

    def tracked(*args: Any, **kwargs: Any) -> Any:
        conn = real(*args, **kwargs)
        opened.append((weakref.ref(conn), "".join(traceback.format_stack(limit=12)[:-1])))
        return conn

    monkeypatch.setattr(psycopg, "connect", tracked)
    yield
    still_open = [where for ref, where in opened if (c := ref()) is not None and not c.closed]
    assert not still_open, "a PostgreSQL connection was left open, opened at:\n" + still_open[0]
