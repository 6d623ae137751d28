"""Speech normalisation: rewrite what espeak-ng would misread or drop, from per-locale data.

espeak-ng drops `<` and `>` silently (a dose threshold lost), reads `IV` as "roman four", `mg`
as "M G", `5-10%` as "five dash ten percent", and stresses many drug names wrongly. The rules
are locale data, not code: `<locales>/<lang>/speech.toml` (words, symbols, abbreviations, units)
and `<locales>/<lang>/lexicon.toml` (respellings users extend). Only the spoken text changes; the
transcript keeps the page's own wording.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.errors import ConfigError
from publish.resources import locale_data_file, locale_data_files
from publish.sentences import Abbreviations, split_sentences

SPEECH_FILE = "speech.toml"
LEXICON_FILE = "lexicon.toml"
_REQUIRED_WORDS = ("to", "per", "or", "percent", "power")
_DASHES = "-\u2010\u2011\u2012\u2013\u2014"
_NUMBER = r"\d++(?:[.,]\d++)*+"
"""A number ("5", "2.5", "1,000"), never given back in part: what follows a number in these
rules (a space, a unit, a dash) can never follow a shorter piece of it."""
_NUMBER_START = r"(?<!\d)(?<!\d[.,])"
"""Only where a number begins: a match tried at every digit of a run of 8,000 digits made the
range rule quadratic (4.5 s)."""


@dataclass(frozen=True)
class Unit:
    one: str
    many: str
    alone: bool = False
    """Also expanded where no number precedes it ("dose in mg")."""


@dataclass(frozen=True)
class Abbreviation:
    say: str
    numeral_after: frozenset[str] = frozenset()
    """Lower-case words after which the abbreviation is a Roman numeral ("type IV")."""
    numeral: str | None = None


@dataclass(frozen=True)
class SpeechData:
    """The files one locale's rules come from: one speech.toml, then lexicons (later wins)."""

    speech: Path
    lexicons: tuple[Path, ...] = ()

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.speech, *self.lexicons)


def find_speech_data(locales_dir: Path, locale: str) -> SpeechData | None:
    """A locale's speech data: the site's `speech.toml` if it has one, else the built-in one;
    the built-in lexicon extended by the site's (a site adds words without copying the list).
    """
    speech = locale_data_file(locales_dir, locale, SPEECH_FILE)
    if speech is None:
        return None
    lexicons = tuple(reversed(locale_data_files(locales_dir, locale, LEXICON_FILE)))
    return SpeechData(speech, lexicons)


