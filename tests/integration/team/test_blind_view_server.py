"""Blind coding on a team server through the real CLI (issue #11): the login role is the coder,
the server says who is a lead, and ``--as`` cannot borrow someone else's eyes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.core.audit import read_audit
from app.core.blind import start_blind
from tests.conftest import run_cli
from tests.integration.team.test_team_rights import _segment, team

__all__ = ["team"]  # the fixture, used below
pytestmark = pytest.mark.postgres


def test_a_server_coder_sees_their_own_coding_and_a_lead_everyones(team: dict[str, Any]) -> None:
    names, urls = team["names"], team["urls"]
    for key in ("ana", "ben"):
        team[key].actor = names[key]
        _segment(team[key], names[key])
    start_blind(team["lea"], names["lea"])
    ana = json.loads(run_cli("info", urls["ana"], "--json").stdout)
    assert ana["coders"] == [{"name": names["ana"], "segments": 1}] and ana["segments"] == 1
    assert ana["blind_view"] == {"view": "own", "viewer": names["ana"], "unblinded_by": None}
    r = run_cli("info", urls["ana"], "--json", "--as", names["ben"])
    assert r.returncode == 1 and "only a lead may read as another coder" in r.stderr
    r = run_cli("agreement", urls["ana"], "--coders", f"{names['ana']},{names['ben']}")
    assert r.returncode == 1 and "coded blind" in r.stderr and names["ben"] not in r.stdout
    lead = json.loads(run_cli("info", urls["lea"], "--json").stdout)
    assert lead["segments"] == 2 and lead["blind_view"]["unblinded_by"] == "lead"
    ben = json.loads(run_cli("info", urls["ben"], "--json", "--unblind").stdout)
    assert ben["segments"] == 2 and ben["blind_view"]["unblinded_by"] == "--unblind"
    views = [(e.db_role, e.detail) for e in read_audit(team["owner"]) if e.action == "blind view"]
    assert views == [
        (names["lea"], "info: every coder's work shown (lead)"),
        (names["ben"], "info: every coder's work shown (--unblind)"),
    ]
