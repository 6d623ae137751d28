"""The renderer contract: a renderer turns one `Leaflet` into output files, and nothing else.

A renderer knows nothing of scheduling, caching or where files go: it returns `OutputFile`s
(bytes in memory, named by suffix) and the build writes them atomically under
`<output>/<locale>/<page path><suffix>`. Every user-visible string a renderer adds of its own
("Page X of Y", "Question") goes through `context.gettext`, so translated builds need no
per-language code in renderers.
"""

from __future__ import annotations

import datetime as _dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from publish.config import Setting, SiteConfig
from publish.locale import Locale
from publish.model import Leaflet

# The translation protocol has its own module; imported here too for renderers written
# against `publish.renderers.base`.
from publish.strings import SourceStrings, Strings

__all__ = ["OutputFile", "RenderContext", "RenderResult", "Renderer", "SourceStrings",
           "Strings"]


@dataclass(frozen=True)
class RenderContext:
    config: SiteConfig
    locale: Locale
    """The locale of the leaflet being rendered: its tag (`str(context.locale)`, for paths
    and messages), language, direction and Babel locale. A tag string given here is parsed."""
    strings: Strings = field(default_factory=SourceStrings)
    today: _dt.date = field(default_factory=_dt.date.today)
    theme: str | None = None
    """Theme name or folder chosen on the command line (overrides `[site] theme`)."""
    site: Mapping[str, Any] | None = None
    """The page's place in the site the build writes (`publish.site.links.page_links`): its
    other formats and languages and the indexes, as relative addresses; None outside a
    build. Renderers whose class sets `site_links = True` get it (the HTML page)."""

    def __post_init__(self) -> None:
        if not isinstance(self.locale, Locale):
            object.__setattr__(self, "locale", Locale.parse(self.locale))

    def settings(self, renderer: str) -> Mapping[str, Any]:
        return self.config.table(renderer)

    def gettext(self, message: str) -> str:
        return self.strings.gettext(message)

    def pgettext(self, context: str, message: str) -> str:
        return self.strings.pgettext(context, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.strings.ngettext(singular, plural, n)


@dataclass(frozen=True)
class OutputFile:
    suffix: str
    """Appended to the page path without `.md`: `.pdf`, `.sms.json`, `.vtt`…"""
    data: bytes
    media_type: str = "application/octet-stream"


@dataclass(frozen=True)
class RenderResult:
    files: tuple[OutputFile, ...]
    warnings: tuple[str, ...] = ()


class Renderer(ABC):
    """Base class of every output format. Subclasses are registered under `publish.renderers`.

    One instance lives as long as its worker process, so a renderer may keep expensive state
    (fonts, parsed CSS, a speech engine) between pages; `close()` releases it.
    """

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]
    settings: ClassVar[Mapping[str, Setting]] = {}
    version: ClassVar[str] = "1"
    """Bump when output changes for the same input: it is part of the build cache key."""
    safety_suffix: ClassVar[str | None] = None
    """The output whose text must carry the disclaimer and AI note (contract test)."""

    @abstractmethod
    def render(self, leaflet: Leaflet, context: RenderContext) -> RenderResult:
        """Render one leaflet; raise `RenderError` for a page this format cannot carry."""

    def safety_texts(self, leaflet: Leaflet, context: RenderContext) -> tuple[str, str]:
        """The disclaimer and AI note as this format carries them, whole (contract test).

        The default is the leaflet's own texts; a format with approved short forms (SMS)
        returns those it writes.
        """
        return leaflet.disclaimer.text.plain, leaflet.ai_note.text.plain

    def inputs(self, context: RenderContext) -> list[Path]:
        """Files (theme, lexicon…) whose change must rebuild this format's outputs."""
        return []

    def tools(self, context: RenderContext) -> list[str]:
        """Tools whose upgrade must rebuild this format's outputs: Python distribution names
        (`weasyprint`) or the programs `espeak-ng`, `ffmpeg` and `system-fonts` (the fallback
        fonts). Looked up once per build (`publish.build.tools`); what turns a page into a
        leaflet (Babel, markdown-it-py…) is counted for every format already."""
        return []

    def close(self) -> None:  # noqa: B027 - an optional hook, not every renderer holds state
        """Release long-lived resources (called once when the worker ends)."""
