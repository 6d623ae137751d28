"""Hostile translators and theme writers: translations are text, themes are data.

A translation reaches the leaflet's markup through the theme's templates; whatever it holds
(quotes, `<`, `&`, `javascript:`) must come out as text, never as an attribute or element.
A theme is a folder of templates and CSS: it may not run code, read files outside its folder,
or make a reader's browser (or WeasyPrint) fetch anything.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from publish.build import BuildRequest, build
from publish.catalogs import layout
from publish.catalogs.pofile import read_po, save
from publish.catalogs.pseudo import pseudo_text
from publish.catalogs.steps import extract, init
from publish.config import SiteConfig, build_config
from publish.errors import CatalogError, ConfigError
from publish.model import Leaflet
from publish.pages import discover
from publish.reader import read_page
from publish.renderers.base import RenderContext
from publish.renderers.html import HtmlRenderer
from publish.renderers.pdf import PdfRenderer
from tests.conftest import ROOT, SEED
from tests.test_html import Tree

TODAY = dt.date(2025, 3, 4)

# --- translations are text (finding 2) ----------------------------------------------------

ATTRIBUTE = 'Índice" onmouseover="alert(1)" data-x="'
HOSTILE = {
    "Contents": ATTRIBUTE,
    "Skip to the leaflet": "Saltar' onfocus='alert(2)' x='",
    "Disclaimer": 'Aviso <b onclick="alert(3)">legal</b> & más',
    "AI-generated information": "javascript:alert(4) <script>alert(5)</script>",
    "{label}:": '{label}" onclick="alert(6)":',
}


class HostileStrings:
    """Renderer and theme strings translated into markup, quotes and addresses."""

    def gettext(self, message: str) -> str:
        return HOSTILE.get(message, message)

    def pgettext(self, context: str, message: str) -> str:
        return HOSTILE.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return HOSTILE.get(singular if n == 1 else plural, singular if n == 1 else plural)


def event_attributes(tree: Tree) -> list[tuple[str, str]]:
    return [(tag, name) for tag, attrs, _ in tree.elements for name in attrs
            if name.lower().startswith("on")]


def assert_text_only(html: str, expected: list[str]) -> None:
    tree = Tree(html)
    assert event_attributes(tree) == []
    assert tree.tags("script") == [] and tree.tags("b") == []
    assert {name for _, attrs, _ in tree.elements for name in attrs} <= {
        "lang", "dir", "charset", "name", "content", "class", "href", "id", "aria-labelledby",
        "aria-label", "role",
        # the site's navigation: breadcrumbs and links to the page's other languages
        "aria-current", "hreflang", "rel"}
    shown = tree.text + " " + " ".join(str(value) for _, attrs, _ in tree.elements
                                       for value in attrs.values())
    for text in expected:
        assert text in shown, text


@pytest.fixture(scope="module")
def seed() -> Leaflet:
    return read_page(SEED, build_config({}, ROOT), key="naltrexone.md")


def test_translations_are_escaped_in_the_html(seed: Leaflet) -> None:
    config = build_config({}, ROOT)
    context = RenderContext(config=config, locale="es", strings=HostileStrings(), today=TODAY)
    html = HtmlRenderer().render(seed, context).files[0].data.decode("utf-8")
    assert_text_only(html, list(HOSTILE.values())[:4])
    assert Tree(html).tags("nav")[0]["aria-label"] == ATTRIBUTE
    assert "&lt;script&gt;" in html and 'onmouseover="' not in html
    # "{label}:" is filled with the page's label: its bold stays, the quote is text
    assert '<strong>Common side effects include&#34; onclick=&#34;alert(6)&#34;:</strong>' in html


def test_translations_are_text_in_the_pdf(seed: Leaflet, tmp_path: Path) -> None:
    config = build_config({}, ROOT)
    context = RenderContext(config=config, locale="es", strings=HostileStrings(), today=TODAY)
    renderer = PdfRenderer()
    try:
        data = renderer.render(seed, context).files[0].data
    finally:
        renderer.close()
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data,
                          capture_output=True, check=True).stdout.decode("utf-8")
    text = " ".join(text.split())
    assert HOSTILE["Disclaimer"] in text
    assert "javascript:alert(4) <script>alert(5)" in text  # the heading wraps after it


PAGE = """---
title: Examplamine
---

