"""The `html` renderer and themes: a standalone, accessible web page, escaped page text."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from publish.config import SiteConfig, build_config
from publish.errors import ConfigError
from publish.model import Leaflet
from publish.reader import read_page
from publish.renderers import get_renderer_class
from publish.renderers.base import RenderContext
from publish.renderers.html import HtmlRenderer
from publish.theme import css_string, find_theme, iter_headings, outline, shorten
from tests.conftest import ROOT, SEED, Shouting

FIXTURES = ROOT / "tests" / "fixtures" / "pages"
VOID = {"meta", "br", "img", "link", "hr", "input", "area", "base", "col", "embed", "source",
        "track", "wbr"}


class Tree(HTMLParser):
    """Just enough of a DOM: every element with its attributes, ancestors and text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.stack: list[str] = []
        self.texts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), tuple(self.stack)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if "style" not in self.stack:
            self.texts.append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs, _ in self.elements if tag == name]

    @property
    def text(self) -> str:
        return " ".join("".join(self.texts).split())


@pytest.fixture(scope="module")
def site() -> SiteConfig:
    return build_config({}, ROOT)


@pytest.fixture(scope="module")
def renderer() -> HtmlRenderer:
    return HtmlRenderer()


def read(name: str, config: SiteConfig) -> Leaflet:
    path = SEED if name == "seed" else FIXTURES / f"{name}.md"
    return read_page(path, config, key=path.name)


def render(renderer: HtmlRenderer, leaflet: Leaflet, config: SiteConfig, **context) -> str:
    ctx = RenderContext(config=config, locale=context.pop("locale", "en"),
                        today=dt.date(2025, 3, 4), **context)
    result = renderer.render(leaflet, ctx)
    assert [f.suffix for f in result.files] == [".html"]
    return result.files[0].data.decode("utf-8")


def test_registered() -> None:
    assert get_renderer_class("html") is HtmlRenderer
    assert HtmlRenderer.safety_suffix == ".html"


def test_seed_is_a_standalone_accessible_page(renderer: HtmlRenderer, site: SiteConfig) -> None:
    leaflet = read("seed", site)
    html = render(renderer, leaflet, site)
    tree = Tree(html)
    assert html.startswith("<!DOCTYPE html>")
    assert tree.tags("html") == [{"lang": "en", "dir": "ltr"}]
    assert "<title>Naltrexone</title>" in html
    assert tree.tags("meta")[0] == {"charset": "utf-8"}
    assert any(m.get("name") == "viewport" for m in tree.tags("meta"))
    # Landmarks and a skip link that lands on the main content.
    main = tree.tags("main")
    assert len(main) == 1 and main[0]["id"] == "main"
    skip = tree.tags("a")[0]
    assert skip["href"] == "#main" and "skip-link" in (skip["class"] or "")
    assert len(tree.tags("header")) == 1 and len(tree.tags("footer")) == 1
    assert len(tree.tags("nav")) == 1
    # Self-contained: CSS inlined, nothing referenced or scripted.
    assert len(tree.tags("style")) == 1
    for tag in ("link", "script", "img", "iframe", "object"):
        assert tree.tags(tag) == [], tag
    assert "http://" not in html and "https://" not in html and "file:" not in html
    # Every anchor of the contents list points at a heading of the page.
    ids = {attrs.get("id") for _, attrs, _ in tree.elements}
    for link in tree.tags("a"):
        assert link["href"] and link["href"].lstrip("#") in ids


def test_heading_levels_have_no_gaps(renderer: HtmlRenderer, site: SiteConfig) -> None:
    for name in ("seed", "pdf-symbols", "pdf-ingredients"):
        leaflet = read(name, site)
        tree = Tree(render(renderer, leaflet, site))
        levels = [int(tag[1]) for tag, _, _ in tree.elements if tag in ("h1", "h2", "h3",
                                                                         "h4", "h5", "h6")]
        assert levels[0] == 1 and levels.count(1) == 1, name
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, (name, levels)
        assert max(levels) <= 3


def test_ingredients_are_h2_groups_with_h3_sections(renderer: HtmlRenderer,
                                                    site: SiteConfig) -> None:
    leaflet = read("pdf-ingredients", site)
    headings = outline(leaflet)
    assert [h.label for h in headings][:2] == ["Alphamycin", "Betazole"]
    assert [c.label for c in headings[0].children] == ["Generic Name", "Usage", "Side Effects",
                                                       "How it Works"]
    tree = Tree(render(renderer, leaflet, site))
    h2 = [attrs["id"] for attrs in tree.tags("h2")]
    h3 = [attrs["id"] for attrs in tree.tags("h3")]
    assert h2 == ["at-a-glance"] + [h.id for h in headings] + ["disclaimer", "ai-note"]
    assert h3 == [c.id for h in headings for c in h.children]
    assert "Alphamycin and Betazole are two separate medicines" in tree.text


