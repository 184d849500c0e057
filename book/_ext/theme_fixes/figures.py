"""Figures that neither shift the page nor load before they are needed.

Every ``<img>`` in a page's body gets its pixel ``width`` and ``height`` (read from the
PNG that is published), so the browser reserves its box before the file arrives (no
layout shift; ``book/_static/book.css`` lets it scale down to the column), and
``decoding="async"``. Images further down than a phone's first screen also get
``loading="lazy"``: a reader who never scrolls to them never downloads them. "First
screen" is estimated from the text before the image (``ABOVE_THE_FOLD`` characters, about
what a 375 px wide screen shows under the header).
"""

from __future__ import annotations

import html
import os
import re
import struct
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

IMG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\ssrc="([^"]+)"')
TAG = re.compile(r"<[^>]+>")
#: Characters of text before an image beyond which it counts as below the first screen.
ABOVE_THE_FOLD = 600
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of a PNG file from its header, or None if it is not a PNG."""
    try:
        with open(path, "rb") as file:
            head = file.read(24)
    except OSError:
        return None
    if len(head) < 24 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def image_sources(app: Sphinx) -> dict[str, Path]:
    """{published file name: source file} for the images Sphinx copies to ``_images/``."""
    images = getattr(app.builder, "images", {}) or {}
    return {dest: Path(app.srcdir, src) for src, dest in images.items()}


def fix_images(body: str, sources: dict[str, Path]) -> str:
    pieces = []
    last = 0
    for match in IMG.finditer(body):
        tag = match.group(0)
        pieces.append(body[last : match.start()])
        last = match.end()
        src = SRC.search(tag)
        name = os.path.basename(html.unescape(src.group(1))) if src else ""
        extra = []
        if " width=" not in tag and " height=" not in tag and name in sources:
            size = png_size(sources[name])
            if size:
                extra.append(f'width="{size[0]}" height="{size[1]}"')
        text_before = len(" ".join(TAG.sub(" ", "".join(pieces)).split()))
        if " loading=" not in tag and text_before > ABOVE_THE_FOLD:
            extra.append('loading="lazy"')
        if " decoding=" not in tag:
            extra.append('decoding="async"')
        if extra:
            end = -2 if tag.endswith("/>") else -1
            tag = tag[:end].rstrip() + " " + " ".join(extra) + tag[end:]
        pieces.append(tag)
    pieces.append(body[last:])
    return "".join(pieces)


def size_and_defer_images(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    body = context.get("body")
    if isinstance(body, str) and "<img" in body:
        context["body"] = fix_images(body, image_sources(app))
