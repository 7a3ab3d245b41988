"""``codebook list|import|export``: YAML here; .qdc and .docx through their own modules."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli_commands.common import open_existing
from app.core.audit import record
from app.core.codebook import add_scheme, codebook_spec
from app.core.dto import CodeSpec, SchemeSpec
from app.core.errors import UserError
from app.io.codebook_yaml import bundled_schemes, load_scheme, write_scheme

IMPORT_SUFFIXES = (".yaml", ".yml", ".json", ".qdc")
EXPORT_SUFFIXES = (".yaml", ".yml", ".qdc", ".docx")


def cmd_codebook_list(args: argparse.Namespace) -> int:
    for name, path in bundled_schemes().items():
        scheme = load_scheme(path)
        n_codes = _count(scheme.codes)
        print(f"{name:<20}{scheme.name} {scheme.version} ({n_codes} codes)")
    return 0


def _count(codes: tuple[CodeSpec, ...]) -> int:
    return sum(1 + _count(c.children) for c in codes)


def cmd_codebook_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    suffix = path.suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise UserError(f"{path}: expected a file ending {', '.join(IMPORT_SUFFIXES)}")
    if suffix == ".qdc":
        from app.io.refi.qdc import read_qdc

        scheme = SchemeSpec(name=path.stem, codes=tuple(read_qdc(path)))
    else:
        scheme = load_scheme(path)
    with open_existing(args.project) as project:
        created, kept = add_scheme(project, scheme)
        record(project, "import codebook", f"{path.name}: {created} codes added")
    print(f"{scheme.name}: {created} codes added, {kept} already in the codebook")
    return 0


def cmd_codebook_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise UserError(f"{out}: expected a file ending {', '.join(EXPORT_SUFFIXES)}")
    with open_existing(args.project, readonly=True) as project:
        if suffix in (".yaml", ".yml"):
            write_scheme(codebook_spec(project), out)
        elif suffix == ".qdc":
            from app.io.refi.qdc import write_qdc

            write_qdc(project, out)
        else:
            from app.io.codebook_docx import write_codebook_docx

            write_codebook_docx(project, out)
    print(f"wrote {out}")
    return 0
