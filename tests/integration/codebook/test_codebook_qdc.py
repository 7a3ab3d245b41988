"""The codebook issue's acceptance for REFI-QDA .qdc, run on the 3RS scheme.

The export validates against Codebook.xsd and re-imports to the same tree; a hand-written .qdc
from another tool imports. Colours compare case-insensitively (.qdc writers use either case).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.core.codebook import list_codes
from app.core.project import open_project

HAND_WRITTEN = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="MAXQDA 2022">
  <Codes>
    <Code guid="{8B0C1A55-7E3F-4C2B-9D01-2F6A3B4C5D6E}" name="Rupture" isCodable="false">
      <Description>Strain in the alliance.</Description>
      <Code guid="1a2b3c4d-0000-4000-8000-00000000000a" name="Withdrawal" isCodable="true"
            color="#36C">
        <Description>Moving away from the therapist.</Description>
      </Code>
      <Code guid="1a2b3c4d-0000-4000-8000-00000000000b" name="Confrontation" isCodable="true"
            color="#CC3333"/>
    </Code>
    <Code guid="1a2b3c4d-0000-4000-8000-00000000000c" name="Repair &amp; resolution"
          isCodable="true"/>
  </Codes>
  <Sets>
    <Set guid="1a2b3c4d-0000-4000-8000-00000000000d" name="Ruptures">
      <MemberCode guid="1a2b3c4d-0000-4000-8000-00000000000a"/>
      <MemberCode guid="1a2b3c4d-0000-4000-8000-00000000000b"/>
    </Set>
  </Sets>
</CodeBook>
"""


def tree(path: Path) -> list[tuple[Any, ...]]:
    with open_project(path) as project:
        return [
            (c.path, c.codable, c.color.lower(), c.definition, c.include, c.exclude, c.examples)
            for c in list_codes(project)
        ]


def test_3rs_qdc_validates_and_round_trips(cli: Any, tmp_path: Path, shared_data: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    first, second = tmp_path / "a.iprw", tmp_path / "b.iprw"
    assert cli("init", str(first), "--scheme", "3rs").returncode == 0
    out = tmp_path / "3rs.qdc"
    result = cli("codebook", "export", str(first), str(out))
    assert result.returncode == 0, result.stderr
    schema = xmlschema.XMLSchema(str(shared_data / "refi-qda" / "Codebook.xsd"))
    schema.validate(str(out))
    assert cli("init", str(second)).returncode == 0
    result = cli("codebook", "import", str(second), str(out))
    assert result.returncode == 0, result.stderr
    assert tree(first) == tree(second)


def test_hand_written_qdc_from_another_tool_imports(
    cli: Any, tmp_path: Path, shared_data: Path
) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    source = tmp_path / "other-tool.qdc"
    source.write_text(HAND_WRITTEN, encoding="utf-8")
    xmlschema.XMLSchema(str(shared_data / "refi-qda" / "Codebook.xsd")).validate(str(source))
    project = tmp_path / "p.iprw"
    assert cli("init", str(project)).returncode == 0
    result = cli("codebook", "import", str(project), str(source))
    assert result.returncode == 0, result.stderr
    codes = {c[0]: c for c in tree(project)}
    assert set(codes) == {
        "Rupture",
        "Rupture/Withdrawal",
        "Rupture/Confrontation",
        "Repair & resolution",
    }
    assert codes["Rupture"][1] is False
    assert codes["Rupture/Withdrawal"][2] == "#3366cc"  # #rgb widened to #rrggbb
    assert codes["Rupture/Withdrawal"][3] == "Moving away from the therapist."
    assert codes["Rupture/Confrontation"][2].lower() == "#cc3333"
