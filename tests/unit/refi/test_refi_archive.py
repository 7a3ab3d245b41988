"""The .qdpx reader refuses broken, hostile or foreign archives with one clear line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from app.core.errors import UserError
from app.io.refi.archive import open_project_file
from app.io.refi.qde import parse_project

QDE = b"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="Test"/>"""


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_reads_project_and_sources_case_insensitively(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.qdpx", {"Project.qde": QDE, "Sources/ABC.txt": b"hello"})
    with open_project_file(path) as arc:
        assert arc.qde_name == "Project.qde"
        assert arc.read_source("abc.txt") == b"hello"
        assert arc.read_source("missing.txt") is None


def test_refuses_zip_bomb(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bomb.qdpx", {"project.qde": QDE, "sources/x.txt": b"\0" * 3_000_000})
    with pytest.raises(UserError, match="zip bomb"):
        open_project_file(path)


def test_refuses_non_zip_and_truncated_zip(tmp_path: Path) -> None:
    junk = tmp_path / "junk.qdpx"
    junk.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(UserError, match=r"junk\.qdpx: not a readable \.qdpx"):
        open_project_file(junk)
    good = _zip(tmp_path / "good.qdpx", {"project.qde": QDE * 50})
    cut = tmp_path / "cut.qdpx"
    cut.write_bytes(good.read_bytes()[:-30])
    with pytest.raises(UserError, match=r"cut\.qdpx"):
        open_project_file(cut)


def test_refuses_damaged_member(tmp_path: Path) -> None:
    text = ("All work and no play makes Jack a dull boy. " * 200).encode()
    path = _zip(tmp_path / "bad.qdpx", {"project.qde": QDE, "sources/a.txt": text})
    data = bytearray(path.read_bytes())
    at = data.find(b"sources/a.txt") + len("sources/a.txt") + 40  # inside the compressed bytes
    data[at : at + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    with open_project_file(path) as arc, pytest.raises(UserError, match="damaged"):
        arc.read_source("a.txt")


@pytest.mark.parametrize(("method", "name"), [(9, "Deflate64"), (98, "PPMd"), (77, "method 77")])
def test_an_unreadable_compression_method_is_named_not_called_damage(
    tmp_path: Path, method: int, name: str
) -> None:
    """Windows' archiver writes Deflate64 for large files, 7-Zip can write PPMd: the member is
    fine, this reader lacks the method. The message says which, and what to do."""
    import struct

    path = _zip(tmp_path / "m.qdpx", {"project.qde": QDE, "sources/a.txt": b"hello " * 50})
    data = bytearray(path.read_bytes())
    local = data.find(b"PK\x03\x04", data.find(b"sources/a.txt") - 40)
    central = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)  # the second entry
    struct.pack_into("<H", data, local + 8, method)
    struct.pack_into("<H", data, central + 10, method)
    path.write_bytes(bytes(data))
    with open_project_file(path) as arc, pytest.raises(UserError) as err:
        arc.read_source("a.txt")
    message = str(err.value)
    assert f"member sources/a.txt is compressed with {name}, which this app cannot read" in message
    assert "deflate" in message and "damaged" not in message and "\n" not in message


def test_archive_without_project_qde(tmp_path: Path) -> None:
    path = _zip(tmp_path / "x.qdpx", {"readme.txt": b"hi"})
    with pytest.raises(UserError, match=r"no project\.qde"):
        open_project_file(path)


def test_bare_qde_reads_sibling_sources(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "X.txt").write_bytes(b"text")
    qde = tmp_path / "study.qde"
    qde.write_bytes(QDE)
    with open_project_file(qde) as arc:
        assert arc.read_source("x.txt") == b"text"
        assert parse_project(arc.qde_bytes, "study.qde").origin == "Test"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="file not found"):
        open_project_file(tmp_path / "nope.qdpx")


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"<Project", "not well-formed XML"),
        (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', "expected a REFI-QDA <Project>"),
        (b'<Project xmlns="urn:other" name="x"/>', "namespace"),
        (QDE.replace(b'origin="Test"/>', b'><Users><User name="u"/></Users></Project>'),
         "no guid attribute"),
    ],
)
def test_bad_project_xml(xml: bytes, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_project(xml, "project.qde")


def test_entities_are_not_expanded() -> None:
    """A billion-laughs style document must not expand (and must not hang)."""
    xml = b"""<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&b;"/>"""
    with pytest.raises(UserError, match="declares XML entities"):
        parse_project(xml, "p.qde")


def test_project_folder_zipped_as_a_whole(tmp_path: Path) -> None:
    """Researchers re-zip the unpacked folder: ``Study/project.qde`` is accepted too."""
    path = _zip(tmp_path / "s.qdpx", {"Study/project.qde": QDE, "Study/sources/a.txt": b"x"})
    with open_project_file(path) as arc:
        assert arc.qde_name == "Study/project.qde"
        assert arc.read_source("a.txt") == b"x"
    two = _zip(tmp_path / "two.qdpx", {"A/project.qde": QDE, "B/project.qde": QDE})
    with pytest.raises(UserError, match=r"no project\.qde"):
        open_project_file(two)
