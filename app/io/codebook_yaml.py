"""YAML codebooks (the bundled schemes and users' own): load with validation, and write.

A bad file gets one message naming the file, the key path (``codes[2].codes[0].color``) and the
problem, so a researcher editing a scheme by hand can fix it without reading code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from app.core.dto import CodeSpec, RatingScale, SchemeSpec
from app.core.errors import UserError
from app.core.models import ROLES, TRANSCRIPT_KINDS
from app.io.atomic import atomic_path
from app.io.bounded_yaml import load_json, load_yaml
from app.paths import schemes_dir

CODE_KEYS = {
    "name", "definition", "include", "exclude", "examples", "color", "shortcut", "codable",
    "rating", "patterns", "codes", "guid", "speakers", "transcripts",
}  # fmt: skip
TOP_KEYS = {"name", "version", "citation", "window_seconds", "codes", "description"}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class _Problem(Exception):
    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip()
    raise _Problem(where, f"expected text, got {type(value).__name__}")


def _rating(value: Any, where: str) -> RatingScale | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Problem(where, "expected a mapping with name, min, max and optional labels")
    unknown = set(value) - {"name", "min", "max", "labels"}
    if unknown:
        raise _Problem(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    lo, hi = value.get("min"), value.get("max")
    if not isinstance(lo, int) or not isinstance(hi, int) or isinstance(lo, bool) or lo >= hi:
        raise _Problem(where, "min and max must be whole numbers with min < max")
    labels_raw = value.get("labels") or {}
    if not isinstance(labels_raw, dict):
        raise _Problem(f"{where}.labels", "expected a mapping from scale points to text")
    labels: dict[int, str] = {}
    for key, text in labels_raw.items():
        try:
            point = int(key)
        except (TypeError, ValueError):
            raise _Problem(f"{where}.labels.{key}", "scale points must be whole numbers") from None
        if not lo <= point <= hi:
            raise _Problem(f"{where}.labels.{key}", f"outside the scale {lo}-{hi}")
        labels[point] = _text(text, f"{where}.labels.{key}")
    return RatingScale(
        _text(value.get("name", "rating"), f"{where}.name") or "rating", lo, hi, labels
    )


def _patterns(value: Any, where: str) -> tuple[Any, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Problem(where, "expected a list of phrases or token patterns")
    out: list[Any] = []
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        if isinstance(item, dict):
            out.append(_limited_pattern(item, here))
        elif isinstance(item, str) and item.strip():
            out.append(item.strip())
        elif isinstance(item, list) and item and all(isinstance(t, dict) and t for t in item):
            out.append(json.loads(json.dumps(item)))
        else:
            raise _Problem(here, "expected a phrase (text) or a list of token attribute mappings")
    return tuple(out)


def _limited_pattern(item: dict[str, Any], where: str) -> dict[str, Any]:
    """``{pattern: <phrase or token list>, max_words: N}``: fires only in turns of at most N
    words (a "Fine." that answers is minimal; the same word opening a long story is not)."""
    unknown = set(item) - {"pattern", "max_words"}
    if unknown:
        raise _Problem(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    limit = item.get("max_words")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise _Problem(f"{where}.max_words", "expected a positive whole number of words")
    inner = _patterns([item.get("pattern")], f"{where}.pattern")
    return {"pattern": inner[0], "max_words": limit}


def _choices(value: Any, where: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """``speakers: [client]`` / ``transcripts: recall``: a word or a list of them, each one of
    ``allowed`` (lower case, no repeats, in the order given)."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise _Problem(where, f"expected one of {', '.join(allowed)} or a list of them")
    out: list[str] = []
    for i, item in enumerate(items):
        word = item.strip().lower() if isinstance(item, str) else None
        if word not in allowed:
            raise _Problem(
                f"{where}[{i}]", f"{item!r} is not one of {', '.join(allowed)}"
            )
        if word not in out:
            out.append(word)
    return tuple(out)


