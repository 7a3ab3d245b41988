"""The codebook: a tree of codes. Queries here; edits are commands in ``codebook_commands``.

Code paths are ``/``-joined names from the root (``Rupture/Withdrawal/Minimal response``); a path
given on the command line may name a parent, meaning every codable code below it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session as DbSession

from app.core.dto import CodeInfo, CodeSpec, RatingScale, SchemeSpec
from app.core.errors import NotFoundError, UserError
from app.core.models import Code, Scheme, Segment, new_guid
from app.core.project import Project

PATH_SEP = "/"

# Distinct, readable on white; used when a scheme gives no colour.
DEFAULT_COLORS = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939",
)  # fmt: skip


def _code_rows(s: DbSession) -> list[Code]:
    return list(s.scalars(select(Code).order_by(Code.parent_id, Code.position, Code.id)))


def build_tree(codes: Iterable[CodeInfo]) -> dict[int | None, list[CodeInfo]]:
    """Children of each code id (``None`` for the roots), in display order."""
    children: dict[int | None, list[CodeInfo]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    return children


def list_codes_in(s: DbSession) -> list[CodeInfo]:
    rows = _code_rows(s)
    counts = dict(s.execute(select(Segment.code_id, func.count()).group_by(Segment.code_id)).all())
    by_parent: dict[int | None, list[Code]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    out: list[CodeInfo] = []

    def walk(parent: int | None, prefix: str, depth: int) -> None:
        for row in by_parent.get(parent, []):
            path = f"{prefix}{row.name}"
            out.append(
                CodeInfo(
                    id=row.id,
                    guid=row.guid,
                    parent_id=row.parent_id,
                    name=row.name,
                    path=path,
                    position=row.position,
                    definition=row.definition,
                    include=row.include,
                    exclude=row.exclude,
                    examples=tuple(row.examples or ()),
                    color=row.color,
                    shortcut=row.shortcut,
                    codable=row.codable,
                    rating=RatingScale.from_json(row.rating),
                    patterns=tuple(row.patterns or ()),
                    depth=depth,
                    n_segments=counts.get(row.id, 0),
                    speakers=tuple(row.speakers or ()),
                    transcripts=tuple(row.transcripts or ()),
                    version=row.version,
                )
            )
            walk(row.id, path + PATH_SEP, depth + 1)

    walk(None, "", 0)
    return out


def list_codes(project: Project) -> list[CodeInfo]:
    """Every code in display (pre-)order with its path, depth and segment count."""
    with project.reading() as s:
        return list_codes_in(s)


def get_code(project: Project, code_id: int) -> CodeInfo:
    for code in list_codes(project):
        if code.id == code_id:
            return code
    raise NotFoundError(f"code #{code_id} does not exist")


def split_path(path: str) -> list[str]:
    parts = [p.strip() for p in path.strip().strip(PATH_SEP).split(PATH_SEP)]
    if not path.strip() or any(not p for p in parts):
        raise UserError(
            f"code path '{path}': expected names joined by '/', e.g. Rupture/Withdrawal"
        )
    return parts


def find_code(codes: list[CodeInfo], path: str) -> CodeInfo:
    """Look up a code by its path (case-insensitive when the exact spelling is not found)."""
    wanted = PATH_SEP.join(split_path(path))
    for code in codes:
        if code.path == wanted:
            return code
    folded = [c for c in codes if c.path.casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise NotFoundError(f"code '{path}' is not in the codebook")


def find_code_by_path(project: Project, path: str) -> CodeInfo:
    return find_code(list_codes(project), path)


def codable_below(codes: list[CodeInfo], code: CodeInfo) -> list[CodeInfo]:
    """The code itself if codable, and every codable code below it."""
    prefix = code.path + PATH_SEP
    return [c for c in codes if c.codable and (c.id == code.id or c.path.startswith(prefix))]


def resolve_codes(project: Project, paths: Iterable[str] | None) -> list[CodeInfo]:
    """Expand ``--codes`` paths to codable codes; ``None`` means every codable code."""
    codes = list_codes(project)
    if paths is None:
        return [c for c in codes if c.codable]
    seen: dict[int, CodeInfo] = {}
    for path in paths:
        for code in codable_below(codes, find_code(codes, path)):
            seen.setdefault(code.id, code)
    return list(seen.values())


def sibling_names(s: DbSession, parent_id: int | None, exclude_id: int | None = None) -> set[str]:
    stmt = select(Code.name).where(
        Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id
    )
    if exclude_id is not None:
        stmt = stmt.where(Code.id != exclude_id)
    return {n.casefold() for n in s.scalars(stmt)}


def check_name(
    s: DbSession, parent_id: int | None, name: str, exclude_id: int | None = None
) -> str:
    clean = name.strip()
    if not clean:
        raise UserError("a code needs a name")
    if PATH_SEP in clean:
        raise UserError(f"code name '{clean}': '/' separates code paths and cannot be in a name")
    if clean.casefold() in sibling_names(s, parent_id, exclude_id):
        raise UserError(f"a code named '{clean}' exists already at this level")
    return clean


def next_position(s: DbSession, parent_id: int | None) -> int:
    stmt = select(func.max(Code.position)).where(
        Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id
    )
    current = s.scalar(stmt)
    return 0 if current is None else current + 1


class _CodeInserter:
    """Adds code trees in linear time: sibling names and next positions are cached per parent,
    ids are assigned here and every new row goes in with one executemany at the end.

    (Querying the siblings for each new code made an 8,000-code import take minutes.)
    """

    def __init__(self, s: DbSession, scheme_id: int | None) -> None:
        self.s = s
        self.scheme_id = scheme_id
        self.names: dict[int | None, dict[str, int]] = {}
        self.next_pos: dict[int | None, int] = {}
        self.next_id = (s.scalar(select(func.max(Code.id))) or 0) + 1
        self.rows: list[dict[str, object]] = []

    def _siblings(self, parent_id: int | None) -> dict[str, int]:
        if parent_id not in self.names:
            where = Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id
            found = self.s.execute(select(Code.id, Code.name, Code.position).where(where)).all()
            # Compare in Python: SQLite's lower() folds ASCII only ("Émotion" would not match).
            self.names[parent_id] = {name.casefold(): cid for cid, name, _ in found}
            self.next_pos[parent_id] = max((pos for *_, pos in found), default=-1) + 1
        return self.names[parent_id]

    def add(self, spec: CodeSpec, parent_id: int | None, color_index: int) -> tuple[int, int, int]:
        """Queue ``spec`` and its children; returns (code id, codes created, codes kept)."""
        siblings = self._siblings(parent_id)
        clean = spec.name.strip()
        existing = siblings.get(clean.casefold())
        created = kept = 0
        if existing is not None:
            code_id, kept = existing, 1
        else:
            if not clean:
                raise UserError("a code needs a name")
            if PATH_SEP in clean:
                raise UserError(
                    f"code name '{clean}': '/' separates code paths and cannot be in a name"
                )
            code_id, created = self.next_id, 1
            self.next_id += 1
            siblings[clean.casefold()] = code_id
            self.names[code_id], self.next_pos[code_id] = {}, 0  # a new code has no children
            position = self.next_pos[parent_id]
            self.next_pos[parent_id] = position + 1
            self.rows.append({
                "id": code_id, "guid": spec.guid or new_guid(), "parent_id": parent_id,
                "scheme_id": self.scheme_id, "position": position, "name": clean,
                "definition": spec.definition, "include": spec.include, "exclude": spec.exclude,
                "examples": list(spec.examples),
                "color": spec.color or DEFAULT_COLORS[color_index % len(DEFAULT_COLORS)],
                "shortcut": spec.shortcut, "codable": spec.codable,
                "rating": spec.rating.to_json() if spec.rating else None,
                "patterns": list(spec.patterns),
                "speakers": list(spec.speakers) or None,
                "transcripts": list(spec.transcripts) or None,
            })  # fmt: skip
        for i, child in enumerate(spec.children):
            _, c, k = self.add(child, code_id, color_index + i + 1)
            created += c
            kept += k
        return code_id, created, kept

    def write(self) -> None:
        if self.rows:
            self.s.execute(insert(Code), self.rows)
            if self.s.get_bind().dialect.name == "postgresql":
                # Ids were given explicitly (one bulk insert), which PostgreSQL's sequence does
                # not see: move it past them, or the next code created one by one collides.
                self.s.execute(text(
                    "SELECT setval(pg_get_serial_sequence('code', 'id'), "
                    "(SELECT MAX(id) FROM code))"
                ))  # fmt: skip


def add_codes_in(
    s: DbSession,
    specs: Iterable[CodeSpec],
    parent_id: int | None = None,
    scheme_id: int | None = None,
) -> tuple[list[int], int, int]:
    """Add code trees; a code whose path exists already is kept (never duplicated or moved)."""
    s.flush()
    inserter = _CodeInserter(s, scheme_id)
    ids: list[int] = []
    created = kept = 0
    for i, spec in enumerate(specs):
        code_id, c, k = inserter.add(spec, parent_id, i)
        ids.append(code_id)
        created += c
        kept += k
    inserter.write()
    return ids, created, kept


def add_scheme(project: Project, scheme: SchemeSpec) -> tuple[int, int]:
    """Load a scheme's codes into the project; returns (codes created, codes already there)."""
    with project.transaction() as s:
        row = s.scalar(select(Scheme).where(Scheme.name == scheme.name))
        if row is None:
            row = Scheme(
                name=scheme.name,
                version=scheme.version,
                citation=scheme.citation,
                window_seconds=scheme.window_seconds,
            )
            s.add(row)
            s.flush()
        _, created, kept = add_codes_in(s, scheme.codes, None, row.id)
    return created, kept


def list_schemes(project: Project) -> list[SchemeSpec]:
    with project.reading() as s:
        return [
            SchemeSpec(r.name, r.version, r.citation, r.window_seconds)
            for r in s.scalars(select(Scheme).order_by(Scheme.id))
        ]


def codebook_spec(project: Project, name: str | None = None) -> SchemeSpec:
    """The whole codebook as a spec tree (for YAML, .qdc and Word exports)."""
    codes = list_codes(project)
    children = build_tree(codes)

    def spec(code: CodeInfo) -> CodeSpec:
        return code.to_spec(tuple(spec(c) for c in children.get(code.id, [])))

    schemes = list_schemes(project)
    first = schemes[0] if len(schemes) == 1 else None
    return SchemeSpec(
        name=name or (first.name if first else project.display_name),
        version=first.version if first else "",
        citation="\n".join(s.citation for s in schemes if s.citation),
        window_seconds=first.window_seconds if first else None,
        codes=tuple(spec(c) for c in children.get(None, [])),
    )
