"""Import a REFI-QDA project (``.qdpx`` zip or bare ``.qde``) into an open project.

What becomes what:
- ``User`` -> coder (same name = same coder, so colleagues' files merge). ATLAS.ti writes a
  pseudo-user "ATLAS.ti" into every export; it is not a person, so it does not become a coder and
  anything it "created" (and any unsigned coding) goes to the ``coder`` argument when given, else
  to the project's creating user (``creatingUserGUID``) when that is a real user, else to the
  project's default user; that fallback coder is only created when some coding needs it.
- ``Code`` tree -> codebook (merged by path; a category that the file nevertheless codes with is
  made codable and reported).
- ``TextSource`` -> a session (named after the source) holding one transcript with the text
  verbatim; ``VideoSource``/``AudioSource`` -> a session with that media; a media ``Transcript``
  that shares its text file with a ``TextSource`` (ATLAS.ti does this) ties the two together and
  its ``SyncPoint``\\s time the utterances.
- ``PlainTextSelection`` codings -> text segments, positions converted to our code points (NVivo's
  UTF-16 units are detected from ``origin`` and checked against selection names); a coding's
  coder is its ``creatingUser``, except when every Coding carries one user and one instant (NVivo
  stamps them with the exporting user): then the selection's ``creatingUser`` is the coder.
  ``VideoSelection``/``AudioSelection`` codings -> time segments on the session clock.
- ``Case`` -> the case id of the sessions its ``SourceRef``\\s point to.
Everything is written in one transaction; what cannot be imported is reported, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from app.core.codebook import add_codes_in, list_codes_in
from app.core.coding import TextAnchor, TimeAnchor
from app.core.dto import RatingScale
from app.core.errors import UserError
from app.core.importing import (
    CancelFn,
    ImportCancelled,
    ProgressFn,
    bulk_insert,
    db_timestamp,
    default_user,
)
from app.core.models import PERSPECTIVES, Code, Segment, Transcript, new_guid
from app.core.project import Project
from app.core.sessions import ensure_coder_in
from app.io.refi.archive import QdpxArchive, open_project_file
from app.io.refi.detect_units import detect_units
from app.io.refi.import_helpers import (
    apply_code_extras,
    codings_are_synthetic,
    drop_taken_guids,
    parse_stamp,
    walk_paths,
)
from app.io.refi.import_sources import SourcePlan, plan_sources, write_source
from app.io.refi.positions import units_for_origin
from app.io.refi.qdc import specs_from_refi
from app.io.refi.qde import RefiCoding, RefiProject, RefiSelection, parse_project
from app.io.refi.sidecar import SIDECAR_NAME, Sidecar, parse_sidecar

ATLAS_PSEUDO_USER = "atlas.ti"
_SEGMENT_COLUMNS = (
    "guid", "code_id", "coder_id", "session_id", "transcript_id", "start_char", "end_char",
    "start_ms", "end_ms", "memo", "rating", "perspective", "origin", "created_at", "updated_at",
)  # fmt: skip


@dataclass
class RefiImportReport:
    """What an import did, for the CLI (``--json``) and the import dialog."""

    file: str
    origin: str
    position_units: str
    sessions: list[str] = field(default_factory=list)
    transcripts: int = 0
    utterances: int = 0
    codes_created: int = 0
    codes_kept: int = 0
    coders: list[str] = field(default_factory=list)
    text_segments: int = 0
    time_segments: int = 0
    duplicates_skipped: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def segments(self) -> int:
        return self.text_segments + self.time_segments

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": "qdpx",
            "origin": self.origin,
            "position_units": self.position_units,
            "sessions": self.sessions,
            "transcripts": self.transcripts,
            "utterances": self.utterances,
            "codes_created": self.codes_created,
            "codes_kept": self.codes_kept,
            "coders": self.coders,
            "segments": self.segments,
            "text_segments": self.text_segments,
            "time_segments": self.time_segments,
            "duplicates_skipped": self.duplicates_skipped,
            "problems": self.problems,
        }


def import_qdpx(
    project: Project,
    path: Path | str,
    coder: str | None = None,
    session: str | None = None,
    kind: str = "session",
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> RefiImportReport:
    """Import ``path`` into ``project`` in one transaction and say what happened.

    ``coder`` receives codings whose creator is unknown (or ATLAS.ti's pseudo-user); ``session``
    puts every text source into that one session; ``kind`` is the transcript kind for sources
    whose kind the file does not record (only our own exports record it). ``progress(done,
    total)`` is called per source written; ``cancel()`` returning True rolls everything back and
    raises ``ImportCancelled``.
    """
    if kind not in ("session", "recall"):
        raise UserError(f"transcript kind '{kind}': expected session or recall")
    path = Path(path)
    with open_project_file(path) as archive:
        where = path.name if archive.qde_name == path.name else f"{path.name}:{archive.qde_name}"
        refi = parse_project(archive.qde_bytes, where)
        sidecar = parse_sidecar(archive.read_root_file(SIDECAR_NAME))
        units, why = detect_units(refi, archive, units_for_origin(refi.origin))
        report = RefiImportReport(str(path), refi.origin, units.value)
        if why:
            report.problems.append(why)
        plan = plan_sources(project, refi, archive, units, sidecar, session, kind, report.problems)
        missing = sum("is not in the archive" in p for p in report.problems)
        if missing and "atlas" in refi.origin.lower():
            report.problems.append(
                f"ATLAS.ti left {missing} source file(s) out of this export (it often does): "
                f"export again with the documents included, or import the transcripts separately"
            )
        _report_not_imported(refi, report)
        with project.transaction() as s:
            importer = _Importer(s, refi, sidecar, report, path, archive)
            importer.progress, importer.cancel = progress, cancel
            importer.run(plan, coder, default_user(project))
    return report


def _report_not_imported(refi: RefiProject, report: RefiImportReport) -> None:
    if not refi.has_codebook:
        report.problems.append("the file has no CodeBook (an empty project export); no codes")
    for tag, n in sorted(refi.not_imported.items()):
        report.problems.append(f"{n} {tag} element(s) not imported (not part of IPR Workbench)")


class _Importer:
    """One import's state inside its transaction."""

    def __init__(
        self,
        s: DbSession,
        refi: RefiProject,
        sidecar: Sidecar | None,
        report: RefiImportReport,
        path: Path,
        archive: QdpxArchive,
    ) -> None:
        self.s = s
        self.refi = refi
        self.sidecar = sidecar
        self.report = report
        self.path = path
        self.archive = archive
        self.coder_ids: dict[str, int] = {}
        self.fallback_coder_id = 0
        self.code_ids: dict[str, int] = {}
        self.used_segment_guids: set[str] = set(s.scalars(select(Segment.guid)))
        self.seen: set[tuple[Any, ...]] = set()
        self.text_length: dict[int, int] = {}
        self.scales: dict[int, RatingScale | None] = {}
        self.segment_rows: list[tuple[object, ...]] = []
        self.progress: ProgressFn | None = None
        self.cancel: CancelFn | None = None
        self.trust_selections = codings_are_synthetic(refi)
        if self.trust_selections:
            report.problems.append(
                "every coding carries the same user and time (written by the exporting program, "
                "as NVivo does); segments are attributed to the user who made each selection"
            )

    def run(self, plan: list[SourcePlan], coder: str | None, default_coder: str) -> None:
        self._coders(coder, default_coder)
        self._codes()
        self.scales = {
            cid: RatingScale.from_json(rating)
            for cid, rating in self.s.execute(select(Code.id, Code.rating))
        }
        for done, item in enumerate(plan, start=1):
            self._check_cancel()
            self._source(item)
            if self.progress is not None:
                self.progress(done, len(plan))
        self._check_cancel()
        self.flush_segments()
        self.report.coders = sorted(
            {name for name, cid in self._coder_names.items() if cid in self._used_coders}
            | set(self._named_users)
        )

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ImportCancelled(f"{self.path.name}: import cancelled; nothing was written")

    # --- coders -------------------------------------------------------------------------------

    def _coders(self, coder: str | None, default_coder: str) -> None:
        self._coder_names: dict[str, int] = {}
        self._used_coders: set[int] = set()
        self._named_users: list[str] = []
        atlas = "atlas" in self.refi.origin.lower()
        for user in self.refi.users:
            is_pseudo = user.name.strip().casefold() == ATLAS_PSEUDO_USER
            if is_pseudo and (atlas or len(self.refi.users) > 1):
                continue  # not a person: its codings fall back (see _fallback)
            name = user.name.strip() or f"user {user.guid[:8]}"
            row = ensure_coder_in(self.s, name)
            self.coder_ids[user.guid] = row.id
            self._coder_names[name] = row.id
            self._named_users.append(name)
        creator = self.refi.creator_guid or ""
        # who gets codings nobody (or ATLAS.ti's pseudo-user) signed; created only when needed,
        # so a file whose codings are all signed adds no stray coder
        if coder:
            self._fallback_name: str | None = coder
        elif creator in self.coder_ids:
            self.fallback_coder_id = self.coder_ids[creator]
            self._fallback_name = None
        else:
            self._fallback_name = default_coder

    def _fallback(self) -> int:
        if not self.fallback_coder_id and self._fallback_name:
            row = ensure_coder_in(self.s, self._fallback_name)
            self.fallback_coder_id = row.id
            self._coder_names[row.name] = row.id
        return self.fallback_coder_id

    def coder_for(self, coding: RefiCoding, selection: RefiSelection | None) -> int:
        guid = coding.user_guid or (selection.user_guid if selection else None)
        if self.trust_selections and selection is not None and selection.user_guid:
            guid = selection.user_guid
        cid = self.coder_ids.get(guid or "") or self._fallback()
        self._used_coders.add(cid)
        return cid

    # --- codes --------------------------------------------------------------------------------

    def _codes(self) -> None:
        used = {c.code_guid for src in self.refi.text_sources for sel in src.selections
                for c in sel.codings}
        used |= {c.code_guid for src in self.refi.text_sources for c in src.whole_codings}
        used |= {c.code_guid for m in self.refi.media_sources for sel in m.selections
                 for c in sel.codings}
        used |= {c.code_guid for m in self.refi.media_sources for t in m.transcripts
                 for sel, _, _ in t.selections for c in sel.codings}
        for code in self.refi.iter_codes():
            if not code.codable and code.guid in used:
                code.codable = True
                self.report.problems.append(
                    f"code '{code.name}' is marked not codable but the file codes with it; "
                    f"imported as codable"
                )
        taken = set(self.s.scalars(select(Code.guid)))
        specs = [apply_code_extras(c, self.sidecar) for c in specs_from_refi(self.refi.codes)]
        specs = [drop_taken_guids(spec, taken) for spec in specs]
        _, created, kept = add_codes_in(self.s, specs)
        self.report.codes_created, self.report.codes_kept = created, kept
        by_path = {c.path.casefold(): c for c in list_codes_in(self.s)}
        spec_paths: dict[str, str] = {}
        walk_paths(self.refi.codes, specs, "", spec_paths)
        codable = dict(self.s.execute(select(Code.id, Code.codable)).all())
        for guid, code_path in spec_paths.items():
            info = by_path.get(code_path.casefold())
            if info is None:
                continue
            if guid in used and not codable.get(info.id, True):
                self.report.problems.append(
                    f"code '{info.path}' is a category in this project; codings with it skipped"
                )
                continue
            self.code_ids[guid] = info.id

    # --- sources ------------------------------------------------------------------------------

    def _source(self, item: SourcePlan) -> None:
        write_source(self, item)

    def add_segment(
        self, coding: RefiCoding, selection: RefiSelection | None, anchor: TextAnchor | TimeAnchor,
        memo: str, where: str, session_id: int,
    ) -> None:
        """Validate one coding and queue its row; rows go in with one executemany (``flush``).

        The checks are those of ``coding.new_segment_row`` (code codable, span inside the text,
        time range non-empty, rating on the code's scale, known perspective) done from state we
        already hold, because one query per segment makes a 10^4-segment import crawl.
        """
        code_id = self.code_ids.get(coding.code_guid)
        if code_id is None:
            self.report.problems.append(
                f"{where}: coding {coding.guid} refers to code {coding.code_guid}, which is not "
                f"in the codebook; skipped"
            )
            return
        coder_id = self.coder_for(coding, selection)
        if isinstance(anchor, TextAnchor):
            key: tuple[Any, ...] = ("t", anchor.transcript_id, anchor.start_char, anchor.end_char)
            length = self.text_length.get(anchor.transcript_id, 0)
            if not 0 <= anchor.start_char < anchor.end_char <= length:
                self.report.problems.append(
                    f"{where}: coding {coding.guid} not imported: text span {anchor.start_char}-"
                    f"{anchor.end_char} is empty or outside the text (0-{length})"
                )
                return
        else:
            key = ("m", anchor.session_id, anchor.start_ms, anchor.end_ms)
            if not 0 <= anchor.start_ms < anchor.end_ms:
                self.report.problems.append(
                    f"{where}: coding {coding.guid} not imported: time range "
                    f"{anchor.start_ms}-{anchor.end_ms} ms is empty or negative"
                )
                return
        key = (*key, code_id, coder_id)
        if key in self.seen:
            self.report.duplicates_skipped += 1
            return
        self.seen.add(key)
        extras = self.sidecar.segments.get(coding.guid, {}) if self.sidecar else {}
        rating = extras.get("rating")
        scale = self.scales.get(code_id)
        if rating is not None and (
            not isinstance(rating, int) or scale is None or not scale.min <= rating <= scale.max
        ):
            self.report.problems.append(f"{where}: rating {rating!r} dropped (not on the scale)")
            rating = None
        perspective = extras.get("perspective")
        if perspective is not None and perspective not in PERSPECTIVES:
            perspective = None
        guid = coding.guid if coding.guid not in self.used_segment_guids else new_guid()
        self.used_segment_guids.add(guid)
        stamp = coding.created or (selection.created if selection is not None else None)
        if self.trust_selections and selection is not None and selection.created:
            stamp = selection.created
        created = db_timestamp(self.s, parse_stamp(stamp))
        if isinstance(anchor, TextAnchor):
            where_cols: tuple[int | None, ...] = (
                anchor.transcript_id, anchor.start_char, anchor.end_char, None, None
            )
            self.report.text_segments += 1
        else:
            where_cols = (None, None, None, anchor.start_ms, anchor.end_ms)
            self.report.time_segments += 1
        self.segment_rows.append((
            guid, code_id, coder_id, session_id, *where_cols,
            memo, rating, perspective, "import", created, created,
        ))  # fmt: skip

    def flush_segments(self) -> None:
        bulk_insert(self.s, "segment", _SEGMENT_COLUMNS, self.segment_rows)
        self.segment_rows = []

    def existing_segment_keys(self, transcript_id: int) -> None:
        """Remember segments already in a reused transcript so a re-import adds no duplicates."""
        rows = self.s.execute(
            select(Segment.start_char, Segment.end_char, Segment.code_id, Segment.coder_id).where(
                Segment.transcript_id == transcript_id
            )
        ).all()
        for a, b, code_id, coder_id in rows:
            self.seen.add(("t", transcript_id, a, b, code_id, coder_id))

    def existing_time_keys(self, session_id: int) -> None:
        """Same as ``existing_segment_keys`` for the time segments of a reused session."""
        rows = self.s.execute(
            select(Segment.start_ms, Segment.end_ms, Segment.code_id, Segment.coder_id).where(
                Segment.session_id == session_id, Segment.transcript_id.is_(None)
            )
        ).all()
        for a, b, code_id, coder_id in rows:
            self.seen.add(("m", session_id, a, b, code_id, coder_id))

    def transcript_by_name(self, session_id: int, name: str) -> Transcript | None:
        return self.s.scalar(
            select(Transcript).where(Transcript.session_id == session_id, Transcript.name == name)
        )
