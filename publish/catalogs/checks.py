"""Checks on untrusted translations, after translate-toolkit's `pofilter`.

Translations come from outside the team, so a catalog is checked before anything in it is
published: the numbers of a dose with their units ("5 mg" must not become "5 g" or "50 mg"),
markup and addresses the source does not have (a `<script>`, an `<img src=…>`, a link), the
header (UTF-8, the locale's pinned plural rule) and the number of plural forms of each entry.
The gate (`publish.catalogs.gate`) refuses a page in a locale when one of its strings, or one
of the catalogs it is translated from, fails a check.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

from publish.catalogs.inline import parse_spans
from publish.catalogs.placeholders import placeholder_problem
from publish.catalogs.plurals import PluralRuleError, rule_difference
from publish.catalogs.pofile import Entry
from publish.reader import remove_invisible

# Units written the same way in every language that uses Latin digits, so a translation must
# keep them next to the same number. Words ("hours", "units") are translated and not checked.
_UNIT_SYMBOLS = {
    "mg": "mg", "mcg": "µg", "µg": "µg", "μg": "µg", "ug": "µg", "ng": "ng", "g": "g",
    "kg": "kg", "ml": "ml", "mL": "ml", "l": "l", "L": "l", "dl": "dl", "dL": "dl",
    "mmol": "mmol", "µmol": "µmol", "mol": "mol", "meq": "meq", "mEq": "meq", "%": "%",
    "°C": "°C", "°F": "°F", "mmHg": "mmHg", "cm": "cm", "mm": "mm", "m²": "m²", "m2": "m²",
}
# A number starts where no digit (or digit and separator) precedes it: without the two
# look-behinds every digit of a 20,000-digit run would start a match that scans the rest of
# the run (quadratic; 22 s). With them only the first digit of a run can start one.
NUMBER_UNIT = re.compile(
    r"(?<!\d)(?<!\d[.,\u00a0\u202f])"
    r"(\d+(?:[.,\u00a0\u202f]\d+)*)[\s\u00a0\u202f]*"
    r"(" + "|".join(sorted(map(re.escape, _UNIT_SYMBOLS), key=len, reverse=True)) + r")"
    r"(?![^\W\d_])")
# The inline marks of catalog strings (see `publish.catalogs.inline`): not smuggled markup.
_MARK_TAGS = frozenset({"sub", "sup", "b", "strong", "i", "em"})
# `<\s*/?\s*` would let the two runs of spaces share out a long run between them (quadratic
# on `<` and 20,000 spaces): the second run may only follow the slash.
_TAG = re.compile(r"<\s*(?:/\s*)?([A-Za-z][\w:-]*)|<!--|<!\[CDATA\[", re.IGNORECASE)
_ADDRESS = re.compile(r"\b(?:https?|ftp|file|javascript|data|vbscript):|\bwww\.", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*([\w.:-]+)", re.IGNORECASE)
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")

UNTRANSLATED, FUZZY, ABSENT, BROKEN, NUMBERS = (
    "untranslated", "fuzzy", "not in the catalog", "broken inline marks", "numbers differ")
UNITS, MARKUP = "a number's unit differs", "adds markup or an address"
_DIGITS = re.compile(r"\d+")
INVISIBLE = "invisible or control characters"


def number_units(text: str) -> Counter[tuple[str, str]]:
    """(digits, unit) pairs: `0.5 mg` and `0,5 mg` are both ("05", "mg")."""
    return Counter((re.sub(r"\D", "", number), _UNIT_SYMBOLS[unit])
                   for number, unit in NUMBER_UNIT.findall(text))


def units_kept(msgid: str, msgstr: str) -> bool:
    """Every number-with-unit of the source is in the translation with the same unit."""
    needed = number_units(msgid)
    if not needed:
        return True
    found = number_units(msgstr)
    return all(found[pair] >= count for pair, count in needed.items())


def added_markup(msgid: str, msgstr: str) -> list[str]:
    """HTML tags, comments and addresses of the translation that the source does not have."""
    def found(text: str) -> Counter[str]:
        items: Counter[str] = Counter()
        for match in _TAG.finditer(text):
            name = (match.group(1) or match.group(0)).lower()
            if name not in _MARK_TAGS:
                items[f"<{name}" if match.group(1) else name] += 1
        for match in _ADDRESS.finditer(text):
            items[match.group(0).lower()] += 1
        return items

    extra = found(msgstr) - found(msgid)
    return sorted(extra)


def invisible_characters(text: str) -> list[str]:
    """The characters page text is cleaned of (`publish.reader.remove_invisible`: bidi
    overrides, zero-width spaces, control characters such as ESC…) found in `text`, named.

    A translation holding one is refused rather than cleaned: `Tome \u202e15 mg\u202c`
    passes the number check yet prints "gm 51", and a translator must see and fix what
    they sent, not have it silently rewritten."""
    _cleaned, removed = remove_invisible(text)
    return [f"U+{ord(char):04X} {unicodedata.name(char, 'CONTROL')}"
            for char in sorted(removed, key=removed.__getitem__)]


def invisible_problem(entry: Entry) -> str | None:
    """Invisible or control characters in a translation (checked before anything else: an
    override can make a reversed dose pass the number check)."""
    found: list[str] = []
    for text in entry.msgstr_plural or (entry.msgstr,):
        found.extend(name for name in invisible_characters(text) if name not in found)
    if not found:
        return None
    shown = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    return f"{INVISIBLE} ({shown}): they can hide text or show it reversed"


def translation_problem(entry: Entry) -> str | None:
    """What the checks find wrong with a translated entry (numbers are the gate's own)."""
    for text in entry.msgstr_plural or (entry.msgstr,):
        source = entry.msgid if not entry.msgid_plural else entry.msgid + " " + entry.msgid_plural
        if not units_kept(entry.msgid, text):
            return UNITS
        markup = added_markup(source, text)
        if markup:
            return f"{MARKUP} ({', '.join(markup)})"
    return None


def numbers_kept(msgid: str, msgstr: str) -> bool:
    """Every run of digits of the source appears in the translation (as often)."""
    needed = Counter(_DIGITS.findall(msgid))
    if not needed:
        return True
    found = Counter(_DIGITS.findall(msgstr))
    return all(found[number] >= count for number, count in needed.items())


def entry_problem(entry: Entry | None, *, formatted: bool = False,
                  template: Entry | None = None) -> str | None:
    """Why an entry cannot be published, or None when it can.

    `formatted`: code fills the string's placeholders (a shared-catalog string), so they are
    checked (`publish.catalogs.placeholders`); so are those of any entry flagged as a
    format string. `template`: the entry of the template (its flags are the tool's, the
    catalog's are the translator's)."""
    if entry is None:
        return ABSENT
    if entry.fuzzy:
        return FUZZY
    if not entry.translated:
        return UNTRANSLATED
    invisible = invisible_problem(entry)
    if invisible is not None:
        return invisible
    flags = set(entry.flags) | set(template.flags if template is not None else ())
    if formatted or flags & {"python-brace-format", "python-format"}:
        problem = placeholder_problem(entry, percent="python-format" in flags)
        if problem is not None:
            return problem
    translations = entry.msgstr_plural or (entry.msgstr,)
    for text in translations:
        try:
            parse_spans(text)
        except ValueError:
            return BROKEN
        if not numbers_kept(entry.msgid, text):
            return NUMBERS
    return translation_problem(entry)


def header_problems(header: Mapping[str, str], plural_forms: str) -> list[str]:
    """What is wrong with a catalog's header, given the locale's pinned Plural-Forms."""
    problems = []
    content_type = header.get("Content-Type", "")
    charset = _CHARSET.search(content_type)
    if charset is None or charset.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        shown = charset.group(1) if charset else "none"
        problems.append(f"header: charset {shown}, but catalogs must be UTF-8 "
                        "(Content-Type: text/plain; charset=UTF-8)")
    given = header.get("Plural-Forms")
    if not given:
        problems.append(f"header: no Plural-Forms (expected {plural_forms!r})")
    else:
        # compared by meaning: `n!=1` is `(n != 1)` (`publish.catalogs.plurals`)
        try:
            difference = rule_difference(given, plural_forms)
        except PluralRuleError as error:
            problems.append(f"header: Plural-Forms {_clip(given)!r} cannot be read ({error})")
        else:
            if difference is not None:
                problems.append(f"header: Plural-Forms {_clip(given)!r} differs from this "
                                f"language's {plural_forms!r} ({difference})")
    return problems


def plural_count_problems(entries: Iterable[Entry], nplurals: int) -> list[Entry]:
    """Plural entries whose number of forms is not the language's `nplurals`."""
    return [entry for entry in entries
            if entry.msgid_plural is not None and entry.has_translation
            and len(entry.msgstr_plural) != nplurals]


def nplurals_of(plural_forms: str) -> int:
    match = _NPLURALS.search(plural_forms)
    return int(match.group(1)) if match else 2


def _clip(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "…"
