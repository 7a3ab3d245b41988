"""The suggester benchmark's inner splits (``--inner SALT``): a model is chosen on them, so they
must never hold a test split's held-out session, and their figures must never reach RESULTS.md
as the test splits'."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[3] / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> Any:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_suggest_quality

        yield bench_suggest_quality
    finally:
        sys.path.remove(str(BENCH))


def _data(sessions: int = 40, turns: int = 5) -> dict[str, Any]:
    names = [f"s{k}" for k in range(1, sessions + 1)]
    units = [
        SimpleNamespace(session_name=n, text=f"turn {t}", utterance_id=i * turns + t, codes=set())
        for i, n in enumerate(names)
        for t in range(turns)
    ]
    return {"units": units, "codes": [], "sessions": names}


def _sessions(units: list[Any]) -> set[str]:
    return {u.session_name for u in units}


@pytest.mark.parametrize("seed", [0, 1, 7, 12])
def test_an_inner_split_is_cut_from_the_training_sessions_only(bench: Any, seed: int) -> None:
    data = _data()
    train, test = bench.split(data, seed)
    fit, held = bench.inner_split(data, seed, 200)
    assert _sessions(fit) | _sessions(held) == _sessions(train)
    assert not _sessions(fit) & _sessions(held)
    assert not (_sessions(fit) | _sessions(held)) & _sessions(test)
    assert len(_sessions(held)) == round(len(_sessions(train)) * 0.2)


def test_a_salt_gives_the_same_split_every_time_and_another_salt_another(bench: Any) -> None:
    data = _data()
    held = [_sessions(bench.inner_split(data, s, 100)[1]) for s in range(13)]
    assert held == [_sessions(bench.inner_split(data, s, 100)[1]) for s in range(13)]
    fresh = [_sessions(bench.inner_split(data, s, 200)[1]) for s in range(13)]
    assert sum(a != b for a, b in zip(held, fresh, strict=True)) >= 10


def test_inner_figures_are_never_written_to_results(
    bench: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    def refuse(*_args: Any) -> None:
        raise AssertionError("inner-split figures written to RESULTS.md")

    monkeypatch.setattr(bench, "write_section", refuse)
    monkeypatch.setattr(sys, "argv", ["bench", "--inner", "200", "--write"])
    with pytest.raises(SystemExit) as stop:
        bench.main()
    assert stop.value.code == 2
    row = {
        "model": "default",
        "seed": 0,
        "seconds": 1.0,
        "cpu": 1.0,
        "groups": {g: {"kappa": 0.5} for g in bench.GROUPS},
    }
    rows = tmp_path / "inner.json"
    rows.write_text(json.dumps({"rows": [row], "curve": [], "wall": 1.0, "inner": 200}))
    monkeypatch.setattr(sys, "argv", ["bench", "--combine", str(rows), "--write"])
    with pytest.raises(SystemExit) as stop:
        bench.main()
    assert stop.value.code == 2
    # Without --write they are reported, as inner splits, without the test splits' targets.
    monkeypatch.setattr(sys, "argv", ["bench", "--combine", str(rows)])
    assert bench.main() == 0
    out = capsys.readouterr().out
    assert "Inner splits (salt 200" in out and "Targets" not in out
