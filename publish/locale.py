"""The one value that says which language and region a leaflet is written for.

A `Locale` is parsed once, from the command line or `publish.toml`, and everything that depends
on the language asks it: the HTML `lang` and `dir`, dates (Babel), the catalogs' `Language:`
header, and the folders locale data is looked up in (`candidates()`). The text direction comes
from Babel's CLDR data (`character_order`), never from a list kept here: CLDR knows that
Kashmiri, Syriac, Moroccan Arabic, Rohingya and N'Ko are written right to left.

This module sits at the bottom of the package: it imports only the errors, the standard
library and Babel.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale as BabelLocale
from babel import UnknownLocaleError

from publish.errors import ConfigError

PSEUDO_REGIONS = frozenset({"XA", "XB"})
"""CLDR's pseudo-locale regions: `XA` accented and lengthened text (`en-XA`), `XB` mirrored,
right-to-left text (`ar-XB`). A pseudo-locale formats dates and numbers as its language."""

_MAX_TAG = 64
# language[-script][-region][-variant…], `-` or `_` between subtags. Every part has its own
# length or alphabet, so the match never backtracks; tags are short and bounded anyway.
_TAG = re.compile(
    r"(?P<language>[A-Za-z]{2,3})"
    r"(?:[-_](?P<script>[A-Za-z]{4}))?"
    r"(?:[-_](?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    r"(?P<variants>(?:[-_](?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*)")
_EXAMPLES = "a BCP 47 tag such as es, pt-BR, zh-Hans or en-XA"


@dataclass(frozen=True)
class Locale:
    """A validated locale. Equal, hashed and printed as its tag (`str(locale) == "pt-BR"`)."""

    tag: str
    """BCP 47, normalised: `es`, `pt-BR`, `zh-Hans`, `en-XA` (the HTML `lang`)."""
    language: str
    """ISO 639 code, lower case: `pt`."""
    script: str | None
    region: str | None
    """ISO 3166 code or UN M.49 number, upper case: `BR`, `419`; None when not given."""
    babel: BabelLocale = field(compare=False, repr=False)
    """Babel's locale for dates, numbers and CLDR data: the tag's own or the nearest one Babel
    knows (`es-ZZ` → `es`); a pseudo-locale's language (`en-XA` → `en`)."""

    @classmethod
    def parse(cls, text: str | Locale) -> Locale:
        """The locale named by `text` (`es`, `pt_BR`, `pt-br`…); `ConfigError` if `text` is no
        locale tag or names a language Babel has no data for."""
        if isinstance(text, Locale):
            return text
        return _parse(text)

    @property
    def gettext_name(self) -> str:
        """The name gettext and PO headers use: `pt_BR`."""
        return self.tag.replace("-", "_")

    @property
    def direction(self) -> str:
        """`rtl` or `ltr`: the `dir` of the HTML and the layout of the PDF."""
        return "rtl" if self.babel.character_order == "right-to-left" else "ltr"

    @property
    def is_pseudo(self) -> bool:
        """A pseudo-locale (`en-XA`, `ar-XB`): made from the source text to test layouts."""
        return self.region in PSEUDO_REGIONS

    @property
    def english_name(self) -> str:
        return str(self.babel.english_name)

    def candidates(self) -> list[str]:
        """Folder names locale data is looked up under, most specific first: the tag, its
        gettext spelling, then shorter tags down to the language (`es-MX`, `es_MX`, `es`)."""
        return tag_candidates(self.tag)

    def __str__(self) -> str:
        return self.tag

    def __repr__(self) -> str:
        return f"Locale({self.tag!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent to worker processes as its tag; Babel's data is loaded again there, lazily.
        return (Locale.parse, (self.tag,))


def parse_locales(values: list[str] | tuple[str, ...], where: str,
                  path: str | Path | None = None) -> list[Locale]:
    """Every locale of a setting or option, in order, without repeats; a bad one is a
    one-line `ConfigError` naming `where` (`--locale`, `[site] locales`)."""
    found: list[Locale] = []
    for value in values:
        try:
            locale = Locale.parse(value)
        except ConfigError as error:
            raise ConfigError(f"{where}: {error.message}", path) from None
        if locale not in found:
            found.append(locale)
    return found


def tag_candidates(tag: str) -> list[str]:
    """`Locale.candidates()` of a normalised tag, whether or not Babel knows its language."""
    parts = tag.split("-")
    names: list[str] = []
    for end in range(len(parts), 0, -1):
        names += ["-".join(parts[:end]), "_".join(parts[:end])]
    return list(dict.fromkeys(names))


def normalise_tag(text: str) -> str:
    """The BCP 47 spelling of a tag (`pt_br` → `pt-BR`); `ConfigError` if `text` is none.
    Only the syntax is checked: `Locale.parse` also asks Babel for the language."""
    return _subtags(text)[0]


def _subtags(text: str) -> tuple[str, str, str | None, str | None, list[str]]:
    """The normalised tag, then its language, script, region and variants."""
    if not isinstance(text, str):
        raise ConfigError(f"invalid locale {text!r}: expected {_EXAMPLES}")
    match = _TAG.fullmatch(text) if len(text) <= _MAX_TAG else None
    if match is None:
        shown = text if len(text) <= 40 else f"{text[:40]}…"
        raise ConfigError(f"invalid locale {shown!r}: expected {_EXAMPLES}")
    language = match["language"].lower()
    script = match["script"].title() if match["script"] else None
    region = match["region"].upper() if match["region"] else None
    variants = [v.lower() for v in re.split(r"[-_]", match["variants"]) if v]
    tag = "-".join(part for part in (language, script, region, *variants) if part)
    return tag, language, script, region, variants


@functools.lru_cache(maxsize=256)
def _parse(text: str) -> Locale:
    tag, language, script, region, variants = _subtags(text)
    babel = _nearest_babel(language, script, None if region in PSEUDO_REGIONS else region,
                           variants)
    if babel is None:
        raise ConfigError(f"unknown locale {text!r}: Babel has no data for the language "
                          f"{language!r}")
    return Locale(tag, language, script, region, babel)


def _nearest_babel(language: str, script: str | None, region: str | None,
                   variants: list[str]) -> BabelLocale | None:
    """Babel's locale for the subtags, dropping the last one until Babel knows it."""
    parts = [part for part in (language, script, region, *[v.upper() for v in variants])
             if part]
    for end in range(len(parts), 0, -1):
        try:
            return BabelLocale.parse("_".join(parts[:end]))
        except (UnknownLocaleError, ValueError):
            continue
    return None
