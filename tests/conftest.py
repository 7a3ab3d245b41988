"""Shared fixtures: real data location, fresh projects, settings in tmp, and a network guard.

The network guard fails any test whose code (ours or a library's) tries to open an internet
socket: transcripts are confidential clinical data and the app must never phone home. Only
tests marked ``postgres`` may reach a database server, and only on loopback.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[1]
TESTS_DATA = REPO_ROOT / "tests" / "data"
MINI_SCHEME = TESTS_DATA / "mini_scheme.yaml"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_LOOPBACK = ("127.", "::1", "localhost")


class NetworkAccessError(AssertionError):
    pass


def _guarded(allow_loopback: bool) -> Any:
    def check(sock: socket.socket, address: Any) -> None:
        if sock.family == getattr(socket, "AF_UNIX", None):
            return
        host = address[0] if isinstance(address, tuple) else str(address)
        if allow_loopback and str(host).startswith(_LOOPBACK):
            return
        raise NetworkAccessError(f"test tried to open a network connection to {address!r}")

    def connect(sock: socket.socket, address: Any) -> Any:
        check(sock, address)
        return _real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> Any:
        check(sock, address)
        return _real_connect_ex(sock, address)

    return connect, connect_ex


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    allow = request.node.get_closest_marker("postgres") is not None
    connect, connect_ex = _guarded(allow)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(autouse=True, scope="session")
def _private_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep QSettings, recent-project lists and data folders out of the developer's home."""
    base = tmp_path_factory.mktemp("home")
    old = {k: os.environ.get(k) for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "IPRW_DATA_DIR")}
    os.environ["XDG_CONFIG_HOME"] = str(base / "config")
    os.environ["XDG_DATA_HOME"] = str(base / "data")
    os.environ["IPRW_DATA_DIR"] = str(base / "iprw")
    yield
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def shared_data() -> Path:
    """The team's real data folder (``../shared/data`` next to the repository)."""
    env = os.environ.get("IPRW_SHARED_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}")
    return path


NO_PG_REASON = "IPRW_TEST_PG_URL is not set (no PostgreSQL server for this run)"


def empty_pg_database() -> str:
    """Empty the test database (a fresh ``public`` schema) and return its URL; skip without one."""
    url = os.environ.get("IPRW_TEST_PG_URL", "")
    if not url:
        pytest.skip(NO_PG_REASON)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def pg_url() -> str:
    """An emptied PostgreSQL database on loopback (``IPRW_TEST_PG_URL``; CI starts one)."""
    return empty_pg_database()


# The same storage, service, CLI and agreement tests run on both backends: a test that asks for
# ``project_target`` (or the ``project`` fixture) runs once on a SQLite file and once on a fresh
# PostgreSQL schema; the PostgreSQL run skips with the reason above when no server is configured.
# A test about the file itself (WAL, backups next to it, kill -9) overrides ``backend`` locally.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def project_target(backend: str, tmp_path: Path) -> str:
    """Where a test's project goes: a ``.iprw`` path or an emptied PostgreSQL database URL."""
    if backend == "postgresql":
        return empty_pg_database()
    return str(tmp_path / "test.iprw")


@pytest.fixture
def mini_scheme_path() -> Path:
    return MINI_SCHEME


@pytest.fixture
def project(project_target: str) -> Iterator[Any]:
    """A fresh project with the small test scheme loaded (on each backend, see ``backend``)."""
    from app.core.codebook import add_scheme
    from app.core.project import create_project
    from app.io.codebook_yaml import load_scheme

    proj = create_project(project_target)
    add_scheme(proj, load_scheme(MINI_SCHEME))
    yield proj
    proj.close()


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> Any:
    """Run ``python -m app`` as a subprocess (integration tests use the real CLI)."""
    import subprocess

    env = dict(os.environ)
    env.pop("IPRW_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


@pytest.fixture
def cli() -> Any:
    return run_cli
