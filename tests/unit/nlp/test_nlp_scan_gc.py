"""A suggestion pass pauses Python's cycle collector only while it runs (``scan``)."""

from __future__ import annotations

import gc

import pytest


def test_the_collector_is_paused_during_a_pass_and_back_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.nlp import scan

    seen: list[bool] = []
    real = scan._tokenise

    def spy(*args: object) -> object:
        seen.append(gc.isenabled())
        if len(seen) == 2:
            raise RuntimeError("stopped half-way")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(scan, "_tokenise", spy)
    assert gc.isenabled()
    assert scan.suggest_units([], [], None) == []
    assert seen == [False] and gc.isenabled()
    with pytest.raises(RuntimeError, match="half-way"):  # an error: the collector is back too
        scan.suggest_units([], [], None)
    assert gc.isenabled()
    gc.disable()  # a caller that had it off keeps it off
    try:
        seen.clear()
        scan.suggest_units([], [], None)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_run_reads_and_stores_with_the_collector_paused(
    monkeypatch: pytest.MonkeyPatch, project: object
) -> None:
    from app.nlp import suggester

    seen: list[bool] = []

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        raise RuntimeError("read failed")

    monkeypatch.setattr(suggester, "load_units", spy)
    with pytest.raises(RuntimeError, match="read failed"):
        suggester.run_on_project(project)  # type: ignore[arg-type]
    assert seen == [False] and gc.isenabled()
