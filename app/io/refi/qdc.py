"""REFI-QDA codebook exchange (``.qdc``, namespace ``urn:QDA-XML:codebook:1.0``).

A ``.qdc`` only carries name, colour, codability and one free ``Description`` per code. Our codes
also have inclusion/exclusion criteria and examples; rather than drop them, ``write_qdc`` appends
them to the description under fixed headings that any tool displays sensibly and that
``read_qdc`` splits back, so a .qdc round trip keeps the whole tree and its texts. Who and where
a code applies to (speaker roles, transcript kinds) travel the same way, as a last block
``Applies to:`` with lines ``speakers: client`` and ``transcripts: recall``.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from lxml import etree

from app.core.codebook import PATH_SEP, codebook_spec
from app.core.dto import CodeSpec
from app.core.errors import UserError
from app.core.models import ROLES, TRANSCRIPT_KINDS
from app.core.project import Project
from app.io.refi.qde import CODEBOOK_NS, RefiCode, local, parse_code, parse_xml

MAX_QDC_BYTES = 64 * 1024 * 1024
_RGB = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEADINGS = ("Include:", "Exclude:", "Examples:", "Applies to:")
#: Stands in for '/' in names from other tools ('/' separates our code paths).
SLASH_STANDIN = "∕"  # U+2215 DIVISION SLASH


def read_qdc(path: Path | str) -> list[CodeSpec]:
    """Read a ``.qdc`` codebook into code spec trees (BOM and CRLF tolerated).

    Raises ``UserError`` naming the file and line for anything that is not a REFI codebook.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    if path.stat().st_size > MAX_QDC_BYTES:
        raise UserError(f"{path}: larger than {MAX_QDC_BYTES // (1024 * 1024)} MiB; not a codebook")
    root = parse_xml(path.read_bytes(), str(path))
    if local(root.tag) != "CodeBook":
        raise UserError(
            f"{path}:{root.sourceline}: root element is <{local(root.tag)}>, expected a REFI-QDA "
            f"<CodeBook>"
        )
    codes_el = next((c for c in root if local(c.tag) == "Codes"), None)
    if codes_el is None:
        raise UserError(f"{path}:{root.sourceline}: <CodeBook> has no <Codes> element")
    codes = [parse_code(c, str(path)) for c in codes_el if local(c.tag) == "Code"]
    return specs_from_refi(codes)


def specs_from_refi(codes: list[RefiCode]) -> list[CodeSpec]:
    """REFI codes to our specs: '/' in names replaced, duplicate sibling names numbered."""
    return _specs(codes)


def _specs(codes: list[RefiCode]) -> list[CodeSpec]:
    out: list[CodeSpec] = []
    seen: dict[str, int] = {}
    for code in codes:
        name = clean_code_name(code.name)
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            name = f"{name} ({seen[key]})"
        else:
            seen[key] = 1
        described, speakers, transcripts = split_scope(code.description)
        definition, include, exclude, examples = split_description(described)
        out.append(
            CodeSpec(
                name=name,
                definition=definition,
                include=include,
                exclude=exclude,
                examples=examples,
                color=_six_digit(code.color),
                codable=code.codable,
                guid=code.guid,
                children=tuple(_specs(code.children)),
                speakers=speakers,
                transcripts=transcripts,
            )
        )
    return out


def _six_digit(color: str) -> str:
    """``#RGB`` -> ``#RRGGBB``; anything that is not a REFI colour -> '' (default colour)."""
    if not _RGB.match(color):
        return ""
    if len(color) == 4:
        return "#" + "".join(ch * 2 for ch in color[1:]).upper()
    return color.upper()


def clean_code_name(name: str) -> str:
    """A name we can store: trimmed, '/' replaced, never empty."""
    clean = " ".join(name.split()).replace(PATH_SEP, SLASH_STANDIN)
    return clean or "(unnamed)"


_SCOPE = re.compile(
    r"\n*^Applies to:[ \t]*\n((?:[ \t]*(?:speakers|transcripts):.*(?:\n|$))+)\s*\Z", re.M
)


