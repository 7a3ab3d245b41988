"""YAML and JSON that cannot exhaust memory or the stack: alias bombs, recursion, deep nesting.

PyYAML's ``safe_load`` shares aliased nodes, so a "billion laughs" file loads small and then
explodes in whatever walks it (a code's ``patterns`` grew until the process was killed); an
alias to its own ancestor makes a recursive structure. Here the node graph is checked before
anything is constructed: its size counted with every alias expanded, recursion refused, depth
capped. The limits are far above any real codebook (the bundled 3RS has a few hundred nodes).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from app.core.errors import UserError

# libyaml's parser when PyYAML was built with it: 5-10x faster on big codebooks.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 64
MAX_EXPANDED_NODES = 1_000_000
MAX_ALIASES = 10_000


class LimitExceeded(UserError):
    pass


def _check_graph(root: yaml.Node, source: str) -> None:
    expanded: dict[int, int] = {}
    active: set[int] = set()
    aliases = 0

    def size(node: yaml.Node, depth: int) -> int:
        nonlocal aliases
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"{source}: nested more than {MAX_DEPTH} levels deep")
        key = id(node)
        if key in active:
            raise LimitExceeded(f"{source}: a YAML alias refers to itself (recursive structure)")
        if key in expanded:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise LimitExceeded(f"{source}: more than {MAX_ALIASES} YAML aliases")
            return expanded[key]
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child, depth + 1)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
        active.discard(key)
        if total > MAX_EXPANDED_NODES:
            raise LimitExceeded(
                f"{source}: expands to more than {MAX_EXPANDED_NODES:,} values (an alias bomb?)"
            )
        expanded[key] = total
        return total

    size(root, 0)


def load_yaml(text: str, source: str) -> Any:
    """``yaml.safe_load`` with the graph checked first (raises ``UserError``)."""
    loader = _LOADER(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise LimitExceeded(f"{source}: nested too deeply to read") from None
        if node is None:
            return None
        _check_graph(node, source)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON/YAML data, without recursion (stops past ``limit``)."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def load_json(text: str, source: str) -> Any:
    """``json.loads`` refusing nesting deeper than ``MAX_DEPTH`` (never a RecursionError)."""
    opens = 0
    deepest = 0
    in_string = escaped = False
    for ch in text:  # cheap pre-scan: json.loads itself recurses per level
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            opens += 1
            deepest = max(deepest, opens)
        elif ch in "]}":
            opens -= 1
    if deepest > MAX_DEPTH:
        raise LimitExceeded(f"{source}: nested more than {MAX_DEPTH} levels deep")
    return json.loads(text)
