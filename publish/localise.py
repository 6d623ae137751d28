"""Translation as a transformation: a source-language `Leaflet` becomes a `Leaflet` in a locale.

Renderers never translate: they receive the localised leaflet and a `Strings` object for the
few strings of their own. A string without a publishable translation is an error, never a
silent fallback to the source text: the publication gate (`publish.catalogs.gate`) refuses
the page with `TranslationMissing`, naming the missing strings, and the build writes nothing
for it in that locale.

Every `Text` (headings, paragraphs, labels, list items, FAQ questions and answers,
side-effect groups, the disclaimer and the AI note) is looked up in the page's catalog or
the shared one and its translated inline Markdown parsed back into spans; ids and source
lines stay those of the source, so anchors and caches line up across languages.

With `[catalog] threshold` below 100, a page may be published with some of its own strings
untranslated: those blocks are left out (never shown in English) and a translated notice
says so at the top. The safety texts and the title are always required.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from publish.catalogs import layout
from publish.catalogs.gate import check_page, entry_problem
from publish.catalogs.inline import collapse, msgid_of, parse_translation
from publish.catalogs.placeholders import format_message
from publish.catalogs.safety import approvals_path
from publish.catalogs.translations import CatalogStrings
from publish.catalogs.units import SHARED, Place, map_texts
from publish.config import SiteConfig
from publish.errors import TranslationMissing
from publish.files import StampCache, stat_stamp
from publish.model import Callout, Leaflet, Paragraph, Span, Text, Warning
from publish.strings import SourceStrings, Strings


def localise(leaflet: Leaflet, locale: str, config: SiteConfig) -> tuple[Leaflet, Strings]:
    """The leaflet and the renderer strings for `locale`; raises `TranslationMissing`."""
    if locale == config.source_language:
        return leaflet, SourceStrings()
    status, lookup, units = check_page(leaflet, locale, config)
    if not status.publishable:
        where = status.catalog if status.catalog is not None else config.locales_dir
        raise TranslationMissing(status.summary(config), layout.display(where, config))
    assert lookup.shared is not None  # the gate refuses a locale without a shared catalog
    strings = CatalogStrings(lookup.shared, locale, config)
    pending = iter([unit for unit in units if unit.text_id != "title"])
    dropped: list[str] = []

    def translate(text: Text, place: Place) -> Text | None:
        if not msgid_of(text):
            return text
        unit = next(pending)
        if unit.text_id != text.id:  # the walk and the unit list must agree, always
            raise TranslationMissing(f"internal: unit {unit.text_id} met as {text.id}",
                                     leaflet.source, text.line)
        entry = lookup.entry(unit)
        if entry_problem(entry, formatted=unit.domain == SHARED) is not None:
            dropped.append(unit.msgid)
            return None
        assert entry is not None
        path = lookup.page.path if unit.domain == "page" and lookup.page else None
        return parse_translation(entry.msgstr, text.line, text.id, path, entry.line)

    translated = map_texts(leaflet, translate)
    names = {unit.msgid: unit for unit in units if unit.text_id == "title"}

    def name(value: str | None) -> str | None:
        if value is None or not collapse(value):
            return value
        entry = lookup.entry(names[collapse(value)])
        if entry_problem(entry) is not None:
            raise TranslationMissing(f"not published in {locale}: the title {value!r} is not "
                                     "translated", layout.display(status.catalog, config)
                                     if status.catalog else None)
        assert entry is not None
        return collapse(entry.msgstr)

    result = replace(translated, title=name(leaflet.title) or "",
                     generic_name=name(leaflet.generic_name), language=locale)
    if dropped:
        result = _with_notice(result, strings, len(dropped))
    return result, strings


def catalog_fingerprint(config: SiteConfig, locale: str, page_key: str) -> str:
    """What the translation of one page depends on (the build cache's key): the page's
    catalog, the shared catalog and template, the safety approvals and the settings."""
    catalog = config.table("catalog")
    digest = hashlib.sha256(f"{locale}\0{catalog['threshold']}\0"
                            f"{catalog['max_catalog_bytes']}".encode())
    for path in (layout.page_catalog(config, locale, page_key),
                 layout.shared_catalog(config, locale), layout.shared_template(config),
                 approvals_path(config, locale)):
        digest.update(b"\0" + path.name.encode() + b"\0" + _file_digest(path).encode())
    return digest.hexdigest()


_DIGESTS: StampCache[str] = StampCache()


def _file_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "absent"

    def digest() -> str:
        try:
            with path.open("rb") as stream:
                return hashlib.file_digest(stream, "sha256").hexdigest()
        except OSError as error:
            # a folder or an unreadable file: the job runs and the gate says what is wrong
            return f"unreadable {error.errno}"

    return _DIGESTS.get_stamped(path, (stat_stamp(stat),), digest)


def _with_notice(leaflet: Leaflet, strings: CatalogStrings, count: int) -> Leaflet:
    label = strings.pgettext("notice", "Note")
    # TRANSLATORS: SAFETY: tells the reader that parts of the leaflet are missing in their
    # language; {count} is how many.
    body = format_message(strings.ngettext(
        "One part of this leaflet is not translated yet and has been left out. Ask for the "
        "full leaflet in the original language.",
        "{count} parts of this leaflet are not translated yet and have been left out. Ask "
        "for the full leaflet in the original language.", count), count=count)
    notice = Callout(label=Text((Span(label),), 0, "localise.notice.label"),
                     body=(Paragraph(Text((Span(body),), 0, "localise.notice.text")),))
    warning = Warning("partial-translation",
                      f"{count} untranslated block(s) left out of the {leaflet.language} "
                      "leaflet")
    return replace(leaflet, preamble=(notice, *leaflet.preamble),
                   warnings=(*leaflet.warnings, warning))
