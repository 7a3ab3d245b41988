"""Agreement per code group for the Word report: one nominal variable per ``--group`` parent.

A team reports reliability per variable ("therapist behaviour", "client talk type", "3RS
withdrawal markers"), not one figure over every code at once. ``code_groups`` finds the parents
whose codable children are leaves (the values of a variable), ``group_summaries`` runs the same
computation as ``ipr-workbench agreement --group PATH`` for each group that was used, with the
window ICC of the group's rated codes when ratings exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from app.agreement.rating_summary import window_icc_summary, window_seconds
from app.agreement.report import agreement_report
from app.core.errors import UserError
from app.core.project import Project


class _Code(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def codable(self) -> bool: ...


def code_groups(codes: Sequence[_Code], used: Iterable[str]) -> list[str]:
    """Parents with at least two codable leaf children, at least one of them in ``used``,
    in codebook order."""
    used_set = set(used)
    children: dict[str, list[_Code]] = {}
    parents = set()
    for code in codes:
        parent, _, _ = code.path.rpartition("/")
        if parent:
            children.setdefault(parent, []).append(code)
            parents.add(parent)
    out = []
    for code in codes:
        kids = children.get(code.path, [])
        leaves = [k for k in kids if k.codable and k.path not in parents]
        if len(leaves) >= 2 and len(leaves) == len(kids) and any(k.path in used_set
                                                                 for k in leaves):
            out.append(code.path)
    return out


def group_summaries(
    project: Project,
    coders: list[str] | None,
    groups: Sequence[str],
    sessions: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The agreement JSON (as ``agreement --json``) of each group, by utterance; a group coded
    only on the session clock (3RS windows) falls back to the project's windows. Groups with
    nothing to compare (fewer than two coders used them) are left out."""
    out = []
    for group in groups:
        report = None
        for unit in ("utterance", f"window:{window_seconds(project)}"):
            try:
                report = agreement_report(project, coders if coders else "all", unit,
                                          group=group, sessions=sessions)  # fmt: skip
                break
            except UserError:
                continue
        if report is None:
            continue
        item = report.to_json_dict()
        item["window_icc"] = window_icc_summary(project, report.coders, [group], sessions)
        out.append(item)
    return out
