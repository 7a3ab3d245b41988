"""TLS options reach a real TLS server: a throwaway PostgreSQL cluster with ``ssl=on`` and a
certificate from a test CA, started in a temporary folder on a free port (never the shared
server, whose configuration is not touched).

``sslmode=require`` reaches it over TLS (the server's own ``pg_stat_ssl`` says so), and so does
``sslmode=verify-full`` with the right ``sslrootcert`` (the project and the live-update
listener); with a wrong CA, or without TLS, the open is refused with one clean line.

Needs ``initdb``/``pg_ctl`` and ``openssl``; as root the cluster runs as the ``postgres`` user.
Without them the tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.core.errors import ProjectError
from app.core.live import ServerChangeListener
from app.core.project import create_project, open_project

pytestmark = pytest.mark.postgres
PASSWORD = "tls-test-pw"


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).is_file():
            return str(base / name)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=120)


def _certificates(folder: Path) -> None:
    """A test CA and a server certificate it signed (localhost / 127.0.0.1), and a wrong CA."""
    for ca in ("ca", "wrong-ca"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-keyout", f"{ca}.key", "-out", f"{ca}.crt", "-subj", f"/CN=IPRW {ca}",
                 cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
             "server.csr", "-subj", "/CN=localhost", cwd=folder)  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-out", "server.crt", "-extfile", "san.ext",
             cwd=folder)  # fmt: skip


@pytest.fixture(scope="module")
def tls_server() -> Iterator[dict[str, Any]]:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl and shutil.which("openssl")):
        pytest.skip("a real TLS server needs initdb, pg_ctl and openssl on this machine")
    as_root = os.geteuid() == 0
    if as_root and not shutil.which("runuser"):
        pytest.skip("as root the throwaway cluster must run as 'postgres' (runuser is missing)")
    prefix: list[str] = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="iprw-tls-", dir="/tmp"))
    data, certs = base / "data", base / "certs"
    certs.mkdir()
    port = _free_port()
    try:
        _certificates(certs)
        (base / "pw").write_text(PASSWORD + "\n")
        if as_root:
            shutil.chown(base, "postgres")
            for path in (base / "pw", certs, *certs.iterdir()):
                shutil.chown(path, "postgres")
        (certs / "server.key").chmod(0o600)
        subprocess.run([*prefix, initdb, "-D", str(data), "-U", "iprw_tls", "-A", "scram-sha-256",
                        f"--pwfile={base / 'pw'}", "--no-sync"],
                       check=True, capture_output=True, timeout=300)  # fmt: skip
        (data / "pg_hba.conf").write_text(
            "hostssl all all 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 reject\n"
        )
        options = (
            f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base} "
            f"-c ssl=on -c ssl_cert_file={certs / 'server.crt'} "
            f"-c ssl_key_file={certs / 'server.key'} -c fsync=off"
        )
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l",
                        str(base / "log"), "-w", "-t", "120", "start"],
                       check=True, capture_output=True, timeout=180)  # fmt: skip
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"could not start a throwaway TLS cluster here ({type(exc).__name__})")
    url = f"postgresql+psycopg://iprw_tls:{PASSWORD}@127.0.0.1:{port}/postgres"
    try:
        yield {"url": url, "ca": certs / "ca.crt", "wrong_ca": certs / "wrong-ca.crt"}
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=120, check=False)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def _uses_tls(project: Any) -> bool:
    with project.engine.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ).scalar()
        )


def test_sslmode_require_reaches_the_tls_server(tls_server: dict[str, Any]) -> None:
    with create_project(f"{tls_server['url']}?sslmode=require") as project:
        assert _uses_tls(project) and project.schema_version() >= 7


def test_verify_full_with_the_right_ca_for_the_project_and_the_listener(
    tls_server: dict[str, Any],
) -> None:
    url = f"{tls_server['url'].replace('127.0.0.1', 'localhost')}?sslmode=verify-full" \
          f"&sslrootcert={tls_server['ca']}"  # fmt: skip
    with open_project(url) as project:
        assert _uses_tls(project)
    listener = ServerChangeListener(url, lambda _tables: None)
    listener.start()
    try:
        assert listener.wait_listening(30)
    finally:
        listener.stop()
    assert not listener.running


def test_a_wrong_ca_or_no_tls_is_refused_with_one_line(
    tls_server: dict[str, Any], cli: Any
) -> None:
    wrong = f"{tls_server['url']}?sslmode=verify-full&sslrootcert={tls_server['wrong_ca']}"
    with pytest.raises(ProjectError) as refused:
        open_project(wrong)
    message = str(refused.value)
    assert "certificate" in message and "\n" not in message and PASSWORD not in message
    result = cli("info", wrong)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "certificate" in result.stderr and PASSWORD not in result.stderr + result.stdout
    with pytest.raises(ProjectError, match="without TLS") as plain:
        open_project(f"{tls_server['url']}?sslmode=disable")
    assert "\n" not in str(plain.value) and PASSWORD not in str(plain.value)