def _code(
    value: Any,
    where: str,
    shortcuts: dict[str, str],
    scope: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
) -> CodeSpec:
    """One code and its children; ``speakers``/``transcripts`` not given are inherited from
    the parent (``scope``), so a scheme can say "client" once on a category."""
    if not isinstance(value, dict):
        raise _Problem(where, "expected a mapping with at least 'name'")
    unknown = set(value) - CODE_KEYS
    if unknown:
        raise _Problem(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    name = _text(value.get("name"), f"{where}.name")
    if not name:
        raise _Problem(f"{where}.name", "every code needs a name")
    if "/" in name:
        raise _Problem(f"{where}.name", f"'{name}' contains '/', which separates code paths")
    color = _text(value.get("color"), f"{where}.color")
    if color and not _COLOR.match(color):
        raise _Problem(f"{where}.color", f"'{color}' is not a colour like #1f77b4")
    shortcut = _text(value.get("shortcut"), f"{where}.shortcut")
    if shortcut:
        key = shortcut.casefold()
        if key in shortcuts:
            raise _Problem(
                f"{where}.shortcut", f"'{shortcut}' is used by '{shortcuts[key]}' already"
            )
        shortcuts[key] = name
    codable = value.get("codable", True)
    if not isinstance(codable, bool):
        raise _Problem(f"{where}.codable", "expected true or false")
    examples_raw = value.get("examples") or []
    if isinstance(examples_raw, str):
        examples_raw = [examples_raw]
    if not isinstance(examples_raw, list):
        raise _Problem(f"{where}.examples", "expected a list of example utterances")
    examples = tuple(_text(e, f"{where}.examples[{i}]") for i, e in enumerate(examples_raw))
    guid = _text(value.get("guid"), f"{where}.guid") or None
    if guid and not _GUID.match(guid):
        raise _Problem(f"{where}.guid", f"'{guid}' is not a GUID (8-4-4-4-12 hex digits)")
    speakers = _choices(value.get("speakers"), f"{where}.speakers", ROLES) or scope[0]
    kinds = _choices(value.get("transcripts"), f"{where}.transcripts", TRANSCRIPT_KINDS) or scope[1]
    children_raw = value.get("codes") or []
    if not isinstance(children_raw, list):
        raise _Problem(f"{where}.codes", "expected a list of codes")
    children = tuple(
        _code(c, f"{where}.codes[{i}]", shortcuts, (speakers, kinds))
        for i, c in enumerate(children_raw)
    )
    seen: set[str] = set()
    for i, child in enumerate(children):
        folded = child.name.casefold()
        if folded in seen:
            raise _Problem(f"{where}.codes[{i}].name", f"'{child.name}' appears twice here")
        seen.add(folded)
    return CodeSpec(
        name=name,
        definition=_text(value.get("definition"), f"{where}.definition"),
        include=_text(value.get("include"), f"{where}.include"),
        exclude=_text(value.get("exclude"), f"{where}.exclude"),
        examples=examples,
        color=color.lower(),
        shortcut=shortcut,
        codable=codable,
        rating=_rating(value.get("rating"), f"{where}.rating"),
        patterns=_patterns(value.get("patterns"), f"{where}.patterns"),
        guid=guid,
        children=children,
        speakers=speakers,
        transcripts=kinds,
    )


def scheme_from_data(data: Any, source: str) -> SchemeSpec:
    """Validate parsed YAML/JSON data; errors name ``source`` and the key path."""
    try:
        if not isinstance(data, dict):
            raise _Problem("(top level)", "expected a mapping with name, version, citation, codes")
        unknown = set(data) - TOP_KEYS
        if unknown:
            raise _Problem("(top level)", f"unknown key(s) {', '.join(sorted(unknown))}")
        name = _text(data.get("name"), "name")
        if not name:
            raise _Problem("name", "the scheme needs a name")
        window = data.get("window_seconds")
        if window is not None and (
            not isinstance(window, int) or isinstance(window, bool) or window <= 0
        ):
            raise _Problem("window_seconds", "expected a positive whole number of seconds")
        codes_raw = data.get("codes")
        if not isinstance(codes_raw, list) or not codes_raw:
            raise _Problem("codes", "expected a non-empty list of codes")
        shortcuts: dict[str, str] = {}
        codes = tuple(_code(c, f"codes[{i}]", shortcuts) for i, c in enumerate(codes_raw))
        return SchemeSpec(
            name=name,
            version=_text(data.get("version"), "version"),
            citation=_text(data.get("citation"), "citation"),
            window_seconds=window,
            codes=codes,
        )
    except _Problem as exc:
        raise UserError(f"{source}: {exc}") from None


def load_scheme(path: str | Path) -> SchemeSpec:
    """Read a ``.yaml``/``.yml``/``.json`` codebook file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise UserError(f"{p}: cannot read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    try:
        if p.suffix.lower() == ".json":
            data = load_json(text, str(p))
        else:
            data = load_yaml(text, str(p))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise UserError(f"{p}: not valid YAML at {where}") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{p}: not valid JSON at line {exc.lineno}: {exc.msg}") from None
    return scheme_from_data(data, str(p))


def bundled_schemes() -> dict[str, Path]:
    """Bundled scheme names (file stems) and their files."""
    return {p.stem: p for p in sorted(schemes_dir().glob("*.yaml"))}


def resolve_scheme(name_or_file: str) -> SchemeSpec:
    """``--scheme`` takes a bundled scheme's name or a path to a YAML/JSON file."""
    bundled = bundled_schemes()
    if name_or_file in bundled:
        return load_scheme(bundled[name_or_file])
    path = Path(name_or_file).expanduser()
    if path.is_file():
        return load_scheme(path)
    names = ", ".join(bundled) or "none installed"
    raise UserError(f"scheme '{name_or_file}': not a bundled scheme ({names}) nor a file")


def _code_data(spec: CodeSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": spec.name}
    for key in ("definition", "include", "exclude"):
        if getattr(spec, key):
            out[key] = getattr(spec, key)
    if spec.examples:
        out["examples"] = list(spec.examples)
    if spec.color:
        out["color"] = spec.color
    if spec.shortcut:
        out["shortcut"] = spec.shortcut
    if not spec.codable:
        out["codable"] = False
    if spec.rating:
        out["rating"] = {
            "name": spec.rating.name,
            "min": spec.rating.min,
            "max": spec.rating.max,
            **({"labels": dict(spec.rating.labels)} if spec.rating.labels else {}),
        }
    if spec.patterns:
        out["patterns"] = list(spec.patterns)
    if spec.speakers:
        out["speakers"] = list(spec.speakers)
    if spec.transcripts:
        out["transcripts"] = list(spec.transcripts)
    if spec.guid:
        out["guid"] = spec.guid
    if spec.children:
        out["codes"] = [_code_data(c) for c in spec.children]
    return out


def scheme_to_yaml(scheme: SchemeSpec) -> str:
    data: dict[str, Any] = {"name": scheme.name}
    if scheme.version:
        data["version"] = scheme.version
    if scheme.citation:
        data["citation"] = scheme.citation
    if scheme.window_seconds:
        data["window_seconds"] = scheme.window_seconds
    data["codes"] = [_code_data(c) for c in scheme.codes]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_scheme(scheme: SchemeSpec, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(scheme_to_yaml(scheme), encoding="utf-8")
