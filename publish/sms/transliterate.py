"""Text made fit for GSM-7: typographic characters replaced, medical symbols written out.

Two kinds of replacement, applied before the encoding is chosen:

- **Typographic** characters that have a faithful GSM form, the same in every language: curly
  quotes, dashes, the ellipsis, no-break and thin spaces, super/subscript digits, fractions.
  One of them is enough to turn a whole message into UCS-2 (up to 3× the segments).
- **Medical** characters whose meaning must survive (≥ ≤ µ ° ² ± α…): written out in words
  from the locale's data file `locales/<lang>/sms.toml`, because "at least" is English and
  "al menos" Spanish. Never dropped: without a table for the locale they stay as they are
  (and the message goes out in UCS-2).

Everything else (accented letters of the language, other scripts) is kept, and the message uses
UCS-2 when it must.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publish.errors import ConfigError
from publish.model import Span
from publish.resources import locale_candidates as locale_candidates
from publish.resources import locale_data_file
from publish.sms.gsm import GSM7_BASIC, GSM7_EXTENSION

LOCALE_FILE = "sms.toml"

# Faithful GSM forms, the same in every language.
TYPOGRAPHIC: dict[str, str] = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-",
    # An em dash usually joins words without spaces ("surfactant—a substance").
    "\u2014": " - ", "\u2015": " - ",
    "\u2026": "...", "\u00d7": "x", "\u2044": "/", "\u2022": "-",
    "`": "'",
    # Trademark signs carry no meaning for a patient and would cost the message GSM-7.
    "\u00ae": "", "\u2122": "",
    # Invisible characters: soft hyphen, zero-width space, word joiner, byte-order mark.
    "\u00ad": "", "\u200b": "", "\u2060": "", "\ufeff": "",
}
# No-break, thin and other fixed-width spaces (Babel puts U+202F in French numbers).
SPACES = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
         "\u202f\u205f\u3000"
FRACTIONS = {"\u00bd": "1/2", "\u00bc": "1/4", "\u00be": "3/4", "\u2153": "1/3",
             "\u2154": "2/3", "\u215b": "1/8"}
SUPERSCRIPTS = dict(zip("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
                        "\u207a\u207b\u207c\u207d\u207e", "0123456789+-=()"))
SUBSCRIPTS = dict(zip("\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089"
                      "\u208a\u208b\u208c\u208d\u208e", "0123456789+-=()"))
MICRO_SIGN, GREEK_MU = "\u00b5", "\u03bc"

_SUPERSCRIPT_RUN = re.compile(f"[{''.join(SUPERSCRIPTS)}]+")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SmsLocale:
    """The SMS data of one locale (`locales/<lang>/sms.toml`)."""

    locale: str
    path: Path | None
    """The file the data came from; None when the locale has none."""
    words: Mapping[str, str] = field(default_factory=dict)
    """Medical character (or unit such as `µg`, `/m²`) → words."""
    fold_accents: bool = False
    """Write letters outside GSM-7 without their accent (`naïve` → `naive`, `Behçet` → `Behcet`).
    Right for English, where such letters are loanword spellings; wrong where accents change
    the word, as in Spanish."""
    abbreviations: frozenset[str] = frozenset()
    """Words ending in a full stop that do not end a sentence (`e.g`, `approx`)."""
    missed_dose: tuple[str, ...] = ()
    """Words of an FAQ question about a missed dose."""
    double_dose: tuple[str, ...] = ()
    """Words of the answer sentence that says not to double the next dose."""
    avoid: tuple[str, ...] = ()
    """Words of an FAQ answer sentence that says what not to take the medicine with."""


def find_locale_file(locales_dir: Path, locale: str) -> Path | None:
    return locale_data_file(locales_dir, locale, LOCALE_FILE)


def load_locale(locales_dir: Path, locale: str) -> SmsLocale:
    path = find_locale_file(locales_dir, locale)
    if path is None:
        return SmsLocale(locale=locale, path=None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", path, getattr(error, "lineno", None)) \
            from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read: {error}", path) from None
    return parse_locale(data, locale, path)


def parse_locale(data: Mapping[str, Any], locale: str, path: Path | None) -> SmsLocale:
    known = {"words", "fold_accents", "sentences", "facts"}
    for key in data:
        if key not in known:
            raise ConfigError(f"unknown key {key!r} (known: {', '.join(sorted(known))})", path)
    words = _table(data, "words", path)
    for key, value in words.items():
        if not isinstance(value, str) or not key:
            raise ConfigError(f"[words] {key!r}: expected a non-empty key and a string", path)
        if not value.strip():
            # A medical character is never dropped: an empty replacement would do exactly that.
            raise ConfigError(f"[words] {key!r}: the words must not be empty", path)
    fold = data.get("fold_accents", False)
    if not isinstance(fold, bool):
        raise ConfigError("fold_accents: expected true or false", path)
    sentences = _table(data, "sentences", path)
    facts = _table(data, "facts", path)
    return SmsLocale(
        locale=locale, path=path,
        words=_both_micro_signs(words),
        fold_accents=fold,
        abbreviations=frozenset(w.lower().rstrip(".") for w in
                                _strings(sentences, "abbreviations", "sentences", path)),
        missed_dose=_strings(facts, "missed_dose", "facts", path),
        double_dose=_strings(facts, "double_dose", "facts", path),
        avoid=_strings(facts, "avoid", "facts", path),
    )


def _both_micro_signs(words: Mapping[str, str]) -> dict[str, str]:
    """Pages write micro as U+00B5 or as the Greek mu U+03BC: a table entry serves both."""
    table = dict(words)
    for key, value in words.items():
        table.setdefault(key.replace(MICRO_SIGN, GREEK_MU), value)
        table.setdefault(key.replace(GREEK_MU, MICRO_SIGN), value)
    return table


def _table(data: Mapping[str, Any], key: str, path: Path | None) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{key}] must be a table", path)
    return value


def _strings(table: Mapping[str, Any], key: str, name: str,
             path: Path | None) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(f"[{name}] {key}: expected a list of non-empty strings", path)
    return tuple(item.lower() for item in value)


def flatten(spans: Iterable[Span]) -> str:
    """Plain text of inline spans, keeping what the marks mean.

    `10<sup>6</sup>` is ten to the sixth, not 106: a superscript after a digit becomes `^6`.
    Other marks (bold, italic, subscript) add nothing an SMS can show.
    """
    out: list[str] = []
    for span in spans:
        text = span.text
        if "sup" in span.marks and out and out[-1][-1:].isdigit() and text.strip():
            text = "^" + text.strip()
        out.append(text)
    return "".join(out)


class Transliterator:
    """Applies the typographic table and one locale's words to text bound for an SMS."""

    def __init__(self, data: SmsLocale):
        self.data = data
        keys = sorted(data.words, key=len, reverse=True)
        self._words = re.compile("|".join(re.escape(key) for key in keys)) if keys else None

    def __call__(self, text: str, record: dict[str, str] | None = None) -> str:
        """The GSM-friendly form of `text`; `record` collects original → replacement."""
        if self._words is not None:
            text = self._words.sub(lambda match: self._word(match, record), text)
            text = text.replace("\0", " ")
        text = _SUPERSCRIPT_RUN.sub(lambda match: _superscript(match, record), text)
        out: list[str] = []
        for index, ch in enumerate(text):
            out.append(self._character(text, index, ch, record))
        return _WHITESPACE.sub(" ", "".join(out)).strip()

    def _word(self, match: re.Match[str], record: dict[str, str] | None) -> str:
        key = match.group()
        words = self.data.words[key]
        source = match.string
        before = source[match.start() - 1] if match.start() > 0 else ""
        after = source[match.end()] if match.end() < len(source) else ""
        # "≥18" → "at least 18", "37°C" → "37 degrees Celsius": keep words apart. Two symbols
        # side by side are both written out: a NUL marks the gap, made a space afterwards.
        if (before.isalnum() or before in self.data.words) and words[0].isalnum():
            words = "\0" + words
        if (after.isalnum() or self._words_start(source, match.end())) and words[-1].isalnum():
            words = words + "\0"
        if record is not None:
            record[key] = self.data.words[key]
        return words

    def _words_start(self, text: str, index: int) -> bool:
        return self._words is not None and self._words.match(text, index) is not None

    def _character(self, text: str, index: int, ch: str, record: dict[str, str] | None) -> str:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            return ch
        replacement: str | None = None
        if ch in TYPOGRAPHIC:
            replacement = TYPOGRAPHIC[ch]
        elif ch in SPACES:
            replacement = " "
        elif ch in FRACTIONS:
            replacement = FRACTIONS[ch]
            if index > 0 and text[index - 1].isdigit():
                replacement = " " + replacement  # 1½ is one and a half, not 11/2
        elif ch in SUBSCRIPTS:
            replacement = SUBSCRIPTS[ch]  # CaCl₂ → CaCl2
        elif self.data.fold_accents:
            replacement = _fold(ch)
        if replacement is None:
            return ch
        if record is not None:
            record[ch] = replacement
        return replacement


def _superscript(match: re.Match[str], record: dict[str, str] | None) -> str:
    run = match.group()
    plain = "".join(SUPERSCRIPTS[ch] for ch in run)
    start = match.start()
    # After a digit a superscript is an exponent (10⁹/L → 10^9/L); after a letter it is a
    # charge or an index (Ca²⁺ → Ca2+).
    replacement = "^" + plain if start > 0 and match.string[start - 1].isdigit() else plain
    if record is not None:
        record[run] = replacement
    return replacement


def _fold(ch: str) -> str | None:
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if base and base != ch and all(c in GSM7_BASIC for c in base):
        return base
    return None
