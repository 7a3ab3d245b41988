"""``info`` on a current ``.iprw`` file answers without SQLAlchemy, and says the same as the
full path (issue 17: CLI start-up). No timing here: what is asserted is what gets imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.cli_commands.info import sqlite_info
from app.core.codebook import list_codes
from app.core.coding import ApplyCode, TextAnchor
from app.core.commands import UndoStack
from app.core.importing import ImportOptions, import_parsed
from app.core.integrity import project_info
from app.core.project import head_revision, open_project
from app.core.project_counts import head_revision_fast
from app.core.sessions import ensure_coder, list_transcripts, list_utterances
from app.io.transcript_reader import ReadOptions, read_transcript_file


@pytest.fixture
def backend() -> str:
    """The fast path reads a project file directly: a SQLite-file property."""
    return "sqlite"

PROBE = (
    "import sys, io, contextlib\n"
    "from app.cli import main\n"
    "out = io.StringIO()\n"
    "with contextlib.redirect_stdout(out):\n"
    "    rc = main(['info', sys.argv[1], '--json'])\n"
    "heavy = sorted(m for m in ('sqlalchemy', 'alembic', 'numpy', 'PySide6', 'spacy') "
    "if m in sys.modules)\n"
    "print(rc, ','.join(heavy) or '-')\n"
)


def test_migration_file_names_give_alembic_head() -> None:
    assert head_revision_fast() == head_revision()


def test_fast_info_matches_full_path(project: Any, tmp_path: Path) -> None:
    src = tmp_path / "s1.txt"
    src.write_text("T: How are you today?\nC: Fine, thanks.\n", encoding="utf-8")
    import_parsed(project, read_transcript_file(src, ReadOptions()), src, ImportOptions("S1"))
    (t,) = list_transcripts(project)
    first = list_utterances(project, t.id)[0]
    coder = ensure_coder(project, "Ana")
    code = next(c for c in list_codes(project) if c.codable)
    anchor = TextAnchor(t.id, first.start_char, first.end_char)
    UndoStack(project).push(ApplyCode(coder.id, code.id, anchor))
    ensure_coder(project, "Ben")
    full = project_info(project)
    project.close()  # a journal left by an open project is verified on the full path (#13)
    quick = sqlite_info(str(project.path))
    assert quick is not None
    assert quick == (str(project.path), full)
    assert {c["name"]: c["segments"] for c in full["coders"]} == {"Ana": 1, "Ben": 0}


def test_info_imports_no_database_toolkit(project: Any) -> None:
    path = str(project.path)
    project.close()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, path], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["0", "-"], result.stdout + result.stderr


def test_older_schema_takes_the_full_path(tmp_path: Path, cli: Any) -> None:
    """An older file takes the full path, which refuses to upgrade it from a reading command
    (issue #13); ``check --upgrade`` backs it up and upgrades it."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from app.core.project import _alembic_config, make_engine

    path = tmp_path / "old.iprw"
    cfg = _alembic_config()
    previous = ScriptDirectory.from_config(cfg).get_revision(head_revision()).down_revision
    assert isinstance(previous, str)
    engine = make_engine(f"sqlite+pysqlite:///{path}")
    with engine.begin() as conn:  # a project made by the version before the newest migration
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, previous)
    engine.dispose()
    assert sqlite_info(str(path)) is None
    result = cli("info", str(path), "--json")
    assert result.returncode == 1 and "--upgrade" in result.stderr
    assert not list(path.parent.glob("*.bak"))
    assert cli("check", str(path), "--upgrade").returncode == 0
    result = cli("info", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["schema_version"] == int(head_revision()[:4])
    assert list(path.parent.glob("*.bak"))
    with open_project(path) as again:
        assert again.schema_revision() == head_revision()


def test_non_project_files_take_the_full_path(tmp_path: Path, cli: Any) -> None:
    junk = tmp_path / "notes.iprw"
    junk.write_text("not a database", encoding="utf-8")
    assert sqlite_info(str(junk)) is None
    assert sqlite_info(str(tmp_path / "missing.iprw")) is None
    result = cli("info", str(junk))
    assert result.returncode == 1 and "not a SQLite database" in result.stderr


HEAVY = ("sqlalchemy", "alembic", "numpy", "spacy", "PySide6", "sklearn")


def _imported(*args: str) -> set[str]:
    """Top-level packages the real CLI process imports (``-X importtime`` lists every module)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "app", *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.parametrize("command", ["--version", "info"])
def test_fast_commands_import_nothing_heavy(command: str, project: Any) -> None:
    """``--version`` and ``info`` start in the standard library: no database toolkit, no
    NumPy, no NLP, no Qt, no scikit-learn (what they import, not how long they take)."""
    path = str(project.path)
    project.close()
    imported = _imported(*(["--version"] if command == "--version" else ["info", path]))
    assert "app" in imported and "encodings" in imported  # the listing is read correctly
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
