"""What an SMS summary says, built from the leaflet model, and how it is laid out in messages.

The content, in order of importance (the least important is trimmed first):

1. the medicine name (never trimmed) and what it is for: the first sentence of Usage,
   shortened by whole clauses when needed;
2. the most important warning: the serious side effects as "Get medical help at once if: a, b,
   c", each with the plain-language explanation in brackets the page gives ("Tachycardia
   (rapid heart rate)") while it fits, then without it, then trimmed by whole items; where
   the page does not say which effects are serious, a sentence saying so (a summary must not
   guess);
3. key facts from the FAQs (missed dose, what not to take it with), whole sentences;
4. the safety text (disclaimer + AI note): never trimmed, never split across messages.

What the summary says comes from `publish.summary`, shared with the leaflet's "At a glance"
box; `shortened` lists what the chosen summary shortened to fit (the `.sms.json` report).
`compose` tries candidate contents from the fullest to the leanest and returns the first whose
layout fits the budget; if even the name and the safety text do not fit, it raises `RenderError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from publish import summary
from publish.errors import RenderError
from publish.model import Leaflet
from publish.sms import gsm
from publish.sms.transliterate import SmsLocale
from publish.strings import Strings

CONCATENATED, SEPARATE = "concatenated", "separate"


@dataclass(frozen=True)
class Options:
    max_segments: int = 3
    mode: str = CONCATENATED
    safety_placement: str = "last"
    """`last`: the safety text ends the last message; `every`: it ends every message."""
    footer: str = ""

    @property
    def capacity(self) -> int:
        """The most characters one part of the summary can have and still fit: a message's
        units are never fewer than its characters."""
        if self.mode == SEPARATE:
            return gsm.SINGLE_SEGMENT["GSM-7"]
        return max(gsm.SINGLE_SEGMENT["GSM-7"],
                   self.max_segments * gsm.CONCATENATED_SEGMENT["GSM-7"])

    @property
    def form_limit(self) -> int:
        """Shortened forms longer than this are not built (see `gather`)."""
        return 2 * self.capacity


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
    warning_counts: tuple[int, ...] = ()
    """Serious effects each warning form lists (parallel to `warning_forms`; empty when the
    warning lists none)."""
    warning_glossed: tuple[int, ...] = ()
    """How many effects keep their gloss in each warning form (parallel, as above)."""
    warning_phrases: tuple[summary.Phrase, ...] = ()
    """The serious effects, in order, with and without their glosses."""


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
           sms_form: Callable[[str], str], limit: int | None = None) -> Content:
    """Pick what the summary may say from the model (`publish.summary`, the summary the
    printed "At a glance" box shares); `sms_form` transliterates.

    `limit` (`Options.form_limit`) bounds the shortened forms built: besides the full form
    of each part, only those at most `limit` characters long, since a longer one could never
    fit (transliteration never halves a text). Without it a usage sentence of 30,000 clauses
    or a list of 30,000 serious effects gives that many forms of that length: minutes of work.
    """
    name = sms_form(leaflet.title)
    usage = [sms_form(form) for form in summary.usage_forms(leaflet, data, strings, limit)]
    headlines = tuple(dict.fromkeys(_headline(name, form, strings) for form in usage))
    kind, found = summary.serious_effects(leaflet, data)
    phrases = [summary.Phrase(sms_form(p.text), sms_form(p.plain)) for p in found]
    unique: dict[str, summary.Phrase] = {}
    for phrase in phrases:
        if phrase.plain:
            unique.setdefault(phrase.plain, phrase)
    items = list(unique.values())
    counts: tuple[int, ...] = ()
    glossed: tuple[int, ...] = ()
    if kind == "serious" and items:
        # TRANSLATORS: between items of a list in an SMS ("Nausea, Headache").
        separator = strings.pgettext("sms list separator", ", ")
        forms = summary.list_forms(items, separator, limit)
        counts = tuple(count for _joined, count, _glossed in forms)
        glossed = tuple(kept for _joined, _count, kept in forms)
        warnings = tuple(_warning(joined, count < len(items), strings)
                         for joined, count, _glossed in forms)
    elif kind == "no_side_effects":
        # TRANSLATORS: SMS summary of a page that has no side-effects section.
        warnings = (strings.gettext("Side effects: this leaflet does not list them."),)
    else:
        kind = "no_split"
        # TRANSLATORS: SMS summary of a page that does not say which side effects are serious.
        warnings = (strings.gettext(
            "Side effects: this leaflet does not say which ones are serious."),)
    facts = tuple(sms_form(fact) for fact in summary.facts(leaflet, data))
    return Content(name=name, usage_forms=headlines, warning_forms=warnings,
                   warning_kind=kind, warning_items=len(items) if kind == "serious" else 0,
                   facts=facts, warning_counts=counts, warning_glossed=glossed,
                   warning_phrases=tuple(items) if kind == "serious" else ())


def _headline(name: str, usage: str, strings: Strings) -> str:
    if name.casefold() in usage.casefold():
        return usage
    # TRANSLATORS: first line of an SMS summary: medicine name, then what it is for.
    return strings.pgettext("sms headline", "{name}: {usage}").format(name=name, usage=usage)


def _warning(effects: str, trimmed: bool, strings: Strings) -> str:
    if trimmed:
        # TRANSLATORS: SAFETY: SMS warning when only some serious side effects fit; {effects}
        # is a list of side effects. The reader must act on it.
        return strings.gettext(
            "Get medical help at once if: {effects}, or other serious effects.").format(
            effects=effects)
    # TRANSLATORS: SAFETY: SMS warning; {effects} is the list of serious side effects. The
    # reader must act on it.
    return strings.gettext("Get medical help at once if: {effects}.").format(effects=effects)


def shortened(bundle: Bundle) -> list[dict[str, str | None]]:
    """What the chosen summary says shorter than the page, to fit the budget: the usage
    sentence, glosses left out of serious effects, serious effects left out."""
    content, choice = bundle.content, bundle.choice
    out: list[dict[str, str | None]] = []
    if choice.usage in ("shortened", "omitted") and content.usage_forms:
        out.append({"part": "usage", "from": content.usage_forms[0],
                    "to": choice.headline if choice.usage == "shortened" else None,
                    "reason": "shortened to fit the budget" if choice.usage == "shortened"
                    else "left out to fit the budget"})
    phrases = content.warning_phrases
    if not phrases:
        return out
    if choice.warning is None or choice.warning_kept < 0:
        listed, glossed = 0, 0
    else:
        listed = content.warning_counts[choice.warning_kept]
        glossed = content.warning_glossed[choice.warning_kept]
    for index, phrase in enumerate(phrases):
        if index >= listed:
            out.append({"part": "warning", "from": phrase.text, "to": None,
                        "reason": "left out to fit the budget"})
        elif phrase.glossed:
            glossed -= 1
            if glossed >= 0:
                continue
            out.append({"part": "warning", "from": phrase.text, "to": phrase.plain,
                        "reason": "explanation in brackets left out to fit the budget"})
    return out


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

    # The whole warning: with the glosses of its effects, then without them. Glosses come
    # second to anything else the summary says: they are dropped before it is trimmed.
    whole = [index for index, count in enumerate(content.warning_counts)
             if count == content.warning_counts[0]] or [0]
    for facts in range(len(content.facts), -1, -1):
        for warning in whole:
            yield make(0, warning, facts)
    last_headline = len(headlines) - 1
    for headline in range(1, len(headlines)):
        for warning in whole:
            yield make(headline, warning, 0)
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
    if sum(map(len, parts)) + len(safety) > options.capacity:
        return None  # not worth joining: a message is at least as many units as characters
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
            limit = gsm.single_capacity(tail)
            return (f"SMS does not fit: {what} {figures.units} {unit} in "
                    f"{figures.encoding.value}, more than one self-contained message holds "
                    f"({limit}); use the short safety forms or [sms] mode = \"concatenated\"")
        return (f"SMS does not fit: the medicine name and the safety text need more messages "
                f"than [sms] max_segments = {options.max_segments} allows in separate mode")
    figures = gsm.count(f"{name}\n{tail}")
    return (f"SMS does not fit: the medicine name and the safety text alone need "
            f"{figures.segments} segments in {figures.encoding.value}, more than "
            f"[sms] max_segments = {options.max_segments}")
