"""Reuse across pages: a locale's own translations offered to its other pages.

A third of the corpus's entries repeat one on another page ("What should I do if I miss a
dose?", "Nausea", "Headache"). `catalog init` and `update` fill an untranslated entry of a
page from the same locale's translation of the **same msgid and msgctxt** on any other page:
translated, not fuzzy and accepted by the gate's checks there, it is taken as it is (the same
words are translated the same way) with a translator comment naming the page it came from,
so a reviewer can find every reused entry (`grep -r "reused from"`). A safety string reused
this way is still a safety string: the gate publishes it only if that exact translation is
approved, which it is when it was approved on the other page (approvals are by text).

An entry only **similar** to a translated one (ratio 2·LCS/(a+b) ≥ `SIMILAR_CUTOFF`, the
normalised Indel similarity of rapidfuzz, which difflib's ratio approximates) gets that
translation as **fuzzy**, with the other msgid as `#| msgid`: fuzzy is never published, a
translator must look ("two doses" is similar to "three doses").

The similar search is indexed, not a scan of every translated entry: candidates are the
translations sharing the query's rarest words (an inverted index of words), within the
lengths a ratio above the cutoff allows, and only those are compared (rapidfuzz, in C: the
pure-Python difflib took four fifths of the time of a fill).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from rapidfuzz import fuzz

from publish.catalogs import layout
from publish.catalogs.checks import entry_problem
from publish.catalogs.pofile import Catalog, Entry, Key, order_flags, read_po
from publish.config import SiteConfig
from publish.errors import CatalogError

SIMILAR_CUTOFF = 0.8
"""difflib ratio from which another page's translation is offered as fuzzy (msgmerge offers
from 0.6 within one file; across pages a closer match is asked)."""
RARE_WORDS = 3
"""Words of the query whose postings give the candidates (its rarest ones)."""
MAX_CANDIDATES = 200
REUSED, SIMILAR = "reused from", "similar to"
_WORD = re.compile(r"\w{3,}")


@dataclass(frozen=True)
class Found:
    entry: Entry
    origin: str
    """Catalog (relative to the locale folder) the translation comes from."""
    ratio: float = 1.0


@dataclass
class ReuseReport:
    exact: int = 0
    similar: int = 0
    exact_words: int = 0
    similar_words: int = 0

    def add(self, other: ReuseReport) -> None:
        self.exact += other.exact
        self.similar += other.similar
        self.exact_words += other.exact_words
        self.similar_words += other.similar_words


def words(text: str) -> int:
    return len(text.split())


@dataclass
class Memory:
    """The translated entries of a locale's catalogs, by key and by word."""

    exact: dict[Key, Found] = field(default_factory=dict)
    _entries: list[Found] = field(default_factory=list)
    _postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    _similar: dict[Key, Found | None] = field(default_factory=dict)
    """Answers already given: a third of a site's entries repeat another page's."""

    def add_catalog(self, catalog: Catalog, origin: str) -> None:
        self._similar.clear()
        for entry in catalog.active:
            if entry.key in self.exact or not entry.translated or entry.msgid_plural:
                continue
            if entry_problem(entry) is not None:
                continue  # never spread what the gate refuses
            found = Found(replace(entry, line=0), origin)
            self.exact[entry.key] = found
            position = len(self._entries)
            self._entries.append(found)
            for word in set(_WORD.findall(entry.msgid.lower())):
                self._postings[word].append(position)

    def similar(self, entry: Entry) -> Found | None:
        """The closest translated entry with a ratio ≥ `SIMILAR_CUTOFF` (another msgid)."""
        key = entry.key
        if key not in self._similar:
            self._similar[key] = self.search(entry)
        return self._similar[key]

    def search(self, entry: Entry) -> Found | None:
        """`similar` without remembering the answer."""
        query = set(_WORD.findall(entry.msgid.lower()))
        if not query:
            return None
        # ties broken by the word itself: a set's order changes from run to run
        rare = sorted(query, key=lambda word: (len(self._postings.get(word, ())), word))
        rare = rare[:RARE_WORDS]
        counts: dict[int, int] = defaultdict(int)
        for word in rare:
            for position in self._postings.get(word, ()):
                counts[position] += 1
        length = len(entry.msgid)
        # ratio = 2·matches / (a + b) ≤ 2·min(a, b) / (a + b): bound the other's length
        low, high = length * SIMILAR_CUTOFF / (2 - SIMILAR_CUTOFF), \
            length * (2 - SIMILAR_CUTOFF) / SIMILAR_CUTOFF
        ranked = sorted(counts, key=lambda position: (-counts[position], position))
        best: Found | None = None
        best_ratio = SIMILAR_CUTOFF
        for position in ranked[:MAX_CANDIDATES]:
            found = self._entries[position]
            other = found.entry
            if other.msgid == entry.msgid or not low <= len(other.msgid) <= high:
                continue
            # rapidfuzz's ratio: 2·LCS / (a + b), in C, 0 below the cutoff
            score = fuzz.ratio(entry.msgid, other.msgid, score_cutoff=100 * best_ratio)
            ratio = score / 100 - (0.01 if other.msgctxt != entry.msgctxt else 0)
            if score and ratio >= best_ratio and (best is None or ratio > best_ratio):
                best, best_ratio = Found(other, found.origin, ratio), ratio
        return best


