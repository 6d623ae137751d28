"""Markdown blocks: a page body → raw blocks (headings, paragraphs, lists) with inline spans
and source lines, using markdown-it-py. No meaning yet: that is the sections' work.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from publish.errors import PageError
from publish.model import Span
from publish.reader.deadline import check_deadline
from publish.reader.source import remove_invisible


@dataclass
class RawText:
    spans: list[Span]
    line: int

    @property
    def plain(self) -> str:
        return "".join(span.text for span in self.spans)


@dataclass
class RawHeading:
    level: int
    text: RawText


@dataclass
class RawParagraph:
    text: RawText


@dataclass
class RawItem:
    text: RawText
    children: list[Any] = field(default_factory=list)


@dataclass
class RawList:
    items: list[RawItem]
    ordered: bool
    line: int


RawBlock = RawHeading | RawParagraph | RawList


def raw_line(block: RawBlock) -> int:
    return block.line if isinstance(block, RawList) else block.text.line


MAX_NESTING = 10
"""Deepest nesting of lists and block quotes a page may have. Real pages nest 3 levels at
most; a large-print page has no room to indent much deeper (at 18 pt the PDF runs out of
line width after about 16 levels)."""


def parse_blocks(body: str, first_line: int = 1,
                 invisible: dict[str, int] | None = None) -> list[RawBlock]:
    """The raw blocks of a page body. Text is cleaned of invisible characters after
    markdown-it has decoded character references (`&#x202E;` is U+202E only then); each
    character removed is recorded in `invisible` with the line it was first found on."""
    body = _ITEM_GT.sub(r"\1\\>", body)
    body = _LINE_GT_NUMBER.sub(r"\1\\>", body)
    tokens = _MD.parse(body)
    _check_nesting(tokens, first_line)
    collector = _Collector(first_line, {} if invisible is None else invisible)
    out: list[RawBlock] = []
    collector.blocks(SyntaxTreeNode(tokens).children, out)
    return out


# A list item whose text starts with ">" is a dose threshold (`* >34 kg: 5 mg`), not a block
# quote: CommonMark would swallow the ">", so escape it before parsing. The indentation is
# spaces and tabs only: `\s*` would cross blank lines, and 200,000 of them took 491 s.
_ITEM_GT = re.compile(r"^([ \t]*+(?:[*+-]|\d{1,9}[.)])[ \t]++)>", re.MULTILINE)
# The same at the start of a line when a number follows (">10 kg: …" outside a list).
_LINE_GT_NUMBER = re.compile(r"^([ \t]{0,3})>(?=\s*+[=\d.,])", re.MULTILINE)
_CONTAINERS = frozenset({"bullet_list_open", "ordered_list_open", "blockquote_open"})


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    # Raw HTML blocks and indented code are not page structure here: read them as text.
    md.disable(["html_block", "code"])
    # markdown-it stops reading at its nesting limit (20 in the CommonMark preset, about 9
    # levels of lists) and silently drops the rest of the page, disclaimer included. Raise it
    # above what `_check_nesting` allows (a list level opens two tokens: list and item), so
    # that a page nested too deeply is refused instead of cut short.
    md.options["maxNesting"] = 2 * MAX_NESTING + 4
    # The time bound of the page, checked where each block starts and before links and
    # images (the inline rules that scan ahead: 200,000 "[" take seconds), so that it holds
    # inside markdown-it too when no alarm can interrupt it (not the main thread). Both
    # rules match nothing; plain text and emphasis never reach the inline one.
    md.block.ruler.before("table", "deadline", _block_deadline)
    md.inline.ruler.before("link", "deadline", _inline_deadline)
    return md


def _block_deadline(state: Any, start: int, end: int, silent: bool) -> bool:
    check_deadline()
    return False


def _inline_deadline(state: Any, silent: bool) -> bool:
    check_deadline()
    return False


_MD = _markdown()


def _check_nesting(tokens: Sequence[Any], first_line: int) -> None:
    depth = 0
    for token in tokens:
        if token.type in _CONTAINERS:
            depth += 1
            if depth > MAX_NESTING:
                line = (token.map[0] if token.map else 0) + first_line
                raise PageError(f"lists or quotes nested more than {MAX_NESTING} levels deep",
                                None, line)
        elif token.nesting == -1 and token.type.replace("_close", "_open") in _CONTAINERS:
            depth -= 1


_HTML_MARKS = {"sub": "sub", "sup": "sup", "i": "italic", "em": "italic", "b": "bold",
               "strong": "bold"}
_SPACES = re.compile(r"[ \t]{2,}")
_HTML_TAG = re.compile(r"^<(/?)([a-zA-Z]+)\s*/?>$")


class _Collector:
    """Walks markdown-it's syntax tree into raw blocks, recording the invisible characters
    removed from the decoded text."""

    def __init__(self, first_line: int, invisible: dict[str, int]) -> None:
        self.first_line = first_line
        self.invisible = invisible

    def line(self, node: SyntaxTreeNode) -> int:
        return (node.map[0] if node.map else 0) + self.first_line

    def blocks(self, nodes: Iterable[SyntaxTreeNode], out: list[Any]) -> None:
        for node in nodes:
            check_deadline()
            kind = node.type
            if kind == "heading":
                out.append(RawHeading(int(node.tag[1]), self.inline_text(node)))
            elif kind == "paragraph":
                text = self.inline_text(node)
                if text.plain.strip():
                    out.append(RawParagraph(text))
            elif kind in ("bullet_list", "ordered_list"):
                items = [self.item(child) for child in node.children]
                out.append(RawList(items, kind == "ordered_list", self.line(node)))
            elif kind == "blockquote":
                self.blocks(node.children, out)
            elif kind in ("fence", "code_block", "html_block"):
                content = node.content.strip("\n")
                if content.strip():
                    line = self.line(node)
                    out.append(RawParagraph(RawText(self.cleaned([Span(content)], line),
                                                    line)))
            # hr: a visual separator, no text

    def item(self, node: SyntaxTreeNode) -> RawItem:
        children: list[Any] = []
        self.blocks(node.children, children)
        if children and isinstance(children[0], RawParagraph):
            # Loose items: paragraphs after the first stay children; tight text is one unit.
            text = children.pop(0).text
        else:
            text = RawText([], self.line(node))
        return RawItem(text, children)

    def inline_text(self, node: SyntaxTreeNode) -> RawText:
        spans: list[Span] = []
        line = self.line(node)
        for child in node.children:
            if child.type == "inline":
                _Inline(spans).walk(child.children, frozenset())
        return RawText(merge_runs(self.cleaned(spans, line)), line)

    def cleaned(self, spans: list[Span], line: int) -> list[Span]:
        """The spans without invisible characters (see `remove_invisible`)."""
        out = []
        for span in spans:
            text, removed = remove_invisible(span.text)
            for char in removed:
                self.invisible.setdefault(char, line)
            out.append(Span(text, span.marks) if removed else span)
        return out


class _Inline:
    """Inline nodes → spans with their marks (bold, italic, and the HTML `<sub>`, `<sup>`,
    `<i>`, `<b>`… marks, counted while open: a count, not a list, so that 100,000 unclosed
    tags do not make every later span copy them all)."""

    def __init__(self, out: list[Span]) -> None:
        self.out = out
        self.open: Counter[str] | None = None  # made at the first HTML mark
        self.open_marks: frozenset[str] = frozenset()

    def walk(self, nodes: Iterable[SyntaxTreeNode], marks: frozenset[str]) -> None:
        out = self.out
        for node in nodes:
            kind = node.type
            current = marks | self.open_marks
            if kind == "text":
                out.append(Span(_SPACES.sub(" ", node.content), current))
            elif kind == "code_inline":
                out.append(Span(node.content, current))
            elif kind in ("softbreak", "hardbreak"):
                out.append(Span(" ", current))
            elif kind == "strong":
                self.walk(node.children, marks | {"bold"})
            elif kind == "em":
                self.walk(node.children, marks | {"italic"})
            elif kind == "link":
                # Keep the link text; the address is never followed (untrusted content).
                self.walk(node.children, marks)
            elif kind == "image":
                alt = "".join(c.content for c in node.children if c.type == "text")
                if alt:
                    out.append(Span(alt, current))
            elif kind == "html_inline":
                self.html(node.content, current)
            elif node.children:
                self.walk(node.children, marks)
            else:
                out.append(Span(node.content, current))

    def html(self, content: str, current: frozenset[str]) -> None:
        match = _HTML_TAG.match(content.strip())
        tag = match.group(2).lower() if match else ""
        if match and tag in _HTML_MARKS:
            mark = _HTML_MARKS[tag]
            if self.open is None:
                self.open = Counter()
            if match.group(1):
                if self.open[mark]:
                    self.open[mark] -= 1
            else:
                self.open[mark] += 1
            self.open_marks = frozenset(mark for mark, count in self.open.items() if count)
        elif match and tag == "br":
            self.out.append(Span(" ", current))
        else:
            self.out.append(Span(content, current))  # shown as text, never as markup


def merge_runs(spans: Iterable[Span]) -> list[Span]:
    """`merge_spans` in linear time: the texts of each run of spans with the same marks are
    joined once (adding them one by one copies the run again for every span: 200,000 line
    breaks in a paragraph took seconds)."""
    merged: list[Span] = []
    texts: list[str] = []
    marks: frozenset[str] = frozenset()
    for span in spans:
        if not span.text:
            continue
        if span.marks == marks:
            texts.append(span.text)
            continue
        if texts:
            merged.append(Span("".join(texts), marks))
        texts, marks = [span.text], span.marks
    if texts:
        merged.append(Span("".join(texts), marks))
    return merged
