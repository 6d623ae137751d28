"""The translation protocol: how renderers and themes ask for the strings they add.

A renderer never translates page text (it receives a localised leaflet, see
`publish.localise`); the few strings it adds of its own ("Page {x} of {y}", "Question") go
through a `Strings`. The build passes the catalog-backed one of the locale
(`publish.catalogs.translations.CatalogStrings`); in the source language every message is its
own translation.
"""

from __future__ import annotations

from typing import Any, Protocol

from publish.errors import TranslationMissing

SITE_NAME_CONTEXT = "site name"
"""msgctxt of the site's name (`[site] name`) in the shared catalog."""


class Strings(Protocol):
    """Translation of the strings renderers and themes add (gettext's three calls)."""

    def gettext(self, message: str) -> str: ...

    def pgettext(self, context: str, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class SourceStrings:
    """Strings in the source language: every message is its own translation."""

    def gettext(self, message: str) -> str:
        return message

    def pgettext(self, context: str, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


class Localised(Protocol):
    """A locale and the translations of its strings: what a speech script or a summary needs
    of a renderer's `RenderContext`, without importing the renderers."""

    @property
    def locale(self) -> Any: ...
    """The locale's tag, or a value whose `str()` is the tag."""

    def gettext(self, message: str) -> str: ...

    def pgettext(self, context: str, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


def site_name(name: str, strings: Strings) -> str:
    """The site's name (`[site] name`) in the strings' language. It is in the shared catalog
    like the site-wide disclaimer, but a proper name may stay as it is: where it has no usable
    translation, the configured name is used and the page is not held back."""
    try:
        return strings.pgettext(SITE_NAME_CONTEXT, name)
    except TranslationMissing:
        return name
