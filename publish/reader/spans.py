"""Working with inline spans and words: stripping, splitting at a character, bold labels,
normalised words for matching. Every function is linear in its input.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from publish.model import Span
from publish.reader.blocks import RawText, merge_runs


def plain(spans: Sequence[Span]) -> str:
    return "".join(s.text for s in spans)


_EMPHASIS_MARKS = re.compile(r"[*_`]")
_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, one space between words, no emphasis marks or closing punctuation: the
    form headings and labels are matched in."""
    text = text.lower().replace("’", "'").replace("&", "and")
    text = _EMPHASIS_MARKS.sub("", text)
    return _WHITESPACE.sub(" ", text).strip(" :.-–—\t")


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _NOT_SLUG.sub("-", normalise(text)).strip("-")[:40] or "x"


def without_parentheses(text: str) -> str:
    r"""The text without its parenthesised parts: `re.sub(r"\(.*?\)", "", text)` in linear
    time (that regex scans to the end of the line from every "(" it cannot close: 100,000 of
    them took 49 s)."""
    pieces: list[str] = []
    start = search = 0
    close = -1
    while (opening := text.find("(", search)) != -1:
        if close < opening:
            close = text.find(")", opening)
            if close == -1:
                break
        newline = text.find("\n", opening, close)
        if newline != -1:  # "." does not cross lines: no match from this line's "("
            search = newline + 1
            continue
        pieces.append(text[start:opening])
        start = search = close + 1
    pieces.append(text[start:])
    return "".join(pieces)


def strip_spans(spans: list[Span]) -> list[Span]:
    spans = [s for s in spans if s.text]
    first, last = 0, len(spans)
    while first < last and not spans[first].text.strip():
        first += 1
    while last > first and not spans[last - 1].text.strip():
        last -= 1
    spans = spans[first:last]
    if spans:
        spans[0] = Span(spans[0].text.lstrip(), spans[0].marks)
        spans[-1] = Span(spans[-1].text.rstrip(), spans[-1].marks)
    return [s for s in spans if s.text]


def strip_colon(spans: Sequence[Span] | None) -> list[Span]:
    spans = strip_spans(list(spans or []))
    if spans and spans[-1].text.endswith(":"):
        spans[-1] = Span(spans[-1].text[:-1].rstrip(), spans[-1].marks)
    return [s for s in spans if s.text]


def cut_prefix(spans: list[Span], pattern: re.Pattern[str]) -> list[Span]:
    """Remove a prefix matching `pattern` from the plain text of `spans`."""
    match = pattern.match(plain(spans))
    if not match:
        return spans
    remaining = match.end()
    out: list[Span] = []
    for span in spans:
        if remaining >= len(span.text):
            remaining -= len(span.text)
            continue
        out.append(Span(span.text[remaining:], span.marks))
        remaining = 0
    return strip_spans(out)


def split_at(spans: list[Span], index: int, skip: int = 0) -> tuple[list[Span], list[Span]]:
    """Split spans at a character index of their plain text, dropping `skip` characters."""
    left: list[Span] = []
    right: list[Span] = []
    position = 0
    for span in spans:
        start, end = position, position + len(span.text)
        if end <= index:
            left.append(span)
        elif start >= index + skip:
            right.append(span)
        else:
            if index > start:
                left.append(Span(span.text[: index - start], span.marks))
            if end > index + skip:
                right.append(Span(span.text[max(index + skip - start, 0):], span.marks))
        position = end
    return strip_spans(left), strip_spans(right)


class SpanSlicer:
    """Pieces of a run of spans by character offsets of its plain text, each found by
    bisection (splitting the whole run for each of 20,000 comma items took minutes)."""

    def __init__(self, spans: list[Span]) -> None:
        self.spans = spans
        self.starts = list(accumulate((len(span.text) for span in spans), initial=0))

    def slice(self, start: int, end: int) -> list[Span]:
        """The spans between two offsets, stripped of surrounding spaces."""
        out: list[Span] = []
        index = max(bisect_right(self.starts, start) - 1, 0)
        while index < len(self.spans) and self.starts[index] < end:
            text = self.spans[index].text
            begin = max(start - self.starts[index], 0)
            stop = min(end - self.starts[index], len(text))
            if stop > begin:
                out.append(Span(text[begin:stop], self.spans[index].marks))
            index += 1
        return strip_spans(out)


def split_heading(spans: list[Span]) -> tuple[list[Span], list[Span]]:
    """`Usage: Caffeine is …` → (`Usage`, `Caffeine is …`); `Usage:` → (`Usage`, [])."""
    colon = plain(spans).find(":")
    if colon == -1:
        return spans, []
    return split_at(spans, colon, 1)


def join_parts(parts: list[RawText]) -> list[Span]:
    """The spans of several texts as one, a space between them."""
    spans: list[Span] = []
    for part in parts:
        if spans and part.spans:
            spans.append(Span(" "))
        spans.extend(part.spans)
    return merge_runs(spans)


@dataclass
class Label:
    """A leading bold label of a paragraph or item: `**Usage:** text`."""

    label: list[Span]
    rest: list[Span]

    @property
    def plain(self) -> str:
        return "".join(s.text for s in self.label).strip()


_BARE_LABEL = re.compile(r"^\s*+([A-Za-z][\w ,()/&'-]{0,40}?)\s*+:\s*")


def split_label(spans: Sequence[Span], *, bare: bool = False) -> Label | None:
    """Split `**Label:** rest` (colon inside or right after the bold text).

    With `bare`, also a plain `Label: rest` whose label is at most four words.
    """
    if not spans:
        return None
    first = spans[0]
    if "bold" in first.marks:
        label_text = first.text
        rest = list(spans[1:])
        if label_text.rstrip().endswith(":"):
            return Label([Span(label_text.rstrip()[:-1].rstrip(), first.marks - {"bold"})],
                         strip_spans(rest))
        if rest and rest[0].text.lstrip().startswith(":"):
            rest[0] = Span(rest[0].text.lstrip()[1:], rest[0].marks)
            return Label([Span(label_text.strip(), first.marks - {"bold"})], strip_spans(rest))
        if not "".join(s.text for s in rest).strip() and len(label_text.split()) <= 8 \
                and not label_text.rstrip().endswith(("?", ".")):
            return Label([Span(label_text.strip(), first.marks - {"bold"})], [])
        return None
    if bare:
        match = _BARE_LABEL.match(first.text)
        if match and len(match.group(1).split()) <= 4:
            rest = [Span(first.text[match.end():], first.marks), *spans[1:]]
            return Label([Span(match.group(1), first.marks)], strip_spans(rest))
    return None
