"""The `pdf` renderer: the leaflet's HTML page printed by WeasyPrint as PDF/UA-1.

One renderer lives as long as its worker process and keeps what is expensive warm: the font
configuration (fonts are loaded and registered once), the theme's parsed stylesheets and the
Jinja2 templates. Per page it only renders the template, parses a few lines of running-head
CSS and lays the document out.

WeasyPrint reports problems (a missing `lang`, an image without `alt`, a refused or broken
URL) by logging them and still writing a file; here any error it logs while printing fails
the job with a `RenderError`, so no silently non-conformant leaflet is ever written.
"""

from __future__ import annotations

import contextlib
import logging
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from publish.config import Setting
from publish.errors import ConfigError, RenderError
from publish.fetching import ThemeFetcher
from publish.model import Leaflet
from publish.print_link import page_link
from publish.renderers.base import OutputFile, RenderContext, Renderer, RenderResult
from publish.renderers.html import ThemeCache, leaflet_html, summary_inputs
from publish.templates import TemplateSet
from publish.theme import Theme, css_string, format_day, shorten

PAGE_SIZES = ("A4", "Letter")
DATE_STYLES = ("short", "medium", "long", "full")
DEFAULT_SAFETY_LINE = "Not medical advice · AI-generated, may be inaccurate · see last page"
PDF_VARIANT = "pdf/ua-1"

_WEASYPRINT_LOGGER = logging.getLogger("weasyprint")


@dataclass
class PrintStyle:
    """A theme made ready for printing: its fetcher and its stylesheets, parsed once."""

    theme: Theme
    fetcher: ThemeFetcher
    stylesheets: list[CSS]
    warnings: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.theme.folder.as_uri() + "/"


