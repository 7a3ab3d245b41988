"""The timeline ``Figure`` as PNG without Qt (the CLI and the Word report run Qt-free).

Pillow draws the same primitives the SVG writer writes, at ``dpi`` (300 for print): axis-
aligned rectangles need no anti-aliasing and text is rendered by FreeType.  Pillow was chosen
over a plotting library because the figure is already laid out: a plotting library would
re-lay it out, differ from the SVG and the screen, and cost a much larger dependency.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from app.io.timeline.layout import Figure, Line, Poly, Rect, Text

_FONTS = (  # (regular, bold): a common sans on Linux, macOS and Windows
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
)  # fmt: skip


@lru_cache(maxsize=64)
def _font(px: int, bold: bool) -> Any:
    """DejaVu Sans where installed (the SVG names it first), else Pillow's own font."""
    from PIL import ImageFont

    for regular, heavy in _FONTS:
        path = Path(heavy if bold else regular)
        if path.is_file():
            return ImageFont.truetype(str(path), px)
    return ImageFont.load_default(size=px)


def _rgba(color: str, opacity: float = 1.0) -> tuple[int, int, int, int]:
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), round(255 * opacity)


def png_bytes(fig: Figure, dpi: int = 300) -> bytes:
    import io

    from PIL import Image, ImageDraw

    scale = dpi / 72.0  # the layout is in points
    img = Image.new("RGB", (round(fig.width * scale), round(fig.height * scale)), "white")
    draw = ImageDraw.Draw(img, "RGBA")
    for item in fig.items:
        if isinstance(item, Rect):
            box = (item.x * scale, item.y * scale, (item.x + item.w) * scale,
                   (item.y + item.h) * scale)  # fmt: skip
            draw.rectangle(box, fill=_rgba(item.fill, item.opacity))
            if item.stroke:
                width = max(1, round(0.8 * scale))
                if item.dashed:
                    _dashed_box(draw, box, _rgba(item.stroke), width, scale)
                else:
                    draw.rectangle(box, outline=_rgba(item.stroke), width=width)
        elif isinstance(item, Line):
            draw.line((item.x1 * scale, item.y1 * scale, item.x2 * scale, item.y2 * scale),
                      fill=_rgba(item.color), width=max(1, round(item.width * scale)))  # fmt: skip
        elif isinstance(item, Text):
            font = _font(max(6, round(item.size * scale)), item.bold)
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[item.anchor]
            draw.text((item.x * scale, item.y * scale), item.text, fill=_rgba(item.color),
                      font=font, anchor=anchor)  # fmt: skip
        elif isinstance(item, Poly):
            draw.polygon([(x * scale, y * scale) for x, y in item.points], fill=_rgba(item.fill))
    out = io.BytesIO()
    img.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _dashed_box(draw: Any, box: tuple[float, ...], color: Any, width: int, scale: float) -> None:
    x0, y0, x1, y1 = box
    dash, gap = 2 * scale, 1.5 * scale
    for a, b, fixed, horizontal in ((x0, x1, y0, True), (x0, x1, y1, True),
                                    (y0, y1, x0, False), (y0, y1, x1, False)):  # fmt: skip
        pos = a
        while pos < b:
            end = min(b, pos + dash)
            seg = (pos, fixed, end, fixed) if horizontal else (fixed, pos, fixed, end)
            draw.line(seg, fill=color, width=width)
            pos = end + gap
