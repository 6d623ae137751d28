"""The translation units of a leaflet: what a translator sees, and where each one goes back.

One walk over the content model serves both directions. Extraction records every `Text` with
its place (medicine, section, role); localisation rebuilds the leaflet with each `Text`
replaced by its translation. Because both use the same walk and the same key function, the
catalog entry a string was extracted to is exactly the entry it is looked up in.

One unit is one block of prose (a paragraph, a list item, an FAQ question, one answer
paragraph, a heading, a label), never a sentence: a translator must be free to reorder and
merge sentences, and splitting medical text on full stops breaks "5.5 mg" and "e.g.".

The walk is a `BlockVisitor`: each block type says which of its fields a translator sees (a
side-effect group's frequency is not one of them), so a new block type fails the test of every
consumer until it is given a method here; the table of roles only decides the words of the
comment a translator reads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from publish.catalogs.inline import collapse, msgid_of
from publish.config import SiteConfig
from publish.model import (
    Block,
    BlockVisitor,
    Callout,
    Faq,
    ItemList,
    LabelledParagraph,
    Leaflet,
    ListItem,
    Paragraph,
    SafetyText,
    Section,
    SectionKind,
    SideEffectGroup,
    Span,
    Text,
    spans_to_markdown,
)

PAGE, SHARED = "page", "shared"

# Section headings every page of a kind shares: translated once, in the shared catalog.
# The list follows the corpus template (Generic Name, Usage, Dosage, Side Effects, How it
# Works, Precautions, FAQs on 98.9 % of pages) and its most frequent spellings.
SHARED_HEADINGS: tuple[str, ...] = (
    "Generic Name", "Usage", "Uses", "Dosage", "Side Effects", "How it Works", "How It Works",
    "Precautions", "Warnings", "Interactions", "Storage", "FAQs", "FAQ",
    "Frequently Asked Questions", "Mechanism of Action", "Contraindications",
)

# Containers that may end up empty when untranslated units are left out (threshold < 100 %).
_OPTIONAL_CONTAINERS = {"children", "notes", "preamble", "sections"}

CATEGORY_NAME, CATEGORY_HEADING, CATEGORY_PROSE, CATEGORY_SAFETY = (
    "name", "heading", "prose", "safety")
HEADING_CONTEXT = "heading"
"""`msgctxt` of a heading or label whose words also occur as running text on the page."""


@dataclass(frozen=True)
class Place:
    """Where a text unit sits: enough to tell a translator what it is."""

    frames: tuple[tuple[str, str], ...]
    """(dataclass name, field name) from the leaflet down to the text."""
    section: Section | None
    severity: str | None = None

    @property
    def safety(self) -> str | None:
        """`disclaimer` or `ai_note` for the two safety texts, else None."""
        for owner, name in self.frames:
            if owner == "Leaflet" and name in ("disclaimer", "ai_note"):
                return name
        return None

    def has(self, owner: str, name: str) -> bool:
        return (owner, name) in self.frames

    @property
    def role(self) -> str:
        owner, name = self.frames[-1] if self.frames else ("", "")
        if self.safety == "disclaimer":
            return "disclaimer"
        if self.safety == "ai_note":
            return "note that the text is AI-generated or crowd-sourced"
        base = {
            ("Section", "heading"): "section heading",
            ("Section", "ingredient"): "ingredient name (heads the sections of one ingredient)",
            ("LabelledParagraph", "label"): "bold label (introduces the text after it)",
            ("LabelledParagraph", "text"): "text after a bold label",
            ("Callout", "label"): "label of a note",
            ("SideEffectGroup", "label"): "heading of a group of side effects",
            ("Faq", "question"): "FAQ question",
            ("ListItem", "text"): "list item",
            ("Paragraph", "text"): "paragraph",
        }.get((owner, name), f"{owner} {name}".strip() or "text")
        if (owner, name) == ("ListItem", "text") and self.has("SideEffectGroup", "items"):
            base = "side effect"
        if (owner, name) == ("Paragraph", "text") and self._generic_name_value:
            base = "generic name of the medicine"
        if self.severity is not None and base in ("side effect",
                                                  "heading of a group of side effects"):
            base += {"common": " (common)", "serious": " (serious)"}.get(
                self.severity, " (the page does not say how common)")
        where = []
        if self.has("Faq", "answer"):
            where.append("in the answer to an FAQ question")
        if self.has("Callout", "body"):
            where.append("inside a note")
        if self.has("ListItem", "children"):
            where.append("nested in a list item")
        return ", ".join([base, *where])

    @property
    def _generic_name_value(self) -> bool:
        return (self.section is not None and self.section.kind is SectionKind.GENERIC_NAME
                and len(self.frames) >= 2 and self.frames[-2] == ("Section", "blocks"))

    @property
    def category(self) -> str:
        if self.safety:
            return CATEGORY_SAFETY
        owner, name = self.frames[-1] if self.frames else ("", "")
        if (owner, name) == ("Section", "ingredient") or self._generic_name_value:
            return CATEGORY_NAME
        if name in ("heading", "label"):
            return CATEGORY_HEADING
        return CATEGORY_PROSE


TextFunction = Callable[[Text, Place], "Text | None"]


def map_texts(leaflet: Leaflet, function: TextFunction) -> Leaflet:
    """A copy of the leaflet with every `Text` replaced by `function(text, place)`.

    Returning None drops the text; the block that needed it is dropped with it (a list item
    without its text, an FAQ without its question, a section without its heading). Optional
    texts (a side-effect group's label) just become None. The leaflet itself is never dropped.
    """
    return _TextMap(function).leaflet(leaflet)


_DROPPED = object()
Frames = tuple[tuple[str, str], ...]
Mapper = Callable[[Any, Frames, "Section | None", "str | None"], Any]


class _TextMap(BlockVisitor[Any]):
    """`map_texts`' walk: every value rebuilt with its texts mapped, or `_DROPPED`.

    A value's fields are mapped in order and the walk stops at the first required one that
    is dropped (the value is dropped with it); an optional text (typed `… | None`) becomes
    None; a required run of blocks or items that ends up empty drops its owner too. The
    leaflet itself is never dropped.
    """

    def __init__(self, function: TextFunction) -> None:
        self.function = function

    def leaflet(self, leaflet: Leaflet) -> Leaflet:
        mapped = self._rebuild(leaflet, (("preamble", self._blocks), ("sections", self._sections),
                                         ("disclaimer", self._safety), ("ai_note", self._safety)),
                               (), None, None, root=True)
        assert isinstance(mapped, Leaflet)
        return mapped

    def visit_paragraph(self, block: Paragraph, frames: Frames, section: Section | None,
                        severity: str | None) -> Any:
        return self._rebuild(block, (("text", self._text),), frames, section, severity)

    def visit_labelled_paragraph(self, block: LabelledParagraph, frames: Frames,
                                 section: Section | None, severity: str | None) -> Any:
        return self._rebuild(block, (("label", self._text), ("text", self._text)), frames,
                             section, severity)

    def visit_list(self, block: ItemList, frames: Frames, section: Section | None,
                   severity: str | None) -> Any:
        return self._rebuild(block, (("items", self._items),), frames, section, severity)

    def visit_callout(self, block: Callout, frames: Frames, section: Section | None,
                      severity: str | None) -> Any:
        return self._rebuild(block, (("label", self._text), ("body", self._blocks)), frames,
                             section, severity)

    def visit_side_effect_group(self, block: SideEffectGroup, frames: Frames,
                                section: Section | None, severity: str | None) -> Any:
        # the group's severity tells the translator how serious its items are
        return self._rebuild(block, (("label", self._text), ("items", self._items),
                                     ("notes", self._blocks)),
                             frames, section, block.severity.value)

    def visit_faq(self, block: Faq, frames: Frames, section: Section | None,
                  severity: str | None) -> Any:
        return self._rebuild(block, (("question", self._text), ("answer", self._blocks)),
                             frames, section, severity)

    # --- parts that are not blocks --------------------------------------------------------------

    def _text(self, text: Text, frames: Frames, section: Section | None,
              severity: str | None) -> Any:
        result = self.function(text, Place(frames, section, severity))
        return _DROPPED if result is None else result

    def _blocks(self, blocks: tuple[Block, ...], frames: Frames, section: Section | None,
                severity: str | None) -> tuple[Any, ...]:
        return _kept(blocks, [self.visit(block, frames, section, severity) for block in blocks])

    def _items(self, items: tuple[ListItem, ...], frames: Frames, section: Section | None,
               severity: str | None) -> tuple[Any, ...]:
        return _kept(items, [self._rebuild(item, (("text", self._text),
                                                  ("children", self._blocks)),
                                           frames, section, severity) for item in items])

    def _sections(self, sections: tuple[Section, ...], frames: Frames, _section: Section | None,
                  severity: str | None) -> tuple[Any, ...]:
        return _kept(sections, [self._rebuild(section, (("heading", self._text),
                                                        ("blocks", self._blocks),
                                                        ("ingredient", self._text)),
                                              frames, section, severity)
                                for section in sections])

    def _safety(self, safety: SafetyText, frames: Frames, section: Section | None,
                severity: str | None) -> Any:
        return self._rebuild(safety, (("text", self._text),), frames, section, severity)

    def _rebuild(self, value: Any, parts: tuple[tuple[str, Mapper], ...], frames: Frames,
                 section: Section | None, severity: str | None, root: bool = False) -> Any:
        owner = type(value).__name__
        changes: dict[str, Any] = {}
        for name, mapper in parts:
            current = getattr(value, name)
            if current is None:
                continue
            new = mapper(current, frames + ((owner, name),), section, severity)
            if new is current:
                continue
            if new is _DROPPED:
                if _optional(type(value), name):
                    changes[name] = None
                    continue
                return value if root else _DROPPED
            if (isinstance(current, tuple) and current and not new
                    and name not in _OPTIONAL_CONTAINERS and not root):
                return _DROPPED
            changes[name] = new
        return replace(value, **changes) if changes else value


def _kept(values: tuple[Any, ...], mapped: list[Any]) -> tuple[Any, ...]:
    """The mapped values without the dropped ones (`values` itself when nothing changed)."""
    kept = tuple(item for item in mapped if item is not _DROPPED)
    if len(kept) == len(values) and all(a is b for a, b in zip(kept, values)):
        return values
    return kept


@functools.cache
def _optional(owner: type, name: str) -> bool:
    """Whether a field may be None (typed `… | None`): a dropped text there becomes None."""
    return any("None" in str(spec.type) for spec in fields(owner) if spec.name == name)


# --- units ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One occurrence of a translatable string on a page."""

    msgid: str
    msgctxt: str | None
    domain: str
    """`page` (the page's own catalog) or `shared` (headings and site-wide texts)."""
    role: str
    category: str
    section: str | None
    text_id: str
    line: int
    safety: str | None = None
    markdown: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def _unit_for(text: Text, place: Place, origins: dict[str, str]) -> Unit:
    msgid = msgid_of(text)
    category = place.category
    shared = (category == CATEGORY_HEADING and place.frames[-1] == ("Section", "heading")
              and msgid in SHARED_HEADINGS)
    if place.safety:
        # the site-wide disclaimer and AI note are translated once, in the shared catalog
        shared = origins[place.safety] == "site"
    heading = place.section.heading.plain if place.section is not None else None
    return Unit(msgid=msgid, msgctxt=None, domain=SHARED if shared else PAGE, role=place.role,
                category=category, section=collapse(heading) if heading else None,
                text_id=text.id, line=text.line, safety=place.safety,
                markdown=any(span.marks for span in text.spans))


def site_msgids(config: SiteConfig) -> frozenset[str]:
    """The msgids of the site-wide disclaimer and AI note (translated in the shared catalog).

    A page whose own safety text has exactly these words uses the shared translation too."""
    return frozenset(spans_to_markdown((Span(config.site[key]),))
                     for key in ("disclaimer", "ai_note"))


def leaflet_units(leaflet: Leaflet, site: frozenset[str] = frozenset()) -> list[Unit]:
    """Every text unit of the leaflet in reading order, with its catalog key.

    The same words in two places are one catalog entry (translated once), except when they
    are a heading or label in one place and running text (a list item, a sentence) in
    another: many languages capitalise, inflect or punctuate a heading differently, so the
    heading occurrences get `msgctxt "heading"`. The context is the role, not the unit's id:
    an id would make every occurrence of a repeated heading its own entry, translated again
    and again; the ids are in the references, where they keep the file free of line-number
    churn.
    """
    units: list[Unit] = []
    origins = {"disclaimer": leaflet.disclaimer.origin.value,
               "ai_note": leaflet.ai_note.origin.value}

    def record(text: Text, place: Place) -> Text:
        unit = _unit_for(text, place, origins)
        if unit.safety and unit.msgid in site:
            unit = replace(unit, domain=SHARED)
        units.append(unit)
        return text

    map_texts(leaflet, record)
    units = [unit for unit in units if unit.msgid]
    categories: dict[str, set[str]] = {}
    for unit in units:
        if unit.domain == PAGE:
            categories.setdefault(unit.msgid, set()).add(unit.category)
    result = []
    for unit in units:
        seen = categories.get(unit.msgid, set())
        if (unit.domain == PAGE and unit.category == CATEGORY_HEADING
                and CATEGORY_PROSE in seen):
            unit = replace(unit, msgctxt=HEADING_CONTEXT)
        result.append(unit)
    return result


def name_units(leaflet: Leaflet) -> list[Unit]:
    """The title and generic name: plain strings in the model, translated like units."""
    units = []
    for role, value in (("title of the leaflet (the medicine's name)", leaflet.title),
                        ("generic name of the medicine", leaflet.generic_name)):
        if value and collapse(value):
            units.append(Unit(msgid=collapse(value), msgctxt=None, domain=PAGE, role=role,
                              category=CATEGORY_NAME, section=None, text_id="title",
                              line=1))
    return units