def test_lists_are_tight_and_inline_marks_are_elements(renderer: HtmlRenderer,
                                                       site: SiteConfig) -> None:
    leaflet = read("pdf-symbols", site)
    html = render(renderer, leaflet, site)
    tree = Tree(html)
    # PDF/UA: a list item holds inline content and nested lists only.
    for tag, _, ancestors in tree.elements:
        if "li" in ancestors and tag not in ("ul", "ol", "li"):
            assert tag in ("strong", "em", "sub", "sup", "br", "a"), tag
    assert "10<sup>6</sup>" in html
    assert "H<sub>2</sub>O" in html
    assert "<em>with food</em>" in html
    # Thresholds survive ('>' would vanish as a Markdown block quote) and are escaped.
    assert "&gt;34\u00a0kg" in html and "≥ 12 years" in html and "&lt;10\u00a0kg" in html
    # A number and its unit never part at a line end.
    assert "5\u00a0mg" in html
    # Labels get their colon back, through the translatable "{label}:".
    assert "<strong class=\"label\">Adults:</strong>" in html


def test_disclaimer_and_ai_note_end_the_page_in_full(renderer: HtmlRenderer,
                                                     site: SiteConfig) -> None:
    leaflet = read("seed", site)
    tree = Tree(render(renderer, leaflet, site))
    text = tree.text
    disclaimer = " ".join(leaflet.disclaimer.text.plain.split())
    ai_note = " ".join(leaflet.ai_note.text.plain.split())
    assert disclaimer in text and ai_note in text
    assert text.index("Disclaimer " + disclaimer) < text.index("AI-generated information "
                                                                 + ai_note)
    last_faq = "Consistency in taking Naltrexone"
    assert text.index(last_faq) < text.index(disclaimer)
    sections = [attrs for attrs in tree.tags("section") if "safety" in (attrs["class"] or "")]
    assert len(sections) == 2


def test_page_markup_is_text(renderer: HtmlRenderer, site: SiteConfig) -> None:
    leaflet = read("pdf-injection", site)
    html = render(renderer, leaflet, site)
    tree = Tree(html)
    for tag in ("img", "script", "link", "iframe", "span"):
        assert tree.tags(tag) == [], tag
    assert len(tree.tags("style")) == 1  # the theme's own
    assert '<img src="file:///etc/passwd" alt="x">' in tree.text
    assert "<script>alert(1)</script>" in tree.text  # from the title
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<iframe" not in html


def test_locale_sets_lang_and_direction(renderer: HtmlRenderer, site: SiteConfig) -> None:
    leaflet = read("pdf-symbols", site)
    tree = Tree(render(renderer, leaflet, site, locale="ar"))
    assert tree.tags("html") == [{"lang": "ar", "dir": "rtl"}]
    tree = Tree(render(renderer, leaflet, site, locale="pt_BR"))
    assert tree.tags("html") == [{"lang": "pt-BR", "dir": "ltr"}]


def test_renderer_strings_are_translated_page_text_is_not(renderer: HtmlRenderer,
                                                          site: SiteConfig) -> None:
    leaflet = read("seed", site)
    html = render(renderer, leaflet, site, strings=Shouting())
    tree = Tree(html)
    assert "«Skip to the leaflet»" in tree.text
    assert "«Disclaimer»" in tree.text and "«AI-generated information»" in tree.text
    assert tree.tags("nav")[0]["aria-label"] == "«Contents»"
    assert "«Common side effects include:»" in tree.text  # "{label}:" translated, then filled
    assert "«Naltrexone»" not in tree.text and "Naltrexone is used to treat" in tree.text


# --- themes -----------------------------------------------------------------------------------


def test_standard_theme_by_name(renderer: HtmlRenderer, site: SiteConfig) -> None:
    leaflet = read("seed", site)
    html = render(renderer, leaflet, site, theme="standard")
    assert "font-size: 12pt" in html and "font-size: 28pt" not in html
    assert "Naltrexone is used to treat" in html
    large = render(renderer, leaflet, site)
    assert "font-size: 28pt" in large


