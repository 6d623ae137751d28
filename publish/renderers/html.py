"""The `html` renderer: the leaflet as a standalone, accessible web page.

The page comes from the theme's Jinja2 template (see `publish.theme`); the PDF renderer prints
the very same markup, so what a screen reader finds in the web page is what the PDF's tag tree
holds. The theme's CSS is inlined here, which keeps the page one self-contained file that
fetches nothing; the PDF instead gets the same CSS pre-parsed once per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

from publish import __version__
from publish.errors import ConfigError
from publish.fetching import page_problems
from publish.files import StampCache
from publish.model import Leaflet
from publish.print_link import PageLink
from publish.renderers.base import OutputFile, RenderContext, Renderer, RenderResult
from publish.sms.transliterate import SmsLocale, find_locale_file, load_locale
from publish.strings import site_name
from publish.summary import Glance, glance
from publish.templates import TemplateSet
from publish.theme import Theme, find_theme, format_day, outline

_SUMMARY_WORDS: StampCache[SmsLocale] = StampCache()


def summary_words(context: RenderContext) -> SmsLocale:
    """The locale's words the summary looks for (`sms.toml`, the data the SMS reads too),
    read again only when the file changes."""
    key = (context.config.locales_dir, context.locale)
    path = find_locale_file(*key)
    return _SUMMARY_WORDS.get((*key, path), [path] if path is not None else [],
                              lambda: load_locale(*key))


def summary_inputs(context: RenderContext) -> list[Path]:
    """The data file the "At a glance" box depends on (part of the build fingerprint)."""
    found = find_locale_file(context.config.locales_dir, context.locale)
    return [found] if found is not None else []


def at_a_glance(leaflet: Leaflet, context: RenderContext, theme: Theme) -> Glance | None:
    """The "At a glance" box of the leaflet, or None when the theme turns it off or the page
    says none of its parts."""
    if not theme.settings["at_a_glance"]:
        return None
    found = glance(leaflet, summary_words(context), context.strings)
    return found or None


class ThemeCache:
    """Themes and their templates, loaded once per process and reused for every page."""

    def __init__(self) -> None:
        self._themes: dict[tuple[str | None, Path], tuple[Theme, TemplateSet]] = {}

    def get(self, context: RenderContext) -> tuple[Theme, TemplateSet]:
        spec = context.theme or context.config.site["theme"]
        key = (spec, context.config.root)
        if key not in self._themes:
            theme = find_theme(spec, context.config.root)
            self._themes[key] = (theme, TemplateSet(theme))
        return self._themes[key]


def leaflet_html(leaflet: Leaflet, context: RenderContext, templates: TemplateSet, *,
                 medium: str, css: str | None = None, date_style: str = "long",
                 link: PageLink | None = None) -> str:
    """The leaflet page. `medium` is `screen` or `print`; `css` is inlined when given;
    `link` is the page's web address and QR code, printed on the PDF.

    The PDF prints this page too, so both formats get the same check of what the theme's
    template wrote: no script, no event attribute, nothing fetched (`publish.fetching`).
    """
    style = _safe_style(css) if css is not None else None
    values: dict[str, Any] = {
        "leaflet": leaflet,
        "title": leaflet.title,
        "lang": context.locale.tag,
        "dir": context.locale.direction,
        "site_name": site_name(context.config.site["name"], context.strings),
        "preamble": leaflet.preamble,
        "headings": outline(leaflet),
        "disclaimer": leaflet.disclaimer.text,
        "ai_note": leaflet.ai_note.text,
        "printed": format_day(context.today, context.locale, date_style),
        "medium": medium,
        "css": Markup(style) if style is not None else None,
        "generator": f"publish {__version__}",
        "glance": at_a_glance(leaflet, context, templates.theme),
        "link": link,
        "site": context.site,
    }
    html = templates.render(values, context.strings)
    problems = page_problems(html, style, site_targets(context.site))
    if problems:
        theme = templates.theme
        raise ConfigError(f"theme {theme.name}: the page its templates write {problems[0]} "
                          "(a leaflet runs no script and fetches nothing)",
                          theme.folder / theme.template)
    return html


def site_targets(site: Mapping[str, Any] | None) -> set[str]:
    """Every address the build gave the page (`RenderContext.site`): the only references
    besides its own anchors it may hold, because the build made each of the files."""
    found: set[str] = set()
    stack: list[Any] = [site] if site else []
    while stack:
        value = stack.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key in ("href", "home", "index") and isinstance(item, str):
                    found.add(item)
                elif isinstance(item, (Mapping, list, tuple)):
                    stack.append(item)
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return found


def _safe_style(css: str) -> str:
    # Theme CSS is trusted data, but "</style" inside it would end the element early.
    return css.replace("</", "<\\/")


class HtmlRenderer(Renderer):
    name = "html"
    suffixes = (".html",)
    safety_suffix = ".html"
    version = "2"
    site_links = True
    """The page links its other formats and languages: the build passes them in the
    context and rebuilds the page when they change."""

    def __init__(self) -> None:
        self.themes = ThemeCache()
        self._css: dict[Path, str] = {}

    def render(self, leaflet: Leaflet, context: RenderContext) -> RenderResult:
        theme, templates = self.themes.get(context)
        if theme.folder not in self._css:
            self._css[theme.folder] = theme.stylesheet_text()
        html = leaflet_html(leaflet, context, templates, medium="screen",
                            css=self._css[theme.folder])
        return RenderResult((OutputFile(".html", html.encode("utf-8"),
                                        "text/html; charset=utf-8"),))

    def inputs(self, context: RenderContext) -> list[Path]:
        theme, _ = self.themes.get(context)
        return theme.files() + summary_inputs(context)

    def tools(self, context: RenderContext) -> list[str]:
        theme, _ = self.themes.get(context)
        # The page inlines the theme's fonts; system fonts stay on the reader's machine.
        return ["jinja2", "markupsafe", *(f"fontpkg-{slug}" for slug in theme.settings["fonts"])]
