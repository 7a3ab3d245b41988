"""Importing a codebook into an open project as one undoable edit (the panel's Import…).

``add_scheme`` is what ``init`` and the CLI use; in the window the researcher expects Edit > Undo
to take an import back. This command records exactly which codes (and which scheme row) the
import created: codes that were already in the project are kept as they are and never moved, so
undo removes only what the import added. Redo re-inserts the same rows with their original ids,
so later commands on the stack that refer to them keep working.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.core.codebook import add_codes_in
from app.core.commands import Command, delete_rows, restore_rows, row_to_dict
from app.core.dto import SchemeSpec
from app.core.errors import UserError
from app.core.models import Code, Scheme, Segment
from app.core.project import Project


class ImportScheme(Command):
    """Add a scheme's codes (and its metadata row) to the project; undo removes what it added."""

    def __init__(self, scheme: SchemeSpec) -> None:
        self.scheme = scheme
        self.created_codes: list[dict[str, Any]] = []
        self.created_scheme: dict[str, Any] | None = None
        self.n_created = 0
        self.n_kept = 0
        self.text = f"Import codebook '{scheme.name}'"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            if self.created_codes or self.created_scheme:
                if self.created_scheme:
                    restore_rows(s, Scheme, [self.created_scheme])
                restore_rows(s, Code, self.created_codes)
                return
            row = s.scalar(select(Scheme).where(Scheme.name == self.scheme.name))
            if row is None:
                row = Scheme(
                    name=self.scheme.name,
                    version=self.scheme.version,
                    citation=self.scheme.citation,
                    window_seconds=self.scheme.window_seconds,
                )
                s.add(row)
                s.flush()
                self.created_scheme = row_to_dict(row)
            before = set(s.scalars(select(Code.id)))
            _ids, self.n_created, self.n_kept = add_codes_in(s, self.scheme.codes, None, row.id)
            s.flush()
            new_rows = s.scalars(select(Code).where(Code.id.not_in(before)).order_by(Code.id))
            # Parents are inserted before their children, so id order restores cleanly.
            self.created_codes = [row_to_dict(r) for r in new_rows]

    def undo(self, project: Project) -> None:
        ids = [r["id"] for r in self.created_codes]
        with project.transaction() as s:
            if ids and s.scalar(select(Segment.id).where(Segment.code_id.in_(ids)).limit(1)):
                raise UserError("cannot undo the import: some imported codes have segments now")
            for code_id in reversed(ids):
                delete_rows(s, Code, [code_id])
            if self.created_scheme:
                delete_rows(s, Scheme, [self.created_scheme["id"]])
