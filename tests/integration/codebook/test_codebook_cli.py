"""Codebook on the command line: the bundled schemes, init with 3RS, exports (YAML round trip,
Word document that LibreOffice can open)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.core.codebook import list_codes
from app.core.project import open_project


def test_codebook_list_shows_the_four_schemes(cli: Any) -> None:
    result = cli("codebook", "list")
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert {"3rs", "alliance", "ipr-recall", "repair-strategies"} <= set(names)
    assert "3RS rupture and resolution markers" in result.stdout


def test_init_with_3rs_gives_every_marker_and_strategy(cli: Any, project_target: str) -> None:
    path = project_target
    result = cli("init", str(path), "--scheme", "3rs")
    assert result.returncode == 0, result.stderr
    info = json.loads(cli("info", str(path), "--json").stdout)
    with open_project(path) as project:
        codes = list_codes(project)
    assert info["codes"] == len(codes)
    by_parent: dict[str, list[Any]] = {}
    for code in codes:
        parent = code.path.rsplit("/", 1)[0] if "/" in code.path else ""
        by_parent.setdefault(parent, []).append(code)
    assert len(by_parent["Rupture/Withdrawal"]) == 7
    assert len(by_parent["Rupture/Confrontation"]) == 7
    assert len(by_parent["Resolution"]) == 10
    for code in [
        *by_parent["Rupture/Withdrawal"],
        *by_parent["Rupture/Confrontation"],
        *by_parent["Resolution"],
    ]:
        assert code.codable and code.definition and code.include and code.exclude
        assert code.rating is not None and (code.rating.min, code.rating.max) == (1, 5)
    assert any(c.path == "Rupture/Withdrawal/Minimal response" for c in codes)


def test_all_schemes_init_together_without_clashes(cli: Any, project_target: str) -> None:
    path = project_target
    args = ["init", str(path)]
    for name in ("3rs", "alliance", "ipr-recall", "repair-strategies"):
        args += ["--scheme", name]
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("added scheme") == 4


def test_yaml_export_reimports_to_the_same_tree(cli: Any, tmp_path: Path) -> None:
    first, second = tmp_path / "a.iprw", tmp_path / "b.iprw"
    assert cli("init", str(first), "--scheme", "3rs").returncode == 0
    out = tmp_path / "exported.yaml"
    result = cli("codebook", "export", str(first), str(out))
    assert result.returncode == 0, result.stderr
    assert cli("init", str(second)).returncode == 0
    result = cli("codebook", "import", str(second), str(out))
    assert result.returncode == 0, result.stderr

    def tree(path: Path) -> list[tuple[Any, ...]]:
        with open_project(path) as project:
            return [
                (
                    c.path,
                    c.definition,
                    c.include,
                    c.exclude,
                    c.examples,
                    c.color,
                    c.shortcut,
                    c.codable,
                    c.rating,
                    c.patterns,
                )
                for c in list_codes(project)
            ]

    assert tree(first) == tree(second)


def test_docx_export_opens_in_libreoffice(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "study.iprw"
    assert cli("init", str(path), "--scheme", "3rs").returncode == 0
    out = tmp_path / "codebook.docx"
    result = cli("codebook", "export", str(path), str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:2] == b"PK"
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.skip("LibreOffice is not installed")
    profile = tmp_path / "lo-profile"
    converted = subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    pdf = tmp_path / "codebook.pdf"
    assert pdf.is_file(), converted.stderr
    assert pdf.stat().st_size > 20_000
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60
        ).stdout
        assert "Minimal response" in text and "Redirecting or refocusing" in text


def test_export_to_an_unknown_format_is_one_clear_line(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "study.iprw"
    assert cli("init", str(path), "--scheme", "alliance").returncode == 0
    result = cli("codebook", "export", str(path), str(tmp_path / "codebook.pdf"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and ".docx" in result.stderr
