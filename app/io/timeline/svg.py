"""The timeline ``Figure`` as SVG: vector, one element per segment (``id="seg-N"`` with a
``<title>`` for hover in browsers and Inkscape), fonts named generically so any viewer has one."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from app.io.timeline.layout import Figure, Line, Poly, Rect, Text

FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _n(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def svg_text(fig: Figure) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(fig.width)}pt" '
        f'height="{_n(fig.height)}pt" viewBox="0 0 {_n(fig.width)} {_n(fig.height)}" '
        f'font-family="{FONT_FAMILY}">',
        f'<rect x="0" y="0" width="{_n(fig.width)}" height="{_n(fig.height)}" fill="#ffffff"/>',
    ]
    for item in fig.items:
        if isinstance(item, Rect):
            attrs = (f'x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.w)}" '
                     f'height="{_n(item.h)}" fill="{item.fill}"')  # fmt: skip
            if item.stroke:
                attrs += f' stroke="{item.stroke}" stroke-width="0.8"'
                if item.dashed:
                    attrs += ' stroke-dasharray="2,1.5"'
            if item.opacity < 1:
                attrs += f' fill-opacity="{_n(item.opacity)}"'
            if item.segment_id is not None:
                attrs += f' id="seg-{item.segment_id}" class="segment"'
            if item.title:
                out.append(f"<rect {attrs}><title>{escape(item.title)}</title></rect>")
            else:
                out.append(f"<rect {attrs}/>")
        elif isinstance(item, Line):
            dash = ' stroke-dasharray="3,2"' if item.dashed else ""
            out.append(f'<line x1="{_n(item.x1)}" y1="{_n(item.y1)}" x2="{_n(item.x2)}" '
                       f'y2="{_n(item.y2)}" stroke="{item.color}" '
                       f'stroke-width="{_n(item.width)}"{dash}/>')  # fmt: skip
        elif isinstance(item, Text):
            anchor = "" if item.anchor == "start" else f' text-anchor="{item.anchor}"'
            weight = ' font-weight="bold"' if item.bold else ""
            body = escape(item.text)
            out.append(f'<text x="{_n(item.x)}" y="{_n(item.y)}" font-size="{_n(item.size)}" '
                       f'fill="{item.color}"{anchor}{weight}>{body}</text>')  # fmt: skip
        elif isinstance(item, Poly):
            pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in item.points)
            out.append(f'<polygon points={quoteattr(pts)} fill="{item.fill}"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
