"""GUI tests open the ``project`` fixture on a SQLite file only: the window's behaviour does not
depend on the backend, and the team tests that need a server ask for ``pg_url`` themselves."""

from __future__ import annotations

import pytest


@pytest.fixture
def backend() -> str:
    return "sqlite"