class SpeechRules:
    """A locale's normalisation rules, compiled once and applied to every utterance."""

    def __init__(self, *, words: Mapping[str, str], symbols: Mapping[str, str],
                 abbreviations: Mapping[str, Abbreviation], units: Mapping[str, Unit],
                 per: Mapping[str, str], lexicon: Mapping[str, str],
                 no_break_after: tuple[str, ...] = (), conjunctions: tuple[str, ...] = (),
                 sources: tuple[Path, ...] = ()):
        missing = [key for key in _REQUIRED_WORDS if key not in words]
        if missing:
            raise ConfigError(f"[words] lacks {', '.join(missing)}",
                              sources[0] if sources else None)
        self.words = dict(words)
        self.symbols = dict(symbols)
        self.abbreviations = dict(abbreviations)
        self.units = dict(units)
        self.per = dict(per)
        self.lexicon = {key.casefold(): value for key, value in lexicon.items()}
        self.no_break_after = tuple(no_break_after)
        self._abbreviations = Abbreviations(no_break_after)
        self.conjunctions = frozenset(word.casefold() for word in conjunctions)
        """Words a long sentence may be cut before when it has no clause mark to cut at."""
        self.sources = tuple(sources)
        self._compile()

    def _compile(self) -> None:
        units = _alternation(self.units)
        per = _alternation(self.per)
        # "mg/kg/day": any number of "/unit" parts, each read "per …".
        per_part = rf"((?:\s*/\s*(?:{per}))*)" if per else "()"
        # A range is a number, an optional unit or %, a dash and another number: "5–10 mg".
        self._range = re.compile(
            rf"{_NUMBER_START}({_NUMBER})(\s*+(?:{units}|%))?\s*+[{_DASHES}]\s*+(?=\d)"
            if units else rf"{_NUMBER_START}({_NUMBER})(\s*+%)?\s*+[{_DASHES}]\s*+(?=\d)")
        self._power = re.compile(r"(\d)\s*\^\s*(\d+)")
        self._number_unit = (re.compile(
            rf"(?<![\w.,])({_NUMBER})\s*({units}){per_part}(?![\w²³])") if units else None)
        alone = _alternation({key: unit for key, unit in self.units.items() if unit.alone})
        self._alone_unit = (re.compile(rf"(?<![\w/])({alone}){per_part}(?![\w²³])")
                            if alone else None)
        self._percent = re.compile(r"(\d)\s*%")
        abbreviations = _alternation(self.abbreviations)
        self._abbreviation = (re.compile(rf"(?<![\w.])({abbreviations})(?![\w])")
                              if abbreviations else None)
        symbols = _alternation(self.symbols)
        self._symbol = re.compile(f"({symbols})") if symbols else None
        # "PFU/mL": a slash before a unit is "per"; between other words it is "or".
        self._slash_per = (re.compile(rf"(?<=\w)\s*/\s*({per})(?![\w²³])") if per else None)
        self._slash = re.compile(r"(?<=[^\W\d_])\s*/\s*(?=[^\W\d_])")
        lexicon = _alternation(self.lexicon)
        self._lexicon = (re.compile(rf"(?<![\w])({lexicon})(?![\w])", re.IGNORECASE)
                         if lexicon else None)

    # --- the pipeline -------------------------------------------------------------------------

    def speak(self, text: str) -> str:
        """The words the engine should say for `text` (display form, superscripts as `^`)."""
        words = self.words
        text = self._power.sub(lambda m: f"{m[1]} {words['power']} {m[2]}", text)
        text = self._range.sub(lambda m: f"{m[1]}{m[2] or ''} {words['to']} ", text)
        if self._number_unit is not None:
            text = self._number_unit.sub(self._expand_number_unit, text)
        if self._alone_unit is not None:
            text = self._alone_unit.sub(self._expand_alone_unit, text)
        text = self._percent.sub(lambda m: f"{m[1]} {words['percent']}", text)
        text = text.replace("%", f" {words['percent']} ")
        if self._abbreviation is not None:
            text = self._abbreviation.sub(self._expand_abbreviation, text)
        if self._symbol is not None:
            text = self._symbol.sub(lambda m: f" {self.symbols[m[1]]} ", text)
        if self._slash_per is not None:
            text = self._slash_per.sub(lambda m: self._per(m[1]), text)
        text = self._slash.sub(f" {words['or']} ", text)
        if self._lexicon is not None:
            text = self._lexicon.sub(lambda m: self.lexicon[m[1].casefold()], text)
        text = re.sub(r"\s+", " ", text)
        text = re.sub(r" (?=[,.;:!?])", "", text)
        text = re.sub(r"(?<=[(\[]) ", "", text)
        return text.strip()

    def _per(self, parts: str | None) -> str:
        keys = [key.strip() for key in (parts or "").split("/") if key.strip()]
        return "".join(f" {self.words['per']} {self.per[key]}" for key in keys)

    def _expand_number_unit(self, match: re.Match[str]) -> str:
        number, unit = match[1], self.units[match[2]]
        word = unit.one if number == "1" else unit.many
        return f"{number} {word}{self._per(match[3])}"

    def _expand_alone_unit(self, match: re.Match[str]) -> str:
        unit = self.units[match[1]]
        # "per mL" is "per millilitre"; "the dose in mg" is "in milligrams". Only the text just
        # before is read: a copy of everything before each match is quadratic on "mg mg mg…".
        end = _skip_space_back(match.string, match.start())
        per = self.words["per"]
        after_per = match.string.startswith(per, end - len(per)) and end >= len(per)
        return f"{unit.one if after_per else unit.many}{self._per(match[2])}"

    def _expand_abbreviation(self, match: re.Match[str]) -> str:
        entry = self.abbreviations[match[1]]
        if entry.numeral is not None and entry.numeral_after:
            # The word before ("type IV"), read backwards from the match: a search of all the
            # text before each match took minutes on 12,000 "type IV".
            if _word_before(match.string, match.start()).casefold() in entry.numeral_after:
                return entry.numeral
        return entry.say

    # --- sentences ----------------------------------------------------------------------------

    def sentences(self, text: str) -> list[str]:
        """Split display text into sentences (substrings of `text`, in order)."""
        return split_sentences(text, self._abbreviations)


