"""Reading .qdc codebooks: our hand-written one "from another tool" and the real exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.dto import CodeSpec
from app.core.errors import UserError
from app.io.refi.qdc import codebook_xml, join_description, read_qdc, split_description

DATA = Path(__file__).resolve().parents[2] / "data" / "refi"


def _names(specs: list[CodeSpec] | tuple[CodeSpec, ...], prefix: str = "") -> list[str]:
    out = []
    for spec in specs:
        out.append(prefix + spec.name)
        out.extend(_names(spec.children, prefix + spec.name + "/"))
    return out


def test_hand_written_qdc_from_another_tool() -> None:
    specs = read_qdc(DATA / "other_tool_codebook.qdc")
    assert _names(specs) == [
        "Alliance", "Alliance/Goals", "Alliance/Tasks∕Activities", "Alliance/Bond",
        "Alliance/Bond/Trust", "Alliance/Bond/Émpathie 🙂", "Rupture",
    ]
    alliance, rupture = specs
    assert alliance.codable is False and alliance.guid == "a1b2c3d4-0001-4000-8000-00000000000a"
    assert alliance.children[0].color == "#FF0000"  # #F00 expanded
    assert rupture.definition == "Deterioration of the alliance."
    assert rupture.include == "Withdrawal and confrontation."
    assert rupture.examples == ('"I guess."', '"Whatever you say."')


def test_real_qualcoder_qdc_with_bom(shared_data: Path) -> None:
    specs = read_qdc(shared_data / "real-files" / "qcgen_Codebook-interviews_demo.qdc")
    assert _names(specs) == [
        "support & help", "Experience", "Experience/course positive", "Experience/Difficulties",
        "Experience/Difficulties/slides", "Experience/Difficulties/assignments workload",
        "Experience/Difficulties/émotion négative",
    ]
    assert specs[1].codable is False and specs[0].definition == "Help from others"


def test_real_taguette_qdc_flat_with_dots(shared_data: Path) -> None:
    specs = read_qdc(shared_data / "real-files" / "taggen_codebook.qdc")
    assert [s.name for s in specs] == [
        "barriers", "barriers.access", "barriers.cost", "coping & support",
        "émotions — négatives", "interesting", "trust <institutional>",
    ]
    assert all(not s.children and s.codable for s in specs)


def test_duplicate_sibling_names_are_numbered(tmp_path: Path) -> None:
    path = tmp_path / "dup.qdc"
    path.write_text(
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="00000000-0000-4000-8000-000000000001" name="A" isCodable="true"/>'
        '<Code guid="00000000-0000-4000-8000-000000000002" name="a" isCodable="true"/>'
        "</Codes></CodeBook>",
        encoding="utf-8",
    )
    assert [s.name for s in read_qdc(path)] == ["A", "a (2)"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<CodeBook", "not well-formed"),
        ('<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>', "expected a REFI-QDA <CodeBook>"),
        ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', "has no <Codes>"),
        ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="x" isCodable="true"/>'
         "</Codes></CodeBook>", "no guid"),
    ],
)
def test_bad_qdc_names_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.qdc"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=message) as info:
        read_qdc(path)
    assert "bad.qdc" in str(info.value)


def test_description_round_trip() -> None:
    spec = CodeSpec("x", definition="Short answers.", include="One-word replies.",
                    exclude="Closed questions.", examples=("Fine.", "I guess."))
    assert split_description(join_description(spec)) == (
        "Short answers.", "One-word replies.", "Closed questions.", ("Fine.", "I guess.")
    )
    assert split_description("Plain text only") == ("Plain text only", "", "", ())


def test_written_qdc_validates_and_rereads(tmp_path: Path, shared_data: Path) -> None:
    import xmlschema

    specs = read_qdc(DATA / "other_tool_codebook.qdc")
    out = tmp_path / "out.qdc"
    out.write_bytes(codebook_xml(tuple(specs), "IPR Workbench test"))
    xmlschema.XMLSchema(str(shared_data / "refi-qda" / "Codebook.xsd")).validate(str(out))
    assert read_qdc(out) == specs


def test_empty_codebook_is_refused() -> None:
    with pytest.raises(UserError, match="empty"):
        codebook_xml((), "x")
