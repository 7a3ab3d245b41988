"""Coder rights on a PostgreSQL project, enforced by the server (row-level security).

A coder role cannot change another coder's segment even with raw SQL; only leads edit the
codebook, the consensus coder's segments and the team's settings; the audit log names the role.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.core.audit import read_audit
from app.core.blind import end_blind, start_blind
from app.core.codebook import add_scheme, find_code_by_path
from app.core.coding import ApplyCode, EditSegment, RemoveSegment, TextAnchor
from app.core.commands import UndoStack
from app.core.errors import RightsError, UserError
from app.core.models import Session as SessionRow
from app.core.models import Transcript
from app.core.project import Project, create_project, open_project
from app.core.sessions import get_coder
from app.core.suggestions import (
    AcceptSuggestion,
    NewSuggestion,
    RejectSuggestion,
    list_suggestions,
    replace_pending,
)
from app.core.team import add_coder, group_roles
from app.io.codebook_yaml import load_scheme

pytestmark = pytest.mark.postgres
CODE = "Rupture/Withdrawal/Minimal response"


def _drop_roles(url: str, roles: list[str]) -> None:
    """Empty the database (its grants go with the schema), then drop the test's roles."""
    db = make_url(url).database
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        for role in roles:
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                conn.execute(text(f'REVOKE ALL ON DATABASE "{db}" FROM "{role}"'))
                conn.execute(text(f'DROP ROLE "{role}"'))
    engine.dispose()


@pytest.fixture
def team(pg_url: str, mini_scheme_path: Path) -> Iterator[dict[str, Any]]:
    """A server project with coders Ana and Ben and a lead Lea (role names unique per database)."""
    db = make_url(pg_url).database or "x"
    names = {"ana": f"Ana {db}", "ben": f"Ben {db}", "lea": f"Lea {db}"}
    groups = [f"iprw_{db}_coder", f"iprw_{db}_lead"]
    _drop_roles(pg_url, [*names.values(), *reversed(groups)])  # leftovers of a killed run
    owner = create_project(pg_url)
    assert list(group_roles(owner)) == groups
    add_scheme(owner, load_scheme(mini_scheme_path))
    with owner.transaction() as s:
        session = SessionRow(name="S1")
        s.add(session)
        s.flush()
        s.add(Transcript(session_id=session.id, name="S1", text="T: Hello there.\nC: Fine, fine."))
    for key, name in names.items():
        add_coder(owner, name, lead=key == "lea", password=f"pw-{key}")
    urls = {
        key: make_url(pg_url).set(username=name, password=f"pw-{key}").render_as_string(False)
        for key, name in names.items()
    }
    projects = {key: open_project(url) for key, url in urls.items()}
    yield {"owner": owner, "names": names, "urls": urls, **projects}
    for p in (*projects.values(), owner):
        p.close()
    _drop_roles(pg_url, [*names.values(), *reversed(groups)])


def _segment(project: Project, coder: str) -> int:
    code = find_code_by_path(project, CODE).id
    cmd = UndoStack(project).push(
        ApplyCode(get_coder(project, coder).id, code, TextAnchor(1, 0, 5))
    )
    assert cmd.segment_id is not None
    return cmd.segment_id


def test_a_coder_cannot_touch_another_coders_segment_even_with_raw_sql(
    team: dict[str, Any],
) -> None:
    names = team["names"]
    bens = _segment(team["ben"], names["ben"])
    anas = _segment(team["ana"], names["ana"])
    engine = create_engine(team["urls"]["ana"])
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM segment")).scalar() == 2  # reads all
            assert conn.execute(text("UPDATE segment SET memo = 'x' WHERE id = :i"),
                                {"i": bens}).rowcount == 0  # fmt: skip
            assert (
                conn.execute(text("DELETE FROM segment WHERE id = :i"), {"i": bens}).rowcount == 0
            )
            assert conn.execute(text("UPDATE segment SET memo = 'mine' WHERE id = :i"),
                                {"i": anas}).rowcount == 1  # fmt: skip
        ben_id = get_coder(team["owner"], names["ben"]).id
        with pytest.raises(DBAPIError, match="row-level security"), engine.begin() as conn:
            conn.execute(text("UPDATE segment SET coder_id = :b WHERE id = :i"),
                         {"b": ben_id, "i": anas})  # fmt: skip
        with pytest.raises(DBAPIError, match="row-level security"), engine.begin() as conn:
            conn.execute(
                text("INSERT INTO segment (guid, code_id, coder_id, session_id, transcript_id, "
                     "start_char, end_char, memo, origin, created_at, updated_at, version) "
                     "VALUES ('g', 3, :b, 1, 1, 0, 2, '', 'manual', now(), now(), 1)"),
                {"b": ben_id},
            )  # fmt: skip
        with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
            conn.execute(text("UPDATE code SET name = 'Renamed'"))
    finally:
        engine.dispose()
    # Through the app: one clear line, and Ben's segment is as he left it.
    for command in (EditSegment(bens, memo="hijack"), RemoveSegment(bens)):
        with pytest.raises(RightsError, match="another coder's"):
            UndoStack(team["ana"]).push(command)
    with team["owner"].reading() as s:
        assert s.execute(text("SELECT memo FROM segment WHERE id = :i"), {"i": bens}).scalar() == ""


