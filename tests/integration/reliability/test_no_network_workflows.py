"""No network, ever: import, code, suggest, every export (de-identified too), agreement, backups,
and the desktop window on the demo project, each run under an audit hook that stops the process
at the first socket connect, name lookup or send."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, TESTS_DATA

HOOK = textwrap.dedent(
    """
    import sys

    def hook(event, args):
        if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
            raise SystemExit(f"NETWORK: {event} {args!r}")

    sys.addaudithook(hook)
    """
)

CLI_RUN = HOOK + textwrap.dedent(
    """
    from app.cli import main
    p, scheme, data, out = sys.argv[1:5]
    steps = [
        ["init", p, "--scheme", scheme],
        ["import", p, data + "/brackets.txt", "--session", "S1"],
        ["import", p, data + "/table.csv"],
        ["import", p, data + "/session.eaf", "--session", "E1"],
        ["code", p, "--coder", "Ana", "--code", "Rupture/Withdrawal/Denial", "--session", "S1",
         "--utterance", "1"],
        ["code", p, "--coder", "Ben", "--code", "Rupture/Withdrawal/Denial", "--session", "S1",
         "--utterance", "2"],
        ["suggest", "run", p],
        ["agreement", p, "--coders", "Ana,Ben", "--unit", "utterance", "--json"],
        ["export", p, out + "/a.csv"], ["export", p, out + "/a.docx"],
        ["export", p, out + "/a.xlsx"], ["export", p, out + "/a.qdpx"],
        ["export", p, out + "/d.csv", "--deidentify"],
        ["export", p, out + "/d.qdpx", "--deidentify"],
        ["backups", p], ["audit", p], ["check", p],
    ]
    for step in steps:
        code = main(step)
        assert code == 0, (step, code)
    print("NO NETWORK")
    """
)

GUI_RUN = HOOK + textwrap.dedent(
    """
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from app.io.demo import build_demo
    from app.ui.app import make_application
    from app.ui.main_window import MainWindow

    path = build_demo(Path(sys.argv[1]))
    qapp = make_application()
    window = MainWindow()
    window.show()
    window.open_project(str(path))
    for _ in range(20):
        qapp.processEvents()
    window.close()
    print("NO NETWORK")
    """
)


def _run(code: str, *args: str, env_extra: dict[str, str] | None = None) -> str:
    env = dict(os.environ)
    env.update(env_extra or {})
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            cwd=REPO_ROOT, env=env, timeout=600)  # fmt: skip
    assert "NETWORK:" not in result.stderr + result.stdout, result.stderr[-2000:]
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_cli_workflows_open_no_connection(tmp_path: Path, mini_scheme_path: Path) -> None:
    out = _run(CLI_RUN, str(tmp_path / "p.iprw"), str(mini_scheme_path),
               str(TESTS_DATA / "import"), str(tmp_path))  # fmt: skip
    assert "NO NETWORK" in out


def test_the_window_on_the_demo_opens_no_connection(tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    out = _run(GUI_RUN, str(tmp_path), env_extra={"QT_QPA_PLATFORM": "offscreen",
                                                   "IPRW_NO_MEDIA": "1"})  # fmt: skip
    assert "NO NETWORK" in out
