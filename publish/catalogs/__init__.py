"""Gettext catalogs: templates from pages and code, translations, and the publication gate.

Modules, one job each (after Babel's `babel.messages`):
`units` (what a translator sees, from the content model), `inline` (catalog Markdown →
spans), `extract` (templates), `pofile` (reading and writing PO), `merge` (init and
update), `pseudo` (the `en-XA` pseudo-locale), `checks` (what is wrong with an untrusted
translation), `placeholders` (which fields a translation may use, and filling them),
`safety` (reviewed safety translations), `gate` (may a page be published?),
`translations` (catalogs at build time, renderer strings), `mofile` (.mo files),
`compiled` (checking and compiling), `languages` (plural rules per locale), `layout`
(where files live), `steps` (the `publish catalog` workflow; its command line is
`publish.commands.catalog`).
"""

from publish.catalogs.languages import language

__all__ = ["language"]
