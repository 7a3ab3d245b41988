"""Who and where a code applies to, why a rule fired, and the bundled patterns' known traps."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.dto import CodeSpec
from app.core.errors import UserError
from app.io.codebook_yaml import load_scheme, scheme_from_data, scheme_to_yaml
from app.io.refi.qdc import join_description, split_scope
from app.nlp.pipeline import get_pipeline
from app.nlp.rules import RuleMatcher
from app.paths import schemes_dir


def _scheme(codes: list[dict[str, Any]]) -> Any:
    return scheme_from_data({"name": "t", "codes": codes}, "t.yaml")


def test_speakers_and_transcripts_are_validated_and_inherited() -> None:
    scheme = _scheme(
        [{"name": "Rupture", "speakers": "Client", "transcripts": ["recall"],
          "codes": [{"name": "A"}, {"name": "B", "speakers": ["therapist", "client"]}]}]
    )  # fmt: skip
    top = scheme.codes[0]
    assert top.speakers == ("client",) and top.transcripts == ("recall",)
    a, b = top.children
    assert a.speakers == ("client",) and a.transcripts == ("recall",)  # inherited
    assert b.speakers == ("therapist", "client")
    again = scheme_from_data(__import__("yaml").safe_load(scheme_to_yaml(scheme)), "again.yaml")
    assert again == scheme
    with pytest.raises(UserError, match=r"t.yaml: codes\[0\].speakers\[0\]: 'coach' is not one"):
        _scheme([{"name": "X", "speakers": ["coach"]}])
    with pytest.raises(UserError, match=r"codes\[0\].transcripts\[0\]"):
        _scheme([{"name": "X", "transcripts": "video"}])


def test_bundled_schemes_say_who_and_where() -> None:
    rrs = load_scheme(schemes_dir() / "3rs.yaml")
    by_name = {c.name: c for c in rrs.codes}
    for leaf in by_name["Rupture"].children[0].children:
        assert leaf.speakers == ("client",)
    for leaf in by_name["Resolution"].children:
        assert leaf.speakers == ("therapist",)
    recall = load_scheme(schemes_dir() / "ipr-recall.yaml")
    assert all(c.transcripts == ("recall",) for top in recall.codes for c in top.children)


def test_scope_travels_through_a_qdc_description() -> None:
    spec = CodeSpec(
        name="X", definition="Def.", examples=("e1",), speakers=("client",), transcripts=("recall",)
    )
    text = join_description(spec)
    assert text.endswith("Applies to:\nspeakers: client\ntranscripts: recall")
    rest, speakers, kinds = split_scope(text)
    assert speakers == ("client",) and kinds == ("recall",)
    assert "Applies to" not in rest and rest.startswith("Def.")
    assert split_scope("Just a definition.") == ("Just a definition.", (), ())


def test_applies_to() -> None:
    from app.core.dto import CodeInfo

    code = CodeInfo(
        1, "g", None, "X", "X", 0, "", "", "", (), "", "", True, None, (),
        speakers=("client",), transcripts=("session",),
    )  # fmt: skip
    assert code.applies_to("client", "session")
    assert not code.applies_to("therapist", "session")
    assert not code.applies_to("client", "recall")


def _hits(patterns: list[Any], text: str) -> list[Any]:
    nlp = get_pipeline()
    return RuleMatcher(nlp, {"k": patterns}).match(nlp.make_doc(text))


def test_max_words_keeps_a_pattern_to_short_turns_and_reasons_name_the_pattern() -> None:
    pattern = {"pattern": "I don't know", "max_words": 6}
    hits = _hits([pattern], "I don't know.")
    assert len(hits) == 1
    assert hits[0].reason.startswith('"I don\'t know" (turns of at most 6 words) matched')
    assert not _hits([pattern], "I don't know. I think I would try to cut down a bit at weekends.")


def _bundled(path: str) -> list[Any]:
    """The patterns of a 3RS code by its path."""
    codes = load_scheme(schemes_dir() / "3rs.yaml").codes
    node: CodeSpec | None = None
    for name in path.split("/"):
        node = next(c for c in codes if c.name == name)
        codes = node.children
    assert node is not None
    return list(node.patterns)


def test_bundled_patterns_avoid_the_known_false_hits() -> None:
    split = _bundled("Rupture/Withdrawal/Content-affect split")
    assert not _hits(split, "Yeah. [laughs]")
    assert _hits(split, "[laughing] And then he told me I was worthless in front of everyone.")
    minimal = _bundled("Rupture/Withdrawal/Minimal response")
    assert _hits(minimal, "I don't know.")
    assert not _hits(minimal, "I don't know, I think I'd probably try to cut down at weekends.")
    clarify = _bundled("Resolution/Clarifying a misunderstanding")
    assert _hits(clarify, "That's not what I meant.")
    assert not _hits(clarify, "It's hard, you know what I mean?")
    parameters = _bundled("Rupture/Confrontation/Complaints about the parameters of therapy")
    assert not _hits(parameters, "I'll make an appointment for next week.")
    assert not _hits(parameters, "Their schedule changes from week to week.")
    assert _hits(parameters, "The sessions are way too expensive for me.")
    activities = _bundled("Rupture/Confrontation/Complaints about the activities of therapy")
    assert not _hits(activities, "Right, do my homework and set things up.")
    assert _hits(activities, "This homework is pointless.")