# Examplamine

### Usage
Examplamine treats **mild** pain. Take 5 mg twice a day.

### Side Effects
**Common side effects include:**
* Nausea
* Headache

**Disclaimer:** This information is for general knowledge and does not constitute medical \
advice about Examplamine.
"""


def translated_site(root: Path, hostile: dict[str, str]) -> SiteConfig:
    """A site translated into es (pseudo text), with `hostile` msgid → msgstr in its catalogs."""
    (root / "content").mkdir(parents=True)
    (root / "content" / "examplamine.md").write_text(PAGE, encoding="utf-8")
    config = build_config({}, root)
    extract(config, list(discover([config.content_dir], root=config.content_dir)))
    init(config, "es")
    for path in layout.messages_dir(config, "es").rglob("*.po"):
        catalog = read_po(path)
        catalog.entries = [
            replace(entry, msgstr=hostile.get(entry.msgid, pseudo_text(entry.msgid)))
            if entry.msgid_plural is None
            else replace(entry, msgstr_plural=tuple(pseudo_text(entry.msgid_plural)
                                                    for _ in entry.msgstr_plural))
            for entry in catalog.entries]
        save(catalog, path)
    from publish.catalogs.safety import approve
    approve(config, "es", "Test Reviewer", everything=True)  # safety texts are reviewed
    return config


def test_a_translated_build_keeps_catalog_quotes_as_text(tmp_path: Path) -> None:
    """The catalog gate lets quotes and ampersands through (they are ordinary punctuation):
    the leaflet must show them, not obey them."""
    hostile = {"Contents": ATTRIBUTE, "Skip to the leaflet": "Saltar' onfocus='alert(2)' x='",
               "Disclaimer": 'Aviso "legal" & más'}
    config = translated_site(tmp_path / "site", hostile)
    pages = tuple(discover([config.content_dir], root=config.content_dir))
    report = build(BuildRequest(pages, ("es",), ("html", "pdf")), config, tmp_path / "out",
                   jobs=1)
    assert report.count("failed") == 0, [o.error for o in report.outcomes]
    html = (tmp_path / "out" / "es" / "examplamine.html").read_text(encoding="utf-8")
    assert_text_only(html, list(hostile.values()))
    pdf = subprocess.run(["pdftotext", "-enc", "UTF-8",
                          str(tmp_path / "out" / "es" / "examplamine.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert hostile["Disclaimer"] in " ".join(pdf.split())


def test_a_broken_percent_in_a_translation_is_a_one_line_error(seed: Leaflet) -> None:
    """Jinja formats every template translation with `%`: a stray one names the string."""

    class Percent(HostileStrings):
        def gettext(self, message: str) -> str:
            return "Índice 100%" if message == "Contents" else message

    config = build_config({}, ROOT)
    context = RenderContext(config=config, locale="es", strings=Percent(), today=TODAY)
    with pytest.raises(CatalogError, match="translation of 'Contents'.*'Índice 100%'") as caught:
        HtmlRenderer().render(seed, context)
    assert "\n" not in str(caught.value)


# --- themes are data (finding 8) ------------------------------------------------------------


def make_theme(folder: Path, files: dict[str, str], toml: str = "") -> Path:
    """A theme folder with `files` (templates and CSS) and a theme.toml (`toml` added)."""
    folder.mkdir(parents=True, exist_ok=True)
    stylesheets = [name for name in files if name.endswith(".css")]
    (folder / "theme.toml").write_text(
        f"stylesheets = {stylesheets!r}\nprint_stylesheets = []\n{toml}".replace("'", '"'),
        encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def render_html(seed: Leaflet, theme: Path) -> str:
    context = RenderContext(config=build_config({}, ROOT), locale="en", today=TODAY,
                            theme=str(theme))
    return HtmlRenderer().render(seed, context).files[0].data.decode("utf-8")


def test_a_template_cannot_run_a_command(seed: Leaflet, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    theme = make_theme(tmp_path / "evil", {"leaflet.html": (
        '{% extends "default/leaflet.html" %}\n{% block head %}\n'
        f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}\n"
        "{% endblock %}\n")})
    with pytest.raises(ConfigError, match="refused: access to attribute '__init__'") as caught:
        render_html(seed, theme)
    assert not marker.exists()
    message = str(caught.value)
    assert message.startswith(f"{theme / 'leaflet.html'}:3: theme evil: ") and "\n" not in message
    for renderer in (PdfRenderer(),):
        context = RenderContext(config=build_config({}, ROOT), locale="en", theme=str(theme))
        with pytest.raises(ConfigError, match="leaflet.html:3: theme evil: refused"):
            renderer.render(seed, context)
    assert not marker.exists()


def test_a_template_cannot_change_what_it_is_given(seed: Leaflet, tmp_path: Path) -> None:
    theme = make_theme(tmp_path / "mutating", {"leaflet.html": (
        '{% extends "default/leaflet.html" %}\n{% block head %}\n'
        '{{ headings.append(headings[0]) }}\n{% endblock %}\n')})
    with pytest.raises(ConfigError, match="leaflet.html:3: theme mutating: refused"):
        render_html(seed, theme)


def test_a_link_out_of_the_theme_folder_is_refused(seed: Leaflet, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4711", encoding="utf-8")
    theme = make_theme(tmp_path / "leaky", {"leaflet.html": (
        '{% extends "default/leaflet.html" %}\n{% block head %}\n'
        '{% include "notes.html" %}\n{% endblock %}\n')})
    (theme / "notes.html").symlink_to(secret)
    with pytest.raises(ConfigError, match="leaflet.html:3: theme leaky: refused: template "
                                          "'notes.html' is a link out of the theme folder"):
        render_html(seed, theme)
    # nor by a path that climbs out, nor with the theme's main template as the link
    (theme / "leaflet.html").write_text('{% include "../secret.txt" %}', encoding="utf-8")
    with pytest.raises(ConfigError, match="leaflet.html:1: .*'../secret.txt' is outside"):
        render_html(seed, theme)
    (theme / "leaflet.html").unlink()
    (theme / "leaflet.html").symlink_to(secret)
    with pytest.raises(ConfigError, match="'leaflet.html' is a link out of the theme folder"):
        render_html(seed, theme)
    # the build's fingerprint does not read the target either
    from publish.theme import find_theme

    assert secret not in [path.resolve() for path in find_theme(str(theme), ROOT).files()]


def test_a_link_inside_the_theme_folder_is_allowed(seed: Leaflet, tmp_path: Path) -> None:
    theme = make_theme(tmp_path / "linked", {
        "real.html": '{% extends "default/leaflet.html" %}{% block head %}'
                     '<meta name="x-linked" content="yes">{% endblock %}'})
    (theme / "leaflet.html").symlink_to(theme / "real.html")
    assert '<meta name="x-linked" content="yes">' in render_html(seed, theme)


@pytest.mark.parametrize("css, line", [
    ("h1 { color: #000; }\nh1 { background: url(http://example.com/p.png); }", 2),
    ('@import "https://example.com/x.css";', 1),
    ("@import url(//example.com/x.css);", 1),
    ('h1 { background: image-set("http://example.com/a.png" 1x); }', 1),
    ("h1 { background: u\\72l(http://example.com/p.png); }", 1),
    ("h1 { --x: url(  'HTTP://example.com/p.png' ); }", 1),
    ("@font-face { font-family: X;\n src: url(file:///etc/hostname); }", 2),
    ('@import "../outside.css";', 1),
    ('@import "inside-link.css";', 1),
])
def test_theme_css_may_not_reach_out(seed: Leaflet, tmp_path: Path, css: str, line: int) -> None:
    (tmp_path / "outside.css").write_text("h1 { color: red; }", encoding="utf-8")
    theme = make_theme(tmp_path / "fetchy", {"leaflet.css": css})
    (theme / "inside-link.css").symlink_to(tmp_path / "outside.css")
    with pytest.raises(ConfigError, match=r"refused: a theme may use only its own files") as caught:
        render_html(seed, theme)
    assert str(caught.value).startswith(f"{theme / 'leaflet.css'}:{line}: ")
    context = RenderContext(config=build_config({}, ROOT), locale="en", theme=str(theme))
    with pytest.raises(ConfigError, match=r"leaflet.css:\d+: .* refused"):
        PdfRenderer().render(seed, context)


def test_theme_files_are_inlined_in_the_html(seed: Leaflet, tmp_path: Path) -> None:
    theme = make_theme(tmp_path / "pictures", {
        "leaflet.css": '@import "more.css";\n.callout { background: url(dot.png); }\n',
        "more.css": '.faq { background: url("img/dot.svg#x"); }\n'})
    (theme / "dot.png").write_bytes(b"\x89PNG fake")
    (theme / "img").mkdir()
    (theme / "img" / "dot.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>",
                                           encoding="utf-8")
    html = render_html(seed, theme)
    assert 'url("data:image/png;base64,' in html and '@import "data:text/css;base64,' in html
    assert "dot.png" not in html and "more.css" not in html
    # the PDF reads the same files through its fetcher
    context = RenderContext(config=build_config({}, ROOT), locale="en", theme=str(theme))
    assert PdfRenderer().render(seed, context).files[0].data.startswith(b"%PDF")


@pytest.mark.parametrize("markup, problem", [
    ("<script>alert(1)</script>", "has a <script> element"),
    ('<img src="http://example.com/p.png" alt="">', "fetches 'http://example.com/p.png'"),
    ('<link rel="stylesheet" href="https://example.com/x.css">', "fetches"),
    ('<a href="javascript:alert(1)">x</a>', "links to 'javascript:alert(1)'"),
    ('<p onclick="alert(1)">x</p>', "has an event attribute <p onclick>"),
    ('<style>@import "http://example.com/x.css";</style>', "fetches 'http://example.com/x.css'"),
    ('<p style="background: url(http://example.com/p.png)">x</p>', "fetches"),
    ('<meta http-equiv="refresh" content="0; url=http://example.com">', "refresh"),
    ('<iframe src="about:blank"></iframe>', "has a <iframe> element"),
])
def test_a_template_cannot_add_script_or_fetch(seed: Leaflet, tmp_path: Path, markup: str,
                                               problem: str) -> None:
    theme = make_theme(tmp_path / "busy", {"leaflet.html": (
        '{% extends "default/leaflet.html" %}{% block head %}' + markup + "{% endblock %}")})
    with pytest.raises(ConfigError, match="theme busy: the page its templates write") as caught:
        render_html(seed, theme)
    assert problem in str(caught.value) and "\n" not in str(caught.value)


def test_a_template_may_link_to_a_web_site(seed: Leaflet, tmp_path: Path) -> None:
    theme = make_theme(tmp_path / "linking", {"leaflet.html": (
        '{% extends "default/leaflet.html" %}{% block site_footer %}<footer>'
        '<a href="https://clinic.example/help">Help</a> <a href="mailto:a@clinic.example">'
        "Mail</a></footer>{% endblock %}")})
    assert '<a href="https://clinic.example/help">Help</a>' in render_html(seed, theme)


def test_a_theme_picture_travels_as_a_data_url(seed: Leaflet, tmp_path: Path) -> None:
    theme = make_theme(tmp_path / "logo", {"leaflet.html": (
        '{% extends "default/leaflet.html" %}{% block site_header %}<header>'
        '<img src="{{ "logo.svg"|data_url }}" alt="Clinic"></header>{% endblock %}')})
    (theme / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg' width='10' "
                                    "height='10'><rect width='10' height='10'/></svg>",
                                    encoding="utf-8")
    html = render_html(seed, theme)
    assert '<img src="data:image/svg+xml;base64,' in html
    context = RenderContext(config=build_config({}, ROOT), locale="en", theme=str(theme))
    assert PdfRenderer().render(seed, context).files[0].data.startswith(b"%PDF")
    (theme / "leaflet.html").write_text('{{ "../secret.txt"|data_url }}', encoding="utf-8")
    (tmp_path / "secret.txt").write_text("TOP-SECRET", encoding="utf-8")
    with pytest.raises(ConfigError, match="leaflet.html:1: theme logo: refused: data_url: no "
                                          "file '../secret.txt'"):
        render_html(seed, theme)


def test_trans_blocks_escape_translation_and_variables(seed: Leaflet, tmp_path: Path) -> None:
    class Blocks(HostileStrings):
        def gettext(self, message: str) -> str:
            return {"About %(name)s": '<b onclick="x">%(name)s</b> "'}.get(message, message)

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return '%(num)s <i onclick="y">partes</i>' if n != 1 else singular

    theme = make_theme(tmp_path / "trans", {"leaflet.html": (
        '{% extends "default/leaflet.html" %}{% block head %}'
        '<meta name="about" content="{% trans name=site_name %}About {{ name }}{% endtrans %}">'
        "{% endblock %}{% block site_footer %}<footer><p>{% trans name=site_name %}About "
        "{{ name }}{% endtrans %}</p><p>{% trans count=3 %}One part{% pluralize %}{{ count }} "
        "parts{% endtrans %}</p></footer>{% endblock %}")})
    config = build_config({"site": {"name": "<script>Clinic</script>"}}, ROOT)
    context = RenderContext(config=config, locale="es", strings=Blocks(), today=TODAY,
                            theme=str(theme))
    html = HtmlRenderer().render(seed, context).files[0].data.decode("utf-8")
    assert_text_only(html, ['<b onclick="x"><script>Clinic</script></b> "',
                            '3 <i onclick="y">partes</i>'])
    assert [m["content"] for m in Tree(html).tags("meta") if m.get("name") == "about"] == [
        '<b onclick="x"><script>Clinic</script></b> "']


def _font_package(folder: Path, slug: str, files: list[dict]) -> None:  # type: ignore[type-arg]
    """A `fontpkg-SLUG` package on disk as fontpkg lays them out (module, metadata, files)."""
    import json
    import shutil

    from publish.theme import find_font_package

    atkinson = find_font_package("atkinson-hyperlegible").faces[0].path
    package = folder / ("fontpkg_" + slug.replace("-", "_"))
    (package / "files").mkdir(parents=True)
    shutil.copy(atkinson, package / "files" / "Face.ttf")
    (package / "__init__.py").write_text(
        "from pathlib import Path\nROOT = Path(__file__).parent\n", encoding="utf-8")
    (package / "metadata.json").write_text(json.dumps({
        "family": "Test Face", "axes": [{"tag": "wdth", "min": 75, "max": 100},
                                        {"tag": "wght", "min": 100, "max": 900}],
        "files": files}), encoding="utf-8")


def test_font_packages_variable_and_unreadable(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A variable font (weight null, a wght axis) gets its weight range; metadata this version
    cannot read is one line naming the theme, not a traceback."""
    from publish.theme import find_font_package

    monkeypatch.syspath_prepend(str(tmp_path))
    _font_package(tmp_path, "test-variable",
                  [{"path": "files/Face.ttf", "style": "normal", "weight": None}])
    [face] = find_font_package("test-variable").faces
    assert face.weight == "100 900" and face.family == "Test Face"
    assert "font-weight: 100 900;" in find_font_package("test-variable").font_face_css()
    _font_package(tmp_path, "test-broken",
                  [{"path": "files/Face.ttf", "style": "normal", "weight": "bold"}])
    theme_file = tmp_path / "theme.toml"
    with pytest.raises(ConfigError) as caught:
        find_font_package("test-broken", theme_file)
    message = str(caught.value)
    assert message.startswith(str(theme_file)) and "fontpkg-test-broken" in message
    assert "\n" not in message
