"""Project health: what ``ipr-workbench check`` and ``info`` report."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from app.core.models import Code, Segment, Utterance
from app.core.project import Project
from app.core.project_counts import collect_info
from app.core.text_length import transcript_lengths


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)
    #: What the problems mean for the researcher, in words (empty when healthy).
    explanation: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "checks": self.checks,
            "explanation": self.explanation,
        }


def project_info(project: Project) -> dict[str, object]:
    """The counts of ``info --json`` (spec §4), keys exactly as the contract names them.

    The statements live in ``project_counts`` so the CLI's SQLite fast path runs the same ones.
    """
    version = project.schema_version()
    with project.engine.connect() as conn:
        return collect_info(lambda sql: conn.exec_driver_sql(sql).all(), version)


DAMAGED_WORDS = (
    "The project file is damaged: parts of its database cannot be read consistently, so some "
    "sessions, codes or segments may be missing or wrong. Do not keep working in it; restore "
    "the newest sound backup (its coding since then must be redone or merged from a copy)."
)


def check_damaged_file(target: str, reason: str) -> CheckReport | None:
    """A report for a file that cannot be opened (None when it is not a damaged SQLite file)."""
    import sqlite3
    from pathlib import Path

    from app.core.project import SQLITE_MAGIC
    from app.core.safe_open import readonly_uri

    path = Path(target).expanduser()
    try:
        with path.open("rb") as fh:
            if fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                return None
    except OSError:
        return None
    if "journal" in reason or "not an IPR Workbench project" in reason or "empty" in reason:
        return None
    report = CheckReport(explanation=DAMAGED_WORDS)
    try:
        con = sqlite3.connect(readonly_uri(path.resolve()), uri=True, timeout=1)
        try:
            found = [r[0] for r in con.execute("PRAGMA integrity_check(20)")]
        finally:
            con.close()
        detail = f"{len(found)} structural problem(s) found by SQLite's integrity check"
    except sqlite3.Error:
        detail = "SQLite cannot read its structure at all"
    report.checks["database"] = "damaged"
    report.problems.append(f"the database is damaged ({detail})")
    return report


def check_project(project: Project) -> CheckReport:
    """Database integrity, foreign keys, spans inside their text, a tree without cycles.

    A damaged file is reported in words, never as a crash: reading stops at the first
    unreadable part and the report says what that means.
    """
    from sqlalchemy.exc import DBAPIError

    try:
        report = _check_project(project)
    except DBAPIError:
        report = CheckReport(explanation=DAMAGED_WORDS)
        report.checks["database"] = "damaged"
        report.problems.append("the database is damaged (reading it failed part-way)")
        return report
    if report.checks.get("database") not in (None, "ok", "ok (server-managed)"):
        report.explanation = DAMAGED_WORDS
    return report


def _check_project(project: Project) -> CheckReport:
    report = CheckReport()
    with project.engine.connect() as conn:
        if project.is_sqlite:
            result = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
            report.checks["database"] = "ok" if result == ["ok"] else "damaged"
            if result != ["ok"]:
                report.problems.append(
                    f"the database is damaged ({len(result)} structural problem(s) found by "
                    f"SQLite's integrity check, first: {result[0][:120]})"
                )
            fk = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
            report.checks["foreign_keys"] = "ok" if not fk else f"{len(fk)} broken references"
            for row in fk[:20]:
                report.problems.append(
                    f"broken reference in table {row[0]} row {row[1]} to {row[2]}"
                )
        else:
            report.checks["database"] = "ok (server-managed)"
            report.checks["foreign_keys"] = "ok (enforced by the server)"
    with project.reading() as s:
        lengths = transcript_lengths(s)  # code points, past a NUL too (not SQLite's length())
        bad_utt = s.execute(select(Utterance.transcript_id, Utterance.ordinal, Utterance.end_char))
        n_bad = 0
        for tid, ordinal, end in bad_utt:
            if end > lengths.get(tid, -1):
                n_bad += 1
                if n_bad <= 20:
                    report.problems.append(
                        f"utterance {ordinal} of transcript #{tid} ends at {end}, past the text"
                    )
        segs = s.execute(
            select(Segment.id, Segment.transcript_id, Segment.end_char).where(
                Segment.transcript_id.is_not(None)
            )
        )
        n_bad_seg = 0
        for sid, seg_tid, seg_end in segs:
            if seg_end is None or seg_tid is None or seg_end > lengths.get(seg_tid, -1):
                n_bad_seg += 1
                if n_bad_seg <= 20:
                    report.problems.append(f"segment #{sid} ends at {seg_end}, past its transcript")
        report.checks["spans"] = (
            "ok"
            if not (n_bad or n_bad_seg)
            else (f"{n_bad} utterances and {n_bad_seg} segments out of range")
        )
        parents = dict(s.execute(select(Code.id, Code.parent_id)).all())
        cyclic = []
        for start in parents:
            seen = {start}
            node = parents.get(start)
            while node is not None:
                if node in seen:
                    cyclic.append(start)
                    break
                seen.add(node)
                node = parents.get(node)
        report.checks["codebook"] = "ok" if not cyclic else f"{len(cyclic)} codes in a cycle"
        for code_id in cyclic[:20]:
            report.problems.append(f"code #{code_id} is its own ancestor")
        on_category = s.scalar(
            select(func.count()).select_from(Segment).join(Code).where(Code.codable.is_(False))
        )
        if on_category:
            report.checks["codebook"] += f"; {on_category} segments on category codes"
    return report
