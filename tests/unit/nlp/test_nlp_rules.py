"""Rule suggestions: phrases match on lemmas, token patterns pass through, bad ones are reported."""

from __future__ import annotations

from app.nlp.pipeline import get_pipeline, pipeline_name
from app.nlp.rules import RuleMatcher


def test_default_pipeline_needs_no_download() -> None:
    nlp = get_pipeline()
    assert "sentencizer" in nlp.pipe_names or "parser" in nlp.pipe_names
    assert [t.lemma_ for t in nlp("cats were running")] == ["cat", "be", "run"]
    assert pipeline_name(nlp)


def test_phrase_matches_inflected_forms_and_returns_the_sentence() -> None:
    nlp = get_pipeline()
    matcher = RuleMatcher(nlp, {"min": ["I don't know", "I guess"]})
    text = "Well. I didn't know what to say, I guessed. Fine."
    hits = matcher.match(nlp(text), offset=100)
    assert len(hits) == 1
    hit = hits[0]
    assert (
        text[hit.start_char - 100 : hit.end_char - 100] == "I didn't know what to say, I guessed."
    )
    single = RuleMatcher(nlp, {"min": ["I guess"]}).match(nlp(text))[0]
    assert hit.score > single.score  # two matches in a sentence score higher than one


def test_token_patterns_and_invalid_patterns() -> None:
    nlp = get_pipeline()
    matcher = RuleMatcher(
        nlp, {"abs": [[{"LOWER": "people"}, {"LOWER": "in"}, {"LOWER": "general"}]], "bad": [42]}
    )
    assert matcher.problems and "42" in matcher.problems[0]
    hits = matcher.match(nlp("People in general are like that."))
    assert [h.code_key for h in hits] == ["abs"]
    assert not RuleMatcher(nlp, {})