class PdfRenderer(Renderer):
    name = "pdf"
    suffixes = (".pdf",)
    safety_suffix = ".pdf"
    version = "1"
    settings: Mapping[str, Setting] = {
        "page_size": Setting("A4", str, "Paper size of the leaflet.", choices=PAGE_SIZES),
        "safety_line": Setting(
            DEFAULT_SAFETY_LINE, str,
            "Short line printed on every page (translated when left at its default; an "
            "empty string prints none). The disclaimer and AI note are always in the body."),
        "date_format": Setting("long", str, "Babel date style of the date printed.",
                               choices=DATE_STYLES),
        "title_length": Setting(40, int,
                                "Longest medicine name in the running head, in characters "
                                "(longer names are shortened with an ellipsis)."),
    }

    def __init__(self) -> None:
        self.themes = ThemeCache()
        self.font_config = FontConfiguration()
        self._styles: dict[Path, PrintStyle] = {}
        self._reported: set[Path] = set()

    # -- theme, fonts and stylesheets, once per process ---------------------------------------

    def print_style(self, context: RenderContext) -> tuple[PrintStyle, TemplateSet]:
        theme, templates = self.themes.get(context)
        style = self._styles.get(theme.folder)
        if style is None:
            style = self._styles[theme.folder] = self._load_style(theme)
        return style, templates

    def _load_style(self, theme: Theme) -> PrintStyle:
        fetcher = ThemeFetcher([theme.folder, *theme.font_folders()])
        base_url = theme.folder.as_uri() + "/"
        with _weasyprint_log(logging.WARNING) as records:
            # Static faces only: WeasyPrint draws a variable font well but writes a wrong text
            # layer for it (copied or read-aloud Arabic came out as other letters); the
            # system's static faces of the same family (fonts-noto-core) serve the PDF.
            sheets = [CSS(string=css, base_url=base_url, url_fetcher=fetcher,
                          font_config=self.font_config) for font in theme.fonts()
                      if (css := font.font_face_css(static_only=True))]
            for path in (theme.stylesheet_paths(print_only=False)
                         + theme.stylesheet_paths(print_only=True)):
                sheets.append(CSS(string=path.read_text(encoding="utf-8"),
                                  base_url=path.as_uri(), url_fetcher=fetcher,
                                  font_config=self.font_config))
        fatal = [record for record in records if record.levelno >= logging.ERROR
                 or "cannot be loaded" in record.getMessage()]
        if fatal:
            raise ConfigError(f"theme {theme.name}: {fatal[0].getMessage()}",
                              theme.folder / "theme.toml")
        warnings = [f"theme {theme.name}: {record.getMessage()}" for record in records]
        return PrintStyle(theme, fetcher, sheets, warnings)

    # -- one page -------------------------------------------------------------------------------

    def render(self, leaflet: Leaflet, context: RenderContext) -> RenderResult:
        settings = context.settings(self.name)
        style, templates = self.print_style(context)
        link = page_link(context.config.site["base_url"], str(context.locale), leaflet.source)
        html = leaflet_html(leaflet, context, templates, medium="print",
                            date_style=settings["date_format"], link=link)
        data = self.write_pdf(html, self.furniture_css(leaflet, context, settings), style)
        warnings: tuple[str, ...] = ()
        if style.warnings and style.theme.folder not in self._reported:
            self._reported.add(style.theme.folder)  # once per process, not once per page
            warnings = tuple(style.warnings)
        return RenderResult((OutputFile(".pdf", data, "application/pdf"),), warnings)

    def write_pdf(self, html: str, furniture: str, style: PrintStyle) -> bytes:
        with _weasyprint_log(logging.ERROR) as records:
            document = HTML(string=html, base_url=style.base_url, url_fetcher=style.fetcher)
            page_css = CSS(string=furniture, base_url=style.base_url,
                           url_fetcher=style.fetcher, font_config=self.font_config)
            data = document.write_pdf(stylesheets=[*style.stylesheets, page_css],
                                      font_config=self.font_config, pdf_variant=PDF_VARIANT)
        if records:
            messages = "; ".join(dict.fromkeys(record.getMessage() for record in records))
            # No path: the build adds the page's own path to the message.
            raise RenderError(f"WeasyPrint: {messages}")
        assert data is not None
        return data

    def furniture_css(self, leaflet: Leaflet, context: RenderContext,
                      settings: Mapping[str, object]) -> str:
        """The running heads' values as custom properties of `@page` (placed by the theme)."""
        safety = str(settings["safety_line"])
        if safety == DEFAULT_SAFETY_LINE:
            # SAFETY: the line printed on every page of the PDF leaflet.
            safety = context.gettext(
                "Not medical advice · AI-generated, may be inaccurate · see last page")
        printed = context.gettext("Printed {date}").format(
            date=format_day(context.today, context.locale, str(settings["date_format"])))
        page_label = page_counter_content(context.gettext("Page {x} of {y}"))
        medicine = shorten(leaflet.title, int(settings["title_length"]))  # type: ignore[call-overload]
        return (
            "@page {\n"
            f"  size: {settings['page_size']};\n"
            f"  --leaflet-medicine: {css_string(medicine)};\n"
            f"  --leaflet-page: {page_label};\n"
            f"  --leaflet-printed: {css_string(printed)};\n"
            f"  --leaflet-safety: {css_string(safety)};\n"
            "}\n")

    def inputs(self, context: RenderContext) -> list[Path]:
        theme, _ = self.themes.get(context)
        return (theme.files() + [face.path for font in theme.fonts() for face in font.faces]
                + summary_inputs(context))

    def tools(self, context: RenderContext) -> list[str]:
        theme, _ = self.themes.get(context)
        # WeasyPrint lays out and subsets fonts with these; the theme's font packages and the
        # system fonts it falls back to for other scripts end up embedded in the PDF.
        return ["weasyprint", "pydyf", "tinycss2", "cssselect2", "fonttools", "jinja2", "segno",
                "system-fonts", *(f"fontpkg-{slug}" for slug in theme.settings["fonts"])]

    def close(self) -> None:
        self._styles.clear()


def page_counter_content(label: str) -> str:
    """CSS `content` for a translated "Page {x} of {y}": literals and page counters, in the
    order the translation puts them (some languages name the total first)."""
    parts: list[str] = []
    try:
        parsed = list(string.Formatter().parse(label))
    except ValueError as error:
        raise RenderError(f"translation of 'Page {{x}} of {{y}}' is malformed: {error}") from None
    for literal, field_name, _spec, _conversion in parsed:
        if literal:
            parts.append(css_string(literal))
        if field_name is None:
            continue
        if field_name == "x":
            parts.append("counter(page)")
        elif field_name == "y":
            parts.append("counter(pages)")
        else:
            raise RenderError(f"translation of 'Page {{x}} of {{y}}' has an unknown "
                              f"placeholder {{{field_name}}}")
    return " ".join(parts) or '""'


@contextlib.contextmanager
def _weasyprint_log(level: int) -> Iterator[list[logging.LogRecord]]:
    """Collect what WeasyPrint logs at `level` or above while the block runs.

    Records are kept from reaching the root logger meanwhile: they become errors or warnings
    of the job, not lines on the terminal.
    """
    records: list[logging.LogRecord] = []

    class Collector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collector(level)
    logger = _WEASYPRINT_LOGGER
    saved_level, saved_propagate = logger.level, logger.propagate
    if logger.getEffectiveLevel() > level:
        logger.setLevel(level)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved_level)
        logger.propagate = saved_propagate
