"""Gettext catalogs: templates from pages and code, translations, and the publication gate.

Modules, one job each (after Babel's `babel.messages`):
`units` (what a translator sees, from the content model), `inline` (spans ↔ catalog
Markdown), `extract` (templates), `pofile` (reading and writing PO), `merge` (init and
update), `pseudo` (the `en-XA` pseudo-locale), `gate` (may a page be published?),
`translations` (catalogs at build time, renderer strings), `compiled` (.mo files),
`languages` (plural rules, text direction), `layout` (where files live), `steps` (the
`publish catalog` workflow; its command line is `publish.commands.catalog`).
"""

from publish.catalogs.languages import babel_locale, language, text_direction

__all__ = ["babel_locale", "language", "text_direction"]
