"""A small project that trips REFI-QDA implementations up (issue 14).

Emoji and other non-BMP characters before coded spans, CRLF line ends in the imported file,
accents, three coders coding the same spans, memos, ratings, time segments on the session clock,
a recall transcript with session-clock references, a session video, and two codes with the same
name under different parents (valid here, a lost coding in QualCoder). Built through the same
importers and commands a user runs.
"""

from __future__ import annotations

from pathlib import Path

from app.core.codebook import add_scheme, find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, TimeAnchor
from app.core.dto import CodeSpec, RatingScale, SchemeSpec
from app.core.importing import ImportOptions, import_parsed
from app.core.models import Session as SessionRow
from app.core.project import Project, create_project
from app.core.sessions import ensure_coder, list_transcripts, transcript_text
from app.io.transcript_reader import ReadOptions, read_transcript_file

SESSION_TXT = (
    "[00:00:02] T: Hello 👋🏽, how was the week? 𝒲𝑒𝓁𝓁?\r\n"
    "[00:00:09] C: Fine. Café au lait 😔 nothing special.\r\n"
    "[00:00:15] T: You said «fine» quickly — 🙂 I noticed.\r\n"
    "[00:00:21] C: I guess. 𝄞 I don't know why I'm even here.\r\n"
    "[00:00:30] T: That sounds hard to say. 家族 matters here.\r\n"
)
RECALL_TXT = (
    "[00:00:01] I: Let's watch. Stop it whenever you like.\r\n"
    "[VIDEO 00:00:09]\r\n"
    "[00:00:05] C: There 😶 I just agreed to get it over with.\r\n"
    "[00:00:12] I: What did you want to say?\r\n"
    "[SESSION 00:00:21-00:00:30]\r\n"
    "[00:00:16] C: That I felt like a project 🧩, honestly.\r\n"
)
SESSION = "Dyad 7 session 2"
SCHEME = SchemeSpec(
    name="tricky",
    codes=(
        CodeSpec("Rupture", codable=False, children=(
            CodeSpec("Withdrawal", codable=False, children=(
                CodeSpec("Denial", definition="Denies a feeling 😶."),
                CodeSpec("Minimal response"),
            )),
            CodeSpec("Confrontation", codable=False, children=(
                CodeSpec("Complaint", rating=RatingScale("significance", 1, 5)),
            )),
        )),
        CodeSpec("Repair", codable=False, children=(
            CodeSpec("Denial", definition="The therapist names a denial."),
            CodeSpec("Validation"),
        )),
    ),
)
CODERS = ("ana", "ben", "chloé")


def build_tricky(folder: Path) -> Project:
    """Create ``folder/tricky.iprw`` (and its files) and return it open."""
    folder.mkdir(parents=True, exist_ok=True)
    project = create_project(folder / "tricky.iprw")
    add_scheme(project, SCHEME)
    speakers = {"t": "therapist", "c": "client", "i": "interviewer"}
    for text, kind, name in ((SESSION_TXT, "session", SESSION),
                             (RECALL_TXT, "recall", f"{SESSION} client recall")):
        path = folder / f"{name}.txt"
        path.write_bytes(text.encode("utf-8"))
        parsed = read_transcript_file(path, ReadOptions(speaker_map=speakers))
        import_parsed(project, parsed, path, ImportOptions(session=SESSION, kind=kind,
                                                           speaker_map=speakers,
                                                           transcript_name=name))
    video = folder / "clips" / "dyad7 s2.mov"
    video.parent.mkdir(exist_ok=True)
    video.write_bytes(b"\x00\x00\x00\x18ftypqt  ")
    coders = {name: ensure_coder(project, name).id for name in CODERS}
    code = {path: find_code_by_path(project, path).id for path in (
        "Rupture/Withdrawal/Denial", "Rupture/Withdrawal/Minimal response",
        "Rupture/Confrontation/Complaint", "Repair/Denial", "Repair/Validation")}
    trs = {t.kind: t for t in list_transcripts(project)}
    s_text = transcript_text(project, trs["session"].id)
    r_text = transcript_text(project, trs["recall"].id)

    def span(text: str, words: str) -> tuple[int, int]:
        start = text.index(words)
        return start, start + len(words)

    s_id, r_id = trs["session"].id, trs["recall"].id
    for coder in CODERS:  # three coders, same span, same code
        ApplyCode(coders[coder], code["Rupture/Withdrawal/Minimal response"],
                  TextAnchor(s_id, *span(s_text, "Fine."))).do(project)
    ApplyCode(coders["ana"], code["Rupture/Withdrawal/Denial"],
              TextAnchor(s_id, *span(s_text, "nothing special")), memo="flat 😐 tone\nline 2").do(
        project)
    ApplyCode(coders["ben"], code["Repair/Denial"],
              TextAnchor(s_id, *span(s_text, "You said «fine» quickly — 🙂 I noticed."))).do(
        project)
    ApplyCode(coders["chloé"], code["Rupture/Withdrawal/Denial"],
              TextAnchor(s_id, *span(s_text, "𝄞 I don't know why I'm even here.\n"))).do(project)
    ApplyCode(coders["ana"], code["Repair/Validation"],
              TextAnchor(s_id, *span(s_text, "家族 matters"))).do(project)
    ApplyCode(coders["ben"], code["Rupture/Withdrawal/Denial"],
              TextAnchor(r_id, *span(r_text, "I just agreed to get it over with.")),
              memo="covert", perspective="client recall").do(project)
    session_id = trs["session"].session_id
    ApplyCode(coders["ana"], code["Rupture/Confrontation/Complaint"],
              TimeAnchor(session_id, 0, 300_000), rating=3, memo="window 1").do(project)
    ApplyCode(coders["chloé"], code["Rupture/Confrontation/Complaint"],
              TimeAnchor(session_id, 1_500, 30_250), rating=4).do(project)
    with project.transaction() as s:
        row = s.get(SessionRow, session_id)
        assert row is not None
        row.video_path = "clips/dyad7 s2.mov"
        row.case_id, row.date = "Dyad 7", "2025-01-14"
    return project
