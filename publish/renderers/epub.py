"""The `epub` renderer: the leaflet as an EPUB 3.3 read-along publication.

`<page>.epub` holds, under `EPUB/`:

- `leaflet.xhtml`: the theme's `epub.html` template (the HTML leaflet's `blocks.html`
  macros, the same outline), written by Jinja2 as HTML, parsed by an HTML5 parser and
  serialised as XHTML; language and direction from the locale; the disclaimer and the AI
  note in full as a headed section of their own;
- `nav.xhtml`: the table of contents and the landmarks;
- `leaflet.css` and `fonts/*.woff2`: the theme's stylesheet and its fonts, subset;
- with `[epub] audio` (the default): `audio/leaflet.mp3`, the spoken leaflet made by the
  same pipeline as the `audio` format (same script, voice, rate, pauses and loudness; clips
  shared through `publish.speech.cache`, so building both formats synthesises once), and
  `leaflet.smil`, the media overlay that highlights each text unit as it is read;
- `package.opf` with the EPUB Accessibility 1.1 metadata.

The zip is deterministic (`publish.epub.package.ocf_zip`); `dcterms:modified` is the build
date (`RenderContext.today`), the date the PDF prints.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import tinyhtml5

from publish.config import Setting
from publish.epub.fonts import OVERLAY_CSS, EmbeddedFont, FontSubsets, font_face_css
from publish.epub.overlay import UnitIds, pars, smil_document, targets, whole_blocks
from publish.epub.package import (
    XHTML,
    XML_LANG,
    Accessibility,
    Item,
    Metadata,
    NavEntry,
    from_elementtree,
    identifier,
    navigation_document,
    ocf_zip,
    package_document,
    xhtml_document,
)
from publish.errors import ConfigError, RenderError
from publish.model import Leaflet
from publish.renderers.audio import AudioRenderer, checked_settings
from publish.renderers.base import OutputFile, RenderContext, Renderer, RenderResult
from publish.renderers.html import leaflet_html
from publish.speech import synthesise
from publish.speech.cache import Encoded, EncodedCache, encoded_cache, process_cache
from publish.speech.encode import Tags, encode, gain_filter, measure
from publish.speech.engine import SpeechEngine
from publish.speech.script import Script
from publish.speech.timeline import Recording, assemble
from publish.speech.voices import voice_for
from publish.strings import site_name
from publish.templates import TemplateSet
from publish.theme import Theme, find_theme, outline

TEMPLATE = "epub.html"
ROOT = "EPUB"
TEXT = "leaflet.xhtml"
NAV = "nav.xhtml"
STYLESHEET = "leaflet.css"
AUDIO = "audio/leaflet.mp3"
OVERLAY = "leaflet.smil"
OVERLAY_ID = "leaflet-overlay"


class EpubRenderer(Renderer):
    name = "epub"
    suffixes = (".epub",)
    safety_suffix = ".epub"
    version = "1"
    settings = {
        "audio": Setting(True, bool, "Media overlays: the leaflet read aloud (the [audio] "
                                     "voice, rate, pauses and loudness) with each text "
                                     "highlighted as it is read; false writes a text-only "
                                     "EPUB."),
    }

    def __init__(self) -> None:
        self._themes: dict[tuple[str | None, Path], tuple[Theme, TemplateSet, UnitIds]] = {}
        self._speech = AudioRenderer()
        """The audio format's script and speech data (its renderer is not run)."""
        self._engine: SpeechEngine | None = None
        self._fonts = FontSubsets()
        self._css: dict[Path, str] = {}

    # --- data ---------------------------------------------------------------------------------

    def theme(self, context: RenderContext) -> tuple[Theme, TemplateSet, UnitIds]:
        spec = context.theme or context.config.site["theme"]
        key = (spec, context.config.root)
        if key not in self._themes:
            theme = find_theme(spec, context.config.root)
            ids = UnitIds()
            self._themes[key] = (theme, TemplateSet(theme, TEMPLATE, {"inline": ids}), ids)
        return self._themes[key]

    def inputs(self, context: RenderContext) -> list[Path]:
        theme, _, _ = self.theme(context)
        files = theme.files() + [face.path for font in theme.fonts() for face in font.faces]
        if context.settings(self.name)["audio"]:
            files += self._speech.inputs(context)
        return files

    def tools(self, context: RenderContext) -> list[str]:
        theme, _, _ = self.theme(context)
        tools = ["jinja2", "markupsafe", "tinyhtml5", "fonttools",
                 *(f"fontpkg-{slug}" for slug in theme.settings["fonts"])]
        if context.settings(self.name)["audio"]:
            tools += self._speech.tools(context)
        return tools

    # --- rendering ----------------------------------------------------------------------------

    def render(self, leaflet: Leaflet, context: RenderContext) -> RenderResult:
        audio = bool(context.settings(self.name)["audio"])
        theme, templates, ids = self.theme(context)
        script = self._speech.script(leaflet, context) if audio else None
        ids.reset(_pieces(script) if script is not None else None)
        html = leaflet_html(leaflet, context, templates, medium="epub")
        text, present, page_text, units = _xhtml(html, context, ids.spans)
        nav, contents = _navigation(leaflet, context)
        fonts = self._fonts.embed(theme.fonts(), page_text + " ".join(contents))
        items = [Item("nav", NAV, "application/xhtml+xml", nav, properties="nav"),
                 Item("leaflet", TEXT, "application/xhtml+xml", text,
                      overlay=OVERLAY_ID if audio else ""),
                 Item("css", STYLESHEET, "text/css", self._stylesheet(theme, fonts)),
                 *(Item(f"font-{number}", font.href, "font/woff2", font.data)
                   for number, font in enumerate(fonts, start=1))]
        durations: dict[str, float] = {}
        if script is not None:
            recording, mp3 = self._record(script, leaflet, context)
            overlay = pars(recording, targets(script.utterances, units, present,
                                              ids.sentences, ids.spans))
            items += [Item("audio", AUDIO, "audio/mpeg", mp3),
                      Item(OVERLAY_ID, OVERLAY, "application/smil+xml",
                           smil_document(overlay, TEXT, AUDIO))]
            durations[OVERLAY_ID] = sum(par.end - par.begin for par in overlay)
        metadata = Metadata(
            identifier=identifier(context.config.site["name"], leaflet.source,
                                  context.locale.tag),
            title=leaflet.title, language=context.locale.tag,
            direction=context.locale.direction,
            modified=f"{context.today.isoformat()}T00:00:00Z",
            publisher=site_name(context.config.site["name"], context.strings),
            accessibility=Accessibility(_summary(context, audio), audio),
            durations=durations)
        package = package_document(metadata, items, ["leaflet"], aside=["nav"])
        data = ocf_zip(f"{ROOT}/package.opf",
                       [*items, Item("opf", "package.opf", "application/oebps-package+xml",
                                     package)], ROOT)
        return RenderResult((OutputFile(".epub", data, "application/epub+zip"),))

    def _stylesheet(self, theme: Theme, fonts: list[EmbeddedFont]) -> bytes:
        if theme.folder not in self._css:
            self._css[theme.folder] = theme.stylesheet_text()
        return "\n".join([font_face_css(fonts), self._css[theme.folder],
                          OVERLAY_CSS]).encode("utf-8")

    def _record(self, script: Script, leaflet: Leaflet,
                context: RenderContext) -> tuple[Recording, bytes]:
        """The spoken leaflet as the `audio` format makes it, encoded as MP3 (an EPUB core
        media type)."""
        settings = checked_settings(context)
        if not script.utterances:
            raise RenderError("nothing to say: the page has no text")
        voice = voice_for(context.config.locales_dir, context.locale, settings["voice"] or None)
        if self._engine is None:
            self._engine = SpeechEngine()
        self._engine.configure(voice, settings["rate"])
        with tempfile.TemporaryDirectory(prefix="publish-epub-") as temp:
            folder = Path(temp)
            clips = synthesise(script, self._engine, folder, process_cache())
            recording = assemble(script, clips, settings["sentence_pause"],
                                 settings["section_pause"])
            tags = Tags(title=leaflet.title,
                        album=site_name(context.config.site["name"], context.strings),
                        language=str(context.locale), comment=leaflet.ai_note.text.plain.strip())
            # The audio format's MP3 of this very recording, when it has just made it.
            key = EncodedCache.key(recording.pcm, recording.sample_rate, "mp3",
                                   settings["loudness"], tags, recording.chapters)
            made = encoded_cache().find(key)
            if made is not None:
                return recording, made.data
            pcm_path = folder / "speech.pcm"
            pcm_path.write_bytes(recording.pcm)
            loudness = measure(pcm_path, recording.sample_rate)
            filters, gain = gain_filter(loudness, settings["loudness"])
            mp3 = encode(pcm_path, recording.sample_rate, folder / "speech.mp3", "mp3",
                         filters, tags, recording.chapters)
            encoded_cache().store(key, Encoded(loudness, gain, mp3))
        return recording, mp3

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def _navigation(leaflet: Leaflet, context: RenderContext) -> tuple[bytes, list[str]]:
    """The navigation document, and the words it shows (for the font subsets)."""
    gettext = context.gettext
    contents = [NavEntry(_plain(h), f"{TEXT}#{h.id}",
                         tuple(NavEntry(_plain(c), f"{TEXT}#{c.id}")
                               for c in h.children if c.label))
                for h in outline(leaflet) if h.label]
    # The spoken leaflet's heading (a safety string, with its translator's note there).
    contents.append(NavEntry(gettext("Disclaimer and AI note"), f"{TEXT}#safety-heading"))
    # TRANSLATORS: title of the table of contents of an e-book.
    contents_label = gettext("Contents")
    # TRANSLATORS: heading of the list of an e-book's main parts (hidden; reading
    # systems show it as a menu).
    landmarks_label = gettext("Landmarks")
    # TRANSLATORS: e-book landmark: where the leaflet's text begins.
    start = gettext("Start of the leaflet")
    nav = navigation_document(
        title=leaflet.title, language=context.locale.tag, direction=context.locale.direction,
        stylesheet=STYLESHEET, contents_label=contents_label, entries=contents,
        landmarks_label=landmarks_label,
        landmarks=[("toc", f"{NAV}#toc", contents_label), ("bodymatter", f"{TEXT}#main", start)])
    words = [contents_label, landmarks_label, start]
    for entry in contents:
        words += [entry.text, *(child.text for child in entry.children)]
    return nav, words


