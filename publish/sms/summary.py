"""What an SMS summary says, built from the leaflet model, and how it is laid out in messages.

The content, in order of importance (the least important is trimmed first):

1. the medicine name (never trimmed) and what it is for: the first sentence of Usage,
   shortened by whole clauses when needed;
2. the most important warning: the serious side effects as "Get medical help at once if: a, b,
   c", trimmed by whole items; where the page does not say which effects are serious, a
   sentence saying so (a summary must not guess);
3. key facts from the FAQs (missed dose, what not to take it with), whole sentences;
4. the safety text (disclaimer + AI note): never trimmed, never split across messages.

`compose` tries candidate contents from the fullest to the leanest and returns the first whose
layout fits the budget; if even the name and the safety text do not fit, it raises `RenderError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from publish.errors import RenderError
from publish.model import (
    Block,
    Faq,
    ItemList,
    LabelledParagraph,
    Leaflet,
    Paragraph,
    SectionKind,
    Severity,
    SideEffectGroup,
    block_texts,
    iter_blocks,
)
from publish.sms import gsm
from publish.sms.text import drop_parentheticals, sentences, shortened_forms, substantive
from publish.sms.transliterate import SmsLocale, flatten
from publish.strings import Strings

CONCATENATED, SEPARATE = "concatenated", "separate"
MAX_FACTS = 2
MAX_ITEM_WORDS = 8
"""A side effect longer than this is cut to its first clause ("Signs of infection, such as…")."""


@dataclass(frozen=True)
class Options:
    max_segments: int = 3
    mode: str = CONCATENATED
    safety_placement: str = "last"
    """`last`: the safety text ends the last message; `every`: it ends every message."""
    footer: str = ""


@dataclass(frozen=True)
class Content:
    """Everything the summary may say, already in its SMS form (transliterated)."""

    name: str
    usage_forms: tuple[str, ...]
    """Headlines (name + what it is for), fullest first; empty when the page has no Usage."""
    warning_forms: tuple[str, ...]
    """The warning sentence, fullest first (fewer items each time)."""
    warning_kind: str
    """`serious` (the page lists serious effects), `no_split` or `no_side_effects`."""
    warning_items: int
    facts: tuple[str, ...]


@dataclass(frozen=True)
class Choice:
    """One candidate content: which form of each part is used."""

    headline: str
    warning: str | None
    facts: tuple[str, ...]
    usage: str
    """`full`, `shortened`, `omitted` or `missing`."""
    warning_kept: int
    """Index into `Content.warning_forms`, or -1 when the warning is left out."""


@dataclass(frozen=True)
class Bundle:
    messages: tuple[str, ...]
    choice: Choice
    content: Content
    safety: str


# --- content ----------------------------------------------------------------------------------


def gather(leaflet: Leaflet, data: SmsLocale, strings: Strings,
           sms_form: Callable[[str], str]) -> Content:
    """Pick what the summary may say from the model; `sms_form` transliterates."""
    name = sms_form(leaflet.title)
    usage = [sms_form(form) for form in _usage_forms(leaflet, data, strings)]
    headlines = tuple(dict.fromkeys(_headline(name, form, strings) for form in usage))
    kind, items = _serious_effects(leaflet, data)
    items = [sms_form(item) for item in items]
    items = [item for item in dict.fromkeys(items) if item]
    if kind == "serious" and items:
        warnings = tuple(_warning(items[:count], count < len(items), strings)
                         for count in range(len(items), 0, -1))
    elif kind == "no_side_effects":
        # TRANSLATORS: SMS summary of a page that has no side-effects section.
        warnings = (strings.gettext("Side effects: this leaflet does not list them."),)
    else:
        kind = "no_split"
        # TRANSLATORS: SMS summary of a page that does not say which side effects are serious.
        warnings = (strings.gettext(
            "Side effects: this leaflet does not say which ones are serious."),)
    facts = tuple(sms_form(fact) for fact in _facts(leaflet, data))
    return Content(name=name, usage_forms=headlines, warning_forms=warnings,
                   warning_kind=kind, warning_items=len(items) if kind == "serious" else 0,
                   facts=facts)


def _headline(name: str, usage: str, strings: Strings) -> str:
    if name.casefold() in usage.casefold():
        return usage
    # TRANSLATORS: first line of an SMS summary: medicine name, then what it is for.
    return strings.pgettext("sms headline", "{name}: {usage}").format(name=name, usage=usage)


def _warning(items: list[str], trimmed: bool, strings: Strings) -> str:
    # TRANSLATORS: between items of a list in an SMS ("Nausea, Headache").
    separator = strings.pgettext("sms list separator", ", ")
    effects = separator.join(items)
    if trimmed:
        # TRANSLATORS: SMS warning when only some serious side effects fit; {effects} is a
        # list of side effects.
        return strings.gettext(
            "Get medical help at once if: {effects}, or other serious effects.").format(
            effects=effects)
    # TRANSLATORS: SMS warning; {effects} is the list of serious side effects.
    return strings.gettext("Get medical help at once if: {effects}.").format(effects=effects)


def _usage_forms(leaflet: Leaflet, data: SmsLocale, strings: Strings) -> list[str]:
    sections = leaflet.sections_of(SectionKind.USAGE)
    sections.sort(key=lambda section: section.ingredient is not None)
    for section in sections:
        blocks = list(section.blocks)
        for index, block in enumerate(blocks):
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            forms = _block_usage(block, following, data, strings)
            if forms:
                return forms
    return []


def _block_usage(block: Block, following: Block | None, data: SmsLocale,
                 strings: Strings) -> list[str]:
    if isinstance(block, ItemList):
        items = [_item_head(flatten(item.text.spans), data.abbreviations)
                 for item in block.items]
        items = [item for item in items if item]
        separator = strings.pgettext("sms list separator", ", ")
        # TRANSLATORS: SMS summary; {uses} lists what the medicine treats.
        return [strings.gettext("Used for: {uses}.").format(uses=separator.join(items[:n]))
                for n in range(len(items), 0, -1)]
    if isinstance(block, (Paragraph, LabelledParagraph)):
        text = flatten(block.text.spans)
        found = sentences(text, data.abbreviations)
        if not found:
            return []
        first = found[0]
        if first.rstrip().endswith(":") and isinstance(following, ItemList):
            # "X is used to treat:" followed by the list of conditions.
            items = [_item_head(flatten(item.text.spans), data.abbreviations)
                     for item in following.items]
            items = [item for item in items if item]
            separator = strings.pgettext("sms list separator", ", ")
            lead = first.rstrip()
            return [f"{lead} {separator.join(items[:n])}." for n in range(len(items), 0, -1)]
        if not substantive(first):
            return []
        return shortened_forms(first)
    return []


def _item_head(text: str, abbreviations: frozenset[str] = frozenset()) -> str:
    """A list item as a short phrase: its first sentence, asides removed, the label kept over
    its explanation."""
    found = sentences(" ".join(text.split()), abbreviations)
    text = drop_parentheticals(found[0] if found else "")
    for mark in (": ", " - ", " – ", " — "):
        head, found, _ = text.partition(mark)
        if found and head.strip():
            text = head
            break
    text = text.strip().rstrip(".;:,")
    if len(text.split()) > MAX_ITEM_WORDS:
        head = text.split(", ")[0]
        if head != text:
            text = head
    return text.strip()


def _serious_effects(leaflet: Leaflet, data: SmsLocale) -> tuple[str, list[str]]:
    groups: list[SideEffectGroup] = []
    has_section = bool(leaflet.sections_of(SectionKind.SIDE_EFFECTS))
    for section in leaflet.sections:
        groups.extend(block for block in iter_blocks(section.blocks)
                      if isinstance(block, SideEffectGroup))
    if not groups and not has_section:
        return "no_side_effects", []
    items: list[str] = []
    for group in groups:
        if group.severity is Severity.SERIOUS:
            items.extend(_item_head(flatten(item.text.spans), data.abbreviations)
                         for item in group.items)
    if any(group.severity is Severity.SERIOUS for group in groups) and any(items):
        return "serious", items
    return "no_split", []


def _facts(leaflet: Leaflet, data: SmsLocale) -> list[str]:
    faqs = [block for section in leaflet.sections for block in iter_blocks(section.blocks)
            if isinstance(block, Faq)]
    found: list[str] = []
    missed = _missed_dose(faqs, data)
    if missed:
        found.append(missed)
    avoid = _avoid(faqs, data, exclude=missed or "")
    if avoid:
        found.append(avoid)
    return found[:MAX_FACTS]


def _answer_sentences(faq: Faq, data: SmsLocale) -> list[str]:
    out: list[str] = []
    for block in faq.answer:
        for text in block_texts(block):
            out.extend(sentences(flatten(text.spans), data.abbreviations))
    return out


def _missed_dose(faqs: list[Faq], data: SmsLocale) -> str | None:
    if not data.missed_dose:
        return None
    for faq in faqs:
        question = flatten(faq.question.spans).lower()
        if not any(word in question for word in data.missed_dose):
            continue
        said = [s for s in _answer_sentences(faq, data) if substantive(s)]
        if not said:
            continue
        fact = [said[0]]
        # "Do not take two doses at once" belongs with the instruction it qualifies.
        fact.extend(s for s in said[1:3] if any(w in s.lower() for w in data.double_dose))
        return " ".join(fact)
    return None


def _avoid(faqs: list[Faq], data: SmsLocale, exclude: str) -> str | None:
    if not data.avoid:
        return None
    for faq in faqs:
        for sentence in _answer_sentences(faq, data):
            lowered = sentence.lower()
            if sentence in exclude or not substantive(sentence):
                continue
            if any(word in lowered for word in data.avoid):
                return sentence
    return None


# --- choosing and laying out ----------------------------------------------------------------


def choices(content: Content) -> Iterator[Choice]:
    """Candidate contents, fullest first, trimming the least important part first."""
    name_only = content.name
    usage = list(content.usage_forms)
    usage_state = "full" if usage else "missing"
    headlines = usage or [name_only]
    warnings = list(content.warning_forms)

    def make(headline: int | None, warning: int, facts: int) -> Choice:
        if headline is None:
            text, state = name_only, ("omitted" if usage else "missing")
        else:
            text = headlines[headline]
            state = usage_state if headline == 0 else "shortened"
        return Choice(headline=text, warning=warnings[warning] if warning >= 0 else None,
                      facts=content.facts[:facts], usage=state, warning_kept=warning)

    for facts in range(len(content.facts), -1, -1):
        yield make(0, 0, facts)
    last_headline = len(headlines) - 1
    for headline in range(1, len(headlines)):
        yield make(headline, 0, 0)
    for warning in range(1, len(warnings)):
        yield make(last_headline, warning, 0)
    # Without what it is for, the whole warning may fit again.
    if usage:
        for warning in range(len(warnings)):
            yield make(None, warning, 0)
    # The warning cannot fit at all: keep what the medicine is for if that fits.
    for headline in range(len(headlines)):
        yield make(headline, -1, 0)
    yield make(None, -1, 0)


def compose(content: Content, safety: str, options: Options, strings: Strings) -> Bundle:
    """The first candidate whose layout fits the budget, or `RenderError`."""
    for choice in choices(content):
        parts = [choice.headline]
        if choice.warning:
            parts.append(choice.warning)
        parts.extend(choice.facts)
        messages = _layout(parts, safety, options, strings)
        if messages is not None:
            return Bundle(tuple(messages), choice, content, safety)
    raise RenderError(_too_long(content.name, safety, options))


def _layout(parts: list[str], safety: str, options: Options,
            strings: Strings) -> list[str] | None:
    if options.mode == SEPARATE:
        return _separate(parts, safety, options, strings)
    tail = [safety] + ([options.footer] if options.footer else [])
    text = "\n".join(parts + tail)
    return [text] if gsm.fits(text, options.max_segments) else None


def _numbered(index: int, total: int, strings: Strings) -> str:
    # TRANSLATORS: number of a message in a series of SMS, as in "(1/3)".
    return strings.gettext("({index}/{total})").format(index=index, total=total) + " "


def _separate(parts: list[str], safety: str, options: Options,
              strings: Strings) -> list[str] | None:
    """Self-contained messages, each one segment, numbered when there are several.

    Parts are packed whole; the safety text ends the last message (or every message), and the
    footer ends the last one.
    """
    # One message needs no number; several are packed with the widest number the budget
    # allows, then renumbered (numbers only get shorter).
    if options.max_segments > 1:
        attempts = ["", _numbered(options.max_segments, options.max_segments, strings)]
    else:
        attempts = [""]
    for widest in attempts:
        messages = _pack(parts, safety, options, widest)
        if messages is None or (not widest and len(messages) > 1):
            continue
        if len(messages) > options.max_segments:
            return None
        total = len(messages)
        texts: list[str] = []
        for index, body in enumerate(messages, start=1):
            prefix = _numbered(index, total, strings) if total > 1 else ""
            texts.append(prefix + "\n".join(body + _tail(safety, options, index == total)))
        if all(gsm.fits_single(text) for text in texts):
            return texts
    return None


def _tail(safety: str, options: Options, last: bool) -> list[str]:
    every = options.safety_placement == "every"
    footer = [options.footer] if options.footer and last else []
    return ([safety] if every or last else []) + footer


def _pack(parts: list[str], safety: str, options: Options,
          prefix: str) -> list[list[str]] | None:
    """Parts packed whole into messages of one segment each, leaving room for the tail."""

    def fits(body: list[str], last: bool) -> bool:
        return gsm.fits_single(prefix + "\n".join(body + _tail(safety, options, last)))

    messages: list[list[str]] = [[]]
    for part in parts:
        if fits(messages[-1] + [part], last=False):
            messages[-1].append(part)
        elif messages[-1] and fits([part], last=False):
            messages.append([part])
        else:
            return None
    if not fits(messages[-1], last=True):
        messages.append([])
        if not fits([], last=True):
            return None
    return messages


def _too_long(name: str, safety: str, options: Options) -> str:
    tail = "\n".join([safety] + ([options.footer] if options.footer else []))
    if options.mode == SEPARATE:
        figures = gsm.count(tail)
        if not gsm.fits_single(tail):
            unit = figures.unit_name.replace("_", " ")
            what = "the safety text and footer need" if options.footer else \
                "the safety text needs"
            limit = gsm.SINGLE_SEGMENT[figures.encoding.value]
            return (f"SMS does not fit: {what} {figures.units} {unit} in "
                    f"{figures.encoding.value}, more than one self-contained message holds "
                    f"({limit}); use the short safety forms or [sms] mode = \"concatenated\"")
        return (f"SMS does not fit: the medicine name and the safety text need more messages "
                f"than [sms] max_segments = {options.max_segments} allows in separate mode")
    figures = gsm.count(f"{name}\n{tail}")
    return (f"SMS does not fit: the medicine name and the safety text alone need "
            f"{figures.segments} segments in {figures.encoding.value}, more than "
            f"[sms] max_segments = {options.max_segments}")
