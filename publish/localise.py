"""Translation as a transformation: a source-language `Leaflet` becomes a `Leaflet` in a locale.

Renderers never translate: they receive the localised leaflet and a `Strings` object for the
few strings of their own. A string without a publishable translation is never a silent
fallback to the source text: the publication gate (`publish.catalogs.gate`) refuses the page,
naming the missing strings, and the build writes nothing for it in that locale. How the refusal
is raised says what it means (`verdict`):

- `Withheld` (status `untranslated`): the translation is not finished (strings untranslated,
  fuzzy or not yet merged, no catalog for the page). A normal state of a site being translated.
- `Withheld` (status `awaiting-approval`): translated, but a safety translation waits for a
  reviewer (`publish catalog approve`). A normal review step, done by someone else.
- `TranslationMissing`: the catalogs are broken or unsafe: a bad header or plural forms, a
  catalog that cannot be read, a translation that changes a number or unit, adds markup or
  hides characters, or a page translated except for its safety text (the disclaimer or AI
  note dropped). Someone must fix a file: a failure.

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
from publish.catalogs.checks import ABSENT, FUZZY, UNTRANSLATED
from publish.catalogs.gate import Missing, PageStatus, check_page, entry_problem
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

UNTRANSLATED_PAGE = "untranslated"
AWAITING_APPROVAL = "awaiting-approval"
WITHHELD = (UNTRANSLATED_PAGE, AWAITING_APPROVAL)
"""Job statuses of a page withheld in a locale: not written, and not a failure."""

# Problems that only say the translator (or the reviewer) has not got there yet.
_IN_PROGRESS = frozenset({UNTRANSLATED, FUZZY, ABSENT})


class Withheld(TranslationMissing):
    """The page is not published in this locale yet, for a normal reason (`status`)."""

    def __init__(self, message: str, path: str | Path | None, status: str,
                 missing: list[dict[str, object]]) -> None:
        super().__init__(message, path)
        self.status = status
        self.missing = missing
        """The strings that hold the page back, as `missing_record` gives them."""


def verdict(status: PageStatus) -> str | None:
    """What the gate's refusal means: None (publishable), `untranslated`,
    `awaiting-approval`, or `failed` (a broken or unsafe catalog)."""
    if status.publishable:
        return None
    everything = status.missing + status.shared_missing
    if status.broken or any(not item.unapproved and item.status not in _IN_PROGRESS
                            for item in everything):
        return "failed"
    if _dropped_safety(status):
        return "failed"  # delivered without its disclaimer or AI note: not work in progress
    if status.catalog_exists and all(item.unapproved for item in everything) \
            and status.percent >= status.threshold:
        return AWAITING_APPROVAL
    return UNTRANSLATED_PAGE


def _dropped_safety(status: PageStatus) -> list[Missing]:
    """Safety strings left untranslated (or taken out of the catalog) in a translation that
    is otherwise complete enough to publish: the disclaimer or AI note dropped, not pending.

    A fuzzy one is not counted: the source's safety text changed and awaits its new
    translation, which is work in progress."""
    if not status.catalog_exists:
        return []
    dropped = [item for item in status.safety_missing if item.status in (UNTRANSLATED, ABSENT)]
    if not dropped:
        return []
    others = [item for item in status.missing + status.shared_missing
              if not item.unapproved and item not in status.safety_missing]
    if any(item.safety == "title" or item in status.shared_missing for item in others):
        return []
    page_safety = sum(1 for item in status.missing if item in status.safety_missing)
    percent = (100.0 * (status.translated + page_safety) / status.total if status.total
               else 100.0)
    return dropped if percent >= status.threshold else []


def missing_record(item: Missing, config: SiteConfig) -> dict[str, object]:
    """One string that holds a page back, for the build report."""
    record: dict[str, object] = {"msgid": item.msgid, "status": item.status,
                                 "catalog": layout.display(item.catalog, config)}
    if item.msgctxt is not None:
        record["msgctxt"] = item.msgctxt
    if item.line:
        record["line"] = item.line
    if item.safety:
        record["safety"] = item.safety
    return record


def refusal(status: PageStatus, config: SiteConfig) -> TranslationMissing:
    """The exception that says why the page is not published (see `verdict`)."""
    where = status.catalog if status.catalog is not None else config.locales_dir
    path = layout.display(where, config)
    kind = verdict(status)
    if kind in WITHHELD:
        assert kind is not None
        missing = [missing_record(item, config) for item in
                   status.broken + status.missing + status.shared_missing]
        return Withheld(status.summary(config), path, kind, missing)
    message = status.summary(config)
    if _dropped_safety(status):
        message += ("; the rest of the page is translated: its safety text was dropped, "
                    "translate it (never publish a leaflet without it)")
    return TranslationMissing(message, path)


def localise(leaflet: Leaflet, locale: str, config: SiteConfig) -> tuple[Leaflet, Strings]:
    """The leaflet and the renderer strings for `locale`; raises `Withheld` for a translation
    in progress or awaiting approval, `TranslationMissing` for a broken or unsafe one."""
    if locale == config.source_language:
        return leaflet, SourceStrings()
    status, lookup, units = check_page(leaflet, locale, config)
    if not status.publishable:
        raise refusal(status, config)
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