def test_only_leads_edit_the_codebook_and_team_settings(team: dict[str, Any]) -> None:
    names = team["names"]
    with (
        pytest.raises(RightsError, match=r"may not make this change") as info,
        team["ana"].transaction() as s,
    ):
        s.execute(text("UPDATE code SET definition = 'changed'"))
    assert "UPDATE" not in str(info.value) and "pw-" not in str(info.value)
    start_blind(team["owner"], "the owner")
    with pytest.raises(RightsError):
        end_blind(team["ana"], names["ana"])  # the project's blind mode is the leads'
    with pytest.raises(RightsError):
        team["ana"].set_meta("team.leads", names["ana"])
    team["ana"].set_meta("last_opened_with", "test")  # an ordinary key: fine
    start_blind(team["lea"], names["lea"])
    assert end_blind(team["lea"], names["lea"]).ended_by == names["lea"]
    with team["lea"].transaction() as s:
        s.execute(text("UPDATE code SET definition = 'lead wrote this'"))
    bens = _segment(team["ben"], names["ben"])
    UndoStack(team["lea"]).push(EditSegment(bens, memo="lead note"))  # a lead may adjudicate
    with team["owner"].reading() as s:
        assert s.execute(text("SELECT memo FROM segment WHERE id = :i"), {"i": bens}).scalar() == (
            "lead note"
        )
    # A coder cannot write as the consensus coder either.
    with team["owner"].transaction() as s:
        s.execute(text("INSERT INTO coder (guid, name, kind, created_at) "
                       "VALUES ('c', 'Consensus', 'consensus', now())"))  # fmt: skip
    consensus = get_coder(team["ana"], "Consensus").id
    code = find_code_by_path(team["ana"], CODE).id
    with pytest.raises(UserError):
        UndoStack(team["ana"]).push(ApplyCode(consensus, code, TextAnchor(1, 0, 5)))
    UndoStack(team["lea"]).push(ApplyCode(consensus, code, TextAnchor(1, 0, 5)))


def test_the_audit_log_names_the_database_role(team: dict[str, Any]) -> None:
    names = team["names"]
    team["ana"].actor = names["ana"]
    _segment(team["ana"], names["ana"])
    entries = read_audit(team["owner"])
    assert entries and entries[-1].db_role == names["ana"]
    with team["ana"].transaction() as s:  # a forged role is replaced by the real one
        s.execute(text("INSERT INTO audit_log (at, os_user, action, detail, db_role) "
                       "VALUES (now(), 'x', 'forged', '', :r)"), {"r": names["lea"]})  # fmt: skip
    assert read_audit(team["owner"])[-1].db_role == names["ana"]
    with pytest.raises(RightsError), team["ana"].transaction() as s:
        s.execute(text("DELETE FROM audit_log"))


def test_suggestion_decisions_are_each_coders_own(team: dict[str, Any]) -> None:
    names, owner = team["names"], team["owner"]
    code = find_code_by_path(owner, CODE).id
    replace_pending(owner, [1], [code], [
        NewSuggestion(1, code, 0, 5, 0.9, "rule"), NewSuggestion(1, code, 6, 12, 0.8, "rule"),
    ])  # fmt: skip
    first, second = sorted(s.id for s in list_suggestions(owner))
    ana, ben = (get_coder(owner, names[k]).id for k in ("ana", "ben"))
    UndoStack(team["ben"]).push(RejectSuggestion(first, ben))
    UndoStack(team["ana"]).push(AcceptSuggestion(second, ana))  # a pending one: hers to decide
    with pytest.raises(UserError):  # deciding in someone else's name
        UndoStack(team["ana"]).push(RejectSuggestion(second, ben))
    engine = create_engine(team["urls"]["ana"])
    try:
        with engine.begin() as conn:
            changed = conn.execute(
                text(
                    "UPDATE suggestion SET status = 'pending', decided_by_id = NULL "
                    "WHERE id = :i"
                ),
                {"i": first},
            ).rowcount
            assert changed == 0  # Ben's decision stands
    finally:
        engine.dispose()
    status = {s.id: s.status for s in list_suggestions(owner)}
    assert status == {first: "rejected", second: "accepted"}


