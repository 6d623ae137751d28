"""Braille pages: wrapping translated text into lines of cells and lines into numbered pages.

The rules are the usual ones of BANA's *Braille Formats* and UKAAF's braille guidance, kept
simple enough to check by machine:

- every line holds at most `cells` cells, every page at most `lines` lines, pages end with a
  form feed;
- the braille page number stands alone, right-aligned, on the last line of every page;
- headings are centred (the title and section headings) or start in cell 5 (sub-headings),
  with a blank line before them (none at the top of a page), and never end a page: a heading
  moves to the next page with the first line after it;
- paragraphs start in cell 3 and run over to cell 1; list items start in cell 1 and run over
  to cell 3, two cells deeper per level of nesting;
- lines break between braille words; a word longer than a whole line is divided with a hyphen
  at a cell boundary where the cells on each side come from different print letters, so no
  capital or number sign is parted from its letter (and contractions, one cell each, are never
  split).

Text arrives as print; `Translator.forward` turns each block into cells at once, so a
contraction is chosen knowing the whole word and its neighbours.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from publish.braille.liblouis import Cells

HYPHEN = "-"
"""Dots 3-6, the hyphen in UEB and in Spanish braille."""
MIN_PIECE = 2
"""Cells a divided word keeps on each side of the break, at least."""
CENTRE_MARGIN = 3
"""Blank cells kept on each side of a centred heading (BANA)."""


class Style(enum.StrEnum):
    CENTRED = "centred"
    """The title and section headings."""
    SUBHEADING = "subheading"
    """A heading starting in cell 5."""
    PARAGRAPH = "paragraph"
    """First line in cell 3, runovers in cell 1."""
    ITEM = "item"
    """A list item: first line in cell 1 (deeper per level), runovers two cells in."""


@dataclass(frozen=True)
class Block:
    """One piece of the document in print, with how it is laid out."""

    text: str
    style: Style
    level: int = 0
    """Nesting depth of a list item (0 for a top-level item)."""
    blank_before: bool = False


@dataclass(frozen=True)
class Page:
    lines: tuple[str, ...]
    number: int


def wrap(cells: Cells, width: int, first: int = 0, runover: int = 0) -> list[str]:
    """Lines of at most `width` cells: the first indented by `first` cells, the others by
    `runover`; breaks between words, dividing only words longer than a line."""
    brf = cells.brf
    lines: list[str] = []
    start = 0
    length = len(brf)
    while start < length and brf[start] == " ":
        start += 1
    while start < length:
        indent = first if not lines else runover
        room = max(width - indent, MIN_PIECE + 1)
        end = min(start + room, length)
        if end < length and brf[end] != " ":
            space = brf.rfind(" ", start, end)
            if space > start:
                end = space
            else:
                end = _divide(cells, start, room)
        piece = brf[start:end].rstrip(" ")
        divided = end < length and brf[end] != " " and brf[end - 1] != " "
        if divided and not piece.endswith(HYPHEN):
            piece += HYPHEN
        lines.append(" " * indent + piece)
        start = end
        while start < length and brf[start] == " ":
            start += 1
    return lines


def _divide(cells: Cells, start: int, room: int) -> int:
    """Where to end a line inside a word starting at `start` that does not fit in `room`
    cells: after a hyphen of the word if there is one, else at the last clean boundary that
    leaves room for the hyphen added, else (no clean boundary at all) at the limit."""
    brf = cells.brf
    limit = start + room
    hyphen = brf.rfind(HYPHEN, start + MIN_PIECE, limit)
    if hyphen >= 0 and hyphen + 1 < len(brf):
        return hyphen + 1
    for end in range(limit - 1, start + MIN_PIECE - 1, -1):
        if cells.clean_break(end) and end - start + 1 <= room:
            return end
    return limit - 1


def centre(cells: Cells, width: int) -> list[str]:
    """A centred heading: wrapped inside the margins, each line centred."""
    inner = width - 2 * CENTRE_MARGIN if width > 4 * CENTRE_MARGIN else width
    return [" " * ((width - len(line)) // 2) + line for line in wrap(cells, inner)]


def block_lines(block: Block, cells: Cells, width: int) -> list[str]:
    if block.style is Style.CENTRED:
        return centre(cells, width)
    if block.style is Style.SUBHEADING:
        return wrap(cells, width, 4, 4)
    if block.style is Style.PARAGRAPH:
        return wrap(cells, width, 2, 0)
    indent = min(2 * block.level, max(0, width - 12))
    return wrap(cells, width, indent, indent + 2)


def paginate(blocks: Iterable[Block], translate: Callable[[str], Cells], width: int,
             height: int, number: Callable[[int], str]) -> list[Page]:
    """The document as pages of at most `height` lines (the last holds the page number)."""
    body = height - 1
    pages: list[list[str]] = [[]]
    for block in blocks:
        lines = block_lines(block, translate(block.text), width)
        if not lines:
            continue
        current = pages[-1]
        gap = 1 if block.blank_before and current else 0
        if block.style in (Style.CENTRED, Style.SUBHEADING):
            # A heading never ends a page: it keeps the first line after it on its page.
            needed = gap + len(lines) + 1
            if current and len(current) + needed > body and needed <= body:
                pages.append([])
                current, gap = pages[-1], 0
        if gap and len(current) < body:
            current.append("")  # at the end of a full page the page break is the blank
        for line in lines:
            if len(current) >= body:
                pages.append([])
                current = pages[-1]
            current.append(line)
    return [Page(tuple(_with_number(lines, index + 1, width, body, number)), index + 1)
            for index, lines in enumerate(pages)]


def _with_number(lines: list[str], page: int, width: int, body: int,
                 number: Callable[[int], str]) -> list[str]:
    label = number(page)[:width]
    return [*lines, *[""] * (body - len(lines)), " " * (width - len(label)) + label]


def brf(pages: Iterable[Page]) -> str:
    """The BRF file: lines ended by a newline, every page ended by a form feed."""
    return "".join("".join(line.rstrip(" ") + "\n" for line in page.lines) + "\f"
                   for page in pages)


def body_text(data: str) -> str:
    """The braille of a BRF file's text, lines joined, page numbers left out: what a reader
    reads through, ready to back-translate (a word divided at a line end is joined again)."""
    out: list[str] = []
    for page in data.split("\f"):
        lines = page.split("\n")
        while lines and not lines[-1].strip():
            lines.pop()
        for line in lines[:-1]:  # the last line of a page holds its number alone
            line = line.strip()
            if not line:
                continue
            if out and out[-1].endswith(HYPHEN) and not out[-1].endswith((" -", ",-")):
                out[-1] = out[-1][:-1] + line
            else:
                out.append(line)
    return " ".join(out)
