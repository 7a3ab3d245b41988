"""``team add-coder`` on a project file: no roles to create, leads recorded for the window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.core.project import create_project, open_project
from app.core.sessions import get_coder


def test_add_coder_on_a_project_file_names_leads(tmp_path: Path, cli: Any) -> None:
    path = tmp_path / "p.iprw"
    create_project(path).close()
    result = cli("team", "add-coder", str(path), "Lea", "--lead")
    assert result.returncode == 0 and "advisory" in result.stdout, result.stderr
    assert cli("team", "add-coder", str(path), "Ana").returncode == 0
    with open_project(path) as project:
        assert project.get_meta("team.leads") == "Lea"
        assert {get_coder(project, n).name for n in ("Lea", "Ana")} == {"Lea", "Ana"}
