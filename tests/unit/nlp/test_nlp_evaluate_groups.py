"""``evaluate`` reports a group whose codes co-occur instead of dropping it."""

from __future__ import annotations

from types import SimpleNamespace

from app.nlp.evaluate import evaluate_predictions


def test_non_exclusive_group_is_reported_with_its_conflicts() -> None:
    a, b = "guid-a", "guid-b"
    ids = {a: 1, b: 2}
    paths = {a: "Talk/change", b: "Talk/sustain"}
    codes = [{1}, {2}, {1, 2}, {1}, {2}, {1, 2}, {1}]
    units = [SimpleNamespace(codes=frozenset(c)) for c in codes]
    scores = [{a: 0.9, b: 0.1}, {a: 0.2, b: 0.8}, {a: 0.6, b: 0.5}, {a: 0.7, b: 0.2},
              {a: 0.4, b: 0.6}, {a: 0.5, b: 0.5}, {a: 0.3, b: 0.4}]  # fmt: skip
    result = evaluate_predictions(units, scores, ids, paths, [], report_groups=[[a, b]])
    (group,) = result["groups"]
    assert group["group"] == "Talk"
    assert group["mutually_exclusive"] is False
    assert group["n_conflicting"] == 2
    assert group["n_units"] == 5  # the utterances with exactly one of its codes
    assert group["cohen_kappa"] is not None
    exclusive = evaluate_predictions(units, scores, ids, paths, [[a, b]])
    assert exclusive["groups"][0]["mutually_exclusive"] is True
