"""The pseudo-locale `en-XA`: every string accented and about a third longer, in brackets.

Built from the templates, never written by hand and never committed. A build in `en-XA`
shows at a glance any text that did not go through the catalogs (it stays plain English),
any layout that cannot take longer words, and any string cut short (the closing bracket
is missing). Inline marks (`**bold**`, `<sub>`, `\\*`), `{placeholders}`, `%(name)s` fields and
digits are kept as they are: numbers in a medicine leaflet must survive translation.

Only Latin-1 letters are used, so every font the themes ship can draw them.
"""

from __future__ import annotations

import re
from dataclasses import replace

from publish.catalogs.checks import NUMBER_UNIT
from publish.catalogs.pofile import Entry, order_flags

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


def pseudo_entry(entry: Entry, nplurals: int) -> Entry:
    flags = order_flags([flag for flag in entry.flags if flag != "fuzzy"])
    if entry.msgid_plural is not None:
        forms = tuple(pseudo_text(entry.msgid if index == 0 else entry.msgid_plural)
                      for index in range(nplurals))
        return replace(entry, msgstr_plural=forms, flags=flags, previous_msgid=None,
                       previous_msgctxt=None)
    return replace(entry, msgstr=pseudo_text(entry.msgid), flags=flags, previous_msgid=None,
                   previous_msgctxt=None)
