"""Figures that neither shift the page nor load before they are needed.

Every ``<img>`` in a page's body gets its pixel ``width`` and ``height`` (read from the
PNG that is published), so the browser reserves its box before the file arrives (no
layout shift; ``book/_static/book.css`` lets it scale down to the column), and
``decoding="async"``. Images further down than a phone's first screen also get
``loading="lazy"``: a reader who never scrolls to them never downloads them. "First
screen" is estimated from the text before the image (``ABOVE_THE_FOLD`` characters, about
what a 375 px wide screen shows under the header).

The published PNGs are stored with a palette of at most 256 colours (``compress_figures``,
when the build ends): a chart has a few colours plus the anti-aliased shades between them,
so the picture stays the same to the eye (checked per file, see ``palette_png``) and the
file is about three times smaller (1.74 MB to 0.58 MB for the whole book). A file that
would change more, or not shrink, is left as it was.
"""

from __future__ import annotations

import html
import io
import os
import re
import struct
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

IMG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\ssrc="([^"]+)"')
TAG = re.compile(r"<[^>]+>")
#: Characters of text before an image beyond which it counts as below the first screen.
ABOVE_THE_FOLD = 600
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Largest change (0-255) of a colour channel that the palette may make to the 99.9 % of
#: pixels it changes least (the rest are single anti-aliased pixels on thin lines), and
#: the largest average change over all pixels.
MAX_CHANNEL_CHANGE = 48
MAX_MEAN_CHANGE = 1.0


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


def palette_png(data: bytes) -> bytes | None:
    """``data`` (a PNG) with a palette of at most 256 colours, or None to keep the original.

    Median cut on the opaque colours (Pillow): the few colours that fill most pixels, the
    white background among them, are kept exactly. None when the file is a palette,
    greyscale or partly transparent image, when the palette would change a colour visibly
    (on average more than ``MAX_MEAN_CHANGE``, or by more than ``MAX_CHANNEL_CHANGE`` on
    more than 0.1 % of the pixels), or when it would not be smaller. Deterministic: the same
    input gives the same bytes (builds are compared byte for byte).
    """
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.format != "PNG" or image.mode not in ("RGB", "RGBA"):
            return None
        image.load()
        if image.mode == "RGBA" and image.getextrema()[3][0] < 255:
            return None  # transparent pixels: a palette could not keep their edges
        rgb = image.convert("RGB")
        palette = rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                               dither=Image.Dither.NONE)
        change = np.abs(np.asarray(palette.convert("RGB"), dtype=np.int16)
                        - np.asarray(rgb, dtype=np.int16)).max(axis=-1)
        if (change.mean() > MAX_MEAN_CHANGE
                or np.percentile(change, 99.9) > MAX_CHANNEL_CHANGE):
            return None
        out = io.BytesIO()
        palette.save(out, "PNG", optimize=True)
    smaller = out.getvalue()
    return smaller if len(smaller) < len(data) else None


def compress_figures(app: Sphinx, exception: Exception | None) -> None:
    """Rewrite the PNGs this build published in ``_images/`` with a palette (build end).

    Each file is replaced atomically (written next to it, then renamed), so an
    interrupted build leaves the original or the new file, never half of one.
    """
    if exception is not None or app.builder.format != "html":
        return
    from gdcode._files import write_atomically  # the project's one atomic writer

    folder = Path(app.outdir, getattr(app.builder, "imagedir", "_images"))
    for name in sorted(image_sources(app)):
        path = folder / name
        if path.suffix.lower() != ".png" or not path.is_file():
            continue
        try:
            smaller = palette_png(path.read_bytes())
        except (OSError, ValueError) as error:
            logger.warning("theme_fixes: cannot read the figure %s: %s", path, error)
            continue
        if smaller is not None:
            write_atomically(path, smaller)
