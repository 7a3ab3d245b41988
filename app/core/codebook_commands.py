"""Undoable codebook edits: create, rename, update, move, merge and delete codes.

Changing the codebook never orphans or silently moves segments: deleting a code deletes its
segments with it (undo brings every row back with its id), and merging moves them to the target
code, visibly and undoably.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from app.core.codebook import check_name, next_position
from app.core.commands import Command, delete_rows, restore_rows, row_to_dict
from app.core.dto import CodeSpec, RatingScale
from app.core.errors import ConflictError, NotFoundError, UserError
from app.core.models import Code, Segment, Suggestion, new_guid, utcnow
from app.core.project import Project
from app.core.versioning import check_code, lock_code

EDITABLE_FIELDS = (
    "definition", "include", "exclude", "examples", "color", "shortcut", "codable", "rating",
    "patterns", "speakers", "transcripts",
)  # fmt: skip


def _code(s: DbSession, code_id: int) -> Code:
    row = s.get(Code, code_id)
    if row is None:
        raise NotFoundError(f"code #{code_id} does not exist")
    return row


def _subtree_ids(s: DbSession, code_id: int) -> list[int]:
    """The code and all its descendants, parents before children."""
    out = [code_id]
    frontier = [code_id]
    while frontier:
        children = list(s.scalars(select(Code.id).where(Code.parent_id.in_(frontier))))
        out.extend(children)
        frontier = children
    return out


def _field_value(name: str, value: Any) -> Any:
    if name == "rating" and isinstance(value, RatingScale):
        return value.to_json()
    if name in ("examples", "patterns"):
        return list(value or ())
    if name in ("speakers", "transcripts"):
        return list(value or ()) or None
    return value


class CreateCode(Command):
    def __init__(self, spec: CodeSpec, parent_id: int | None = None) -> None:
        self.spec = spec
        self.parent_id = parent_id
        self.code_id: int | None = None
        self.guid = spec.guid or new_guid()
        self.done_version: int | None = None
        self.text = f"Create code '{spec.name}'"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            if self.parent_id is not None:
                _code(s, self.parent_id)
            name = check_name(s, self.parent_id, self.spec.name)
            row = Code(
                id=self.code_id,
                guid=self.guid,
                parent_id=self.parent_id,
                position=next_position(s, self.parent_id),
                name=name,
                definition=self.spec.definition,
                include=self.spec.include,
                exclude=self.spec.exclude,
                examples=list(self.spec.examples),
                color=self.spec.color or "#808080",
                shortcut=self.spec.shortcut,
                codable=self.spec.codable,
                rating=self.spec.rating.to_json() if self.spec.rating else None,
                patterns=list(self.spec.patterns),
                speakers=list(self.spec.speakers) or None,
                transcripts=list(self.spec.transcripts) or None,
            )
            s.add(row)
            s.flush()
            self.code_id = row.id
            self.done_version = row.version

    def undo(self, project: Project) -> None:
        assert self.code_id is not None
        with project.transaction() as s:
            row = lock_code(s, self.code_id)
            check_code(row, self.done_version, f"undoing '{self.text}'")
            if s.scalar(select(Segment.id).where(Segment.code_id == self.code_id).limit(1)):
                raise UserError("cannot undo: the code has segments")
            delete_rows(s, Code, [self.code_id])


class UpdateCode(Command):
    """Rename a code and/or change any of its fields (definition, colour, shortcut, ...)."""

    def __init__(
        self, code_id: int, *, expected_version: int | None = None, **changes: Any
    ) -> None:
        unknown = set(changes) - set(EDITABLE_FIELDS) - {"name"}
        if unknown:
            raise UserError(f"unknown code field(s): {', '.join(sorted(unknown))}")
        self.code_id = code_id
        self.expected_version = expected_version
        self.done_version: int | None = None
        self.changes = {k: _field_value(k, v) for k, v in changes.items()}
        self.old: dict[str, Any] = {}
        label = "Rename code" if set(changes) == {"name"} else "Edit code"
        self.text = f"{label} '{changes.get('name', '')}'".replace(" ''", "")

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            row = lock_code(s, self.code_id)
            check_code(row, self.expected_version, f"'{self.text}'")
            self.old = {k: getattr(row, k) for k in self.changes}
            self.old["version"] = row.version
            for key, value in self.changes.items():
                if key == "name":
                    value = check_name(s, row.parent_id, value, exclude_id=row.id)
                setattr(row, key, value)
            s.flush()
            self.done_version = row.version
            self.expected_version = self.old["version"]  # a redo starts where the undo left it

    def undo(self, project: Project) -> None:
        with project.transaction() as s:
            row = lock_code(s, self.code_id)
            check_code(row, self.done_version, f"undoing '{self.text}'")
            for key, value in self.old.items():
                setattr(row, key, value)


def RenameCode(code_id: int, name: str, *, expected_version: int | None = None) -> UpdateCode:
    return UpdateCode(code_id, expected_version=expected_version, name=name)


class MoveCode(Command):
    """Move a code (with its subtree) under a new parent, at a position among its siblings."""

    def __init__(
        self,
        code_id: int,
        new_parent_id: int | None,
        position: int | None = None,
        *,
        expected_version: int | None = None,
    ) -> None:
        self.code_id = code_id
        self.expected_version = expected_version
        self.old_versions: dict[int, int] = {}
        self.done_versions: dict[int, int] = {}
        self.new_parent_id = new_parent_id
        self.position = position
        self.old_parent_id: int | None = None
        self.old_positions: dict[int, int] = {}
        self.text = "Move code"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            row = lock_code(s, self.code_id)
            check_code(row, self.expected_version, "moving it")
            if self.new_parent_id is not None:
                _code(s, self.new_parent_id)
                if self.new_parent_id in _subtree_ids(s, self.code_id):
                    raise UserError(f"cannot move '{row.name}' into itself or one of its children")
            check_name(s, self.new_parent_id, row.name, exclude_id=row.id)
            self.old_parent_id = row.parent_id
            parent_filter = (
                Code.parent_id.is_(None)
                if self.new_parent_id is None
                else Code.parent_id == self.new_parent_id
            )
            siblings = list(
                s.scalars(
                    select(Code).where(parent_filter, Code.id != row.id).order_by(Code.position)
                )
            )
            self.old_positions = {c.id: c.position for c in [*siblings, row]}
            index = (
                len(siblings)
                if self.position is None
                else max(0, min(self.position, len(siblings)))
            )
            siblings.insert(index, row)
            self.old_versions = {c.id: c.version for c in siblings}
            row.parent_id = self.new_parent_id
            for pos, code in enumerate(siblings):
                code.position = pos
            s.flush()
            self.done_versions = {c.id: c.version for c in siblings}
            self.expected_version = self.old_versions[row.id]

    def undo(self, project: Project) -> None:
        with project.transaction() as s:
            for code_id, version in self.done_versions.items():
                check_code(lock_code(s, code_id), version, f"undoing '{self.text}'")
            row = _code(s, self.code_id)
            row.parent_id = self.old_parent_id
            for code_id, pos in self.old_positions.items():
                _code(s, code_id).position = pos
            for code_id, version in self.old_versions.items():
                _code(s, code_id).version = version


class DeleteCode(Command):
    """Delete a code, its subtree, and (explicitly) their segments and suggestions."""

    def __init__(self, code_id: int, *, expected_version: int | None = None) -> None:
        self.code_id = code_id
        self.expected_version = expected_version
        self.codes: list[dict[str, Any]] = []
        self.segments: list[dict[str, Any]] = []
        self.suggestions: list[dict[str, Any]] = []
        self.text = "Delete code"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            check_code(lock_code(s, self.code_id), self.expected_version, "deleting it")
            ids = _subtree_ids(s, self.code_id)
            rows = {c.id: c for c in s.scalars(select(Code).where(Code.id.in_(ids)))}
            self.text = f"Delete code '{rows[self.code_id].name}'"
            self.codes = [row_to_dict(rows[i]) for i in ids]
            self.segments = [
                row_to_dict(r) for r in s.scalars(select(Segment).where(Segment.code_id.in_(ids)))
            ]
            self.suggestions = [
                row_to_dict(r)
                for r in s.scalars(select(Suggestion).where(Suggestion.code_id.in_(ids)))
            ]
            delete_rows(s, Suggestion, [r["id"] for r in self.suggestions])
            delete_rows(s, Segment, [r["id"] for r in self.segments])
            for code_id in reversed(ids):
                delete_rows(s, Code, [code_id])
            self.expected_version = None  # a redo deletes what the undo put back

    def undo(self, project: Project) -> None:
        with project.transaction() as s:
            restore_rows(s, Code, self.codes)
            restore_rows(s, Segment, self.segments)
            restore_rows(s, Suggestion, self.suggestions)


def _moved_on(s: DbSession, marks: dict[int, tuple[int, Any]]) -> int:
    """How many of the segments a merge moved (``marks``: their versions before it) changed or
    went since the merge (each should be at its version + 1), read locked."""
    ids = list(marks)
    now: dict[int, int] = {}
    for at in range(0, len(ids), 10_000):  # bounded IN lists
        chunk = select(Segment.id, Segment.version).where(Segment.id.in_(ids[at : at + 10_000]))
        now.update((r[0], r[1]) for r in s.execute(chunk.with_for_update()))
    return sum(1 for sid, (v, _at) in marks.items() if now.get(sid) != v + 1)


class MergeCodes(Command):
    """Fold ``source`` into ``target``: its segments, suggestions and children move to target."""

    def __init__(
        self,
        source_id: int,
        target_id: int,
        *,
        expected_versions: tuple[int, int] | None = None,
    ) -> None:
        if source_id == target_id:
            raise UserError("cannot merge a code into itself")
        self.source_id = source_id
        self.target_id = target_id
        #: (source, target) versions the user saw; either moved on refuses the merge.
        self.expected_versions = expected_versions
        self.target_version: int | None = None
        self.child_versions: dict[int, int] = {}
        self.source_row: dict[str, Any] = {}
        self.segment_ids: list[int] = []
        #: Each moved segment's (version, updated_at) before the merge: its undo puts them back.
        self.segment_marks: dict[int, tuple[int, Any]] = {}
        self.suggestion_ids: list[int] = []
        self.children: dict[int, tuple[int | None, int]] = {}
        self.text = "Merge codes"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            source = lock_code(s, self.source_id)
            target = lock_code(s, self.target_id)
            if self.expected_versions is not None:
                check_code(source, self.expected_versions[0], "merging it")
                check_code(target, self.expected_versions[1], "merging into it")
            if self.target_id in _subtree_ids(s, self.source_id):
                raise UserError(f"cannot merge '{source.name}' into one of its own children")
            if not target.codable and s.scalar(
                select(Segment.id).where(Segment.code_id == self.source_id).limit(1)
            ):
                raise UserError(
                    f"'{target.name}' is a category, not codable: segments cannot move there"
                )
            self.text = f"Merge '{source.name}' into '{target.name}'"
            self.source_row = row_to_dict(source)
            moving = select(Segment.id, Segment.version, Segment.updated_at).where(
                Segment.code_id == self.source_id
            )
            self.segment_marks = {r[0]: (r[1], r[2]) for r in s.execute(moving.with_for_update())}
            self.segment_ids = list(self.segment_marks)
            self.suggestion_ids = list(
                s.scalars(select(Suggestion.id).where(Suggestion.code_id == self.source_id))
            )
            children = list(s.scalars(select(Code).where(Code.parent_id == self.source_id)))
            self.children = {c.id: (c.parent_id, c.position) for c in children}
            position = next_position(s, self.target_id)
            for offset, child in enumerate(children):
                check_name(s, self.target_id, child.name, exclude_id=child.id)
                child.parent_id = self.target_id
                child.position = position + offset
            # A moved segment changed: its version moves on (a stale view of it is refused, an
            # undo checks nobody changed it since) and views re-read it (``updated_at``).
            s.execute(
                update(Segment)
                .where(Segment.code_id == self.source_id)
                .values(code_id=self.target_id, version=Segment.version + 1, updated_at=utcnow())
            )
            s.execute(
                update(Suggestion)
                .where(Suggestion.code_id == self.source_id)
                .values(code_id=self.target_id)
            )
            s.flush()
            self.target_version = target.version
            self.child_versions = {c.id: c.version for c in children}
            delete_rows(s, Code, [self.source_id])
            self.expected_versions = None  # a redo merges what the undo put back

    def _check_segments_unchanged(self, s: DbSession, action: str) -> None:
        changed = _moved_on(s, self.segment_marks) if self.segment_marks else 0
        if changed:
            raise ConflictError(
                f"{changed} of the {len(self.segment_marks)} segments this merge moved were "
                f"changed or removed by someone else since; {action} was refused so their "
                "change is kept"
            )

    def undo(self, project: Project) -> None:
        with project.transaction() as s:
            action = f"undoing '{self.text}'"
            check_code(lock_code(s, self.target_id), self.target_version, action)
            for child_id, version in self.child_versions.items():
                check_code(lock_code(s, child_id), version, action)
            self._check_segments_unchanged(s, action)
            restore_rows(s, Code, [self.source_row])
            if self.segment_marks:
                s.execute(
                    update(Segment),
                    [
                        {"id": sid, "code_id": self.source_id, "version": v, "updated_at": at}
                        for sid, (v, at) in self.segment_marks.items()
                    ],
                )
            if self.suggestion_ids:
                s.execute(
                    update(Suggestion)
                    .where(Suggestion.id.in_(self.suggestion_ids))
                    .values(code_id=self.source_id)
                )
            for child_id, (parent_id, pos) in self.children.items():
                child = _code(s, child_id)
                child.parent_id = parent_id
                child.position = pos
