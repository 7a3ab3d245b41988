"""The definition pane's content: what a coder needs at the moment of deciding whether a code
applies (definition, criteria, examples, rating anchors), as HTML for a QTextBrowser."""

from __future__ import annotations

import html

from app.core.dto import CodeInfo


def details_html(code: CodeInfo) -> str:
    """The definition pane: what a coder needs at the moment of deciding whether a code applies."""
    e = html.escape
    swatch = f"<span style='background:{e(code.color)}'>&nbsp;&nbsp;&nbsp;&nbsp;</span>"
    meta = [e(code.path)]
    if code.shortcut:
        meta.append(f"key <b>{e(code.shortcut)}</b>")
    meta.append(
        f"{code.n_segments} segment(s)" if code.codable else "category (not applied to data)"
    )
    parts = [
        f"<h3 style='margin:0'>{swatch} {e(code.name)}</h3>",
        f"<p style='color:#666;margin-top:2px'>{' · '.join(meta)}</p>",
    ]
    for label, text in (
        ("Definition", code.definition),
        ("Include", code.include),
        ("Exclude", code.exclude),
    ):
        if text:
            parts.append(f"<p><b>{label}.</b> {e(text)}</p>")
    if code.examples:
        items = "".join(f"<li><i>{e(x)}</i></li>" for x in code.examples)
        parts.append(f"<p><b>Examples</b></p><ul style='margin-top:0'>{items}</ul>")
    if code.rating is not None:
        scale = code.rating
        anchors = "; ".join(f"{k} = {e(v)}" for k, v in sorted(scale.labels.items()))
        parts.append(
            f"<p><b>Rating.</b> {e(scale.name)} {scale.min}-{scale.max}"
            + (f": {anchors}" if anchors else "")
            + "</p>"
        )
    if not (code.definition or code.include or code.exclude or code.examples):
        parts.append("<p style='color:#777'>No definition yet: Edit… to write one.</p>")
    return "".join(parts)
