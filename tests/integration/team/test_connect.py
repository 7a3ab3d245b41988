"""Connecting to a server project like database users expect: libpq's password sources, TLS
options passed through, and no password ever in a message or in what the app remembers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from app.core.errors import ProjectError
from app.core.project import create_project, open_project
from app.core.server_url import without_password

pytestmark = pytest.mark.postgres


def _without_password(url: str) -> tuple[str, str]:
    bare = without_password(url)
    password = make_url(url).password or ""
    assert password and f":{password}@" not in bare
    return bare, password


def test_password_from_pgpassword(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    create_project(pg_url).close()
    bare, password = _without_password(pg_url)
    monkeypatch.delenv("PGPASSFILE", raising=False)
    monkeypatch.setenv("PGPASSWORD", password)
    with open_project(bare) as project:
        assert project.schema_version() >= 6


def test_password_from_a_pgpass_file(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any
) -> None:
    create_project(pg_url).close()
    bare, password = _without_password(pg_url)
    parsed = make_url(pg_url)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{parsed.host}:{parsed.port or 5432}:*:{parsed.username}:{password}\n")
    pgpass.chmod(0o600)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    with open_project(bare) as project:
        assert project.schema_version() >= 6
    result = cli("info", bare, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["schema_version"] >= 4


def test_a_wrong_password_is_one_line_without_it(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, cli: Any
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", os.devnull)
    wrong = make_url(pg_url).set(password="Secret-Wrong-42").render_as_string(hide_password=False)
    with pytest.raises(ProjectError) as info:
        open_project(wrong)
    assert "Secret-Wrong-42" not in str(info.value) and "password" in str(info.value)
    result = cli("info", wrong)
    assert result.returncode == 1 and "Secret-Wrong-42" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_tls_options_reach_the_driver(pg_url: str) -> None:
    create_project(pg_url).close()
    sep = "&" if "?" in pg_url else "?"
    with open_project(f"{pg_url}{sep}sslmode=disable") as project:
        assert project.schema_version() >= 6
    with open_project(f"{pg_url}{sep}sslmode=prefer&connect_timeout=5&application_name=iprw"):
        pass
    # An invalid value is refused by libpq itself: proof the option is not dropped on the way.
    with pytest.raises(ProjectError, match="sslmode"):
        open_project(f"{pg_url}{sep}sslmode=bogus")
