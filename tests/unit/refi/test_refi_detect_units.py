"""Selection names decide the counting rule when they disagree with ``origin``."""

from __future__ import annotations

import zipfile
from pathlib import Path

from app.io.refi.archive import open_project_file
from app.io.refi.detect_units import detect_units
from app.io.refi.positions import PositionUnits
from app.io.refi.qde import parse_project

TEXT = "Hi 😀 there.\r\nC: I guess 🙂 so.\r\nT: Fine 😀😀 then.\r\n"


def _archive(tmp_path: Path, origin: str, spans: list[tuple[int, int, str]]) -> Path:
    sels = "".join(
        f'<PlainTextSelection guid="00000000-0000-4000-8000-00000000010{i}" name="{name}" '
        f'startPosition="{a}" endPosition="{b}"/>'
        for i, (a, b, name) in enumerate(spans)
    )
    qde = (
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="{origin}"><Sources>'
        f'<TextSource guid="00000000-0000-4000-8000-000000000001" name="t" '
        f'plainTextPath="internal://t.txt">{sels}</TextSource></Sources></Project>'
    )
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/t.txt", TEXT.encode("utf-8"))
    return path


def _utf16(sub: str) -> tuple[int, int]:
    a = TEXT.index(sub)

    def units(prefix: str) -> int:
        return len(prefix.encode("utf-16-le")) // 2

    return units(TEXT[:a]), units(TEXT[: a + len(sub)])


def _cp(sub: str) -> tuple[int, int]:
    lf = TEXT.replace("\r\n", "\n")
    a = lf.index(sub)
    return a, a + len(sub)


WORDS = ["so.", "Fine 😀😀 then.", "I guess 🙂 so."]


def test_unknown_tool_counting_utf16_is_detected(tmp_path: Path) -> None:
    spans = [(*_utf16(w), w) for w in WORDS]
    with open_project_file(_archive(tmp_path, "MysteryQDA 3", spans)) as arc:
        refi = parse_project(arc.qde_bytes, "p")
        units, why = detect_units(refi, arc, PositionUnits.CODEPOINTS_LF)
    assert units is PositionUnits.UTF16_RAW
    assert why is not None and "3 of 3" in why


def test_standard_positions_stay_standard(tmp_path: Path) -> None:
    spans = [(*_cp(w), w) for w in WORDS]
    with open_project_file(_archive(tmp_path, "NVivo 15", spans)) as arc:
        refi = parse_project(arc.qde_bytes, "p")
        units, why = detect_units(refi, arc, PositionUnits.UTF16_RAW)
    # an NVivo that follows the standard is recognised by its names too
    assert units is PositionUnits.CODEPOINTS_LF and why is not None


def test_no_names_keeps_origin_rule(tmp_path: Path) -> None:
    spans = [(*_utf16(w), "") for w in WORDS]
    with open_project_file(_archive(tmp_path, "NVivo 12", spans)) as arc:
        refi = parse_project(arc.qde_bytes, "p")
        assert detect_units(refi, arc, PositionUnits.UTF16_RAW) == (PositionUnits.UTF16_RAW, None)
