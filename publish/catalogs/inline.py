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
from publish.model import MARKS, Span, Text, merge_spans

_OPEN = {"bold": "**", "italic": "*", "sub": "<sub>", "sup": "<sup>"}
_CLOSE = {"bold": "**", "italic": "*", "sub": "</sub>", "sup": "</sup>"}
# Outermost first: emphasis wraps sub/sup, never the other way round.
_NESTING = ("italic", "bold", "sub", "sup")
assert set(_NESTING) == set(MARKS)

_TOKEN = re.compile(
    r"\\[\\*_<>{}\[\]`#+\-.!]"  # backslash escape
    r"|\*\*|\*"
    r"|</?(?:sub|sup|b|strong|i|em)>",
    re.IGNORECASE)
_TAG_MARK = {"sub": "sub", "sup": "sup", "b": "bold", "strong": "bold", "i": "italic",
             "em": "italic"}
_SPACE = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Runs of whitespace (line breaks in the page's source included) become one space."""
    return _SPACE.sub(" ", text).strip()


_TAG_LOOKALIKE = re.compile(r"<(?=/?(?:sub|sup|b|strong|i|em)>)", re.IGNORECASE)


def _escape(text: str) -> str:
    """Literal text that would read as a mark: `\\`, `*` and tag-like `<sub>` get a backslash."""
    text = text.replace("\\", "\\\\").replace("*", "\\*")
    return _TAG_LOOKALIKE.sub(r"\\<", text)


def spans_msgid(spans: tuple[Span, ...]) -> str:
    """The catalog form of a run of spans: marks opened and closed only where they change.

    Whitespace takes only the marks on both sides of it, so `**bold** text` never becomes
    `**bold **text` (which no Markdown reader would take as bold).
    """
    chars: list[tuple[str, frozenset[str]]] = []
    for span in spans:
        for ch in collapse_inner(span.text):
            chars.append((ch, span.marks))
    while chars and chars[0][0] == " ":
        chars.pop(0)
    while chars and chars[-1][0] == " ":
        chars.pop()
    collapsed: list[tuple[str, frozenset[str]]] = []
    for ch, marks in chars:
        if ch == " " and collapsed and collapsed[-1][0] == " ":
            continue
        collapsed.append((ch, marks))
    for index, (ch, _marks) in enumerate(collapsed):
        if ch == " ":
            before = collapsed[index - 1][1]
            after = collapsed[index + 1][1]
            collapsed[index] = (ch, before & after)
    runs: list[tuple[str, frozenset[str]]] = []
    for ch, marks in collapsed:
        if runs and runs[-1][1] == marks:
            runs[-1] = (runs[-1][0] + ch, marks)
        else:
            runs.append((ch, marks))
    out: list[str] = []
    active: frozenset[str] = frozenset()
    for text, marks in runs:
        out.extend(_CLOSE[m] for m in reversed(_NESTING) if m in active - marks)
        out.extend(_OPEN[m] for m in _NESTING if m in marks - active)
        active = marks
        out.append(_escape(text))
    out.extend(_CLOSE[m] for m in reversed(_NESTING) if m in active)
    return "".join(out)


def collapse_inner(text: str) -> str:
    return _SPACE.sub(" ", text)


def msgid_of(text: Text) -> str:
    return spans_msgid(text.spans)


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
