"""The `braille` renderer: a leaflet as a BRF file (ASCII braille) for embossers and braille
displays.

Writes `<page>.brf`: North American Braille ASCII, `[braille] cells` × `lines` per page
(40 × 25 by default), the braille page number right-aligned on the last line of each page, a
form feed after every page. The translation is liblouis's (`publish.braille.liblouis`), with
the table the locale's `braille.toml` names (English: Unified English Braille grade 2;
Spanish: grade 1); what the document says and in what order is `publish.braille.document`,
how it is laid out on pages `publish.braille.layout`.

A pseudo-locale (`en-XA`) uses its language's table: its data is looked up as `en-XA`,
`en_XA`, then `en`, like every locale data file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.braille import layout
from publish.braille.document import DocumentBuilder
from publish.braille.liblouis import Translator, check_table_name
from publish.config import Setting
from publish.errors import ConfigError, RenderError
from publish.files import StampCache
from publish.model import Leaflet
from publish.renderers.base import OutputFile, RenderContext, Renderer, RenderResult
from publish.resources import locale_data_file
from publish.speech.normalise import (
    SpeechData,
    SpeechRules,
    find_speech_data,
    load_speech_data,
)

BRAILLE_FILE = "braille.toml"
CELLS_RANGE = (20, 100)
"""Cells per line: 40 is the common embosser page; braille displays have 14 to 80 cells."""
LINES_RANGE = (5, 100)
"""Lines per page, the page-number line included: 25 is the common embosser page."""
LIBLOUIS = "liblouis"
"""The tool name of liblouis in the build's fingerprints (`publish.build.tools`)."""


@dataclass(frozen=True)
class BrailleData:
    """A locale's braille data: the liblouis tables and the file that named them."""

    tables: tuple[str, ...]
    path: Path
    emphasis: bool = False
    """Bold and italic passed to liblouis (its table must define them, as UEB's do)."""


def find_braille_data(locales_dir: Path, locale: Any) -> Path | None:
    return locale_data_file(locales_dir, locale, BRAILLE_FILE)


def load_braille_data(path: Path) -> BrailleData:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read: {error}", path) from None
    unknown = sorted(set(table) - {"table", "emphasis"})
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} (known: table, emphasis)", path)
    emphasis = table.get("emphasis", False)
    if not isinstance(emphasis, bool):
        raise ConfigError("emphasis: expected true or false", path)
    tables = table.get("table")
    if isinstance(tables, str):
        tables = [tables]
    if (not isinstance(tables, list) or not tables
            or not all(isinstance(name, str) for name in tables)):
        raise ConfigError("table: expected a liblouis table name or a list of them "
                          "(table = \"en-ueb-g2.ctb\")", path)
    for name in tables:
        if not check_table_name(name):
            raise ConfigError(f"table: {name!r} is not a liblouis table name (a file name "
                              "from the liblouis tables folder, no folder in it)", path)
    return BrailleData(tuple(tables), path, emphasis)


class BrailleRenderer(Renderer):
    name = "braille"
    suffixes = (".brf",)
    safety_suffix = ".brf"
    version = "1"
    settings = {
        "cells": Setting(40, int, "Cells per line (BRF for a 40-cell embosser or display).",
                         min=CELLS_RANGE[0], max=CELLS_RANGE[1]),
        "lines": Setting(25, int, "Lines per page, the page-number line included.",
                         min=LINES_RANGE[0], max=LINES_RANGE[1]),
    }

    def __init__(self) -> None:
        self._data: StampCache[BrailleData] = StampCache()
        self._rules: StampCache[SpeechRules] = StampCache()
        self._translators: dict[tuple[str, ...], Translator] = {}

    # --- data ---------------------------------------------------------------------------------

    def inputs(self, context: RenderContext) -> list[Path]:
        files = []
        found = find_braille_data(context.config.locales_dir, context.locale)
        if found is not None:
            files.append(found)
        speech = _speech_data(context)
        if speech is not None:
            files.append(speech.speech)
        return files

    def tools(self, context: RenderContext) -> list[str]:
        return [LIBLOUIS]

    def locale_data(self, context: RenderContext) -> BrailleData:
        path = find_braille_data(context.config.locales_dir, context.locale)
        if path is None:
            raise RenderError(f"no braille data for locale {context.locale.tag!r}: add "
                              f"{context.config.site['locales_dir']}/<language>/{BRAILLE_FILE} "
                              "naming its liblouis table (table = \"…\")")
        return self._data.get(path, [path], lambda: load_braille_data(path))

    def translator(self, context: RenderContext) -> Translator:
        """The locale's liblouis tables, BRF display first (one per table list)."""
        data = self.locale_data(context)
        path = data.path
        if data.tables not in self._translators:
            try:
                self._translators[data.tables] = Translator(data.tables)
            except RenderError as error:
                raise RenderError(str(error), path) from None
        return self._translators[data.tables]

    def words_first(self, context: RenderContext) -> Callable[[str], str]:
        """The speech rules' text rewriting ("5 mg" → "5 milligrams"), without the
        pronunciation lexicon; the text unchanged for a locale with no speech data."""
        return self._rewrite(_speech_data(context))

    def _rewrite(self, speech: SpeechData | None) -> Callable[[str], str]:
        if speech is None:
            return lambda text: text
        found = speech
        rules = self._rules.get(found.speech, [found.speech], lambda: load_speech_data(found))
        return rules.speak

    # --- rendering ----------------------------------------------------------------------------

    def render(self, leaflet: Leaflet, context: RenderContext) -> RenderResult:
        settings = context.settings(self.name)
        translator = self.translator(context)
        speech = _speech_data(context)
        builder = DocumentBuilder(self._rewrite(speech), context,
                                  emphasis=self.locale_data(context).emphasis)
        blocks = builder.build(leaflet)

        def number(page: int) -> str:
            return translator.brf(str(page))

        pages = layout.paginate(blocks, translator.forward, settings["cells"],
                                settings["lines"], number)
        warnings = []
        if speech is None:
            warnings.append(f"braille: no speech data for {context.locale.tag!r} "
                            "(locales/<lang>/speech.toml): signs and units kept as they are")
        data = layout.brf(pages).encode("ascii")
        return RenderResult((OutputFile(".brf", data, "text/plain; charset=us-ascii"),),
                            tuple(warnings))

    def safety_texts(self, leaflet: Leaflet, context: RenderContext) -> tuple[str, str]:
        """The disclaimer and AI note in print, as the braille spells them (signs and units
        as words): what back-translating the file must give."""
        return DocumentBuilder(self.words_first(context), context).safety_texts(leaflet)


def _speech_data(context: RenderContext) -> SpeechData | None:
    data = find_speech_data(context.config.locales_dir, context.locale)
    # Only the rules file: respellings for the speech engine would misspell the braille.
    return SpeechData(data.speech) if data is not None else None
