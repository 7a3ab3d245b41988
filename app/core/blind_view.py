"""What a command run outside the window may show on a blind project (issue #11).

The window locks a blind project to the coder who said who they are; the command line must hold
the same line, or ``ipr-workbench agreement P --coders all`` would undo the blinding a lab
reports. So every command that shows coding (``info``, ``agreement``, ``export``, ``timeline``,
``audit``) asks here first. On a blind project:

- ``--as NAME`` says who runs the command: only NAME's own coding is shown (their segments,
  counts, memos, ratings and audit entries). A copy made by ``split`` knows its coder, and on a
  team server the login role is the coder, so there it is known without ``--as``.
- Every coder's work is shown only to a lead (``--as NAME`` naming a lead of the file's
  ``team.leads``; on a server, a role in the lead group) or with ``--unblind``. Either way the
  unblinded read is written to the project's audit log first (action ``blind view``: which
  command, who, why); when the log cannot be written (a read-only copy) nothing is shown.
- Nobody named: the command refuses, or (``info``) shows what holds no one's coding.

On a project file anyone can type any name: as with the window's rights (``app.core.rights``)
this is advisory, and the audit entry with the operating-system login is what keeps it honest.
On a server the role is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.audit import record
from app.core.blind_state import BlindState
from app.core.errors import ProjectError, UserError
from app.core.project import Project, open_project
from app.core.rights import file_leads, project_rights

VIEW_ACTION = "blind view"
#: How to ask for more, said in every refusal (the flags are documented in ``--help``).
HOW = (
    "say who you are with --as NAME (only your own coding is shown), or, as a lead or with "
    "--unblind, see everyone's (recorded in the project's audit log)"
)


@dataclass(frozen=True)
class BlindView:
    """Whose coding a command may show: everyone's (``full``), ``viewer``'s only, or nobody's."""

    blind: bool
    viewer: str | None = None
    full: bool = True
    #: Why everything is shown on a blind project: "lead" or "--unblind" (None otherwise).
    unblinded_by: str | None = None

    @property
    def own_only(self) -> bool:
        return not self.full and self.viewer is not None

    @property
    def nobody(self) -> bool:
        return not self.full and self.viewer is None

    def to_json(self) -> dict[str, object]:
        """``info --json``'s ``blind.view``: "all", "own" (``viewer``'s) or "none"."""
        view = "all" if self.full else ("own" if self.viewer else "none")
        return {"view": view, "viewer": self.viewer, "unblinded_by": self.unblinded_by}

    def require_full(self, location: str, what: str) -> None:
        """Refuse ``what`` (it shows every compared coder) unless everything may be shown."""
        if self.nobody:
            raise UserError(f"{location}: the project is coded blind and {what}; {HOW}")
        if not self.full:
            raise UserError(
                f"{location}: the project is coded blind and {what}, which {self.viewer} may "
                "not see; a lead or --unblind (recorded in the audit log) sees everyone's"
            )

    def require_someone(self, location: str, what: str) -> None:
        if self.nobody:
            raise UserError(f"{location}: the project is coded blind and {what}; {HOW}")

    def coders(self, location: str, asked: list[str] | None) -> list[str] | None:
        """The coders a command may show: ``asked`` (None: all) checked against the view."""
        if self.full:
            return asked
        self.require_someone(location, "this shows coding")
        assert self.viewer is not None
        others = [name for name in (asked or []) if name != self.viewer]
        if others:
            raise UserError(
                f"{location}: the project is coded blind: {others[0]}'s coding is not shown to "
                f"{self.viewer}; a lead or --unblind (recorded in the audit log) sees everyone's"
            )
        return [self.viewer]


def resolve_view(
    project: Project, state: BlindState, as_name: str | None, unblind: bool, command: str
) -> BlindView:
    """Decide what ``command`` may show; an unblinded read is audited before anything is shown."""
    if not state.on:
        return BlindView(blind=False, viewer=as_name)
    as_name = as_name.strip() if as_name and as_name.strip() else None
    if project.is_sqlite:
        viewer = as_name or state.coder
        lead = viewer is not None and viewer in file_leads(project)
    else:
        rights = project_rights(project, as_name)
        role = rights.coder
        if as_name and as_name != role and not rights.lead:
            raise UserError(
                f"{project.location}: you are connected as '{role}', so --as names someone "
                "else; only a lead may read as another coder"
            )
        viewer = as_name or role
        lead = rights.lead
    if not (lead or unblind):
        return BlindView(blind=True, viewer=viewer, full=False)
    why = "lead" if lead else "--unblind"
    _record_unblinded(project, command, viewer, why)
    return BlindView(blind=True, viewer=viewer, full=True, unblinded_by=why)


def _record_unblinded(project: Project, command: str, viewer: str | None, why: str) -> None:
    detail = f"{command}: every coder's work shown ({why})"
    if not project.readonly or project.path is None:  # a server connection can write
        record(project, VIEW_ACTION, detail, viewer or "")
        return
    try:  # the file was opened read-only: write the entry through a writable handle
        with open_project(project.path) as writable:
            record(writable, VIEW_ACTION, detail, viewer or "")
    except ProjectError as exc:
        raise UserError(
            f"{project.location}: the project is coded blind and showing everyone's coding "
            "must be recorded in its audit log, which cannot be written here "
            f"({_reason(exc)}); nothing was shown"
        ) from None


def _reason(exc: ProjectError) -> str:
    text = str(exc)
    return "read-only" if "read-only" in text else "the project cannot be opened for writing"
