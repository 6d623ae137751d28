"""The pseudo-locales: `en-XA` (accented, longer) and `ar-XB` (mirrored, right to left).

Built from the templates, never written by hand and never committed. A build in `en-XA`
shows at a glance any text that did not go through the catalogs (it stays plain English),
any layout that cannot take longer words, and any string cut short (the closing bracket
is missing). Inline marks (`**bold**`, `<sub>`, `\\*`), `{placeholders}`, `%(name)s` fields and
digits are kept as they are: numbers in a medicine leaflet must survive translation.
Only Latin-1 letters are used, so every font the themes ship can draw them.

`ar-XB` is Android's pseudo-bidi locale: a right-to-left build of the English text. Each
string is isolated right to left (RLI U+2067 … PDI U+2069) and its words are mirrored: the
letters of each word reversed (capitals kept where they were, so sentences still start with
one) and a right-to-left mark (RLM U+200F) after each word, so the words are laid out right
to left too. The string then *looks* like the English text seen in a mirror ("Headache,
severe." shows as ".ereves ,Ehcadaeh"), wherever it is printed: a layout that stays left to
right, a running head or an SMS that loses the direction, a string that never went through
the catalogs (it reads normally) all show at once. Android wraps each word in a right-to-left
*override* (RLO … PDF) instead; the checks on untrusted catalogs refuse overrides and
embeddings (`publish.catalogs.checks.invisible_problem`: an override can show "51 mg" for
"15 mg"), so this locale uses only the isolates and marks right-to-left text is allowed, and
passes the same checks as a real catalog. Numbers with their units stay as written.
"""

from __future__ import annotations

import re
from dataclasses import replace

from publish.catalogs.checks import NUMBER_UNIT
from publish.catalogs.pofile import Entry, order_flags
from publish.locale import Locale

_ACCENTED = str.maketrans({
    "a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü", "y": "ý", "c": "ç", "n": "ñ",
    "A": "Á", "E": "É", "I": "Í", "O": "Ö", "U": "Ü", "Y": "Ý", "C": "Ç", "N": "Ñ",
    "s": "š", "S": "Š", "z": "ž", "Z": "Ž", "d": "ð", "D": "Ð", "t": "þ", "T": "Þ",
})
_VOWELS = set("aeiouyAEIOUY")
# Numbers with their units ("0.25 mcg") stay as they are too: the gate checks them.
# The width of a %-field starts with 1-9: flags may be zeros, and `[-#0+]*\d*` would share
# out a run of zeros between them (quadratic on "%" and 20,000 zeros).
_PROTECTED = re.compile(r"\{[^{}]*\}|%(?:\([A-Za-z_]\w*\))?[-#0+]*(?:[1-9]\d*)?(?:\.\d+)?"
                        r"[sdifrxXeEgGco%]"
                        r"|<[^<>]*>|&[a-z]+;|" + NUMBER_UNIT.pattern)
_WORD = re.compile(r"[A-Za-z]+")

RLI, PDI, RLM = "\u2067", "\u2069", "\u200f"
MIRRORED = "XB"
"""The pseudo-locale region whose strings are mirrored (`ar-XB`); any other (`XA`) accents."""


def _word(match: re.Match[str]) -> str:
    word = match.group(0)
    # lengthen by doubling the first vowel of each word (about +15 %) and every third letter
    out = []
    doubled = False
    for index, ch in enumerate(word):
        out.append(ch)
        if (ch in _VOWELS and not doubled) or (index % 3 == 2 and len(word) > 3):
            out.append(ch.lower())
            doubled = doubled or ch in _VOWELS
    return "".join(out).translate(_ACCENTED)


def pseudo_plain(text: str) -> str:
    """Pseudo-translate plain text, leaving placeholders, tags and entities alone."""
    out = []
    position = 0
    for match in _PROTECTED.finditer(text):
        out.append(_WORD.sub(_word, text[position:match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(_WORD.sub(_word, text[position:]))
    return "".join(out)


def pseudo_text(msgid: str) -> str:
    """The pseudo translation of a catalog string, in brackets; edge spaces stay outside
    (a list separator such as ", " keeps its space)."""
    core = msgid.strip()
    if not core:
        return msgid
    lead = msgid[:len(msgid) - len(msgid.lstrip())]
    trail = msgid[len(msgid.rstrip()):]
    return f"{lead}[{pseudo_plain(core)}]{trail}"


def _mirror_word(match: re.Match[str]) -> str:
    word = match.group(0)
    # Reversed, with each capital kept in its place: "Naltrexone" → "Enoxertlan" (a sentence
    # still starts with a capital, so sentence splitting works as for the source).
    letters = [ch.upper() if source.isupper() else ch.lower()
               for source, ch in zip(word, reversed(word), strict=True)]
    return "".join(letters) + RLM


def mirror_plain(text: str) -> str:
    """Mirror the words of plain text, leaving placeholders, tags and entities alone."""
    out = []
    position = 0
    for match in _PROTECTED.finditer(text):
        out.append(_WORD.sub(_mirror_word, text[position:match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(_WORD.sub(_mirror_word, text[position:]))
    return "".join(out)


def pseudo_bidi_text(msgid: str) -> str:
    """The `ar-XB` translation of a catalog string: mirrored words in a right-to-left
    isolate; edge spaces stay outside (a list separator such as ", " keeps its space)."""
    core = msgid.strip()
    if not core:
        return msgid
    lead = msgid[:len(msgid) - len(msgid.lstrip())]
    trail = msgid[len(msgid.rstrip()):]
    return f"{lead}{RLI}{mirror_plain(core)}{PDI}{trail}"


def pseudo_translate(msgid: str, locale: Locale | str = "en-XA") -> str:
    """The pseudo translation of `msgid` in the pseudo-locale `locale`."""
    if Locale.parse(locale).region == MIRRORED:
        return pseudo_bidi_text(msgid)
    return pseudo_text(msgid)


def describe(locale: Locale | str) -> str:
    """What a pseudo-locale does to the text, for its catalogs' `Language-Team`."""
    if Locale.parse(locale).region == MIRRORED:
        return "mirrored, right to left"
    return "accented and lengthened"


def pseudo_entry(entry: Entry, nplurals: int, locale: Locale | str = "en-XA") -> Entry:
    """`entry` translated in the pseudo-locale `locale` (every plural form filled)."""
    flags = order_flags([flag for flag in entry.flags if flag != "fuzzy"])
    if entry.msgid_plural is not None:
        forms = tuple(pseudo_translate(entry.msgid if index == 0 else entry.msgid_plural,
                                       locale)
                      for index in range(nplurals))
        return replace(entry, msgstr_plural=forms, flags=flags, previous_msgid=None,
                       previous_msgctxt=None)
    return replace(entry, msgstr=pseudo_translate(entry.msgid, locale), flags=flags,
                   previous_msgid=None, previous_msgctxt=None)