def _stored_password(url: str, role: str) -> str | None:
    """pg_authid's rolpassword of ``role``: as the test's role when it may read it (superuser),
    else as the cluster's ``postgres`` user (its local socket) when this is root beside it."""
    import os
    import shutil
    import subprocess

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": role}
            ).scalar()
    except DBAPIError:
        pass
    finally:
        engine.dispose()
    host = make_url(url).host or ""
    if os.geteuid() != 0 or host not in ("127.0.0.1", "localhost") or not shutil.which("runuser"):
        pytest.skip("pg_authid is readable only by a superuser (run as root beside the server)")
    port = str(make_url(url).port or 5432)
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-p", port, "-Atq", "-v", f"r={role}"],
        input="SELECT rolpassword FROM pg_authid WHERE rolname = :'r';\n",
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.skip("pg_authid could not be read as the postgres user on this machine")
    return result.stdout.strip() or None


def test_add_coder_never_sends_the_password_and_stores_a_scram_verifier(
    pg_url: str, mini_scheme_path: Path
) -> None:
    from sqlalchemy import event

    db = make_url(pg_url).database or "x"
    name, groups = f"Cleo {db}", [f"iprw_{db}_coder", f"iprw_{db}_lead"]
    _drop_roles(pg_url, [name, *reversed(groups)])
    password = "Never-In-A-Statement-7"
    sent: list[str] = []
    owner = create_project(pg_url)
    try:
        event.listen(owner.engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_a: sent.append(statement))  # fmt: skip
        add_coder(owner, name, password=password)
        add_coder(owner, name, lead=True, password=password + "-again")  # ALTER ROLE too
    finally:
        owner.close()
    try:
        role_statements = [s for s in sent if "ROLE" in s and "PASSWORD" in s]
        assert len(role_statements) == 2
        assert all("'SCRAM-SHA-256$4096:" in s for s in role_statements)
        assert not any(password in s for s in sent)
        stored = _stored_password(pg_url, name)
        assert stored is not None and stored.startswith("SCRAM-SHA-256$4096:")
        # The role logs in with the (second) password, and not with the first.
        login = make_url(pg_url).set(username=name, password=password + "-again")
        with open_project(login.render_as_string(hide_password=False)) as project:
            assert project.schema_version() >= 7
        with pytest.raises(UserError, match="refused the login"):
            open_project(make_url(pg_url).set(username=name, password=password)
                         .render_as_string(hide_password=False))  # fmt: skip
    finally:
        _drop_roles(pg_url, [name, *reversed(groups)])


def test_a_coder_gets_embeddings_kept_in_memory_when_the_cache_is_for_leads(
    team: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """On a team server only leads write the embeddings cache; a coder's run (``suggest
    evaluate``) still gets its vectors: kept in memory, with one clean log line, and the server
    is asked once instead of refusing a write on every run."""
    import logging

    from app.core import embedding_cache
    from app.core.importing import ImportOptions, import_parsed
    from app.core.parsed import ParsedFile, ParsedTranscript, ParsedUtterance
    from app.core.suggestions import load_units
    from app.nlp import embeddings
    from tests.fake_encoder import FakeEncoder

    turns = ["How are you?", "I want to cut down.", "You want to cut down.", "Maybe."]
    utts = [ParsedUtterance("TC"[i % 2], t, 1000 * i, 1000 * i + 900) for i, t in enumerate(turns)]
    import_parsed(
        team["owner"], ParsedFile("csv", [ParsedTranscript(utts, session="S2", name="S2")]),
        Path("mi.csv"), ImportOptions(),
    )  # fmt: skip
    ana, lea = team["ana"], team["lea"]
    caplog.set_level(logging.INFO, logger="app.core.embedding_cache")
    with embeddings.use_encoder(FakeEncoder()) as fake:
        assert embeddings.prepare(ana, load_units(ana)) == len(turns)
        assert embedding_cache.count(team["owner"]) == 0  # nothing written, nothing refused
        refusals = [r.getMessage() for r in caplog.records]
        assert len(refusals) == 1 and "only leads" in refusals[0]
        assert not any(w in refusals[0] for w in ("INSERT", "utterance_id", "cut down"))
        embeddings.prepare(ana, load_units(ana))  # again in this process: from memory
        assert sorted(fake.encoded) == sorted(turns) and len(caplog.records) == 1
        # the server refuses it: the rights are real
        with pytest.raises(DBAPIError), ana.engine.begin() as conn:
            conn.execute(text("DELETE FROM utterance_embedding"))
        assert embeddings.prepare(lea, load_units(lea)) == len(turns)  # a lead fills the cache
        assert embedding_cache.count(team["owner"], fake.model_id) == len(turns)
        assert embeddings.prepare(ana, load_units(ana)) == 0  # which coders then read
