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


def test_sentence_start_optional_tokens_and_punctuation_patterns() -> None:
    nlp = get_pipeline()
    patterns = {
        "min": [[{"IS_SENT_START": True, "LOWER": "whatever"}, {"IS_PUNCT": True}]],
        "rej": [[{"LOWER": "yeah"}, {"LOWER": ",", "OP": "?"}, {"LOWER": "but"}]],
    }
    matcher = RuleMatcher(nlp, patterns)
    assert not len(matcher.plain.matcher) and not len(matcher.sentence.matcher)  # all phrases
    text = "Whatever. I said whatever, fine. Yeah but no. Yeah, but why?"
    hits = sorted((h.code_key, text[h.start_char : h.end_char]) for h in matcher.match(nlp(text)))
    assert hits == [("min", "Whatever."), ("rej", "Yeah but no."), ("rej", "Yeah, but why?")]


def test_match_docs_runs_token_patterns_only_where_their_words_are() -> None:
    import numpy as np

    from app.nlp.context_bow import lower_array
    from app.nlp.rules import sentence_spans

    nlp = get_pipeline()
    patterns = {"k": ["i guess"], "w": [[{"LOWER": "one"}, {"OP": "?"}, {"LOWER": "might"}]]}
    matcher = RuleMatcher(nlp, patterns)
    texts = ["Well I", "guess so. One really might.", "I guessed it. Yes."]
    docs = [nlp.make_doc(t) for t in texts]
    groups = matcher.may_match([lower_array(d) for d in docs])
    assert list(groups) == [0, 1, 0]  # only the middle utterance holds "one" and "might"
    hits = matcher.match_texts(texts, groups)
    got = sorted((k, h.code_key, texts[k][h.start_char : h.end_char]) for k, h in hits)
    # "I guess" split over two utterances is no hit; "guessed" is a form of "guess".
    assert got == [(1, "w", "One really might."), (2, "k", "I guessed it.")]
    assert sentence_spans(" A b. C d?  E ") == [(1, 5), (6, 10), (12, 13)]
    assert np.all(groups >= 0)


def test_phrase_pre_check_finds_every_doc_the_phrase_matcher_does() -> None:
    """``docs_with_phrases`` (hashes of all docs at once) flags every doc where the PhraseMatcher
    finds a phrase, and a phrase split over two utterances is in neither."""
    import random

    import numpy as np

    from app.nlp.context_bow import lower_array

    nlp = get_pipeline()
    patterns = {"k": ["i guess", "you never listen"], "m": ["whatever"], "n": ["what I meant"]}
    matcher = RuleMatcher(nlp, patterns)
    rnd = random.Random(5)
    words = "i guess you never listen whatever what meant mean guessed listening so well".split()  # noqa: SIM905
    texts = [" ".join(rnd.choices(words, k=rnd.randint(1, 7))) for _ in range(400)]
    texts += ["Well I", "guess so.", "You NEVER listened!", "", "Whatever."]
    docs = [nlp.make_doc(t) for t in texts]
    lowers = [lower_array(d) for d in docs]
    sizes = np.array([len(x) for x in lowers], dtype=np.int64)
    flagged = matcher.docs_with_phrases(np.concatenate(lowers), sizes)
    truth = np.array([bool(matcher.phrase_matches(d)) for d in docs])
    assert truth.sum() > 50 and (flagged >= truth).all()
    assert not flagged[texts.index("Well I")] and not flagged[texts.index("guess so.")]
    assert (flagged == truth).all()  # no key collisions here: nothing flagged for nothing
