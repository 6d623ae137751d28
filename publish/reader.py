"""The reader: one medicine page (YAML front matter + Markdown) → one `Leaflet`.

Reading happens in three steps:

1. `load_source` decodes the file and splits off the front matter, with errors that name the
   file and line (bad YAML, not a mapping, no title, empty, binary, not UTF-8).
2. `parse_blocks` turns the Markdown body into a small tree of raw blocks (headings, paragraphs,
   lists) with inline spans and source lines, using markdown-it-py.
3. `LeafletBuilder` gives the raw blocks their meaning: sections from `### Heading`s or
   `**Heading:**` labels, ingredient groups, side-effect groups, FAQ items, call-outs, the
   disclaimer and the AI note. It never drops text: whatever it cannot classify stays as a
   paragraph or list in the section where it appeared.
"""

from __future__ import annotations

import codecs
import hashlib
import math
import re
import signal
import threading
import time
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from itertools import accumulate, groupby
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from publish.config import SiteConfig
from publish.errors import ConfigError, PageError
from publish.model import (
    Block,
    Callout,
    Faq,
    ItemList,
    LabelledParagraph,
    Leaflet,
    ListItem,
    Origin,
    Paragraph,
    SafetyText,
    Section,
    SectionKind,
    Severity,
    SideEffectGroup,
    Span,
    Status,
    Text,
    Warning,
)

# --- 0. the time bound ---------------------------------------------------------------------


class ReadTimeout(BaseException):
    """Reading a page ran out of time. A BaseException, so that no `except Exception` in the
    reader or in markdown-it can swallow it; `read_page` turns it into a `PageError`."""


_DEADLINE: ContextVar[float | None] = ContextVar("publish_read_deadline", default=None)


