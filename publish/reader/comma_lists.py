"""Lists written as running text: `Headache, dizziness, nausea. Seek help if …`.

Side effects are often given inline after a label (`**Common:** a, b, c`). A sentence is a
list when it splits at top-level commas (or semicolons) into at least two short pieces and
does not read as prose.
"""

from __future__ import annotations

import re

from publish.model import Span
from publish.reader.spans import SpanSlicer, cut_prefix, plain, split_at, without_parentheses

SENTENCE_END = re.compile(r"(?<![A-Z][a-z])(?<!\be\.g)(?<!\bi\.e)[.!]\s++(?=[A-Z(])")
_SENTENCE_GAP = re.compile(r"^[.!\s]+")
_LEAD_IN = re.compile(r"^\s*((they|these|this|it|which|effects|symptoms|side effects)\s+)?"
                      r"((may|can|might)\s+)?"
                      r"(includes|included|including|include|are|such as)\b\s*:?\s*",
                      re.IGNORECASE)
_PROSE = re.compile(r"^(while|although|though|if|when|these|they|this|it|in|some|most|there|"
                    r"you|patients?|people)\b|\b(is|are|was|were|may|can|could|might|will|"
                    r"should|has|have|occur|occurs|possible)\b", re.IGNORECASE)


def comma_items(spans: list[Span]) -> tuple[list[list[Span]], list[list[Span]]] | None:
    """`Headache, dizziness, nausea. Seek help if …` → items and the other sentences.

    The first sentence that reads as a list (after a lead-in such as "They include") gives
    the items; the other sentences become notes. Returns None when no sentence is a list.
    """
    text = plain(spans)
    bounds = [0, *(m.end() for m in SENTENCE_END.finditer(text)), len(text)]
    for start, end in zip(bounds, bounds[1:]):
        lead = _LEAD_IN.match(text[start:end])
        offset = start + (lead.end() if lead else 0)
        body = text[offset:end].rstrip().rstrip(".!")
        pieces = _list_pieces(body)
        if pieces is None:
            continue
        item_spans: list[list[Span]] = []
        slicer = SpanSlicer(spans)
        for piece_start, piece_end in pieces:
            middle = slicer.slice(offset + piece_start, offset + piece_end)
            if plain(middle).strip():
                item_spans.append(middle)
        before, _ = split_at(spans, offset)
        _, after = split_at(spans, offset + len(body))
        notes = []
        if plain(before).strip():
            notes.append(before)
        if plain(after).lstrip(".! ").strip():
            notes.append(cut_prefix(after, _SENTENCE_GAP))
        return item_spans, notes
    return None


def _list_pieces(text: str) -> list[tuple[int, int]] | None:
    """Character ranges of the items of a comma (or semicolon) list, or None for prose."""
    separator = ";" if ";" in text else ","
    pieces = _split_top_level(text, separator)
    if len(pieces) < 2 or any(len(without_parentheses(p).split()) > 8 for p in pieces):
        return None
    if _PROSE.search(without_parentheses(pieces[0])):
        return None
    ranges = []
    position = 0
    for piece in pieces:
        begin = text.index(piece, position)
        position = begin + len(piece)
        ranges.append((begin, position))
    return ranges


def _split_top_level(text: str, separator: str) -> list[str]:
    """The pieces between separators outside parentheses and brackets."""
    pieces, depth, current = [], 0, []
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        if char == separator and depth == 0:
            pieces.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    pieces.append("".join(current).strip())
    return [p for p in pieces if p]
