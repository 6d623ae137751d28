"""Section segmentation: raw blocks → a preamble and open sections, each with its kind, its
heading and the ingredient group it belongs to.

Section shapes (one method of `Segmenter` each):

- a heading, `### Usage`, `### Usage:`, `### Generic Name: X` (the value becomes the first
  paragraph), `### Usage: Caffeine is …`, `### FAQs (Combined Use)` → `heading`;
- a bold label, `**Usage:**` alone or with its text after it → `label`; inside a section of
  the same kind it is a sub-label, not a new section (`**Warnings:**` in Precautions);
- an ingredient group: `### Heparin`, `### Benzyl Nicotinate Usage`, `**Heparin:**` or
  `**1. Heparin:**` followed by section markers → `heading`, `label`; a qualifier such as
  "both", "combined" or "general" ends the group (the section is for the whole page);
- sections written as list items, `* **Usage:** …` (three kinds or more in one list) →
  `section_list`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publish.model import SectionKind, Span, Text
from publish.reader.blocks import RawBlock, RawHeading, RawList, RawParagraph, RawText, raw_line
from publish.reader.deadline import check_deadline
from publish.reader.spans import (
    Label,
    cut_prefix,
    normalise,
    plain,
    slug,
    split_heading,
    split_label,
    strip_colon,
    without_parentheses,
)
from publish.reader.units import UnitMaker

SECTION_PATTERNS: list[tuple[SectionKind, re.Pattern[str]]] = [
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
_SHARED_QUALIFIER = re.compile(r"\b(both|combined|combination|general|together|all)\b",
                               re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*(\d{1,2}|[ivx]{1,4}|[a-h])[.)]\s+", re.IGNORECASE)
_INGREDIENT_SEPARATOR = re.compile(r"\+|,|&|/|\band\b|\bwith\b")
MAX_INGREDIENTS = 32
"""Ingredients looked for in a title (real titles name at most 11): every heading and label is
compared with each, so a title of 20,000 names would make reading quadratic."""
MAX_INGREDIENT_WORDS = 16
"""Longest ingredient name looked for at the start of a heading (`Benzyl Nicotinate Usage`);
real ones have at most 8 words."""


def classify_heading(text: str) -> tuple[SectionKind, str]:
    """(kind, value) for a heading or label; the value is text after `Heading:` if any."""
    head, sep, value = text.strip().partition(":")
    normal = normalise(head)
    for kind, pattern in SECTION_PATTERNS:
        match = pattern.match(normal)
        # "Usage (Drug)", "Side effects of X", "FAQs about X": qualifiers are fine; "Usage
        # in pregnancy" too. A long tail means a sentence, not a heading.
        if match and len(normal[match.end():].split()) <= 6:
            return kind, value.strip() if sep else ""
    return SectionKind.OTHER, value.strip() if sep else ""


def ingredient_names(title: str) -> list[str]:
    """The ingredients a title names (`Papain + Urea`), normalised; [] for one ingredient."""
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
            names.append(normalise(part))
    return names[:MAX_INGREDIENTS] if len(names) > 1 else []


@dataclass
class OpenSection:
    """A section being read: its raw blocks, not yet given their meaning."""

    kind: SectionKind
    heading: Text
    ingredient: Text | None
    raw: list[RawBlock]
    scope: str
    line: int


class Segmenter:
    """Splits one page's blocks into a preamble and sections (see the module docstring)."""

    def __init__(self, make: UnitMaker, title: str) -> None:
        self.make = make
        self.ingredient_names = ingredient_names(title)
        self.scopes: dict[str, int] = {}
        self.preamble: list[RawBlock] = []
        self.sections: list[OpenSection] = []
        self.current: OpenSection | None = None
        self.ingredient: Text | None = None
        # An ingredient group opened by a heading whose sections are bold labels ends at the
        # next section heading of the same level (`### FAQs` after `### Drug` + `**Usage:**`).
        self.ingredient_level: int | None = None
        self.group_by_labels = False

    def segment(self, blocks: list[RawBlock]) -> tuple[list[RawBlock], list[OpenSection]]:
        index = 0
        while index < len(blocks):
            block = blocks[index]
            index += 1
            check_deadline()
            if isinstance(block, RawHeading):
                self.heading(block)
            elif isinstance(block, RawParagraph):
                label = split_label(block.text.spans)
                if label is None or not self.label(block, label, blocks, index):
                    self.add(block)
            elif isinstance(block, RawList) and self.is_section_list(block):
                self.section_list(block)
            else:
                self.add(block)
        return self.preamble, self.sections

    # -- shapes
    def heading(self, block: RawHeading) -> None:
        """`### Usage: Caffeine is …`, `### Heparin`, `### Benzyl Nicotinate Usage`, or any
        other heading (a section of kind `other`)."""
        kind, _ = classify_heading(block.text.plain)
        if kind is not SectionKind.OTHER:
            if self.ingredient is not None and self.group_by_labels and \
                    self.ingredient_level is not None and block.level <= self.ingredient_level:
                self.end_ingredient()
            head, value = split_heading(block.text.spans)
            self.open(kind, RawText(head, block.text.line), value)
            return
        split = self.ingredient_prefix(block.text.plain)
        if split is not None:
            name, kind = split
            self.ingredient = self.make.text([Span(name)], block.text.line, slug(name),
                                             "ingredient")
            self.ingredient_level, self.group_by_labels = block.level, False
            if kind is not SectionKind.OTHER:
                self.open(kind, block.text, [])
            else:
                self.current = None
            return
        head, value = split_heading(block.text.spans)
        self.open(SectionKind.OTHER, RawText(head, block.text.line), value)

    def label(self, block: RawParagraph, label: Label, blocks: list[RawBlock],
              index: int) -> bool:
        """`**Usage:** text` opens a section (unless one of that kind is open: then it is a
        sub-label); `**1. Heparin:**` before section markers opens an ingredient group.
        False when the paragraph is ordinary text."""
        kind, _ = classify_heading(label.plain + ":")
        if kind is not SectionKind.OTHER and (self.current is None
                                              or self.current.kind is not kind):
            self.open(kind, RawText(label.label, block.text.line), label.rest)
            self.group_by_labels = True
            return True
        if kind is SectionKind.OTHER and self.opens_ingredient(label, blocks, index):
            self.ingredient = self.make.text(cut_prefix(label.label, _NUMBERED), block.text.line,
                                             slug(label.plain), "ingredient")
            self.ingredient_level, self.group_by_labels = None, False
            self.current = None
            if label.rest:
                self.add(RawParagraph(RawText(label.rest, block.text.line)))
            return True
        return False

    def section_list(self, block: RawList) -> None:
        """`* **Usage:** …` / `* **Dosage:** …` / `* **Side Effects:** …`: each labelled item
        opens a section holding the item's text and children."""
        for item in block.items:
            label = split_label(item.text.spans)
            kind = classify_heading(label.plain + ":")[0] if label else SectionKind.OTHER
            if label is not None and kind is not SectionKind.OTHER:
                self.open(kind, RawText(label.label, item.text.line), label.rest)
                assert self.current is not None
                self.current.raw.extend(item.children)
            else:
                self.add(RawList([item], block.ordered, item.text.line))

    # -- state
    def open(self, kind: SectionKind, heading: RawText, value: list[Span]) -> None:
        if self.ingredient is not None and _SHARED_QUALIFIER.search(heading.plain):
            # "FAQs (General for both drugs)", "Usage in combination": the whole page.
            self.end_ingredient()
        scope = self.scope_for(kind, self.ingredient)
        text = self.make.text(strip_colon(heading.spans), heading.line, scope, "heading")
        self.current = OpenSection(kind, text, self.ingredient, [], scope, heading.line)
        self.sections.append(self.current)
        if plain(value).strip():
            self.current.raw.append(RawParagraph(RawText(value, heading.line)))

    def add(self, block: RawBlock) -> None:
        if self.current is None and self.ingredient is not None:
            # Text right under an ingredient heading: the group's introduction, a section
            # with an empty heading.
            scope = self.scope_for(SectionKind.OTHER, self.ingredient)
            self.current = OpenSection(SectionKind.OTHER, self.make.text([], 0, scope, "heading"),
                                       self.ingredient, [], scope, raw_line(block))
            self.sections.append(self.current)
        (self.current.raw if self.current is not None else self.preamble).append(block)

    def end_ingredient(self) -> None:
        self.ingredient, self.ingredient_level, self.group_by_labels = None, None, False

    def scope_for(self, kind: SectionKind, ingredient: Text | None) -> str:
        base = kind.value
        if ingredient is not None:
            base = f"{slug(ingredient.plain)}.{base}"
        count = self.scopes.get(base, 0) + 1
        self.scopes[base] = count
        return base if count == 1 else f"{base}{count}"

    # -- ingredients
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
        unnumbered = cut_prefix([Span(text)], _NUMBERED)
        name = normalise(without_parentheses(unnumbered[0].text if unnumbered else text))
        if not name or not self.ingredient_names:
            return False
        return any(name == n or (len(name) >= 4 and (name in n or n in name))
                   for n in self.ingredient_names)

    def opens_ingredient(self, label: Label, blocks: list[RawBlock], index: int) -> bool:
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
