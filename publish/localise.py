"""Translation as a transformation: a source-language `Leaflet` becomes a `Leaflet` in a locale.

Renderers never translate: they receive the localised leaflet and a `Strings` object for the
few strings of their own. A string without a publishable translation is an error, never a
silent fallback to the source text.
"""

from __future__ import annotations

from publish.config import SiteConfig
from publish.errors import PublishError
from publish.model import Leaflet
from publish.renderers.base import SourceStrings, Strings


def localise(leaflet: Leaflet, locale: str, config: SiteConfig) -> tuple[Leaflet, Strings]:
    """The leaflet and the renderer strings for `locale`."""
    if locale == config.source_language:
        return leaflet, SourceStrings()
    raise PublishError(f"no translations are available for locale {locale!r}")
