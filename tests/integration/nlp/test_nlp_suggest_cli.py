"""``suggest train|run|evaluate`` end to end through the real CLI on a small generated study."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

QUESTIONS = ["What brings you here {}?", "How do you feel about {}?", "Can you tell me about {}?"]
REFLECTIONS = ["It sounds like {} matters to you.", "You feel {} is hard.", "So {} worries you."]
CHANGE = ["I want to stop {}.", "I could cut down on {}.", "I am ready to change {}."]
NEUTRAL = ["I went to {} yesterday.", "My sister lives near {}.", "We had {} for dinner."]
TOPICS = ["drinking", "smoking", "work", "the kids", "sleep", "money", "the gym", "coffee"]


def _write_study(path: Path, n_sessions: int = 6, turns: int = 12, uncoded: int = 1) -> None:
    """``n_sessions`` coded by gold, then ``uncoded`` sessions nobody has coded yet."""
    rnd = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["sid", "uid", "who", "time", "text", "behaviour", "talk"])
        for s in range(n_sessions + uncoded):
            for u in range(turns):
                topic = rnd.choice(TOPICS)
                stamp = f"00:{u // 6:02d}:{(u * 10) % 60:02d}"
                if u % 2 == 0:
                    kind = rnd.choice(["question", "reflection"])
                    pool = QUESTIONS if kind == "question" else REFLECTIONS
                    w.writerow(
                        [
                            f"S{s}",
                            u,
                            "therapist",
                            stamp,
                            rnd.choice(pool).format(topic),
                            kind if s < n_sessions else "n/a",
                            "n/a",
                        ]
                    )
                else:
                    kind = rnd.choice(["change", "neutral"])
                    pool = CHANGE if kind == "change" else NEUTRAL
                    talk = kind if s < n_sessions else "n/a"
                    w.writerow(
                        [f"S{s}", u, "client", stamp, rnd.choice(pool).format(topic), "n/a", talk]
                    )


@pytest.fixture
def study(tmp_path: Path, cli: Any) -> Path:
    data = tmp_path / "study.csv"
    _write_study(data)
    proj = tmp_path / "study.iprw"
    assert cli("init", str(proj)).returncode == 0
    r = cli(
        "import", str(proj), str(data),
        "--map", "session=sid,utterance=uid,speaker=who,start=time,text=text",
        "--code-columns", "behaviour,talk", "--coder", "gold",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return proj


@pytest.mark.slow
def test_train_run_evaluate(study: Path, cli: Any, tmp_path: Path) -> None:
    r = cli("suggest", "train", str(study), "--coder", "gold")
    assert r.returncode == 0, r.stderr
    assert "stored in the project" in r.stdout
    # The model travels with the file: run it from a copy in another folder.
    moved = tmp_path / "elsewhere" / "moved.iprw"
    moved.parent.mkdir()
    shutil.copy(study, moved)
    # Gold coded S0 and S1 already: nothing is suggested that repeats that coding.
    r = cli("suggest", "run", str(moved), "--sessions", "S0,S1", "--min-score", "0.3")
    assert r.returncode == 0, r.stderr
    assert json.loads(cli("info", str(moved), "--json").stdout)["suggestions"] == 0
    assert "0 pending suggestions stored" in r.stdout and "already applied" in r.stdout
    # S6 is uncoded: one suggestion per turn and group, and the summary adds up.
    r = cli("suggest", "run", str(moved), "--sessions", "S6", "--min-score", "0.3")
    assert r.returncode == 0, r.stderr
    info = json.loads(cli("info", str(moved), "--json").stdout)
    assert info["suggestions"] > 0
    assert f"{info['suggestions']} pending suggestions stored" in r.stdout
    assert "group behaviour:" in r.stdout and "turns it applies to" in r.stdout
    # Suggestions are not coding: no "suggester" coder, no segment more than before the run.
    assert "suggester" not in {c["name"] for c in info["coders"]}
    before = json.loads(cli("info", str(study), "--json").stdout)
    assert info["segments"] == before["segments"]
    r = cli("suggest", "evaluate", str(study), "--coder", "gold", "--folds", "3", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["folds"] == 3 and result["split"] == "by session"
    groups = {g["group"]: g for g in result["groups"]}
    assert set(groups) == {"behaviour", "talk"}
    # Templates are separable: the suggester should agree with the coder well above chance.
    assert groups["behaviour"]["macro_f1"] > 0.8
    assert groups["talk"]["cohen_kappa"] > 0.6
    assert {row["code"] for row in result["per_code"]} == {
        "behaviour/question", "behaviour/reflection", "talk/change", "talk/neutral",
    }  # fmt: skip


def test_clear_errors(study: Path, cli: Any) -> None:
    r = cli("suggest", "run", str(study))
    assert r.returncode == 1 and "suggest train" in r.stderr and "Traceback" not in r.stderr
    r = cli("suggest", "train", str(study), "--coder", "nobody")
    assert r.returncode == 1 and "nobody" in r.stderr
    r = cli("suggest", "evaluate", str(study), "--coder", "gold", "--folds", "1")
    assert r.returncode == 1 and "--folds" in r.stderr
    r = cli("suggest", "run", str(study), "--min-score", "3")
    assert r.returncode == 1 and "--min-score" in r.stderr
