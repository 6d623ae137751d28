"""The content model: the one contract between the reader and every renderer.

A `Leaflet` is what one medicine page means, independent of any output format. Everything here
is an immutable dataclass with no I/O; `to_dict` gives the JSON form documented in the README
(`publish show --json`), versioned by `SCHEMA_VERSION`.

Every text unit is a `Text`: inline spans (bold, italic, sub, sup) plus the source line it came
from and a stable id. The id is built from the section, the role of the unit and a hash of its
words, so it survives edits elsewhere on the page: catalogs use it as a reference and the build
uses it as a cache key.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, ClassVar, Generic, TypeVar, get_args

SCHEMA_VERSION = 1


class SectionKind(enum.StrEnum):
    GENERIC_NAME = "generic_name"
    USAGE = "usage"
    DOSAGE = "dosage"
    SIDE_EFFECTS = "side_effects"
    HOW_IT_WORKS = "how_it_works"
    PRECAUTIONS = "precautions"
    FAQS = "faqs"
    OTHER = "other"


class Severity(enum.StrEnum):
    COMMON = "common"
    SERIOUS = "serious"
    UNSPECIFIED = "unspecified"


class Origin(enum.StrEnum):
    """Where a safety text came from: the page itself or the site configuration."""

    PAGE = "page"
    SITE = "site"


class Status(enum.StrEnum):
    STRUCTURED = "structured"
    UNSTRUCTURED = "unstructured"


MARKS = ("bold", "italic", "sub", "sup")


@dataclass(frozen=True)
class Span:
    """A run of text with the same inline marks (a subset of `MARKS`)."""

    text: str
    marks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Text:
    """One text unit: what a translator sees as one string and a renderer as one run of prose."""

    spans: tuple[Span, ...]
    line: int
    id: str

    @property
    def plain(self) -> str:
        return "".join(span.text for span in self.spans)

    @property
    def markdown(self) -> str:
        """The text with its inline marks written back as Markdown/HTML (catalog form)."""
        return spans_to_markdown(self.spans)

    def __bool__(self) -> bool:
        return bool(self.plain.strip())


# --- blocks -----------------------------------------------------------------------------------
# Each block class names its `type`: the `type` of its JSON form, the name of the method a
# `BlockVisitor` has for it (`visit_<type>`) and what themes test (`block is block("list")`).


@dataclass(frozen=True)
class Paragraph:
    type: ClassVar[str] = "paragraph"

    text: Text


@dataclass(frozen=True)
class LabelledParagraph:
    """`**Adults:** 5 mg daily`: a bold label and the text it introduces (text may be empty)."""

    type: ClassVar[str] = "labelled_paragraph"

    label: Text
    text: Text


@dataclass(frozen=True)
class ListItem:
    """One item of a list or of a side-effect group (a part of those blocks, not a block)."""

    type: ClassVar[str] = "item"

    text: Text
    children: tuple[Block, ...] = ()


@dataclass(frozen=True)
class ItemList:
    type: ClassVar[str] = "list"

    items: tuple[ListItem, ...]
    ordered: bool = False


@dataclass(frozen=True)
class Callout:
    """A `**Note:**` / `**Important:**` paragraph inside a section (not the AI note)."""

    type: ClassVar[str] = "callout"

    label: Text
    body: tuple[Block, ...]


@dataclass(frozen=True)
class SideEffectGroup:
    """A group of side effects with what the page says about how common or serious they are.

    `label` is the group's own wording ("Less common but more serious side effects include:")
    and may be empty; `severity` is derived from it, `unspecified` when the page does not say.
    """

    type: ClassVar[str] = "side_effect_group"

    label: Text | None
    severity: Severity
    frequency: str | None
    items: tuple[ListItem, ...]
    notes: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Faq:
    type: ClassVar[str] = "faq"

    question: Text
    answer: tuple[Block, ...]


Block = Paragraph | LabelledParagraph | ItemList | Callout | SideEffectGroup | Faq
BLOCK_CLASSES: tuple[type[Block], ...] = get_args(Block)
"""Every block type: what a `BlockVisitor` must handle, one `visit_<type>` method each."""


@dataclass(frozen=True)
class Section:
    """A section of the page. On multi-ingredient pages `ingredient` names the group; the
    introduction of a group (text right under the ingredient's heading) is a section of kind
    `other` whose heading is empty: renderers show the group heading, not an empty one."""

    type: ClassVar[str] = "section"

    kind: SectionKind
    heading: Text
    blocks: tuple[Block, ...]
    ingredient: Text | None = None
    """The ingredient group this section belongs to on multi-ingredient pages, else None."""


@dataclass(frozen=True)
class SafetyText:
    """The disclaimer or the AI note: required on every leaflet, with where it came from."""

    text: Text
    origin: Origin


@dataclass(frozen=True)
class Warning:
    """Something the reader noticed that does not stop the page (shown by `publish check`)."""

    code: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class Leaflet:
    source: str
    """Source path relative to the content root, POSIX separators: the leaflet's key."""
    title: str
    generic_name: str | None
    language: str
    extras: tuple[tuple[str, Any], ...]
    """Front-matter keys other than `title`, in file order (values as YAML gave them)."""
    preamble: tuple[Block, ...]
    sections: tuple[Section, ...]
    disclaimer: SafetyText
    ai_note: SafetyText
    status: Status = Status.STRUCTURED
    warnings: tuple[Warning, ...] = field(default=(), compare=False)

    @property
    def section_kinds(self) -> list[str]:
        return [section.kind.value for section in self.sections]

    @property
    def ingredients(self) -> list[str]:
        seen: list[str] = []
        for section in self.sections:
            name = section.ingredient.plain if section.ingredient else None
            if name and name not in seen:
                seen.append(name)
        return seen

    def sections_of(self, kind: SectionKind) -> list[Section]:
        return [section for section in self.sections if section.kind is kind]

    def to_dict(self) -> dict[str, Any]:
        data = _to_jsonable(self)
        return {"schema": SCHEMA_VERSION, **data}


# --- dispatch on block type ------------------------------------------------------------------

R = TypeVar("R")


class BlockVisitor(Generic[R]):
    """Does one thing per block type: the one dispatch on block type of the whole package.

    A subclass has one method per block type, named `visit_<type>` after the class's `type`
    (`visit_paragraph`, `visit_labelled_paragraph`, `visit_list`, `visit_callout`,
    `visit_side_effect_group`, `visit_faq`); `visit(block, ...)` calls the block's method with
    the extra arguments given. The table from block class to method is built once per
    subclass. A block type without a method is a clear error where it is met, and
    `tests/test_blocks.py` fails first: it checks every visitor of the package against
    `BLOCK_CLASSES`, so a new block type cannot be forgotten by any consumer.
    """

    _visits: ClassVar[dict[type, Callable[..., Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._visits = {}
        for block_class in BLOCK_CLASSES:
            method = getattr(cls, f"visit_{block_class.type}", None)
            if method is not None:
                cls._visits[block_class] = method

    def visit(self, block: Block, /, *args: Any, **kwargs: Any) -> R:
        method = self._visits.get(type(block))
        if method is None:
            raise self._unhandled(block)
        result: R = method(self, block, *args, **kwargs)
        return result

    @classmethod
    def missing(cls) -> list[str]:
        """The block types this visitor has no method for (none, in a complete one)."""
        return [block.type for block in BLOCK_CLASSES if block not in cls._visits]

    def _unhandled(self, block: object) -> Exception:
        kind = type(block)
        if kind in BLOCK_CLASSES:
            name = kind.type  # type: ignore[attr-defined]
            return NotImplementedError(f"{type(self).__name__} has no visit_{name} method: "
                                       f"it cannot handle a {kind.__name__} block")
        return TypeError(f"{type(self).__name__}: not a block: {kind.__name__}")


class _NestedBlocks(BlockVisitor[tuple[tuple[Block, ...], ...]]):
    """The runs of blocks inside a block, in reading order."""

    def visit_paragraph(self, block: Paragraph) -> tuple[tuple[Block, ...], ...]:
        return ()

    def visit_labelled_paragraph(self, block: LabelledParagraph) -> tuple[tuple[Block, ...], ...]:
        return ()

    def visit_list(self, block: ItemList) -> tuple[tuple[Block, ...], ...]:
        return tuple(item.children for item in block.items)

    def visit_callout(self, block: Callout) -> tuple[tuple[Block, ...], ...]:
        return (block.body,)

    def visit_side_effect_group(self, block: SideEffectGroup) -> tuple[tuple[Block, ...], ...]:
        return (*(item.children for item in block.items), block.notes)

    def visit_faq(self, block: Faq) -> tuple[tuple[Block, ...], ...]:
        return (block.answer,)


class _BlockTexts(BlockVisitor[Iterator[Text]]):
    """The text units of a block in reading order, nested blocks included."""

    def visit_paragraph(self, block: Paragraph) -> Iterator[Text]:
        yield block.text

    def visit_labelled_paragraph(self, block: LabelledParagraph) -> Iterator[Text]:
        yield block.label
        yield block.text

    def visit_list(self, block: ItemList) -> Iterator[Text]:
        for item in block.items:
            yield from self._item(item)

    def visit_callout(self, block: Callout) -> Iterator[Text]:
        yield block.label
        for child in block.body:
            yield from self.visit(child)

    def visit_side_effect_group(self, block: SideEffectGroup) -> Iterator[Text]:
        if block.label is not None:
            yield block.label
        for item in block.items:
            yield from self._item(item)
        for child in block.notes:
            yield from self.visit(child)

    def visit_faq(self, block: Faq) -> Iterator[Text]:
        yield block.question
        for child in block.answer:
            yield from self.visit(child)

    def _item(self, item: ListItem) -> Iterator[Text]:
        yield item.text
        for child in item.children:
            yield from self.visit(child)


_NESTED = _NestedBlocks()
_TEXTS = _BlockTexts()
B = TypeVar("B", bound=Block)


# --- traversal --------------------------------------------------------------------------------


def iter_blocks(blocks: tuple[Block, ...]) -> Iterator[Block]:
    """Every block, depth first, in reading order (list children and FAQ answers included)."""
    for block in blocks:
        yield block
        for nested in _NESTED.visit(block):
            yield from iter_blocks(nested)


def blocks_of(blocks: tuple[Block, ...], kind: type[B]) -> list[B]:
    """The blocks of one type among `blocks` and the blocks nested in them, in reading order."""
    return [block for block in iter_blocks(blocks) if type(block) is kind]


def block_texts(block: Block) -> Iterator[Text]:
    """The text units of one block, in reading order, descending into nested blocks."""
    return _TEXTS.visit(block)


def leaflet_texts(leaflet: Leaflet, *, safety: bool = True) -> Iterator[Text]:
    """Every text unit of the leaflet in reading order (headings included)."""
    for block in leaflet.preamble:
        yield from block_texts(block)
    ingredient: Text | None = None
    for section in leaflet.sections:
        if section.ingredient is not None and section.ingredient != ingredient:
            ingredient = section.ingredient
            yield ingredient
        yield section.heading
        for block in section.blocks:
            yield from block_texts(block)
    if safety:
        yield leaflet.disclaimer.text
        yield leaflet.ai_note.text


# --- inline markdown --------------------------------------------------------------------------

_OPEN = {"bold": "**", "italic": "*", "sub": "<sub>", "sup": "<sup>"}
_CLOSE = {"bold": "**", "italic": "*", "sub": "</sub>", "sup": "</sup>"}
# Outermost first: emphasis wraps sub/sup, never the other way round.
_NESTING = ("italic", "bold", "sub", "sup")
_SPACE = re.compile(r"\s+")
_TAG_LOOKALIKE = re.compile(r"<(?=/?(?:sub|sup|b|strong|i|em)>)", re.IGNORECASE)


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Drop empty spans and join neighbours that carry the same marks."""
    merged: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        if merged and merged[-1].marks == span.marks:
            merged[-1] = Span(merged[-1].text + span.text, span.marks)
        else:
            merged.append(span)
    return merged


def spans_to_markdown(spans: tuple[Span, ...]) -> str:
    """The inline Markdown of a run of spans, as translators see it in the catalogs and the
    JSON model shows it (`publish.catalogs.inline.parse_spans` reads it back).

    Whitespace runs become one space and the edges are trimmed; marks are opened and closed
    only where they change, and a space takes only the marks on both sides of it, so
    `**bold** text` never becomes `**bold **text` (which no Markdown reader takes as bold)
    and an italic name inside a bold label stays `**a *b* c**`, not `***b*****`. A literal
    `*` or `\\` (and text that looks like a `<sub>` tag) gets a backslash.
    """
    # character by character, in linear time (a 256 KB paragraph is one text)
    chars = [(ch, span.marks) for span in spans for ch in _SPACE.sub(" ", span.text)]
    start, end = 0, len(chars)
    while start < end and chars[start][0] == " ":
        start += 1
    while end > start and chars[end - 1][0] == " ":
        end -= 1
    collapsed: list[tuple[str, frozenset[str]]] = []
    for ch, marks in chars[start:end]:
        if ch == " " and collapsed and collapsed[-1][0] == " ":
            continue
        collapsed.append((ch, marks))
    for index, (ch, _marks) in enumerate(collapsed):
        if ch == " ":
            collapsed[index] = (ch, collapsed[index - 1][1] & collapsed[index + 1][1])
    runs: list[tuple[list[str], frozenset[str]]] = []
    for ch, marks in collapsed:
        if runs and runs[-1][1] == marks:
            runs[-1][0].append(ch)
        else:
            runs.append(([ch], marks))
    out: list[str] = []
    active: frozenset[str] = frozenset()
    for text, marks in runs:
        out.extend(_CLOSE[m] for m in reversed(_NESTING) if m in active - marks)
        out.extend(_OPEN[m] for m in _NESTING if m in marks - active)
        active = marks
        out.append(_escape_marks("".join(text)))
    out.extend(_CLOSE[m] for m in reversed(_NESTING) if m in active)
    return "".join(out)


def _escape_marks(text: str) -> str:
    """Literal text that would read as a mark: `\\`, `*` and tag-like `<sub>` get a
    backslash."""
    text = text.replace("\\", "\\\\").replace("*", "\\*")
    return _TAG_LOOKALIKE.sub(r"\\<", text)


# --- JSON -------------------------------------------------------------------------------------

_TYPE_NAMES = {cls: cls.type for cls in (*BLOCK_CLASSES, ListItem, Section)}


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, Text):
        return {"id": value.id, "line": value.line, "text": value.plain,
                "markdown": value.markdown}
    if isinstance(value, enum.Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        data: dict[str, Any] = {}
        type_name = _TYPE_NAMES.get(type(value))
        if type_name is not None:
            data["type"] = type_name
        for f in fields(value):
            item = getattr(value, f.name)
            if f.name == "extras":
                data[f.name] = {key: _plain_json(val) for key, val in item}
            else:
                data[f.name] = _to_jsonable(item)
        return data
    if isinstance(value, (tuple, list)):
        return [_to_jsonable(item) for item in value]
    if isinstance(value, frozenset):
        return sorted(value)
    return value


def _plain_json(value: Any) -> Any:
    """Front-matter values as JSON can carry them (dates and other YAML types as strings;
    NaN and infinities, which JSON lacks, as their YAML text)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain_json(val) for key, val in value.items()}
    return str(value)
