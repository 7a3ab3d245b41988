"""The app never opens a network connection: transcripts are confidential clinical data."""

from __future__ import annotations

import ast
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, NetworkAccessError

FORBIDDEN_MODULES = {
    "socket", "ssl", "urllib.request", "http.client", "requests", "httpx", "aiohttp",
    "ftplib", "smtplib", "xmlrpc.client", "PySide6.QtNetwork", "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
}  # fmt: skip


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_of_the_app_imports_a_network_library() -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(_imports(path) & FORBIDDEN_MODULES)
        for path in (REPO_ROOT / "app").rglob("*.py")
        if _imports(path) & FORBIDDEN_MODULES
    }
    assert offenders == {}


def test_the_guard_stops_connections() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkAccessError):
            sock.connect(("192.0.2.1", 80))
    finally:
        sock.close()


AUDITED_RUN = textwrap.dedent(
    """
    import sys

    def hook(event, args):
        if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
            raise SystemExit(f"NETWORK: {event} {args!r}")

    sys.addaudithook(hook)
    import pkgutil, importlib, app
    for mod in pkgutil.walk_packages(app.__path__, "app."):
        if ".ui" in mod.name or mod.name.endswith("__main__"):
            continue
        importlib.import_module(mod.name)
    from app.cli import main
    target = sys.argv[1]
    assert main(["init", target, "--scheme", sys.argv[2]]) == 0
    assert main(["info", target, "--json"]) == 0
    assert main(["check", target]) == 0
    print("NO NETWORK")
    """
)


def test_cli_workflow_under_an_audit_hook(tmp_path: Path, mini_scheme_path: Path) -> None:
    """Every Qt-free module imports, and init/info/check run, without any socket activity."""
    result = subprocess.run(
        [sys.executable, "-c", AUDITED_RUN, str(tmp_path / "p.iprw"), str(mini_scheme_path)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
    )
    assert "NETWORK" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    assert "NO NETWORK" in result.stdout
