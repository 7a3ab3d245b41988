"""Codebook files from the panel: import YAML/JSON/.qdc (one undoable edit), export YAML, .qdc and
the Word codebook. The same readers and writers as ``ipr-workbench codebook import|export``, so a
file made in the window and one made on the command line are identical."""

from __future__ import annotations

from pathlib import Path

from app.core.codebook import codebook_spec
from app.core.dto import SchemeSpec
from app.core.errors import UserError
from app.core.project import Project

IMPORT_FILTER = "Codebooks (*.yaml *.yml *.json *.qdc);;All files (*)"
EXPORT_FILTERS = {
    "Word codebook (*.docx)": ".docx",
    "YAML scheme (*.yaml)": ".yaml",
    "REFI-QDA codebook (*.qdc)": ".qdc",
}


def read_codebook_file(path: Path) -> SchemeSpec:
    """A codebook file as a scheme spec; ``UserError`` names the file and what is wrong."""
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        from app.io.refi.qdc import read_qdc

        return SchemeSpec(name=path.stem, codes=tuple(read_qdc(path)))
    if suffix in (".yaml", ".yml", ".json"):
        from app.io.codebook_yaml import load_scheme

        return load_scheme(path)
    raise UserError(f"{path}: expected a codebook ending .yaml, .yml, .json or .qdc")


def with_suffix_for(path: Path, chosen_filter: str) -> Path:
    """Add the chosen format's suffix when the researcher typed a bare name."""
    if path.suffix.lower() in EXPORT_FILTERS.values():
        return path
    return path.with_name(path.name + EXPORT_FILTERS.get(chosen_filter, ".docx"))


def write_codebook_file(project: Project, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from app.io.codebook_docx import write_codebook_docx

        write_codebook_docx(project, path)
    elif suffix in (".yaml", ".yml"):
        from app.io.codebook_yaml import write_scheme

        write_scheme(codebook_spec(project), path)
    elif suffix == ".qdc":
        from app.io.refi.qdc import write_qdc

        write_qdc(project, path)
    else:
        raise UserError(f"{path}: expected a file ending .docx, .yaml or .qdc")