def _skip_space_back(text: str, index: int) -> int:
    while index > 0 and text[index - 1].isspace():
        index -= 1
    return index


def _word_before(text: str, index: int) -> str:
    """The last word (`\\w+`) before `index`, past any other characters, or ""."""
    end = index
    while end > 0 and not _is_word_char(text[end - 1]):
        end -= 1
    start = end
    while start > 0 and _is_word_char(text[start - 1]):
        start -= 1
    return text[start:end]


def _is_word_char(char: str) -> bool:
    """What `\\w` matches in a str pattern."""
    return char.isalnum() or char == "_"


def _alternation(keys: Mapping[str, Any]) -> str:
    """A regex alternation of literal keys, longest first so `>=` wins over `>`."""
    return "|".join(re.escape(key) for key in sorted(keys, key=lambda k: (-len(k), k)))


# --- loading ----------------------------------------------------------------------------------


def load_rules(folder: Path) -> SpeechRules:
    """Rules from `folder/speech.toml` and (if present) `folder/lexicon.toml`."""
    lexicon = folder / LEXICON_FILE
    return load_speech_data(SpeechData(folder / SPEECH_FILE,
                                       (lexicon,) if lexicon.is_file() else ()))


def load_speech_data(data: SpeechData) -> SpeechRules:
    speech_path = data.speech
    table = _read_toml(speech_path)
    lexicon: dict[str, str] = {}
    for path in data.lexicons:
        lexicon.update(_strings(_read_toml(path), "lexicon", path))
    sentences = table.get("sentences", {})
    if not isinstance(sentences, dict):
        raise ConfigError("[sentences] must be a table", speech_path)
    return SpeechRules(
        words=_strings(table.get("words", {}), "words", speech_path),
        symbols=_strings(table.get("symbols", {}), "symbols", speech_path),
        abbreviations=_abbreviations(table.get("abbreviations", {}), speech_path),
        units=_units(table.get("units", {}), speech_path),
        per=_strings(table.get("per", {}), "per", speech_path),
        lexicon=lexicon,
        no_break_after=tuple(_string_list(sentences.get("no_break_after", []),
                                          "sentences.no_break_after", speech_path)),
        conjunctions=tuple(_string_list(sentences.get("conjunctions", []),
                                        "sentences.conjunctions", speech_path)),
        sources=data.files,
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's TOMLDecodeError has no `lineno`; the message ends "(at line N, …)".
        line = re.search(r"at line (\d+)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise ConfigError(f"not valid TOML: {message}", path,
                          int(line[1]) if line else None) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read: {error}", path) from None


def _strings(table: Any, name: str, path: Path) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] must be a table", path)
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"[{name}] {key!r}: expected a non-empty string", path)
    return dict(table)


def _string_list(value: Any, name: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{name}: expected a list of strings", path)
    return value


def _units(table: Any, path: Path) -> dict[str, Unit]:
    if not isinstance(table, dict):
        raise ConfigError("[units] must be a table", path)
    units: dict[str, Unit] = {}
    for key, value in table.items():
        if (not isinstance(value, dict) or not isinstance(value.get("one"), str)
                or not isinstance(value.get("many"), str)
                or not isinstance(value.get("alone", False), bool)):
            raise ConfigError(f"[units] {key!r}: expected {{ one = \"…\", many = \"…\" }}", path)
        units[key] = Unit(value["one"], value["many"], value.get("alone", False))
    return units


def _abbreviations(table: Any, path: Path) -> dict[str, Abbreviation]:
    if not isinstance(table, dict):
        raise ConfigError("[abbreviations] must be a table", path)
    found: dict[str, Abbreviation] = {}
    for key, value in table.items():
        if isinstance(value, str) and value.strip():
            found[key] = Abbreviation(value)
            continue
        if not isinstance(value, dict) or not isinstance(value.get("say"), str):
            raise ConfigError(f"[abbreviations] {key!r}: expected a string or "
                              "{ say = \"…\", numeral_after = […], numeral = \"…\" }", path)
        after = _string_list(value.get("numeral_after", []), f"abbreviations.{key}", path)
        numeral = value.get("numeral")
        if numeral is not None and not isinstance(numeral, str):
            raise ConfigError(f"[abbreviations] {key!r}: numeral must be a string", path)
        found[key] = Abbreviation(value["say"], frozenset(w.casefold() for w in after), numeral)
    return found