def split_scope(text: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The description without its ``Applies to:`` block, and the roles and kinds it names.

    Words that are not roles / transcript kinds are ignored (the block came from another tool
    or a person's hand): the code then applies more widely, never silently to nothing.
    """
    text = text.replace("\r\n", "\n").strip()
    found = _SCOPE.search(text)
    if found is None:
        return text, (), ()
    values: dict[str, tuple[str, ...]] = {"speakers": (), "transcripts": ()}
    allowed = {"speakers": ROLES, "transcripts": TRANSCRIPT_KINDS}
    for line in found.group(1).splitlines():
        key, _, rest = line.strip().partition(":")
        words = [w.strip().lower() for w in rest.split(",")]
        values[key] = tuple(dict.fromkeys(w for w in words if w in allowed[key]))
    return text[: found.start()].strip(), values["speakers"], values["transcripts"]


def split_description(text: str) -> tuple[str, str, str, tuple[str, ...]]:
    """Undo ``join_description``: (definition, include, exclude, examples)."""
    text = text.replace("\r\n", "\n").strip()
    pattern = re.compile(r"^(Include:|Exclude:|Examples:)[ \t]*\n?", re.MULTILINE)
    matches = list(pattern.finditer(text))
    if not matches:
        return text, "", "", ()
    parts: dict[str, str] = {}
    definition = text[: matches[0].start()].strip()
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        parts[m.group(1)] = text[m.end() : end].strip()
    examples = tuple(
        line[2:].strip() if line.startswith("- ") else line.strip()
        for line in parts.get("Examples:", "").split("\n")
        if line.strip()
    )
    return definition, parts.get("Include:", ""), parts.get("Exclude:", ""), examples


def join_description(spec: CodeSpec) -> str:
    """Definition plus criteria and examples under headings (see module docstring)."""
    blocks = [spec.definition.strip()] if spec.definition.strip() else []
    if spec.include.strip():
        blocks.append(f"Include:\n{spec.include.strip()}")
    if spec.exclude.strip():
        blocks.append(f"Exclude:\n{spec.exclude.strip()}")
    examples = [e.strip() for e in spec.examples if e.strip()]
    if examples:
        blocks.append("Examples:\n" + "\n".join(f"- {e}" for e in examples))
    scope = [
        f"{key}: {', '.join(getattr(spec, key))}"
        for key in ("speakers", "transcripts")
        if getattr(spec, key)
    ]
    if scope:
        blocks.append("Applies to:\n" + "\n".join(scope))
    return "\n\n".join(blocks)


def refi_color(color: str) -> str | None:
    """Our colour as REFI's ``#RRGGBB`` (drops an alpha channel), or None if unusable."""
    color = (color or "").strip()
    if len(color) == 9 and color.startswith("#"):
        color = color[:7]
    return color.upper() if _RGB.match(color) else None


def refi_guid(guid: str | None) -> str | None:
    """A GUID in the 8-4-4-4-12 form the schemas require, or None."""
    if guid and _GUID.match(guid.strip("{}")):
        return guid.strip("{}")
    return None


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters pasted from Word, lone
    surrogates); lxml would refuse the whole document otherwise."""
    return _XML_ILLEGAL.sub("", text)


def code_element(tag: str, spec: CodeSpec, guid_for: dict[int, str], ns: str) -> etree._Element:
    """A ``<Code>`` element for ``spec`` and its children (shared by .qdc and .qde writers).

    ``guid_for`` maps ``id(spec)`` to the GUID chosen for it, so codings can refer to it.
    """
    el = etree.Element(f"{{{ns}}}{tag}")
    el.set("guid", guid_for[id(spec)])
    el.set("name", xml_safe(spec.name))
    el.set("isCodable", "true" if spec.codable else "false")
    color = refi_color(spec.color)
    if color:
        el.set("color", color)
    description = join_description(spec)
    if description:
        etree.SubElement(el, f"{{{ns}}}Description").text = xml_safe(description)
    for child in spec.children:
        el.append(code_element(tag, child, guid_for, ns))
    return el


def assign_guids(specs: tuple[CodeSpec, ...] | list[CodeSpec]) -> dict[int, str]:
    """Stable GUIDs per spec: its own when valid and unused, otherwise a fresh uuid4."""
    out: dict[int, str] = {}
    used: set[str] = set()
    stack = list(specs)
    while stack:
        spec = stack.pop()
        guid = refi_guid(spec.guid)
        if guid is None or guid.lower() in used:
            guid = str(uuid.uuid4())
        used.add(guid.lower())
        out[id(spec)] = guid
        stack.extend(spec.children)
    return out


def codebook_xml(specs: tuple[CodeSpec, ...], origin: str) -> bytes:
    """The ``.qdc`` document for these code trees."""
    if not specs:
        raise UserError("the codebook is empty: a .qdc needs at least one code")
    nsmap: Any = {None: CODEBOOK_NS}
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap=nsmap)
    root.set("origin", origin)
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    from app.io.refi.names import unique_code_names  # QualCoder needs unique code names

    specs, _, _ = unique_code_names(specs)
    guid_for = assign_guids(specs)
    for spec in specs:
        codes.append(code_element("Code", spec, guid_for, CODEBOOK_NS))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def write_qdc(project: Project, path: Path | str) -> Path:
    """Write the project's codebook as a REFI-QDA ``.qdc`` file (UTF-8, no BOM)."""
    from app import __version__

    path = Path(path)
    spec = codebook_spec(project)
    data = codebook_xml(spec.codes, f"IPR Workbench {__version__}")
    try:
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        raise UserError(f"{path}: cannot write the codebook: {exc.strerror or exc}") from exc
    return path
