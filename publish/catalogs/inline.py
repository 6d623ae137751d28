"""Inline Markdown in catalog strings: spans → msgid, and a translation → spans.

A translator sees one block of prose as one string with its inline marks written as Markdown
(`**bold**`, `*italic*`) or HTML (`<sub>`, `<sup>`), the only marks the content model has. The
translation is parsed back with the same small grammar, not full CommonMark, so that text such
as `<5 mg`, `a_b` or `{details}` stays literal in every language. A literal `*` or `\\` in the
text (and text that looks like a `<sub>` tag) is escaped with a backslash. A translation
whose marks do not balance is an error: it would otherwise print stray asterisks in a
patient leaflet.
"""

from __future__ import annotations

import re

from publish.errors import CatalogError
from publish.model import Span, Text, merge_spans, spans_to_markdown

_TAG_MARK = {"sub": "sub", "sup": "sup", "b": "bold", "strong": "bold", "i": "italic",
             "em": "italic"}
_OPEN = {"bold": "**", "italic": "*", "sub": "<sub>", "sup": "<sup>"}
_TOKEN = re.compile(
    r"\\[\\*_<>{}\[\]`#+\-.!]"  # backslash escape
    r"|\*\*|\*"
    r"|</?(?:sub|sup|b|strong|i|em)>",
    re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Runs of whitespace (line breaks in the page's source included) become one space."""
    return _SPACE.sub(" ", text).strip()


def msgid_of(text: Text) -> str:
    """The catalog string of a text: its inline Markdown (`publish.model.spans_to_markdown`,
    the one writer of it, also used by the JSON model)."""
    return spans_to_markdown(text.spans)


def collapse_inner(text: str) -> str:
    return _SPACE.sub(" ", text)


def parse_spans(markdown: str) -> tuple[Span, ...]:
    """Spans of a catalog string; raises ValueError when a mark is not closed."""
    spans: list[Span] = []
    active: list[str] = []
    position = 0
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            spans.append(Span("".join(buffer), frozenset(active)))
            buffer.clear()

    def toggle(mark: str) -> None:
        flush()
        if mark in active:
            active.remove(mark)
        else:
            active.append(mark)

    for match in _TOKEN.finditer(markdown):
        buffer.append(markdown[position:match.start()])
        token = match.group(0)
        position = match.end()
        if token.startswith("\\"):
            buffer.append(token[1:])
        elif token == "**":
            toggle("bold")
        elif token == "*":
            toggle("italic")
        else:
            closing = token.startswith("</")
            mark = _TAG_MARK[token.strip("</>").lower()]
            if closing and mark not in active:
                raise ValueError(f"{token} closes a mark that is not open")
            if not closing and mark in active:
                raise ValueError(f"{token} opens a mark that is already open")
            toggle(mark)
    buffer.append(markdown[position:])
    if active:
        names = ", ".join(_OPEN[mark] for mark in active)
        raise ValueError(f"unclosed inline mark {names}")
    flush()
    result = merge_spans(tuple(spans))
    # whitespace at the edges of the string is not part of the text
    if result:
        first, last = result[0], result[-1]
        result[0] = Span(first.text.lstrip(), first.marks)
        result[-1] = Span(result[-1].text.rstrip(), last.marks)
    return tuple(merge_spans(tuple(Span(collapse_inner(s.text), s.marks) for s in result)))


def parse_translation(markdown: str, line: int, text_id: str, path: object = None,
                      po_line: int | None = None) -> Text:
    """A translated string as a `Text` with the source unit's line and id (ids are stable
    across locales: anchors, caches and audio chapters line up between languages)."""
    try:
        spans = parse_spans(markdown)
    except ValueError as error:
        raise CatalogError(f"translation of unit {text_id}: {error}",
                           str(path) if path is not None else None, po_line) from None
    return Text(spans=spans, line=line, id=text_id)
