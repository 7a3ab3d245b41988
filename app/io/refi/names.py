"""Names other QDA tools can hold: codes and sources with unique names.

Our codebook allows two codes with the same name under different parents
(``Rupture/Withdrawal/Denial`` and ``Repair/Denial``). QualCoder keeps code and category names
in tables with ``unique(name)``: its importer silently reuses the first code for the second
name and every coding of the second code is lost. So REFI files we write give such codes a
qualified name, ``Denial (Repair)``, say so in a warning, and keep the original name in our
sidecar, so our own re-import restores it exactly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from app.core.dto import CodeSpec


def _walk(specs: tuple[CodeSpec, ...], parent: str, out: list[tuple[CodeSpec, str]]) -> None:
    for spec in specs:
        out.append((spec, parent))
        _walk(spec.children, spec.name, out)


def unique_code_names(
    specs: tuple[CodeSpec, ...] | list[CodeSpec],
) -> tuple[tuple[CodeSpec, ...], dict[str, str], list[str]]:
    """Specs whose names are unique across the whole tree (case-insensitively).

    Returns the renamed trees, ``{guid: original name}`` for every renamed code that has a GUID,
    and one warning line per renamed code. Only duplicates are renamed; the first occurrence in
    tree order keeps its name, the others get their parent's name (then a number) appended.
    """
    flat: list[tuple[CodeSpec, str]] = []
    _walk(tuple(specs), "", flat)
    counts = Counter(spec.name.casefold() for spec, _ in flat)
    taken = {spec.name.casefold() for spec, _ in flat}
    seen: set[str] = set()
    new_name: dict[int, str] = {}
    for spec, parent in flat:
        key = spec.name.casefold()
        if counts[key] == 1 or key not in seen:
            seen.add(key)
            continue
        base = f"{spec.name} ({parent})" if parent else spec.name
        candidate, n = base, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{spec.name} ({parent} {n})" if parent else f"{spec.name} ({n})"
        taken.add(candidate.casefold())
        new_name[id(spec)] = candidate
    originals: dict[str, str] = {}
    warnings: list[str] = []

    def rebuild(spec: CodeSpec, path: str) -> CodeSpec:
        here = f"{path}/{spec.name}" if path else spec.name
        children = tuple(rebuild(c, here) for c in spec.children)
        name = new_name.get(id(spec))
        if name is None:
            return replace(spec, children=children)
        if spec.guid:
            originals[spec.guid.lower()] = spec.name
        warnings.append(
            f"code '{here}' shares its name with another code; written as '{name}' because "
            f"QualCoder and other tools need unique code names"
        )
        return replace(spec, name=name, children=children)

    return tuple(rebuild(s, "") for s in specs), originals, warnings


def unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... before its extension, not yet in ``used``
    (case-insensitive); the result is added to ``used``."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or " " in ext or len(ext) > 5:
        stem, ext = name, ""
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
    used.add(candidate.casefold())
    return candidate