def locale_memory(config: SiteConfig, locale: str, skip: Iterable[Path] = ()) -> Memory:
    """Every page catalog of `locale` (but `skip`) as a memory; unreadable ones are left out
    (the gate reports them)."""
    memory = Memory()
    folder = layout.messages_dir(config, locale)
    pages = folder / layout.PAGES
    skipped = set(skip)
    limit = int(config.table("catalog")["max_catalog_bytes"])
    for path in sorted(pages.rglob("*.po")) if pages.is_dir() else []:
        if path in skipped:
            continue
        try:
            catalog = read_po(path, limit, config.locales_dir)
        except CatalogError:
            continue
        memory.add_catalog(catalog, path.relative_to(folder).as_posix())
    return memory


def fill(catalog: Catalog, memory: Memory, origin: str | None = None) -> ReuseReport:
    """Fill the untranslated entries of `catalog` from `memory` (in place): exact matches as
    translated, similar ones as fuzzy, each with a translator comment naming its page."""
    report = ReuseReport()
    for index, entry in enumerate(catalog.entries):
        if entry.obsolete or entry.has_translation or entry.msgid_plural is not None:
            continue
        found = memory.exact.get(entry.key)
        if found is not None and found.origin != origin:
            catalog.entries[index] = replace(
                entry, msgstr=found.entry.msgstr,
                translator=(*entry.translator, f"{REUSED} {found.origin}"),
                flags=order_flags([f for f in entry.flags if f != "fuzzy"]))
            report.exact += 1
            report.exact_words += words(entry.msgid)
            continue
        found = memory.similar(entry)
        if found is not None and found.origin != origin:
            catalog.entries[index] = replace(
                entry, msgstr=found.entry.msgstr, previous_msgid=found.entry.msgid,
                previous_msgctxt=found.entry.msgctxt if found.entry.msgctxt != entry.msgctxt
                else None,
                translator=(*entry.translator,
                            f"{SIMILAR} {found.origin} ({round(100 * found.ratio)} %)"),
                flags=order_flags(["fuzzy", *entry.flags]))
            report.similar += 1
            report.similar_words += words(entry.msgid)
    return report


@dataclass
class Forecast:
    """Words and entries left to translate in a locale's page catalogs, and what reuse
    would fill."""

    entries: int = 0
    words: int = 0
    reuse: ReuseReport = field(default_factory=ReuseReport)

    @property
    def words_after(self) -> int:
        return self.words - self.reuse.exact_words

    @property
    def entries_after(self) -> int:
        return self.entries - self.reuse.exact


def forecast(config: SiteConfig, locale: str, keys: Iterable[str]) -> Forecast:
    """What `publish catalog update` would fill by reuse in the catalogs of these pages
    (nothing is written)."""
    result = Forecast()
    memory = locale_memory(config, locale)
    limit = int(config.table("catalog")["max_catalog_bytes"])
    folder = layout.messages_dir(config, locale)
    for key in keys:
        path = layout.page_catalog(config, locale, key)
        try:
            catalog = read_po(path, limit, config.locales_dir) if path.is_file() else None
        except CatalogError:
            continue
        if catalog is None:
            template = layout.page_template(config, key)
            if not template.is_file():
                continue
            catalog = read_po(template, limit, config.locales_dir)
        left = [e for e in catalog.active if not e.translated]
        result.entries += len(left)
        result.words += sum(words(e.msgid) for e in left)
        blank = Catalog(catalog.header, [replace(e, msgstr="", msgstr_plural=(), flags=())
                                         for e in left])
        origin = path.relative_to(folder).as_posix()
        result.reuse.add(fill(blank, memory, origin))
    return result
