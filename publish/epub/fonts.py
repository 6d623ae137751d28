"""The theme's fonts inside the publication: subset with fontTools, as WOFF2.

A reading system may not have the theme's typeface (Atkinson Hyperlegible for large print),
so the publication carries it, as EPUB 3.3 allows for any OpenType font. Whole faces are
about 100 KB each; a page needs few of their glyphs. Each face is cut to the characters of
the page plus a fixed base (Basic Latin, Latin-1, Latin Extended-A, general punctuation),
so most pages of one language ask for the same subset and it is made once per process.
fontTools is told not to stamp the time into the font, which keeps the EPUB's bytes the
same from one build to the next.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont

from publish.theme import FontFace, FontPackage, css_string

BASE = frozenset([*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2010, 0x2050),
                  0x20AC, 0x2122, 0x2212])
"""Characters every subset keeps, so a reader's notes or a search box still show them."""
_MAX_SUBSETS = 64
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
"""File names inside the publication: letters, digits, dot, dash (a variable font's file is
named like `NotoSansArabic[wdth,wght].ttf`)."""


@dataclass(frozen=True)
class EmbeddedFont:
    href: str
    """Path inside the publication (`fonts/AtkinsonHyperlegible-Regular.woff2`)."""
    data: bytes
    face: FontFace


class FontSubsets:
    """Subsets made in this process, by face and character set."""

    def __init__(self) -> None:
        self._made: dict[tuple[Path, frozenset[int]], bytes] = {}
        self._cmaps: dict[Path, frozenset[int]] = {}
        self._lock = threading.Lock()

    def embed(self, packages: list[FontPackage], text: str) -> list[EmbeddedFont]:
        """The theme's first font package, always; each later one (a fallback for another
        script, such as Noto Sans Arabic) only when it draws characters of the text that the
        packages before it do not."""
        wanted = frozenset(map(ord, text))
        used = BASE | wanted
        fonts = []
        covered: frozenset[int] = frozenset()
        for index, package in enumerate(packages):
            cmap = frozenset().union(*(self.cmap(face.path) for face in package.faces))
            if index and not (wanted - covered - BASE) & cmap:
                continue
            covered |= cmap
            for face in package.faces:
                name = _SAFE_NAME.sub("-", face.path.stem).strip("-")
                fonts.append(EmbeddedFont(f"fonts/{name}.woff2", self.subset(face.path, used),
                                          face))
        return fonts

    def cmap(self, path: Path) -> frozenset[int]:
        with self._lock:
            if path not in self._cmaps:
                font = TTFont(path, lazy=True)
                self._cmaps[path] = frozenset(font.getBestCmap())
                font.close()
            return self._cmaps[path]

    def subset(self, path: Path, used: frozenset[int]) -> bytes:
        cmap = self.cmap(path)
        with self._lock:
            key = (path, used & cmap)
            if key in self._made:
                return self._made[key]
        font = TTFont(path, recalcTimestamp=False)
        options = Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        subsetter = Subsetter(options)
        subsetter.populate(unicodes=sorted(key[1]))
        subsetter.subset(font)
        out = io.BytesIO()
        font.flavor = "woff2"
        font.save(out, reorderTables=True)
        data = out.getvalue()
        with self._lock:
            if len(self._made) >= _MAX_SUBSETS:
                self._made.pop(next(iter(self._made)))
            self._made[key] = data
        return data


def font_face_css(fonts: list[EmbeddedFont], stylesheet_folder: str = "") -> str:
    """`@font-face` rules for the embedded fonts, relative to the stylesheet."""
    rules = []
    for font in fonts:
        face = font.face
        href = font.href.removeprefix(stylesheet_folder)
        rules.append(f"@font-face {{ font-family: {css_string(face.family)}; "
                     f"src: url({css_string(href)}) format(\"woff2\"); "
                     f"font-weight: {face.weight}; font-style: {face.style}; }}")
    return "\n".join(rules)


OVERLAY_CSS = """
/* Media overlays: the text being read aloud (EPUB media:active-class), black on yellow
   (19:1), and an outline for readers who cannot tell the colours apart. */
.-epub-media-overlay-active {
  background-color: #ff0;
  color: #000;
  outline: 2pt solid #000;
}
"""