def check_deadline() -> None:
    """Raise `ReadTimeout` when the page being read is past its deadline (called in the
    reader's loops: works in any thread, between two steps)."""
    end = _DEADLINE.get()
    if end is not None and time.monotonic() > end:
        raise ReadTimeout()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Bound the reading of one page to `seconds`.

    Two mechanisms: a cooperative deadline (`check_deadline` in the reader's loops), which
    holds in any thread (Dask runs tasks in threads), and in the main thread an interval
    timer, which also interrupts one long step that never reaches a check (markdown-it on a
    dense page, a regex: `re` checks for signals while matching). An alarm already set that
    rings first (the build's job timeout) is left alone; one that rings later is set again,
    with the time left, when the page is read.
    """
    token: Token[float | None] | None = _DEADLINE.set(time.monotonic() + seconds)
    alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL) if alarm else (0.0, 0.0)
    alarm = alarm and not 0 < outer_delay <= seconds
    previous = signal.signal(signal.SIGALRM, _ring) if alarm else None
    started = time.monotonic()
    try:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        while True:
            # The alarm may ring during the clean-up itself (`signal.signal` runs pending
            # handlers): clean up again rather than leave this handler in place.
            try:
                if alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    signal.signal(signal.SIGALRM,
                                  signal.SIG_DFL if previous is None else previous)
                    alarm = False
                    if outer_delay > 0:
                        left = outer_delay - (time.monotonic() - started)
                        signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), outer_interval)
                if token is not None:
                    _DEADLINE.reset(token)
                    token = None
                break
            except ReadTimeout:
                continue


def _ring(signum: int, frame: Any) -> None:
    raise ReadTimeout()


def read_timeout(config: SiteConfig) -> float:
    """`[site] read_timeout`, which must be a positive number of seconds."""
    seconds = config.site["read_timeout"]
    if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
        raise ConfigError(f"[site] read_timeout: expected a positive number of seconds, got "
                          f"{seconds!r}", config.path)
    return float(seconds)


# --- 1. source ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    path: Path
    metadata: dict[str, Any]
    body: str
    body_line: int
    """1-based line of the file on which the body starts."""
    warnings: tuple[Warning, ...] = ()


def decode_page(data: bytes, path: Path) -> tuple[str, list[Warning]]:
    warnings: list[Warning] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise PageError(f"not valid UTF-16: {error.reason}", path) from None
        warnings.append(Warning("encoding", "page is UTF-16; UTF-8 is expected"))
    else:
        if b"\x00" in data:
            line = data[: data.index(b"\x00")].count(b"\n") + 1
            raise PageError("binary file (NUL byte), not a Markdown page", path, line)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise PageError(f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the page "
                            "as UTF-8", path, line) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise PageError("binary file (NUL character), not a Markdown page", path, line)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, removed = remove_invisible(text)
    if removed:
        first = min(removed.values())
        warnings.append(Warning("invisible", _invisible_message(removed), first))
    return text, warnings


# Characters that change how text looks without being text, removed from every page:
# bidirectional embeddings and overrides (U+202A-U+202E: an override shows "51 mg" for the
# "15 mg" the page says, while speech reads "15"), zero-width spaces and invisible operators
# that hide inside numbers and names, stray byte-order marks, tag characters (invisible
# ASCII), and control characters (an escape sequence would reach terminals and SMS). Kept:
# tab and newline, the isolates U+2066-U+2069 and the marks U+200E/U+200F that right-to-left
# text needs, and the joiners U+200C/U+200D of emoji and Indic scripts.
_INVISIBLE = re.compile(
    "(\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F)"  # subdivision flags are tag sequences
    "|([\x01-\x08\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060-\u2064\ufeff"
    "\ufff9-\ufffb\U000E0000-\U000E007F])")
_CONTROL_SPACE = re.compile("[\x0b\x0c]")
_CONTROL_NAMES = {"\x07": "BELL", "\x08": "BACKSPACE", "\x0b": "LINE TABULATION",
                  "\x0c": "FORM FEED", "\x1b": "ESCAPE", "\x7f": "DELETE", "\x85": "NEXT LINE"}


def remove_invisible(text: str) -> tuple[str, dict[str, int]]:
    """The text without invisible and control characters, and each one removed with the
    line it was first found on. Vertical tab and form feed become spaces."""
    removed: dict[str, int] = {}

    def drop(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        char = match.group(2)
        if char not in removed:
            removed[char] = text.count("\n", 0, match.start()) + 1
        return ""

    for match in _CONTROL_SPACE.finditer(text):
        if match.group(0) not in removed:
            removed[match.group(0)] = text.count("\n", 0, match.start()) + 1
    text = _CONTROL_SPACE.sub(" ", text)
    return _INVISIBLE.sub(drop, text), removed


def _invisible_message(removed: dict[str, int]) -> str:
    names = [f"U+{ord(char):04X} "
             f"{unicodedata.name(char, '') or _CONTROL_NAMES.get(char, 'CONTROL')}"
             for char in sorted(removed, key=removed.__getitem__)]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return (f"removed invisible or control characters ({shown}): they can hide text or show "
            "it in another order than it is read")


_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)


MAX_PAGE_BYTES = 256 * 1024
"""Largest page read, in bytes: about 25 times the longest real medicine page. A bigger file
is not a leaflet: printing or speaking it would tie a worker up for hours, and parsing dense
Markdown costs about 650 bytes of memory per byte of page (a 1 MB page of emphasis: 650 MB)."""


def load_source(path: Path, max_bytes: int = MAX_PAGE_BYTES,
                data: bytes | None = None) -> Source:
    """The page at `path` (or its bytes, given as `data`, read on another machine)."""
    if data is None:
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise PageError(_too_big(size, max_bytes), path)
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)  # the file may have grown since stat
        except OSError as error:
            raise PageError(f"cannot read: {error.strerror or error}", path) from None
    if len(data) > max_bytes:
        raise PageError(_too_big(len(data), max_bytes), path)
    text, warnings = decode_page(data, path)
    if not text.strip():
        raise PageError("empty page", path, 1)
    metadata: dict[str, Any] = {}
    body, body_line = text, 1
    if text.startswith("---") and _FENCE.match(text):
        closing = _FENCE.search(text, text.index("\n") + 1 if "\n" in text else len(text))
        if closing is None:
            raise PageError("front matter is not closed (no second '---' line)", path, 1)
        yaml_text = text[text.index("\n") + 1: closing.start()]
        body = text[closing.end():].removeprefix("\n")
        body_line = text[: closing.end()].count("\n") + 2
        try:
            loaded = yaml.load(yaml_text, Loader=_FrontMatterLoader) \
                if yaml_text.strip() else {}
        except _DuplicateKey as duplicate:
            raise PageError(f"duplicate key {duplicate.key!r} in front matter", path,
                            duplicate.line + 2) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise PageError(f"invalid YAML in front matter: {problem}", path, line) from None
        except (ValueError, OverflowError) as error:
            # PyYAML builds numbers and dates itself: a 5,000-digit number or 2024-13-45
            # fails there, outside its own error type.
            problem = str(error).splitlines()[0] if str(error) else type(error).__name__
            if "digits" in problem:
                problem = "a number too long to read"
            raise PageError(f"invalid YAML in front matter: {problem}", path, 2) from None
        except RecursionError:
            raise PageError("invalid YAML in front matter: nested too deeply", path,
                            2) from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise PageError(f"front matter must be a mapping of keys to values, not a "
                            f"{_yaml_type(loaded)}", path, 2)
        problem = _metadata_problem(loaded)
        if problem is not None:
            raise PageError(f"front matter {problem}", path, 2)
        metadata = {}
        for key, value in loaded.items():
            metadata[_clean_value(str(key), warnings)] = _clean_value(value, warnings)
    return Source(path, metadata, body, body_line, tuple(warnings))


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(key)
        self.key, self.line = key, line


class _FrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML's safe loader (libyaml's when installed, as python-frontmatter uses), refusing a
    key given twice in one mapping: YAML would silently keep the last `title:`."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *defaults`: merged keys may be overridden
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable):
                if key in seen:
                    raise _DuplicateKey(key, key_node.start_mark.line)
                seen.add(key)
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]


def _too_big(size: int, limit: int) -> str:
    return f"page is {_size(size)}, more than the {_size(limit)} a medicine page may have"


def _size(count: int) -> str:
    return f"{count / 1048576:.1f} MB" if count >= 1048576 else f"{count / 1024:.0f} KB"


MAX_METADATA_VALUES = 10_000
MAX_METADATA_DEPTH = 20


def _metadata_problem(value: Any) -> str | None:
    """Why front matter cannot be used, or None: YAML aliases can make a few lines expand to
    billions of values ("billion laughs") or refer to themselves, which every later walk
    (the JSON output, the build's fingerprints) would follow for ever."""
    count = 0
    active: set[int] = set()

    def walk(item: Any, depth: int) -> str | None:
        nonlocal count
        count += 1
        if count > MAX_METADATA_VALUES:
            return f"has more than {MAX_METADATA_VALUES:,} values (YAML aliases?)"
        if depth > MAX_METADATA_DEPTH:
            return f"is nested more than {MAX_METADATA_DEPTH} levels deep"
        if isinstance(item, (list, dict)):
            if id(item) in active:
                return "refers to itself (a YAML alias inside its own anchor)"
            active.add(id(item))
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                problem = walk(key, depth + 1) or walk(child, depth + 1)
                if problem:
                    return problem
            active.discard(id(item))
        return None

    return walk(value, 0)


def _clean_value(value: Any, warnings: list[Warning]) -> Any:
    """Front-matter strings without invisible characters (YAML escapes such as "\\u202e" and
    "\\e" get past the cleaning of the page text), and numbers JSON can carry: `.nan`,
    `.inf` and `-.inf` (or a number too big for a float) stay as that YAML text, a string
    (JSON has no such numbers: Python would write `NaN`, which no JSON reader accepts)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    if isinstance(value, str):
        cleaned, removed = remove_invisible(value)
        if removed:
            warnings.append(Warning("invisible", _invisible_message(removed), 2))
        return cleaned
    if isinstance(value, list):
        return [_clean_value(item, warnings) for item in value]
    if isinstance(value, dict):
        return {_clean_value(key, warnings): _clean_value(item, warnings)
                for key, item in value.items()}
    return value


def _yaml_type(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number",
            bool: "boolean"}.get(type(value), type(value).__name__)


# --- 2. raw blocks ---------------------------------------------------------------------------


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

# A list item whose text starts with ">" is a dose threshold (`* >34 kg: 5 mg`), not a block
# quote: CommonMark would swallow the ">", so escape it before parsing. The indentation is
# spaces and tabs only: `\s*` would cross blank lines, and 200,000 of them took 491 s.
_ITEM_GT = re.compile(r"^([ \t]*+(?:[*+-]|\d{1,9}[.)])[ \t]++)>", re.MULTILINE)
# The same at the start of a line when a number follows (">10 kg: …" outside a list).
_LINE_GT_NUMBER = re.compile(r"^([ \t]{0,3})>(?=\s*+[=\d.,])", re.MULTILINE)
_HTML_MARKS = {"sub": "sub", "sup": "sup", "i": "italic", "em": "italic", "b": "bold",
               "strong": "bold"}
_SPACES = re.compile(r"[ \t]{2,}")
_HTML_TAG = re.compile(r"^<(/?)([a-zA-Z]+)\s*/?>$")


MAX_NESTING = 10
"""Deepest nesting of lists and block quotes a page may have. Real pages nest 3 levels at
most; a large-print page has no room to indent much deeper (at 18 pt the PDF runs out of
line width after about 16 levels)."""
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
    # The time bound of the page, checked where each block and each inline token starts, so
    # that it holds inside markdown-it too when no alarm can interrupt it (not the main
    # thread). Both rules match nothing.
    md.block.ruler.before("table", "deadline", _block_deadline)
    md.inline.ruler.before("text", "deadline", _inline_deadline)
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


def parse_blocks(body: str, first_line: int = 1,
                 invisible: dict[str, int] | None = None) -> list[RawBlock]:
    """The raw blocks of a page body. Text is cleaned of invisible characters after
    markdown-it has decoded character references (`&#x202E;` is U+202E only then); each
    character removed is recorded in `invisible` with the line it was first found on."""
    body = _ITEM_GT.sub(r"\1\\>", body)
    body = _LINE_GT_NUMBER.sub(r"\1\\>", body)
    tokens = _MD.parse(body)
    _check_nesting(tokens, first_line)
    tree = SyntaxTreeNode(tokens)
    out: list[RawBlock] = []
    _collect(tree.children, out, first_line, {} if invisible is None else invisible)
    return out


def _line(node: SyntaxTreeNode, offset: int) -> int:
    return (node.map[0] if node.map else 0) + offset


def _collect(nodes: Iterable[SyntaxTreeNode], out: list[Any], offset: int,
             invisible: dict[str, int]) -> None:
    for node in nodes:
        check_deadline()
        kind = node.type
        if kind == "heading":
            level = int(node.tag[1])
            out.append(RawHeading(level, _inline_of(node, offset, invisible)))
        elif kind == "paragraph":
            text = _inline_of(node, offset, invisible)
            if text.plain.strip():
                out.append(RawParagraph(text))
        elif kind in ("bullet_list", "ordered_list"):
            items = [_item(child, offset, invisible) for child in node.children]
            out.append(RawList(items, kind == "ordered_list", _line(node, offset)))
        elif kind == "blockquote":
            _collect(node.children, out, offset, invisible)
        elif kind in ("fence", "code_block", "html_block"):
            content = node.content.strip("\n")
            if content.strip():
                line = _line(node, offset)
                out.append(RawParagraph(RawText(_cleaned([Span(content)], line, invisible),
                                                line)))
        # hr: a visual separator, no text


def _item(node: SyntaxTreeNode, offset: int, invisible: dict[str, int]) -> RawItem:
    children: list[Any] = []
    _collect(node.children, children, offset, invisible)
    if children and isinstance(children[0], RawParagraph):
        first = children.pop(0)
        text = first.text
        # Loose items: paragraphs after the first stay children; tight text is one unit.
    else:
        text = RawText([], _line(node, offset))
    return RawItem(text, children)


def _inline_of(node: SyntaxTreeNode, offset: int, invisible: dict[str, int]) -> RawText:
    spans: list[Span] = []
    line = _line(node, offset)
    for child in node.children:
        if child.type == "inline":
            _inline(child.children, frozenset(), spans, Counter())
    return RawText(_merge(_cleaned(spans, line, invisible)), line)


def _cleaned(spans: list[Span], line: int, invisible: dict[str, int]) -> list[Span]:
    """The spans without invisible characters (see `remove_invisible`)."""
    out = []
    for span in spans:
        text, removed = remove_invisible(span.text)
        for char in removed:
            invisible.setdefault(char, line)
        out.append(Span(text, span.marks) if removed else span)
    return out


def _merge(spans: Iterable[Span]) -> list[Span]:
    """`merge_spans` in linear time: each run of spans with the same marks is joined once
    (adding the texts one by one copies the run again for every span: 200,000 line breaks
    in a paragraph took seconds)."""
    return [Span("".join(span.text for span in run), marks)
            for marks, run in groupby((span for span in spans if span.text),
                                      key=lambda span: span.marks)]


def _inline(nodes: Iterable[SyntaxTreeNode], marks: frozenset[str], out: list[Span],
            html_stack: Counter[str]) -> None:
    """`html_stack` counts the HTML marks open (`<sub>`): a count, not a list, so that
    100,000 unclosed tags do not make every later span copy them all."""
    for node in nodes:
        kind = node.type
        current = marks | frozenset(mark for mark, count in html_stack.items() if count)
        if kind == "text":
            out.append(Span(_SPACES.sub(" ", node.content), current))
        elif kind == "code_inline":
            out.append(Span(node.content, current))
        elif kind in ("softbreak", "hardbreak"):
            out.append(Span(" ", current))
        elif kind == "strong":
            _inline(node.children, marks | {"bold"}, out, html_stack)
        elif kind == "em":
            _inline(node.children, marks | {"italic"}, out, html_stack)
        elif kind == "link":
            # Keep the link text; the address is never followed (untrusted content).
            _inline(node.children, marks, out, html_stack)
        elif kind == "image":
            alt = "".join(c.content for c in node.children if c.type == "text")
            if alt:
                out.append(Span(alt, current))
        elif kind == "html_inline":
            match = _HTML_TAG.match(node.content.strip())
            tag = match.group(2).lower() if match else ""
            if match and tag in _HTML_MARKS:
                mark = _HTML_MARKS[tag]
                if match.group(1):
                    if html_stack[mark]:
                        html_stack[mark] -= 1
                else:
                    html_stack[mark] += 1
            elif match and tag == "br":
                out.append(Span(" ", current))
            else:
                out.append(Span(node.content, current))  # shown as text, never as markup
        elif node.children:
            _inline(node.children, marks, out, html_stack)
        else:
            out.append(Span(node.content, current))


# --- 3. meaning -------------------------------------------------------------------------------


_EMPHASIS_MARKS = re.compile(r"[*_`]")
_WHITESPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace("&", "and")
    text = _EMPHASIS_MARKS.sub("", text)
    return _WHITESPACE.sub(" ", text).strip(" :.-–—\t")


_SECTION_PATTERNS: list[tuple[SectionKind, re.Pattern[str]]] = [
    (SectionKind.GENERIC_NAME, re.compile(r"^(generic names?|generic|active ingredients?)\b")),
    (SectionKind.USAGE, re.compile(
        r"^(usage|uses?|indications?|what (is it|it is|is \w+) used for|used for|"
        r"medical uses?|therapeutic uses?)\b")),
    (SectionKind.DOSAGE, re.compile(
        r"^(dosage|doses?|dosing|administration|how to (take|use)|posology|"
        r"recommended dos\w+)\b")),
    (SectionKind.SIDE_EFFECTS, re.compile(
        r"^(side[- ]effects?|adverse (effects?|reactions?|events?)|possible side effects)\b")),
    (SectionKind.HOW_IT_WORKS, re.compile(
        r"^(how (it|they|does it|do they|\w+) works?|mechanism( of action)?|"
        r"pharmacology|mode of action)\b")),
    (SectionKind.PRECAUTIONS, re.compile(
        r"^(precautions?|warnings?( and precautions)?|contraindications?|"
        r"cautions?)\b")),
    (SectionKind.FAQS, re.compile(
        r"^(faqs?|frequently asked questions|common questions|questions and answers)\b")),
]

_CALLOUT_LABELS = re.compile(
    r"^(note|notes|important|important note|important information|warning|caution|tip|"
    r"please note|remember|attention|important considerations?|key points?|"
    r"important safety information|nb)$")
_DISCLAIMER_LABEL = re.compile(r"^((medical|important|legal)\s+)?disclaimers?$")
_AI_NOTE_TEXT = re.compile(
    r"\b(ai[- ]generated|generated by (an )?(ai|artificial intelligence|a language model)|"
    r"crowd[- ]?sourced|large language model)\b", re.IGNORECASE)
_DISCLAIMER_TEXT = re.compile(
    r"(not (intended as |a )?(substitute|replacement) for|does not constitute (medical|"
    r"professional)|not (be )?(considered |construed as |intended as )?medical advice|"
    r"for (general|informational|educational) (knowledge|information|purposes)|"
    r"informational purposes only|general knowledge)", re.IGNORECASE)
# Possessive quantifiers (`*+`) wherever two runs of the same characters meet: `\s*\d*\s*`
# tries every way to share a run of spaces between them ("Q" + 120,000 spaces: 64 s).
_QUESTION_PREFIX = re.compile(r"^\s*+(q|question)\s*+\d*+\s*+[:.)]\s*", re.IGNORECASE)
_ANSWER_PREFIX = re.compile(r"^\s*+(?:[*_]\s*+)?(a|answer)\s*+[:.)]\s*", re.IGNORECASE)
_INLINE_ANSWER = re.compile(r"(?:^|\s)(?:A|Answer)\s*+:\s*")
# A frequency in parentheses ("(>10%)", "(1/100)", "(1 in 10)") or a frequency word. The
# parenthesis is tested with lookaheads that each scan it once: written as `[^()]*\d[^()]*%`,
# a 100,000-digit label took minutes.
_FREQUENCY = re.compile(
    r"\((?=[^()\d]*+\d[^()%]*+%|[^()]*?1\s*+/\s*+\d|[^()]*?\d\s*+(?:in|out of)\s*+\d)"
    r"([^()]*+)\)"
    r"|\b(very common|very rare|uncommon|less common|common|rare|frequent|infrequent)\b",
    re.IGNORECASE)
_SERIOUS = re.compile(
    r"\b(serious|severe|seriously|emergency|life[- ]threatening|immediate(ly)? medical|"
    r"seek (immediate )?medical|get medical help|call your doctor|stop (taking|using)|"
    r"dangerous|fatal)\b", re.IGNORECASE)
_COMMON = re.compile(r"(?<!less )(?<!un)\b(common|mild|frequent|most common|more common)\b",
                     re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[a-z_ ]{2,40}\}|\[(specific|insert|name of|drug name|medication"
                          r"|condition)[^\]]{0,40}\]", re.IGNORECASE)
_SHARED_QUALIFIER = re.compile(r"\b(both|combined|combination|general|together|all)\b",
                               re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*(\d{1,2}|[ivx]{1,4}|[a-h])[.)]\s+", re.IGNORECASE)


# --- reading like a safety text -------------------------------------------------------------

_NEGATION = re.compile(r"\b(?:not|no|never|nor|neither|without|cannot)\b|n't\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.;:!?,()\[\]]")
_PROFESSIONALS = (r"(?:doctors?|physicians?|pharmacists?|clinicians?|nurses?|experts?|"
                  r"specialists?|professionals?|medical (?:team|staff|board|experts?|"
                  r"professionals?)|healthcare (?:team|professionals?|providers?))")
# What a disclaimer or an AI note must never say, whatever comes before it.
_REVERSING = re.compile(
    r"\bnot\s++(?:(?:just|only|merely|simply)\s++)?(?:for\s++)?(?:general|informational|"
    r"educational)\s++(?:knowledge|information|purposes)"
    r"|\bnot\s++(?:an?\s++)?(?:ai|artificial intelligence|machine|computer)[- ]generated"
    r"|\bnot\s++(?:been\s++)?generated\s++by\s++(?:an?\s++)?(?:ai|artificial intelligence|"
    r"machine|computer|(?:large\s++)?language model)"
    r"|\b(?:no|without)\s++(?:need|reason)\s++to\s++(?:consult|see|ask|check with|talk to|"
    r"speak to|visit)"
    r"|\b(?:do|does|did)(?:\s++not|n't)\s++(?:need|have)\s++to\s++(?:consult|see|ask|check "
    r"with|talk to|speak to|visit)"
    r"|\bhuman[- ]written\b|\bno\s++ai\b",
    re.IGNORECASE)
# Claims that reverse a safety text unless negated ("does not constitute medical advice").
_CONTRARY = re.compile(
    r"\b(?:is|are|be|as|constitutes?|provides?|represents?|counts as|serves as|considered|"
    r"treated as|taken as|offers?|gives?)\s++(?:an?\s++)?(?:(?:professional|personal|"
    r"personali[sz]ed|official|qualified|real|proper|reliable|expert|verified|definitive|"
    r"actual|individual|specific)\s++){0,2}(?:medical|clinical|professional|doctor'?s?|"
    r"health(?:care)?)\s++(?:advice|guidance|instructions?|recommendations?)\b"
    r"|\b(?:written|verified|checked|reviewed|approved|validated|certified|authored|prepared|"
    r"confirmed|endorsed)\s++by\s++(?:\w++\s++){0,3}?" + _PROFESSIONALS +
    r"|\bfollow\s++(?:(?:it|this|these|them|the|all|every|each)\s++)?(?:\w++\s++)?"
    r"(?:exactly|precisely|strictly|to the letter|without question)"
    r"|\b(?:instead of|rather than|replaces?|in place of)\s++(?:consulting|seeing|asking|"
    r"visiting|talking to|speaking to|your|a|an)\b"
    r"|\b(?:100\s*+%|completely|fully|entirely|totally|always|guaranteed(?:\s++to\s++be)?)"
    r"\s++(?:accurate|correct|safe|reliable|true)\b",
    re.IGNORECASE)
# Characters that show nothing: Hangul fillers, the braille blank (letters and symbols to
# Unicode, but a page of them is as empty as one of spaces).
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


@dataclass(frozen=True)
class Problem:
    """Why a page's disclaimer or AI note cannot be used: it has no visible text (`empty`),
    or `claim` quotes the words that negate or contradict it."""

    empty: bool = False
    claim: str = ""


def safety_problem(text: str, key: str) -> Problem | None:
    """None when `text` reads like a disclaimer (`key` "disclaimer") or an AI note
    ("ai_note"): some visible text, no negation of what it must say ("not AI-generated",
    "not for general knowledge", "no need to consult a doctor") and no contrary claim left
    unnegated ("is medical advice", "verified by doctors", "follow it exactly", "replaces
    your doctor", "100% accurate"). When in doubt the site text is used."""
    if not any(unicodedata.category(char)[0] in "LN" and char not in _FILLERS
               for char in text):
        return Problem(empty=True)
    reversing = _REVERSING.search(text)
    if reversing:
        return Problem(claim=reversing.group(0))
    for match in _CONTRARY.finditer(text):
        if not _negated(text, match.start()):
            return Problem(claim=match.group(0))
    # The words that made the paragraph a candidate must not be negated themselves:
    # "This leaflet isn't AI-generated", "It is not for informational purposes".
    cue = _AI_NOTE_TEXT if key == "ai_note" else _DISCLAIMER_TEXT
    cues = list(cue.finditer(text))
    if cues and all(_negated(text, match.start()) and not _NEGATION.search(match.group(0))
                    for match in cues):
        return Problem(claim=text[max(0, cues[0].start() - 20):cues[0].end()].strip())
    return None


def _negated(text: str, position: int) -> bool:
    """Whether the words just before `position` (at most six, in the same clause) negate
    what follows: "does not constitute", "has not been reviewed by"."""
    before = text[max(0, position - 80):position]
    clause = before[max((m.end() for m in _CLAUSE_END.finditer(before)), default=0):]
    return bool(_NEGATION.search(" ".join(clause.split()[-6:])))


def classify_heading(text: str) -> tuple[SectionKind, str]:
    """(kind, value) for a heading or label; the value is text after `Heading:` if any."""
    words = text.strip()
    head, sep, value = words.partition(":")
    normal = _norm(head)
    for kind, pattern in _SECTION_PATTERNS:
        if pattern.match(normal):
            rest = normal[pattern.match(normal).end():].strip()  # type: ignore[union-attr]
            # "Usage (Drug)", "Side effects of X", "FAQs about X": qualifiers are fine;
            # "Usage in pregnancy" too. A long tail means a sentence, not a heading.
            if len(rest.split()) <= 6:
                return kind, value.strip() if sep else ""
    return SectionKind.OTHER, value.strip() if sep else ""


_INGREDIENT_SEPARATOR = re.compile(r"\+|,|&|/|\band\b|\bwith\b")
MAX_INGREDIENTS = 32
"""Ingredients looked for in a title (real titles name at most 11): every heading and label is
compared with each, so a title of 20,000 names would make reading quadratic."""
MAX_INGREDIENT_WORDS = 16
"""Longest ingredient name looked for at the start of a heading (`Benzyl Nicotinate Usage`);
real ones have at most 8 words."""


def ingredient_names(title: str) -> list[str]:
    # The spaces around a separator are stripped from the parts rather than matched with
    # `\s*`: the regex would try every space as the start of a match (100,000 spaces: 315 s).
    parts = _INGREDIENT_SEPARATOR.split(title)
    names = []
    for index, part in enumerate(parts):
        if index > 0:
            part = part.lstrip()
        if index < len(parts) - 1:
            part = part.rstrip()
        part = without_parentheses(part).strip(" -.'\"")
        if len(part) >= 3:
            names.append(_norm(part))
    return names[:MAX_INGREDIENTS] if len(names) > 1 else []


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


@dataclass
class _Label:
    """A leading bold label of a paragraph or item: `**Usage:** text`."""

    label: list[Span]
    rest: list[Span]

    @property
    def plain(self) -> str:
        return "".join(s.text for s in self.label).strip()


_BARE_LABEL = re.compile(r"^\s*+([A-Za-z][\w ,()/&'-]{0,40}?)\s*+:\s*")


def split_label(spans: Sequence[Span], *, bare: bool = False) -> _Label | None:
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
            return _Label([Span(label_text.rstrip()[:-1].rstrip(), first.marks - {"bold"})],
                          _strip_spans(rest))
        if rest and rest[0].text.lstrip().startswith(":"):
            rest[0] = Span(rest[0].text.lstrip()[1:], rest[0].marks)
            return _Label([Span(label_text.strip(), first.marks - {"bold"})],
                          _strip_spans(rest))
        if not "".join(s.text for s in rest).strip() and len(label_text.split()) <= 8 \
                and not label_text.rstrip().endswith(("?", ".")):
            return _Label([Span(label_text.strip(), first.marks - {"bold"})], [])
        return None
    if bare:
        match = _BARE_LABEL.match(first.text)
        if match and len(match.group(1).split()) <= 4:
            rest = [Span(first.text[match.end():], first.marks), *spans[1:]]
            return _Label([Span(match.group(1), first.marks)], _strip_spans(rest))
    return None


def _strip_spans(spans: list[Span]) -> list[Span]:
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


def _plain(spans: Sequence[Span]) -> str:
    return "".join(s.text for s in spans)


def _cut_prefix(spans: list[Span], pattern: re.Pattern[str]) -> list[Span]:
    """Remove a prefix matching `pattern` from the plain text of `spans`."""
    match = pattern.match(_plain(spans))
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
    return _strip_spans(out)


class _SpanSlicer:
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
        return _strip_spans(out)


def _split_at(spans: list[Span], index: int, skip: int = 0) -> tuple[list[Span], list[Span]]:
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
    return _strip_spans(left), _strip_spans(right)


class _Ids:
    """Stable ids: `<section>.<role>.<hash of the words>`, with a counter for repeats."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def make(self, scope: str, role: str, plain: str) -> str:
        digest = hashlib.sha1(" ".join(plain.split()).encode("utf-8")).hexdigest()[:8]
        base = f"{scope}.{role}.{digest}"
        count = self.used.get(base, 0) + 1
        self.used[base] = count
        return base if count == 1 else f"{base}-{count}"


@dataclass
class _OpenSection:
    kind: SectionKind
    heading: Text
    ingredient: Text | None
    raw: list[RawBlock]
    scope: str
    line: int


@dataclass
class _Found:
    """A paragraph that may be the page's disclaimer or AI note: the list of blocks it is in,
    the block, and the text it gives."""

    holder: list[RawBlock]
    block: RawParagraph
    part: RawText


class LeafletBuilder:
    """Gives raw blocks their meaning. One builder per page."""

    def __init__(self, source: Source, config: SiteConfig, key: str):
        self.source = source
        self.config = config
        self.key = key
        self.ids = _Ids()
        self.warnings: list[Warning] = list(source.warnings)
        self.scopes: dict[str, int] = {}
        self.title = ""
        self.ingredient_names: list[str] = []

    # text units
    def text(self, spans: Sequence[Span], line: int, scope: str, role: str) -> Text:
        spans = _strip_spans(list(spans))
        return Text(tuple(spans), line, self.ids.make(scope, role, _plain(spans)))

    def scope_for(self, kind: SectionKind, ingredient: Text | None) -> str:
        base = kind.value
        if ingredient is not None:
            base = f"{_slug(ingredient.plain)}.{base}"
        count = self.scopes.get(base, 0) + 1
        self.scopes[base] = count
        return base if count == 1 else f"{base}{count}"

    def warn(self, code: str, message: str, line: int | None = None) -> None:
        self.warnings.append(Warning(code, message, line))

    # the page
    def build(self) -> Leaflet:
        meta = self.source.metadata
        invisible: dict[str, int] = {}
        blocks = parse_blocks(self.source.body, self.source.body_line, invisible)
        if invisible:  # written as character references (`&#x202E;`)
            self.warn("invisible", _invisible_message(invisible), min(invisible.values()))
        title = meta.get("title")
        if title is not None and not isinstance(title, (str, int, float)):
            raise PageError("title must be text", self.source.path, 2)
        title = str(title).strip() if title is not None else ""
        if blocks and isinstance(blocks[0], RawHeading) and blocks[0].level == 1:
            h1 = blocks.pop(0)
            if not title:
                title = h1.text.plain.strip()
            elif _norm(h1.text.plain).strip("\"'") != _norm(title).strip("\"'"):
                self.warn("title-mismatch", f"H1 {h1.text.plain!r} differs from the title "
                          f"{title!r}", h1.text.line)
        if not title:
            raise PageError("no title (add `title:` to the front matter or a `# Title` line)",
                            self.source.path, 1)
        self.title = title
        self.ingredient_names = ingredient_names(title)
        preamble_raw, opened = self.segment(blocks)
        disclaimer, ai_note, opened, preamble_raw = self.take_safety(opened, preamble_raw)
        sections = tuple(self.finish(section) for section in opened)
        preamble = tuple(self.plain_blocks(preamble_raw, "preamble"))
        sections = tuple(s for s in sections if s.blocks or s.heading)
        status = Status.STRUCTURED if any(s.kind is not SectionKind.OTHER for s in sections) \
            else Status.UNSTRUCTURED
        generic = self.generic_name(sections)
        self.check_placeholders(preamble, sections)
        language = meta.get("lang") or meta.get("language") or self.config.source_language
        extras = tuple((k, v) for k, v in meta.items() if k != "title")
        return Leaflet(
            source=self.key, title=title, generic_name=generic, language=str(language),
            extras=extras, preamble=preamble, sections=sections,
            disclaimer=disclaimer, ai_note=ai_note, status=status,
            warnings=tuple(self.warnings))

    # -- segmentation into sections
    def segment(self, blocks: list[RawBlock]) -> tuple[list[RawBlock], list[_OpenSection]]:
        preamble: list[RawBlock] = []
        sections: list[_OpenSection] = []
        ingredient: Text | None = None
        # An ingredient group opened by a heading whose sections are bold labels ends at the
        # next section heading of the same level (`### FAQs` after `### Drug` + `**Usage:**`).
        ingredient_level: int | None = None
        group_by_labels = False
        current: _OpenSection | None = None

        def open_section(kind: SectionKind, heading: RawText, value: list[Span]) -> None:
            nonlocal current, ingredient, ingredient_level, group_by_labels
            if ingredient is not None and _SHARED_QUALIFIER.search(heading.plain):
                # "FAQs (General for both drugs)", "Usage in combination": the whole page.
                ingredient, ingredient_level, group_by_labels = None, None, False
            scope = self.scope_for(kind, ingredient)
            text = self.text(_strip_colon(heading.spans), heading.line, scope, "heading")
            current = _OpenSection(kind, text, ingredient, [], scope, heading.line)
            sections.append(current)
            if _plain(value).strip():
                current.raw.append(RawParagraph(RawText(value, heading.line)))

        def add(block: RawBlock) -> None:
            nonlocal current
            if current is None and ingredient is not None:
                # Text right under an ingredient heading: the group's introduction, a
                # section with an empty heading.
                scope = self.scope_for(SectionKind.OTHER, ingredient)
                current = _OpenSection(SectionKind.OTHER, self.text([], 0, scope, "heading"),
                                       ingredient, [], scope, _raw_line(block))
                sections.append(current)
            (current.raw if current is not None else preamble).append(block)

        index = 0
        while index < len(blocks):
            block = blocks[index]
            index += 1
            check_deadline()
            if isinstance(block, RawHeading):
                head_spans = block.text.spans
                kind, _ = classify_heading(block.text.plain)
                if kind is not SectionKind.OTHER:
                    if ingredient is not None and group_by_labels and \
                            ingredient_level is not None and block.level <= ingredient_level:
                        ingredient, ingredient_level, group_by_labels = None, None, False
                    head, value = _split_heading(head_spans)
                    open_section(kind, RawText(head, block.text.line), value)
                    continue
                split = self.ingredient_prefix(block.text.plain)
                if split is not None:
                    name, kind = split
                    ingredient = self.text([Span(name)], block.text.line, _slug(name),
                                           "ingredient")
                    ingredient_level, group_by_labels = block.level, False
                    if kind is not SectionKind.OTHER:
                        open_section(kind, block.text, [])
                        continue
                    current = None
                    continue
                head, value = _split_heading(head_spans)
                open_section(SectionKind.OTHER, RawText(head, block.text.line), value)
                continue
            if isinstance(block, RawParagraph):
                label = split_label(block.text.spans)
                if label is not None:
                    kind, _ = classify_heading(label.plain + ":")
                    if kind is not SectionKind.OTHER and (current is None
                                                          or current.kind is not kind):
                        open_section(kind, RawText(label.label, block.text.line), label.rest)
                        group_by_labels = True
                        continue
                    if kind is SectionKind.OTHER and self.opens_ingredient(label, blocks,
                                                                           index):
                        ingredient = self.text(
                            _cut_prefix(label.label, _NUMBERED), block.text.line,
                            _slug(label.plain), "ingredient")
                        ingredient_level, group_by_labels = None, False
                        current = None
                        if label.rest:
                            add(RawParagraph(RawText(label.rest, block.text.line)))
                        continue
                add(block)
                continue
            if isinstance(block, RawList) and self.is_section_list(block):
                for item in block.items:
                    label = split_label(item.text.spans)
                    kind = classify_heading(label.plain + ":")[0] if label else SectionKind.OTHER
                    if label is not None and kind is not SectionKind.OTHER:
                        open_section(kind, RawText(label.label, item.text.line), label.rest)
                        assert current is not None
                        current.raw.extend(item.children)
                    else:
                        add(RawList([item], block.ordered, item.text.line))
                continue
            add(block)
        return preamble, sections

    def ingredient_prefix(self, text: str) -> tuple[str, SectionKind] | None:
        """`Heparin` → (Heparin, OTHER); `Benzyl Nicotinate Usage` → (…, USAGE); else None."""
        words = text.strip().rstrip(":").split()
        for cut in range(min(len(words) - 1, MAX_INGREDIENT_WORDS), 0, -1):
            head, tail = " ".join(words[:cut]), " ".join(words[cut:])
            kind = classify_heading(tail)[0]
            if kind is not SectionKind.OTHER and self.is_ingredient(head):
                return head, kind
        if self.is_ingredient(text):
            return text.strip().rstrip(":").strip(), SectionKind.OTHER
        return None

    def is_ingredient(self, text: str) -> bool:
        name = _norm(without_parentheses(_cut_prefix([Span(text)], _NUMBERED)[0].text
                                         if _cut_prefix([Span(text)], _NUMBERED) else text))
        if not name or not self.ingredient_names:
            return False
        return any(name == n or (len(name) >= 4 and (name in n or n in name))
                   for n in self.ingredient_names)

    def opens_ingredient(self, label: _Label, blocks: list[RawBlock], index: int) -> bool:
        """`**Heparin:**` opens an ingredient group only if section markers follow it."""
        if not (self.is_ingredient(label.plain) or _NUMBERED.match(label.plain)):
            return False
        if index >= len(blocks):
            return False
        following = blocks[index]
        if isinstance(following, RawParagraph):
            inner = split_label(following.text.spans)
            return inner is not None and \
                classify_heading(inner.plain + ":")[0] is not SectionKind.OTHER
        if isinstance(following, RawList):
            return self.is_section_list(following)
        return isinstance(following, RawHeading) and not label.rest

    def is_section_list(self, block: RawList) -> bool:
        kinds = []
        for item in block.items:
            label = split_label(item.text.spans)
            if label is not None:
                kind = classify_heading(label.plain + ":")[0]
                if kind is not SectionKind.OTHER:
                    kinds.append(kind)
        return len(set(kinds)) >= 3

    # -- disclaimer and AI note
    def take_safety(self, sections: list[_OpenSection], preamble: list[RawBlock]
                    ) -> tuple[SafetyText, SafetyText, list[_OpenSection], list[RawBlock]]:
        disclaimer_found: list[_Found] = []
        ai_found: list[_Found] = []
        for holder in [preamble, *(section.raw for section in sections)]:
            for block in holder:
                if not isinstance(block, RawParagraph):
                    continue
                label = split_label(block.text.spans)
                label_norm = _norm(label.plain) if label else ""
                if label is not None and _DISCLAIMER_LABEL.match(label_norm):
                    disclaimer_found.append(_Found(holder, block,
                                                   RawText(label.rest, block.text.line)))
                elif _AI_NOTE_TEXT.search(block.text.plain) and (
                        label is None or _CALLOUT_LABELS.match(label_norm)
                        or _DISCLAIMER_LABEL.match(label_norm)) \
                        and len(block.text.plain.split()) <= 80:
                    rest = label.rest if label is not None else block.text.spans
                    ai_found.append(_Found(holder, block, RawText(rest, block.text.line)))
        ai_note = self.page_safety_text("ai_note", ai_found)
        disclaimer = self.page_safety_text("disclaimer", disclaimer_found)
        if not disclaimer_found:
            found = self.unlabelled_disclaimer(sections, preamble)
            if found is not None:
                disclaimer = self.page_safety_text("disclaimer", [found])
        return (disclaimer or self.site_text("disclaimer"),
                ai_note or self.site_text("ai_note"), sections, preamble)

    def page_safety_text(self, key: str, found: list[_Found]) -> SafetyText | None:
        """The page's own disclaimer or AI note from the paragraphs found, or None (the site
        text is used) when there are none or they do not read like one: no visible text
        (warned, removed), or a negation or contradiction of what it must say (warned, kept
        as ordinary text where it was: nothing is dropped)."""
        if not found:
            return None
        spans = _join_parts([item.part for item in found])
        line = found[0].part.line
        problem = safety_problem(_plain(spans), key)
        name = "disclaimer" if key == "disclaimer" else "AI note"
        code = key.replace("_", "-")
        if problem is not None and problem.empty:
            self.warn(f"empty-{code}", f"the page's {name} has no visible text; the site "
                      f"{name} is used", line)
        elif problem is not None:
            self.warn(f"reversed-{code}", f"the page's {name} contradicts what it must say "
                      f"({problem.claim!r}); the site {name} is used and the page's text is "
                      "kept as text", line)
            return None
        for item in found:
            item.holder.remove(item.block)
        if problem is not None:
            return None
        return SafetyText(self.text(spans, line, "safety", key), Origin.PAGE)

    def site_text(self, key: str) -> SafetyText:
        wording = self.config.site[key]
        return SafetyText(self.text([Span(wording)], 0, "site", key), Origin.SITE)

    def unlabelled_disclaimer(self, sections: list[_OpenSection],
                              preamble: list[RawBlock]) -> _Found | None:
        """A final paragraph that reads like a disclaimer (`c/celecoxib.md` style)."""
        holder = sections[-1].raw if sections else preamble
        if not holder or not isinstance(holder[-1], RawParagraph):
            return None
        last = holder[-1]
        if sections and len(holder) == 1 and sections[-1].kind is not SectionKind.FAQS:
            return None  # the only text of a section is that section's content
        if _DISCLAIMER_TEXT.search(last.text.plain) and len(last.text.plain.split()) <= 150:
            return _Found(holder, last, last.text)
        return None

    # -- finishing sections
    def finish(self, section: _OpenSection) -> Section:
        if section.kind is SectionKind.FAQS:
            blocks = self.faq_blocks(section.raw, section.scope)
            if not any(isinstance(b, Faq) for b in blocks):
                self.warn("faq-without-questions", "FAQ section has no questions",
                          section.line)
        elif section.kind is SectionKind.SIDE_EFFECTS:
            blocks = self.side_effect_blocks(section.raw, section.scope)
        else:
            blocks = self.plain_blocks(section.raw, section.scope)
        if not blocks:
            self.warn("empty-section", f"section {section.heading.plain!r} is empty",
                      section.line)
        return Section(section.kind, section.heading, tuple(blocks), section.ingredient)

    def plain_blocks(self, raw: list[RawBlock], scope: str) -> list[Block]:
        out: list[Block] = []
        for block in raw:
            check_deadline()
            if isinstance(block, RawHeading):
                out.append(LabelledParagraph(
                    self.text(_strip_colon(block.text.spans), block.text.line, scope, "label"),
                    self.text([], block.text.line, scope, "text")))
            elif isinstance(block, RawParagraph):
                out.append(self.paragraph(block.text, scope))
            elif isinstance(block, RawList):
                out.append(self.item_list(block, scope))
        return out

    def paragraph(self, raw: RawText, scope: str) -> Block:
        label = split_label(raw.spans)
        if label is not None:
            label_text = self.text(label.label, raw.line, scope, "label")
            if _CALLOUT_LABELS.match(_norm(label.plain)):
                body: tuple[Block, ...] = ()
                if label.rest:
                    body = (Paragraph(self.text(label.rest, raw.line, scope, "p")),)
                return Callout(label_text, body)
            return LabelledParagraph(label_text, self.text(label.rest, raw.line, scope, "text"))
        return Paragraph(self.text(raw.spans, raw.line, scope, "p"))

    def item_list(self, raw: RawList, scope: str) -> ItemList:
        return ItemList(tuple(self.item(item, scope) for item in raw.items), raw.ordered)

    def item(self, raw: RawItem, scope: str) -> ListItem:
        check_deadline()
        return ListItem(self.text(raw.text.spans, raw.text.line, scope, "item"),
                        tuple(self.plain_blocks(raw.children, scope)))

    # -- side effects
    def side_effect_blocks(self, raw: list[RawBlock], scope: str) -> list[Block]:
        out: list[Block] = []
        index = 0
        while index < len(raw):
            block = raw[index]
            index += 1
            check_deadline()
            following = raw[index] if index < len(raw) else None
            if isinstance(block, (RawParagraph, RawHeading)) and isinstance(following, RawList) \
                    and self.introduces_list(block):
                index += 1
                out.extend(self.groups_from_list(following, scope, intro=block.text))
                continue
            if isinstance(block, RawList):
                out.extend(self.groups_from_list(block, scope, intro=None))
                continue
            if isinstance(block, RawParagraph):
                label = split_label(block.text.spans)
                if label is not None and label.rest and _severity_label(label.plain):
                    items = _comma_items(label.rest)
                    if items is not None:
                        out.append(self.group(label.label, block.text.line, scope,
                                              [RawItem(RawText(i, block.text.line))
                                               for i in items[0]], items[1]))
                        continue
            out.extend(self.plain_blocks([block], scope))
        return out

    def introduces_list(self, block: RawParagraph | RawHeading) -> bool:
        text = block.text.plain.strip()
        if isinstance(block, RawHeading):
            return True
        label = split_label(block.text.spans)
        if label is not None and not label.rest:
            return True
        return text.endswith(":") and len(text.split()) <= 40

    def groups_from_list(self, raw: RawList, scope: str, intro: RawText | None) -> list[Block]:
        """A list of side effects: one group, or one group per labelled item."""
        labelled = [split_label(item.text.spans, bare=True) for item in raw.items]
        severity_items = [lab for lab in labelled if lab is not None
                          and _severity_label(lab.plain)]
        out: list[Block] = []
        if intro is not None and severity_items and len(severity_items) == len(raw.items):
            out.append(self.paragraph(intro, scope))  # e.g. an ingredient sub-label
            intro = None
        if intro is None and severity_items and len(severity_items) >= len(raw.items) / 2:
            for item, lab in zip(raw.items, labelled):
                if lab is None or not _severity_label(lab.plain):
                    out.append(self.item_list(RawList([item], raw.ordered, item.text.line),
                                              scope))
                    continue
                items: list[RawItem] = []
                notes: list[list[Span]] = []
                if lab.rest:
                    split = _comma_items(lab.rest)
                    if split is not None:
                        items = [RawItem(RawText(i, item.text.line)) for i in split[0]]
                        notes = split[1]
                    else:
                        items = [RawItem(RawText(lab.rest, item.text.line))]
                nested = [c for c in item.children if isinstance(c, RawList)]
                others = [c for c in item.children if not isinstance(c, RawList)]
                for child in nested:
                    items.extend(child.items)
                group = self.group(lab.label, item.text.line, scope, items, notes)
                if others:
                    group = SideEffectGroup(group.label, group.severity, group.frequency,
                                            group.items,
                                            group.notes + tuple(self.plain_blocks(others, scope)))
                out.append(group)
            return out
        label_spans = None
        line = raw.line
        if intro is not None:
            label_spans = intro.spans
            line = intro.line
        out.append(self.group(label_spans, line, scope, raw.items, []))
        return out

    def group(self, label: list[Span] | None, line: int, scope: str, items: list[RawItem],
              notes: list[list[Span]]) -> SideEffectGroup:
        label_text = self.text(_strip_colon(label), line, scope, "group") if label else None
        wording = label_text.plain if label_text else ""
        # "Estradiol can cause effects ranging from mild to serious. Common ones include:":
        # the sentence that introduces the list says what the list is.
        sentences = [m for m in _SENTENCE_END.split(wording) if m.strip()]
        wording = sentences[-1] if sentences else wording
        severity = Severity.UNSPECIFIED
        if wording and _SERIOUS.search(wording):
            severity = Severity.SERIOUS
        elif wording and _COMMON.search(wording):
            severity = Severity.COMMON
        frequency = None
        matches = list(_FREQUENCY.finditer(wording)) if wording else []
        figures = [m.group(1) for m in matches if m.group(1)]
        if figures:
            frequency = figures[0].strip()
        elif matches:
            frequency = matches[0].group(2).strip()
        return SideEffectGroup(
            label=label_text, severity=severity, frequency=frequency,
            items=tuple(self.item(item, scope) for item in items),
            notes=tuple(Paragraph(self.text(note, line, scope, "note")) for note in notes))

    # -- FAQs
    def faq_blocks(self, raw: list[RawBlock], scope: str) -> list[Block]:
        out: list[Block] = []
        pending: tuple[list[Span], int] | None = None
        answer: list[Block] = []

        def flush() -> None:
            nonlocal pending, answer
            if pending is not None:
                out.append(Faq(self.text(pending[0], pending[1], scope, "q"), tuple(answer)))
            pending, answer = None, []

        def start(question: list[Span], line: int) -> None:
            flush()
            nonlocal pending
            pending = (_cut_prefix(question, _QUESTION_PREFIX), line)

        def add_answer(spans: list[Span], line: int, children: list[RawBlock]) -> None:
            spans = _cut_prefix(spans, _ANSWER_PREFIX)
            if _plain(spans).strip():
                answer.append(Paragraph(self.text(spans, line, scope, "a")))
            for child in children:
                # `* **Q: …?**` with the answer as a nested `* A: …` item.
                if isinstance(child, RawList) and child.items and all(
                        _ANSWER_PREFIX.match(item.text.plain) for item in child.items):
                    for item in child.items:
                        add_answer(item.text.spans, item.text.line, item.children)
                else:
                    answer.extend(self.plain_blocks([child], scope))

        for block in raw:
            check_deadline()
            units: list[tuple[RawText, list[RawBlock]]]
            if isinstance(block, RawList):
                units = [(item.text, item.children) for item in block.items]
                if not any(_split_question(t.spans) for t, _ in units) and pending is None:
                    out.append(self.item_list(block, scope))
                    continue
            elif isinstance(block, RawParagraph):
                units = [(block.text, [])]
            else:
                flush()
                out.extend(self.plain_blocks([block], scope))
                continue
            for text, children in units:
                pairs = _split_questions(text.spans)
                if pairs:
                    for question, rest in pairs:
                        start(question, text.line)
                        add_answer(rest, text.line, [])
                    add_answer([], text.line, children)
                elif pending is not None:
                    add_answer(text.spans, text.line, children)
                else:
                    out.extend(self.plain_blocks(
                        [RawParagraph(text)] if isinstance(block, RawParagraph)
                        else [RawList([RawItem(text, children)], False, text.line)], scope))
        flush()
        return out

    # -- extras
    def generic_name(self, sections: Sequence[Section]) -> str | None:
        for section in sections:
            if section.kind is SectionKind.GENERIC_NAME:
                for block in section.blocks:
                    if isinstance(block, Paragraph) and block.text:
                        return block.text.plain.strip()
                    if isinstance(block, LabelledParagraph):
                        return (block.text.plain or block.label.plain).strip()
                    if isinstance(block, ItemList) and block.items:
                        return block.items[0].text.plain.strip()
        return None

    def check_placeholders(self, preamble: Sequence[Block], sections: Sequence[Section]) -> None:
        from publish.model import block_texts

        for block in [*preamble, *(b for s in sections for b in s.blocks)]:
            for text in block_texts(block):
                match = _PLACEHOLDER.search(text.plain)
                if match:
                    self.warn("placeholder", f"template placeholder {match.group(0)!r} left "
                              "in the text", text.line)


def _raw_line(block: RawBlock) -> int:
    return block.line if isinstance(block, RawList) else block.text.line


def _split_heading(spans: list[Span]) -> tuple[list[Span], list[Span]]:
    """`Usage: Caffeine is …` → (`Usage`, `Caffeine is …`); `Usage:` → (`Usage`, [])."""
    plain = _plain(spans)
    colon = plain.find(":")
    if colon == -1:
        return spans, []
    head, rest = _split_at(spans, colon, 1)
    return head, rest


def _strip_colon(spans: Sequence[Span] | None) -> list[Span]:
    spans = _strip_spans(list(spans or []))
    if spans and spans[-1].text.endswith(":"):
        spans[-1] = Span(spans[-1].text[:-1].rstrip(), spans[-1].marks)
    return [s for s in spans if s.text]


def _join_parts(parts: list[RawText]) -> list[Span]:
    spans: list[Span] = []
    for part in parts:
        if spans and part.spans:
            spans.append(Span(" "))
        spans.extend(part.spans)
    return _merge(spans)


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    slug = _NOT_SLUG.sub("-", _norm(text)).strip("-")
    return slug[:40] or "x"


_SEVERITY_WORDS = re.compile(r"\b(rare|rarely|less common|uncommon|side effects?|reactions?|"
                             r"effects?)\b")


def _severity_label(label: str) -> bool:
    normal = _norm(label)
    return bool(_SERIOUS.search(normal) or _COMMON.search(normal) or _FREQUENCY.search(normal)
                or _SEVERITY_WORDS.search(normal))


_SENTENCE_END = re.compile(r"(?<![A-Z][a-z])(?<!\be\.g)(?<!\bi\.e)[.!]\s++(?=[A-Z(])")
_SENTENCE_GAP = re.compile(r"^[.!\s]+")
_LEAD_IN = re.compile(r"^\s*((they|these|this|it|which|effects|symptoms|side effects)\s+)?"
                      r"((may|can|might)\s+)?"
                      r"(includes|included|including|include|are|such as)\b\s*:?\s*",
                      re.IGNORECASE)
_PROSE = re.compile(r"^(while|although|though|if|when|these|they|this|it|in|some|most|there|"
                    r"you|patients?|people)\b|\b(is|are|was|were|may|can|could|might|will|"
                    r"should|has|have|occur|occurs|possible)\b", re.IGNORECASE)


def _comma_items(spans: list[Span]) -> tuple[list[list[Span]], list[list[Span]]] | None:
    """`Headache, dizziness, nausea. Seek help if …` → items and the other sentences.

    The first sentence that reads as a list (after a lead-in such as "They include") gives
    the items; the other sentences become notes. Returns None when no sentence is a list.
    """
    plain = _plain(spans)
    bounds = [0, *(m.end() for m in _SENTENCE_END.finditer(plain)), len(plain)]
    for start, end in zip(bounds, bounds[1:]):
        sentence = plain[start:end]
        lead = _LEAD_IN.match(sentence)
        offset = start + (lead.end() if lead else 0)
        body = plain[offset:end].rstrip().rstrip(".!")
        items = _list_pieces(body)
        if items is None:
            continue
        item_spans: list[list[Span]] = []
        slicer = _SpanSlicer(spans)
        for piece_start, piece_end in items:
            middle = slicer.slice(offset + piece_start, offset + piece_end)
            if _plain(middle).strip():
                item_spans.append(middle)
        before, _ = _split_at(spans, offset)
        _, after = _split_at(spans, offset + len(body))
        after_plain = _plain(after).lstrip(".! ")
        notes = []
        if _plain(before).strip():
            notes.append(before)
        if after_plain.strip():
            notes.append(_cut_prefix(after, _SENTENCE_GAP))
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


def _split_question(spans: list[Span]) -> tuple[list[Span], list[Span]] | None:
    pairs = _split_questions(spans)
    return pairs[0] if pairs else None


def _split_questions(spans: list[Span]) -> list[tuple[list[Span], list[Span]]]:
    """Find FAQ questions at the start of a paragraph or item.

    Shapes: `**Q: …?** A: …`, `**…?** answer`, `Q: …? A: …`, `*…?* answer *…?* answer`
    (several italic questions in one item), `**Q: …**` alone (answer follows).
    """
    if not spans:
        return []
    first = spans[0]
    plain = _plain(spans)
    if "bold" in first.marks or ("italic" in first.marks and first.text.strip().endswith("?")):
        # A bold question is every bold span at the start: `**Q: Is CO<sub>2</sub> safe?**`
        # is three spans, and the answer must not start with "2 safe?".
        count = 1
        while "bold" in first.marks and count < len(spans) and "bold" in spans[count].marks:
            count += 1
        question_text = _plain(spans[:count]).strip()
        is_question = question_text.endswith("?") or _QUESTION_PREFIX.match(question_text) \
            or question_text.endswith("?:")
        if is_question and not _ANSWER_PREFIX.match(question_text):
            rest = _strip_spans(list(spans[count:]))
            if "italic" in first.marks and "bold" not in first.marks:
                return [([Span(question_text)], r) for r in [rest]] if not any(
                    "italic" in s.marks and s.text.strip().endswith("?") for s in rest) \
                    else _italic_questions(spans)
            question = _strip_spans([Span(s.text, s.marks - {"bold"}) for s in spans[:count]])
            question[-1] = Span(question[-1].text.rstrip(":"), question[-1].marks)
            return [(question, rest)]
    match = _QUESTION_PREFIX.match(plain)
    if match:
        answer = _INLINE_ANSWER.search(plain, match.end())
        if answer:
            question, rest = _split_at(spans, answer.start(), answer.end() - answer.start())
            return [(question, rest)]
        question_end = plain.find("?", match.end())
        if question_end != -1:
            question, rest = _split_at(spans, question_end + 1)
            return [(question, rest)]
        return [(spans, [])]
    return []


def _italic_questions(spans: list[Span]) -> list[tuple[list[Span], list[Span]]]:
    pairs: list[tuple[list[Span], list[Span]]] = []
    for span in spans:
        if "italic" in span.marks and span.text.strip().endswith("?"):
            pairs.append(([Span(span.text.strip())], []))
        elif pairs:
            pairs[-1][1].append(span)
        else:
            pairs.append(([], [span]))
    return [(q, _strip_spans(a)) for q, a in pairs if q]


def read_page(path: Path, config: SiteConfig, key: str | None = None,
              data: bytes | None = None) -> Leaflet:
    """Read one page into a `Leaflet`; raises `PageError` (with file and line) if it can't.

    `data`, when given, is the page's content: errors still name `path`.
    """
    seconds = read_timeout(config)
    try:
        with time_limit(seconds):
            source = load_source(path, config.site["max_page_bytes"], data)
            return LeafletBuilder(source, config, key or path.name).build()
    except ReadTimeout:
        raise PageError(f"reading the page took longer than {seconds:g} s ([site] "
                        "read_timeout)", path) from None
    except PageError as error:
        if error.path is None:
            error.path = str(path)
        raise
    except RecursionError:
        raise PageError("structure nested too deeply to read", path) from None