def test_user_theme_folder(tmp_path: Path, site: SiteConfig) -> None:
    theme = tmp_path / "my-theme"
    theme.mkdir()
    (theme / "theme.toml").write_text('name = "mine"\nstylesheets = ["mine.css"]\n'
                                      'print_stylesheets = []\n', encoding="utf-8")
    (theme / "mine.css").write_text("body { color: #000; } /* mine */\n", encoding="utf-8")
    leaflet = read("seed", site)
    html = render(HtmlRenderer(), leaflet, site, theme=str(theme))
    assert "/* mine */" in html
    assert "<h1 id=\"leaflet-title\">Naltrexone</h1>" in html  # templates from the default

    # A template of its own wins over the default theme's.
    (theme / "leaflet.html").write_text(
        '{% extends "default/leaflet.html" %}{% block head %}<meta name="x-theme" '
        'content="mine">{% endblock %}', encoding="utf-8")
    html = render(HtmlRenderer(), leaflet, site, theme=str(theme))
    assert '<meta name="x-theme" content="mine">' in html
    assert "Naltrexone is used to treat" in html


def test_theme_errors_name_the_problem(tmp_path: Path) -> None:
    theme = tmp_path / "broken"
    theme.mkdir()
    (theme / "theme.toml").write_text('name = "broken"\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'colour'") as error:
        find_theme(str(theme), tmp_path)
    assert error.value.path == str(theme / "theme.toml")
    (theme / "theme.toml").write_text('stylesheets = ["../../etc/passwd"]\n',
                                      encoding="utf-8")
    with pytest.raises(ConfigError, match="outside the theme folder"):
        find_theme(str(theme), tmp_path)
    (theme / "theme.toml").write_text('stylesheets = ["nope.css"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="no file 'nope.css'"):
        find_theme(str(theme), tmp_path)
    (theme / "theme.toml").write_text('fonts = ["no-such-font"]\nprint_stylesheets = []\n'
                                      'stylesheets = []\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="fontpkg-no-such-font"):
        find_theme(str(theme), tmp_path)
    with pytest.raises(ConfigError, match="unknown theme 'nosuch'.*large-print.*standard"):
        find_theme("nosuch", tmp_path)


def test_builtin_themes_declare_their_promises() -> None:
    large = find_theme("large-print", ROOT)
    standard = find_theme("standard", ROOT)
    assert large.min_font_pt == 16 and standard.min_font_pt >= 9
    # Atkinson Hyperlegible first; Noto Sans Arabic for the Arabic letters it lacks
    assert [font.slug for font in large.fonts()] == ["atkinson-hyperlegible", "noto-sans-arabic"]
    assert all(face.path.is_file() for face in large.fonts()[0].faces)
    assert large.fallback is None and standard.fallback == large.folder


def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("name", ["large-print", "standard"])
def test_theme_css_keeps_aaa_contrast_and_no_justification(name: str) -> None:
    theme = find_theme(name, ROOT)
    css = "\n".join(path.read_text(encoding="utf-8") for path in
                    theme.stylesheet_paths(print_only=False)
                    + theme.stylesheet_paths(print_only=True))
    text_colours = re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})\b", css)
    backgrounds = re.findall(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6})\b", css)
    assert text_colours and backgrounds
    for fg in text_colours:
        for bg in backgrounds:
            light, dark = sorted((_luminance(fg), _luminance(bg)), reverse=True)
            assert (light + 0.05) / (dark + 0.05) >= 7, (fg, bg)  # WCAG 1.4.6 (AAA)
    assert "justify" not in css and "hyphens: auto" not in css
    if name == "large-print":
        heights = [float(v) for v in re.findall(r"line-height:\s*([\d.]+)\s*;", css)]
        heights += [float(v) for v in re.findall(r"\d+pt/([\d.]+)", css)]
        assert heights and all(h >= 1.4 for h in heights if h > 0)
        assert not re.search(r"font-style:\s*italic", css)


def test_text_helpers() -> None:
    assert css_string('a "b" \\ c\n') == '"a \\"b\\" \\\\ c\\a "'
    assert shorten("Caffeine + Cetirizine + Nimesulide + Paracetamol", 30) == \
        "Caffeine + Cetirizine…"
    assert shorten("Short", 30) == "Short"


def test_every_heading_has_a_unique_id(site: SiteConfig) -> None:
    leaflet = read("pdf-ingredients", site)
    ids = [h.id for h in iter_headings(outline(leaflet))]
    assert len(ids) == len(set(ids))