def _pieces(script: Script) -> dict[str, list[list[str]]]:
    """Unit id → the texts of its utterances, one list per time the unit is said."""
    pieces: dict[str, list[list[str]]] = {}
    previous = None
    for utterance in script.utterances:
        if utterance.unit:
            runs = pieces.setdefault(utterance.unit, [])
            if utterance.unit != previous or not runs:
                runs.append([])
            runs[-1].append(utterance.text)
        previous = utterance.unit
    return pieces


def _plain(heading: Any) -> str:
    text = heading.text.plain if heading.text else heading.label
    return " ".join(text.split())


def _xhtml(html: str, context: RenderContext, spans: dict[str, list[str]]
           ) -> tuple[bytes, set[str], str, dict[str, list[str]]]:
    """The template's HTML as an XHTML content document, the ids it holds, its text, and
    the element that shows each text unit (`whole_blocks`).

    An HTML5 parser reads what the template wrote (`<br>`, `<meta charset>`…) exactly as a
    browser would, and ElementTree writes it back as well-formed XML, escaping everything.
    The stylesheet link is added here: the template itself fetches nothing
    (`leaflet_html` checked it with `publish.fetching.page_problems`).
    """
    root = tinyhtml5.parse(html)
    root.set(XML_LANG, context.locale.tag)
    head = root.find(f"{{{XHTML}}}head")
    if head is None:
        raise ConfigError(f"{TEMPLATE}: the page its template writes has no <head>")
    ET.SubElement(head, f"{{{XHTML}}}link", {"rel": "stylesheet", "type": "text/css",
                                             "href": STYLESHEET})
    units = whole_blocks(root, spans)
    present = {element.get("id", "") for element in root.iter()} - {""}
    body = root.find(f"{{{XHTML}}}body")
    text = " ".join((body if body is not None else root).itertext())
    return xhtml_document(from_elementtree(root)), present, text, units


def _summary(context: RenderContext, audio: bool) -> str:
    # TRANSLATORS: accessibility summary of an e-book (schema:accessibilitySummary),
    # read by people choosing an accessible book.
    summary = context.gettext(
        "A leaflet in a single reading order, with headings for every section, a table of "
        "contents and text that can be resized and restyled. It has no images.")
    if audio:
        # TRANSLATORS: added to the accessibility summary of an e-book with audio.
        summary += " " + context.gettext(
            "Every sentence is read aloud by a synthetic voice while its text is highlighted.")
    return summary
