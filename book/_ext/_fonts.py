"""Fonts cut down to the glyphs the book shows (fontTools, which matplotlib already needs).

Shared by ``theme_fixes/icons.py`` (Font Awesome's fonts: the few icons the theme's CSS
draws as glyphs) and ``offline_math`` (Noto Sans Math: the characters of the book's
formulas). A glyph that is not kept is drawn by the next font in the CSS font stack, so
the callers keep every character that any page may draw in the font.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

FLAVOURS = {".woff2": "woff2", ".woff": "woff", ".ttf": None, ".otf": None}


def subset_font(path: Path, unicodes: Iterable[int]) -> int:
    """Cut the font file ``path`` (in place, never half-written) down to ``unicodes``.

    Layout features and the fallback glyph are kept. Returns the new size in bytes. The
    font's modification date becomes ``SOURCE_DATE_EPOCH`` (fontTools reads it), so two
    builds of a commit write the same bytes.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from gdcode._files import write_atomically

    path = Path(path)
    if path.suffix not in FLAVOURS:
        raise ValueError(f"not a font file this can write: {path}")
    font = TTFont(path)
    options = subset.Options()
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(set(unicodes) & set(font.getBestCmap())))
    subsetter.subset(font)
    font.flavor = FLAVOURS[path.suffix]
    buffer = io.BytesIO()
    font.save(buffer)
    write_atomically(path, buffer.getvalue())
    return len(buffer.getvalue())
