"""The bundled schemes: they load, have the structure the spec names, and are complete enough to
code with (every codable code defined, with criteria and an example)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.dto import CodeSpec, SchemeSpec
from app.core.errors import UserError
from app.io.codebook_yaml import bundled_schemes, load_scheme, resolve_scheme

SCHEMES = ("3rs", "alliance", "ipr-recall", "repair-strategies")


def walk(codes: tuple[CodeSpec, ...], trail: str = "") -> Iterator[tuple[str, CodeSpec]]:
    for code in codes:
        path = f"{trail}{code.name}"
        yield path, code
        yield from walk(code.children, path + "/")


def child(scheme: SchemeSpec | CodeSpec, name: str) -> CodeSpec:
    codes = scheme.codes if isinstance(scheme, SchemeSpec) else scheme.children
    return next(c for c in codes if c.name == name)


def test_the_four_schemes_are_bundled() -> None:
    assert set(SCHEMES) <= set(bundled_schemes())


@pytest.mark.parametrize("name", SCHEMES)
def test_every_codable_code_is_fully_documented(name: str) -> None:
    scheme = resolve_scheme(name)
    assert scheme.name and scheme.version and scheme.citation
    codable = [(p, c) for p, c in walk(scheme.codes) if c.codable]
    assert codable
    for path, code in codable:
        assert len(code.definition) > 60, path
        assert code.include and code.exclude, path
        assert code.examples, path
        assert code.color.startswith("#"), path
        assert code.shortcut, path


@pytest.mark.parametrize("name", SCHEMES)
def test_shortcuts_and_colours_are_distinct_within_a_scheme(name: str) -> None:
    codes = [c for _p, c in walk(resolve_scheme(name).codes)]
    shortcuts = [c.shortcut.casefold() for c in codes if c.shortcut]
    colours = [c.color for c in codes]
    assert len(shortcuts) == len(set(shortcuts))
    assert len(colours) == len(set(colours))


def test_3rs_has_the_published_marker_and_strategy_counts() -> None:
    scheme = resolve_scheme("3rs")
    rupture = child(scheme, "Rupture")
    withdrawal = child(rupture, "Withdrawal")
    confrontation = child(rupture, "Confrontation")
    resolution = child(scheme, "Resolution")
    assert not rupture.codable and not withdrawal.codable and not resolution.codable
    assert len(withdrawal.children) == 7
    assert len(confrontation.children) == 7
    assert len(resolution.children) == 10
    assert "Minimal response" in {c.name for c in withdrawal.children}
    assert "Complaints about progress" in {c.name for c in confrontation.children}
    for code in (*withdrawal.children, *confrontation.children, *resolution.children):
        assert code.codable and code.definition
        assert code.rating is not None
        assert (code.rating.min, code.rating.max) == (1, 5)
        assert set(code.rating.labels) == {1, 2, 3, 4, 5}
    assert scheme.window_seconds == 300


def test_alliance_and_recall_schemes_cover_the_spec() -> None:
    alliance = {c.name for _p, c in walk(resolve_scheme("alliance").codes)}
    for name in (
        "Agreement on goals",
        "Collaboration on tasks",
        "Bond",
        "Rapport",
        "Empathy",
        "Security",
        "Optimistic expectations",
        "Lack of trust",
        "Boundary problems",
        "Cultural misunderstanding",
        "Disagreement about goals",
    ):
        assert name in alliance
    recall = {c.name for _p, c in walk(resolve_scheme("ipr-recall").codes)}
    assert {
        "Thoughts",
        "Feelings",
        "Intentions",
        "Perceptions of the other",
        "Unexpressed reactions",
        "Bodily sensations",
        "Evaluations of helpfulness",
        "Hindsight",
    } <= recall
    repair = {c.name for _p, c in walk(resolve_scheme("repair-strategies").codes) if c.codable}
    assert len(repair) == 8 and "Referral" in repair


@pytest.mark.parametrize("name", SCHEMES)
def test_patterns_compile_and_find_the_codes_own_examples(name: str) -> None:
    """Each code's patterns are valid spaCy Matcher input and, as a sanity check that they are
    real signals, at least one of them matches one of the code's example utterances."""
    spacy = pytest.importorskip("spacy")
    from spacy.matcher import Matcher, PhraseMatcher

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    for path, code in walk(resolve_scheme(name).codes):
        if not code.patterns:
            continue
        tokens = Matcher(nlp.vocab)
        phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        for i, item in enumerate(code.patterns):
            # {pattern, max_words}: the turn-length limit is the suggester's (tested below)
            pattern = item["pattern"] if isinstance(item, dict) else item
            if isinstance(pattern, str):
                phrases.add(f"p{i}", [nlp(pattern.lower())])
            else:
                tokens.add(f"t{i}", [pattern])
        hits = [
            ex
            for ex in code.examples
            if (len(tokens) and tokens(nlp(ex.lower()))) or phrases(nlp(ex.lower()))
        ]
        assert hits, f"{name}: no pattern of {path} matches its examples"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\ncodes:\n  - name: A\n    codes:\n      - name: B\n        color: blue\n",
            "codes[0].codes[0].color",
        ),
        ("name: x\ncodes:\n  - name: A\n  - definition: no name here\n", "codes[1].name"),
        ("name: x\ncodes:\n  - name: A\n    exlude: typo\n", "codes[0]: unknown key(s) exlude"),
        (
            "name: x\ncodes:\n  - name: A\n    rating: {name: s, min: 1, max: 5, labels: {7: x}}\n",
            "codes[0].rating.labels.7",
        ),
        (
            "name: x\ncodes:\n  - name: A\n    shortcut: '1'\n  - name: B\n    shortcut: '1'\n",
            "codes[1].shortcut",
        ),
        ("name: x\ncodes:\n  - name: A/B\n", "codes[0].name"),
        ("name: x\ncodes:\n  - name: A\n    patterns: [[1, 2]]\n", "codes[0].patterns[0]"),
        ("name: x\nwindow_seconds: -5\ncodes:\n  - name: A\n", "window_seconds"),
        ("name: x\ncodes: [\n", "not valid YAML at line"),
    ],
)
def test_bad_files_are_refused_with_file_and_key_path(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "bad-scheme.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_scheme(path)
    message = str(info.value)
    assert "bad-scheme.yaml" in message
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize("name", SCHEMES)
def test_the_suggester_compiles_every_pattern_and_finds_the_examples(name: str) -> None:
    """Through the suggester's own rule matcher (mixed-case text, as in a transcript)."""
    rules = pytest.importorskip("app.nlp.rules")
    pipeline = pytest.importorskip("app.nlp.pipeline")
    nlp = pipeline.blank_pipeline()
    for path, code in walk(resolve_scheme(name).codes):
        if not code.patterns:
            continue
        matcher = rules.RuleMatcher(nlp, {path: code.patterns})
        assert not matcher.problems, matcher.problems
        assert any(matcher.match(nlp(example)) for example in code.examples), path
