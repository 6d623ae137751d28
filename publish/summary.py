"""What a leaflet says first: the one summary the SMS and the printed "At a glance" box share.

Three things a reader needs before anything else, each taken from the page and never made up:

- what the medicine is for: the first sentence of Usage (or the list it introduces);
- when to get medical help at once: the items of the side-effect groups the page marks serious;
- what to do about a missed dose: the answer of the FAQ about it (with the sentence saying
  not to double up, when there is one);

and, for the SMS only, what not to take it with. A part the page does not have is missing,
never guessed. The SMS (`publish.sms.summary`) then shortens these to its budget; the leaflet
(`publish.renderers.html`) prints them whole.

A list item is a `Phrase`: its first sentence as a short phrase, with the plain-language
explanation in brackets the page gives ("Tachycardia (rapid heart rate)") and without it
("Tachycardia"). The explanation is what a reader with low literacy needs, so it is kept
wherever there is room; other asides ("rare but serious; tests may be required") are not.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol

from publish.model import (
    Block,
    BlockVisitor,
    Callout,
    Faq,
    ItemList,
    LabelledParagraph,
    Leaflet,
    Paragraph,
    SectionKind,
    Severity,
    SideEffectGroup,
    Text,
    block_texts,
    blocks_of,
)
from publish.sentences import Abbreviations, split_sentences
from publish.sms.text import drop_parentheticals, shortened_forms, substantive
from publish.sms.transliterate import flatten
from publish.strings import Strings

MAX_FACTS = 2
MAX_ITEM_WORDS = 8
"""A side effect longer than this is cut to its first clause ("Signs of infection, such as…")."""
MAX_GLOSS_WORDS = 8
"""A bracketed explanation longer than this is an aside, not a gloss of the word before it."""
_NOT_IN_GLOSS = frozenset(";:%=<>[]")
_LABEL_MARKS = (": ", " - ", " – ", " — ")


class SummaryWords(Protocol):
    """The locale's words a summary looks for (`[sentences]`, `[facts]` of `sms.toml`)."""

    @property
    def abbreviations(self) -> frozenset[str]: ...
    @property
    def missed_dose(self) -> tuple[str, ...]: ...
    @property
    def double_dose(self) -> tuple[str, ...]: ...
    @property
    def avoid(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Phrase:
    """A list item as a short phrase, with and without its bracketed gloss."""

    text: str
    """With the gloss the page gives: `Tachycardia (rapid heart rate)`."""
    plain: str
    """Without it: `Tachycardia` (the same as `text` when the item has none)."""

    @property
    def glossed(self) -> bool:
        return self.text != self.plain


@dataclass(frozen=True)
class Glance:
    """The "At a glance" box: each part is None (or empty) when the page does not say it."""

    usage: str | None
    urgent: tuple[str, ...]
    """The serious side effects, glosses kept."""
    missed_dose: str | None

    def __bool__(self) -> bool:
        return bool(self.usage or self.urgent or self.missed_dose)


def glance(leaflet: Leaflet, words: SummaryWords, strings: Strings) -> Glance:
    """The parts of the summary printed on the first page, whole (no budget to fit)."""
    usage = usage_forms(leaflet, words, strings)
    kind, items = serious_effects(leaflet, words)
    urgent = tuple(dict.fromkeys(item.text for item in items if item.text)) \
        if kind == "serious" else ()
    return Glance(usage[0] if usage else None, urgent, missed_dose(leaflet, words))


# --- list items -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def abbreviations(words: frozenset[str]) -> Abbreviations:
    return Abbreviations(words)


def item_phrase(text: str, abbreviations: Abbreviations | frozenset[str] = frozenset()) -> Phrase:
    """A list item as a short phrase: its first sentence, asides removed, the label kept over
    its explanation; glosses kept in `Phrase.text`."""
    found = split_sentences(" ".join(text.split()), abbreviations)
    first = found[0] if found else ""
    plain = _head(drop_parentheticals(first))
    glossed = _head(keep_glosses(first))
    # The gloss may only add its brackets to the plain phrase, never change what it says.
    if drop_parentheticals(glossed) != plain:
        glossed = plain
    return Phrase(glossed, plain)


def item_head(text: str, abbreviations: Abbreviations | frozenset[str] = frozenset()) -> str:
    return item_phrase(text, abbreviations).plain


def keep_glosses(text: str) -> str:
    """`text` with its bracketed asides removed but its glosses kept: `Jaundice (yellowing of
    the skin) (rare; see below)` → `Jaundice (yellowing of the skin)`."""
    out: list[str] = []
    group: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
            if depth == 1:
                group = [ch]
                continue
        if depth:
            group.append(ch)
            if ch in ")]":
                depth -= 1
                if depth == 0 and is_gloss("".join(group[1:-1])):
                    out.append("(" + " ".join("".join(group[1:-1]).split()) + ")")
            continue
        out.append(ch)
    return " ".join("".join(out).split()).replace(" ,", ",").replace(" .", ".")


def is_gloss(inside: str) -> bool:
    """Bracketed words that explain the term before them in plain words: short, without
    numbers, doses or clauses (those are asides: "rare; tests may be required", "in 5 %")."""
    found = inside.split()
    if not 1 <= len(found) <= MAX_GLOSS_WORDS:
        return False
    return not any(ch.isdigit() or ch in _NOT_IN_GLOSS for ch in inside)


def _head(text: str) -> str:
    for mark in _LABEL_MARKS:
        cut = _outside_brackets(text, mark)
        if cut > 0 and text[:cut].strip():
            text = text[:cut]
            break
    text = text.strip().rstrip(".;:,")
    if len(drop_parentheticals(text).split()) > MAX_ITEM_WORDS:
        cut = _outside_brackets(text, ", ")
        if cut > 0:
            text = text[:cut]
    return text.strip()


def _outside_brackets(text: str, mark: str) -> int:
    """Where `mark` first occurs outside brackets, or -1."""
    depth = 0
    for index, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and text.startswith(mark, index):
            return index
    return -1


# --- what it is for ---------------------------------------------------------------------------


def counts(lengths: list[int], separator: str, limit: int | None) -> list[int]:
    """How many items each form of a list lists, most first: all of them, then each smaller
    count whose list (items of `lengths` characters) is at most `limit` characters long."""
    if limit is None:
        return list(range(len(lengths), 0, -1))
    widths = [0]
    for length in lengths:
        widths.append(widths[-1] + length)
    return [len(lengths), *(count for count in range(len(lengths) - 1, 0, -1)
                            if widths[count] + len(separator) * (count - 1) <= limit)]


def list_forms(phrases: list[Phrase], separator: str,
               limit: int | None) -> list[tuple[str, int, int]]:
    """(joined list, items listed, glosses kept) for each form of a list, fullest first.

    All the items first: with every gloss, then with the glosses of fewer items (the first
    ones, in the page's order), then with none; then each shorter list, with its glosses and
    without them. A form longer than `limit` is not built, except the first two.
    """
    forms: list[tuple[str, int, int]] = []
    for count in counts([len(p.plain) for p in phrases], separator, limit):
        kept = phrases[:count]
        glossed = [index for index, phrase in enumerate(kept) if phrase.glossed]
        steps = range(len(glossed), 0, -1) if count == len(phrases) else \
            ([len(glossed)] if glossed else [])
        for keep in steps:
            with_gloss = set(glossed[:keep])
            joined = separator.join(p.text if i in with_gloss else p.plain
                                    for i, p in enumerate(kept))
            if limit is None or not forms or len(joined) <= limit:
                forms.append((joined, count, keep))
        forms.append((separator.join(p.plain for p in kept), count, 0))
    return forms


def usage_forms(leaflet: Leaflet, words: SummaryWords, strings: Strings,
                limit: int | None = None) -> list[str]:
    """What the medicine is for, fullest form first; empty when the page has no Usage text."""
    sections = leaflet.sections_of(SectionKind.USAGE)
    sections.sort(key=lambda section: section.ingredient is not None)
    usage = UsageForms(words, strings, limit)
    for section in sections:
        blocks = list(section.blocks)
        for index, block in enumerate(blocks):
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            forms = usage.visit(block, following)
            if forms:
                return forms
    return []


class UsageForms(BlockVisitor[list[str]]):
    """What one block of a Usage section says the medicine is for, longest form first
    (`following` is the next block: a list that ends the sentence "X is used to treat:")."""

    def __init__(self, words: SummaryWords, strings: Strings, limit: int | None = None) -> None:
        self.strings = strings
        self.limit = limit
        self.abbreviations = abbreviations(words.abbreviations)

    def visit_list(self, block: ItemList, following: Block | None) -> list[str]:
        # TRANSLATORS: SMS and "At a glance" summary; {uses} lists what the medicine treats.
        template = self.strings.gettext("Used for: {uses}.")
        return [template.format(uses=joined) for joined, _n, _g in self._items(block)]

    def visit_paragraph(self, block: Paragraph, following: Block | None) -> list[str]:
        return self._sentence(block.text, following)

    def visit_labelled_paragraph(self, block: LabelledParagraph,
                                 following: Block | None) -> list[str]:
        return self._sentence(block.text, following)

    def visit_callout(self, block: Callout, following: Block | None) -> list[str]:
        return []

    def visit_side_effect_group(self, block: SideEffectGroup,
                                following: Block | None) -> list[str]:
        return []

    def visit_faq(self, block: Faq, following: Block | None) -> list[str]:
        return []

    def _items(self, block: ItemList) -> list[tuple[str, int, bool]]:
        phrases = [item_phrase(flatten(item.text.spans), self.abbreviations)
                   for item in block.items]
        phrases = [phrase for phrase in phrases if phrase.plain]
        # TRANSLATORS: between items of a list in an SMS ("Nausea, Headache").
        separator = self.strings.pgettext("sms list separator", ", ")
        return list_forms(phrases, separator, self.limit)

    def _sentence(self, text: Text, following: Block | None) -> list[str]:
        found = split_sentences(flatten(text.spans), self.abbreviations)
        if not found:
            return []
        first = found[0]
        if first.rstrip().endswith(":") and isinstance(following, ItemList):
            # "X is used to treat:" followed by the list of conditions.
            lead = first.rstrip()
            return [f"{lead} {joined}." for joined, _n, _g in self._items(following)]
        if not substantive(first):
            return []
        return shortened_forms(first, self.limit)


# --- when to get help at once -----------------------------------------------------------------


def serious_effects(leaflet: Leaflet, words: SummaryWords) -> tuple[str, list[Phrase]]:
    """(`serious`, the serious effects) when the page marks some serious; else (`no_split`,
    []) when it has side effects without saying which are serious, or (`no_side_effects`,
    []) when it has none."""
    groups: list[SideEffectGroup] = []
    has_section = bool(leaflet.sections_of(SectionKind.SIDE_EFFECTS))
    for section in leaflet.sections:
        groups.extend(blocks_of(section.blocks, SideEffectGroup))
    if not groups and not has_section:
        return "no_side_effects", []
    items: list[Phrase] = []
    for group in groups:
        if group.severity is Severity.SERIOUS:
            items.extend(item_phrase(flatten(item.text.spans),
                                     abbreviations(words.abbreviations))
                         for item in group.items)
    if any(group.severity is Severity.SERIOUS for group in groups) and \
            any(item.plain for item in items):
        return "serious", items
    return "no_split", []


# --- FAQ facts --------------------------------------------------------------------------------


def facts(leaflet: Leaflet, words: SummaryWords) -> list[str]:
    """Key facts of the FAQs: what to do about a missed dose, what not to take it with."""
    faqs = _faqs(leaflet)
    found: list[str] = []
    missed = _missed_dose(faqs, words)
    if missed:
        found.append(missed)
    avoid = _avoid(faqs, words, exclude=missed or "")
    if avoid:
        found.append(avoid)
    return found[:MAX_FACTS]


def missed_dose(leaflet: Leaflet, words: SummaryWords) -> str | None:
    return _missed_dose(_faqs(leaflet), words)


def _faqs(leaflet: Leaflet) -> list[Faq]:
    return [faq for section in leaflet.sections for faq in blocks_of(section.blocks, Faq)]


def _answer_sentences(faq: Faq, words: SummaryWords) -> list[str]:
    out: list[str] = []
    for block in faq.answer:
        for text in block_texts(block):
            out.extend(split_sentences(flatten(text.spans), abbreviations(words.abbreviations)))
    return out


def _missed_dose(faqs: list[Faq], words: SummaryWords) -> str | None:
    if not words.missed_dose:
        return None
    for faq in faqs:
        question = flatten(faq.question.spans).lower()
        if not any(word in question for word in words.missed_dose):
            continue
        said = [s for s in _answer_sentences(faq, words) if substantive(s)]
        if not said:
            continue
        fact = [said[0]]
        # "Do not take two doses at once" belongs with the instruction it qualifies.
        fact.extend(s for s in said[1:3] if any(w in s.lower() for w in words.double_dose))
        return " ".join(fact)
    return None


def _avoid(faqs: list[Faq], words: SummaryWords, exclude: str) -> str | None:
    if not words.avoid:
        return None
    for faq in faqs:
        for sentence in _answer_sentences(faq, words):
            lowered = sentence.lower()
            if sentence in exclude or not substantive(sentence):
                continue
            if any(word in lowered for word in words.avoid):
                return sentence
    return None
