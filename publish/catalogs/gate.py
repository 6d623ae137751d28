"""The publication gate: may this page be written in this locale?

A page is published in a locale only when
- its disclaimer, AI note and title are translated and not fuzzy (always; no setting
  lowers this),
- every string of the shared catalog is translated and not fuzzy (headings, site texts, the
  words renderers add: an output cannot leave one out, so it must exist),
- at least `[catalog] threshold` percent (default 100) of the page's own strings are
  translated and not fuzzy,
- no translation breaks its inline marks or drops a number of its source: "5 mg" must
  still say 5 in every language (digit runs are compared, so "0.5" and "0,5" agree), nor
  fails the other checks of `publish.catalogs.checks` (units, markup, invisible characters,
  placeholders), and
- every safety string it carries has a translation a reviewer approved
  (`publish.catalogs.safety`: the gate cannot tell a faithful disclaimer from a reversed one).

Fuzzy never counts as translated: fuzzy matching offers the translation of "two doses" for
"three doses". `stats` and the build use this same check, so what `publish catalog stats`
calls publishable is exactly what the build writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from publish.catalogs import layout
from publish.catalogs.checks import (
    ABSENT,
    FUZZY,
    entry_problem,
    header_problems,
    nplurals_of,
    plural_count_problems,
)
from publish.catalogs.pofile import Entry, Key
from publish.catalogs.safety import (
    ID_LENGTH,
    UNAPPROVED,
    Approvals,
    approvals_path,
    entry_digest,
    is_marked,
    load_approvals,
    safety_keys,
    site_keys,
)
from publish.catalogs.translations import Messages, load_messages
from publish.catalogs.units import PAGE, SHARED, Unit, leaflet_units, name_units, site_msgids
from publish.config import SiteConfig
from publish.errors import CatalogError
from publish.model import Leaflet

SHOWN = 8
"""Missing strings named in a one-line refusal (`publish catalog stats` lists them all)."""


@dataclass(frozen=True)
class Missing:
    msgid: str
    msgctxt: str | None
    status: str
    catalog: Path
    line: int | None = None
    """Line of the entry in the catalog, when it has one."""
    safety: str | None = None
    source_line: int | None = None

    @property
    def unapproved(self) -> bool:
        return self.status.startswith(UNAPPROVED)

    def describe(self, config: SiteConfig | None = None) -> str:
        text = self.msgid if len(self.msgid) <= 60 else self.msgid[:57] + "…"
        where = layout.display(self.catalog, config) if config else self.catalog.name
        if self.line:
            where += f":{self.line}"
        tag = f"{self.safety.upper().replace('_', ' ')} " if self.safety else ""
        return f"{tag}{text!r} ({self.status}, {where})"


@dataclass
class PageStatus:
    key: str
    locale: str
    threshold: float
    total: int = 0
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    missing: list[Missing] = field(default_factory=list)
    """Page strings (and shared strings the page uses) without a publishable translation."""
    shared_missing: list[Missing] = field(default_factory=list)
    """Shared-catalog strings without a publishable translation (block every page)."""
    broken: list[Missing] = field(default_factory=list)
    """Problems of the catalogs themselves (header, plural forms): they block the page."""
    catalog: Path | None = None
    catalog_exists: bool = True

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    @property
    def safety_missing(self) -> list[Missing]:
        """The disclaimer, the AI note and the short safety forms of renderers, untranslated
        or refused (an unapproved translation is listed by `unapproved`)."""
        return [item for item in self.missing + self.shared_missing
                if item.safety and item.safety != "title" and not item.unapproved]

    @property
    def unapproved(self) -> list[Missing]:
        """Safety strings whose translation no reviewer has approved (`safety-approved.toml`)."""
        return [item for item in self.missing + self.shared_missing if item.unapproved]

    @property
    def required_missing(self) -> list[Missing]:
        """Strings no threshold can excuse: the safety texts and the title."""
        return [item for item in self.missing + self.shared_missing if item.safety]

    @property
    def publishable(self) -> bool:
        return (self.catalog_exists and not self.required_missing and not self.shared_missing
                and not self.broken and self.percent >= self.threshold)

    def reasons(self) -> list[str]:
        reasons = []
        if not self.catalog_exists:
            reasons.append("no catalog for this page")
        if self.broken:
            reasons.append(f"{len(self.broken)} catalog problem(s)")
        if self.safety_missing:
            reasons.append(f"{len(self.safety_missing)} safety string(s) not translated")
        if self.unapproved:
            reasons.append(f"{len(self.unapproved)} safety translation(s) not approved (review "
                           f"them: `publish catalog approve --locale {self.locale}`)")
        if any(item.safety == "title" for item in self.missing):
            reasons.append("the title is not translated")
        shared = [item for item in self.shared_missing if not item.unapproved]
        if shared:
            reasons.append(f"{len(shared)} shared string(s) not translated")
        if self.percent < self.threshold:
            reasons.append(f"{self.percent:.1f} % translated, {self.threshold:g} % required")
        return reasons

    def summary(self, config: SiteConfig | None = None) -> str:
        """One line: why the page is refused and which strings are missing."""
        problems = self.broken + self.required_missing + [
            m for m in self.missing + self.shared_missing if not m.safety]
        shown = "; ".join(item.describe(config) for item in problems[:SHOWN])
        more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        head = (f"not published in {self.locale}: {', '.join(self.reasons())} "
                f"({self.translated} of {self.total} page strings translated, "
                f"{self.fuzzy} fuzzy, {self.untranslated} untranslated)")
        if not self.catalog_exists:
            head += f"; run `publish catalog init --locale {self.locale}`"
        return f"{head}: {shown}{more}" if shown else head


@dataclass(frozen=True)
class Lookup:
    """The catalogs a page is translated from."""

    page: Messages | None
    shared: Messages | None

    def entry(self, unit: Unit) -> Entry | None:
        messages = self.page if unit.domain == PAGE else self.shared
        return messages.get(unit.key) if messages is not None else None


def catalog_problems(messages: Messages | None, locale: str) -> list[Missing]:
    """A broken header or a wrong number of plural forms: the catalog cannot be trusted."""
    if messages is None:
        return []
    from publish.catalogs.languages import language

    plural_forms = language(locale).plural_forms
    found = [Missing("(header)", None, problem, messages.path)
             for problem in header_problems(messages.header, plural_forms)]
    nplurals = nplurals_of(plural_forms)
    found.extend(Missing(entry.msgid, entry.msgctxt, f"{len(entry.msgstr_plural)} plural "
                         f"forms, {locale} has {nplurals}", messages.path, entry.line)
                 for entry in plural_count_problems(messages.entries.values(), nplurals))
    return found


def _unapproved(entry: Entry) -> str:
    return f"{UNAPPROVED}, id {entry_digest(entry)[:ID_LENGTH]}"


def _load(path: Path, config: SiteConfig) -> tuple[Messages | None, list[Missing]]:
    """A catalog, or the reason it cannot be read (too large, a link out of the locale
    folder, not PO): a page is refused for it, and `stats` reports it, like any problem."""
    try:
        return load_messages(path, config), []
    except CatalogError as error:
        return None, [Missing("(the whole catalog)", None, error.message, path, error.line)]


_SHARED: dict[Path, tuple[tuple[object, ...], list[Missing]]] = {}


def shared_problems(config: SiteConfig, locale: str) -> tuple[Messages | None, list[Missing]]:
    """The shared catalog of `locale` and its entries that block publication."""
    path = layout.shared_catalog(config, locale)
    messages, unreadable = _load(path, config)
    approvals, untrusted = _approvals(config, locale)
    if unreadable or untrusted:
        return None, unreadable + untrusted
    if messages is None:
        return None, [Missing("(the whole shared catalog)", None, ABSENT, path)]
    template = layout.shared_template(config)
    template_messages, unreadable = _load(template, config)
    if unreadable:
        return None, unreadable
    assert approvals is not None
    # every page asks: check the shared catalog once per version of it, its template and
    # the approvals (load_messages and load_approvals return the same objects while the
    # files are unchanged)
    versions = (messages, template_messages, approvals)
    cached = _SHARED.get(path)
    if cached is None or any(a is not b for a, b in zip(cached[0], versions)):
        cached = _SHARED[path] = (versions, _shared_problems(
            messages, template_messages, approvals, site_keys(config)))
    return messages, list(cached[1])


def _approvals(config: SiteConfig, locale: str) -> tuple[Approvals | None, list[Missing]]:
    try:
        return load_approvals(config, locale), []
    except CatalogError as error:
        return None, [Missing("(the safety approvals)", None, error.message,
                              approvals_path(config, locale), error.line, safety="safety")]


def _shared_problems(messages: Messages, template_messages: Messages | None,
                     approvals: Approvals, site: set[Key]) -> list[Missing]:
    path = messages.path
    problems = []
    keys: dict[Key, Entry | None] = dict.fromkeys(messages.entries)
    template_entries = template_messages.entries if template_messages is not None else {}
    for key in template_entries:
        keys.setdefault(key, None)
    safety = safety_keys(messages.entries.values(), template_entries.values(), approvals, site)
    for key in keys:
        entry = messages.get(key)
        problem = entry_problem(entry, formatted=True, template=template_entries.get(key))
        if problem is None and entry is not None and key in safety \
                and not approvals.approves(entry):
            problem = _unapproved(entry)
        if problem is not None:
            problems.append(Missing(key[1], key[0], problem, path,
                                    entry.line if entry else None,
                                    safety="safety" if key in safety else None))
    return problems


def check_page(leaflet: Leaflet, locale: str, config: SiteConfig,
               threshold: float | None = None) -> tuple[PageStatus, Lookup, list[Unit]]:
    """The gate's verdict for one page in one locale, with the catalogs and units it read."""
    if threshold is None:
        threshold = float(config.table("catalog")["threshold"])
    page_path = layout.page_catalog(config, locale, leaflet.source)
    page, unreadable = _load(page_path, config)
    shared, shared_missing = shared_problems(config, locale)
    # an untrusted approvals file is already in shared_missing: it blocks every page
    approvals, _untrusted = _approvals(config, locale)
    status = PageStatus(key=leaflet.source, locale=locale, threshold=threshold,
                        catalog=page_path, catalog_exists=page is not None or bool(unreadable))
    status.shared_missing = shared_missing
    status.broken = (catalog_problems(shared, locale) + unreadable
                     + catalog_problems(page, locale))
    lookup = Lookup(page, shared)
    units = name_units(leaflet) + leaflet_units(leaflet, site_msgids(config))
    seen: set[tuple[str, Key]] = set()
    known = {(m.msgctxt, m.msgid) for m in status.shared_missing}
    for unit in units:
        if (unit.domain, unit.key) in seen:
            continue
        seen.add((unit.domain, unit.key))
        entry = lookup.entry(unit)
        problem = entry_problem(entry, formatted=unit.domain == SHARED)
        catalog = page_path if unit.domain == PAGE else layout.shared_catalog(config, locale)
        if unit.domain == SHARED:
            # shared strings block every page anyway; add those the shared check could not
            # see (a stale shared template), tagged SAFETY for the site disclaimer and AI note
            if problem is not None and unit.key not in known:
                known.add(unit.key)
                status.shared_missing.append(Missing(
                    unit.msgid, unit.msgctxt, problem, catalog,
                    entry.line if entry else None, unit.safety, unit.line))
            continue
        status.total += 1
        if problem is None and entry is not None and _is_safety(unit, entry, approvals) \
                and (approvals is None or not approvals.approves(entry)):
            # translated, but no reviewer approved these words: withheld, named, counted
            # as translated (the translator's part is done)
            status.translated += 1
            status.missing.append(Missing(unit.msgid, unit.msgctxt, _unapproved(entry),
                                          catalog, entry.line, unit.safety or "safety",
                                          unit.line))
            continue
        if problem is None:
            status.translated += 1
            continue
        if problem == FUZZY:
            status.fuzzy += 1
        else:
            status.untranslated += 1
        # the medicine's name is required like the safety texts: a leaflet must say what
        # it is about in the reader's language, whatever the threshold
        required = unit.safety or ("title" if unit.text_id == "title" else None)
        status.missing.append(Missing(unit.msgid, unit.msgctxt, problem, catalog,
                                      entry.line if entry else None, required, unit.line))
    return status, lookup, units


def _is_safety(unit: Unit, entry: Entry, approvals: Approvals | None) -> bool:
    """A page's own disclaimer and AI note (from the content model), and any entry marked or
    once approved as a safety string."""
    return bool(unit.safety) or is_marked(entry) or (
        approvals is not None and unit.key in approvals.keys)
