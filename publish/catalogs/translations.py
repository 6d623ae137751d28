"""Reading translations at build time, with no fallback to the source text anywhere.

The build reads the `.po` files themselves, not compiled `.mo` files: a `.mo` leaves fuzzy and
untranslated entries out and the gettext runtime then returns the English msgid, which is how
a translated leaflet silently ends up half in English. Here a missing or fuzzy string is an
error (`TranslationMissing`), and reading the `.po` means a forgotten `compile` can never
publish stale text. Parsed catalogs are cached per process and re-read when the file changes.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from publish.catalogs.checks import invisible_problem
from publish.catalogs.layout import display
from publish.catalogs.placeholders import Message, placeholder_problem
from publish.catalogs.plurals import PluralRuleError, parse_rule
from publish.catalogs.pofile import Entry, Key, read_po
from publish.config import SiteConfig
from publish.errors import CatalogError, TranslationMissing
from publish.files import StampCache, stat_stamp


@dataclass(frozen=True)
class Messages:
    """The active entries of one catalog file."""

    path: Path
    entries: dict[Key, Entry]
    header: dict[str, str]

    def get(self, key: Key) -> Entry | None:
        return self.entries.get(key)


_CACHE: StampCache[Messages] = StampCache()


def load_messages(path: Path, config: SiteConfig | None = None) -> Messages | None:
    """The catalog at `path`, or None when there is none.

    With the site's configuration, the catalog must be a file inside `[site] locales_dir`
    (a link out of it is refused) and no larger than `[catalog] max_catalog_bytes`."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise CatalogError("a link to nothing where a catalog should be", path) from None
        return None
    except OSError as error:
        raise CatalogError(f"cannot read catalog: {error.strerror or error}", path) from None
    limit = int(config.table("catalog")["max_catalog_bytes"]) if config is not None else None
    within = config.locales_dir if config is not None else None

    def parse() -> Messages:
        catalog = read_po(path, limit, within)
        return Messages(path, catalog.index(), catalog.header)

    # the stamp is the link target's (stat follows links): a link re-pointed is read again
    return _CACHE.get_stamped((path, within, limit), (stat_stamp(stat),), parse)


def plural_function(header: dict[str, str], path: Path | None = None) -> Callable[[int], int]:
    """The catalog's plural rule as a function (read safely: `publish.catalogs.plurals`)."""
    forms = header.get("Plural-Forms", "nplurals=2; plural=(n != 1);")
    try:
        rule = parse_rule(forms)
    except PluralRuleError as error:  # a translator's header
        raise CatalogError(f"header: Plural-Forms {forms[:80]!r} cannot be read ({error})",
                           path) from None
    function = _gettext.c2py(rule.expression)

    def choose(n: int) -> int:
        if 0 <= n < len(rule.forms):
            return rule.forms[n]
        try:
            form = function(n)
        except ArithmeticError:  # a rule checked on 0…1000 may still divide by zero later
            return rule.nplurals - 1
        return form if 0 <= form < rule.nplurals else rule.nplurals - 1

    return choose


class CatalogStrings:
    """`Strings` for renderers and themes, backed by a locale's shared catalog.

    Asking for a string the catalog does not have translated (absent, empty or fuzzy) raises
    `TranslationMissing`: the job fails and writes nothing, instead of printing English.
    """

    def __init__(self, messages: Messages, locale: str, config: SiteConfig | None = None):
        self.messages = messages
        self.locale = locale
        self._plural = plural_function(messages.header, messages.path)
        self._where = display(messages.path, config) if config else str(messages.path)

    def _entry(self, context: str | None, message: str) -> Entry:
        entry = self.messages.get((context, message))
        problem = (invisible_problem(entry) or placeholder_problem(entry)
                   if entry is not None else None)
        if entry is not None and entry.translated and problem is not None:
            # the gate refuses such a page first; this guards any other caller
            shown = f"{context}|{message}" if context else message
            raise TranslationMissing(f"the {self.locale} translation of {shown!r} is refused: "
                                     f"{problem}", self._where, entry.line)
        if entry is None or not entry.translated:
            state = "is not in" if entry is None else ("is fuzzy in" if entry.fuzzy
                                                       else "is untranslated in")
            shown = f"{context}|{message}" if context else message
            advice = ("run `publish catalog extract` and `publish catalog update`, then "
                      "translate it" if entry is None else "translate it")
            raise TranslationMissing(
                f"the {self.locale} string {shown!r} {state} the shared catalog ({advice})",
                self._where, entry.line if entry is not None else None)
        return entry

    def gettext(self, message: str) -> str:
        return Message(self._entry(None, message).msgstr)

    def pgettext(self, context: str, message: str) -> str:
        return Message(self._entry(context, message).msgstr)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        entry = self._entry(None, singular)
        forms = entry.msgstr_plural or (entry.msgstr,)
        index = self._plural(n)
        return Message(forms[index] if index < len(forms) else forms[-1])

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        entry = self._entry(context, singular)
        forms = entry.msgstr_plural or (entry.msgstr,)
        index = self._plural(n)
        return Message(forms[index] if index < len(forms) else forms[-1])
