"""The `pdf` renderer: PDF/UA-1 leaflets checked with real tools on real output.

Every leaflet is held to the same checks (`leaflet_pdf_problems`): poppler's pdftotext shows
the disclaimer and the AI note in full, `page-validation` finds no failed PDF/UA-1 rule,
pdfplumber finds no character below the theme's minimum size, the catalog carries `/Lang`
and a title viewers display, the outline has one bookmark per section plus the two safety
sections, and every font is embedded. The corpus tier runs them on 40 real pages.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import page
import pdfplumber
import pypdf
import pytest

from publish import summary
from publish.config import SiteConfig, build_config
from publish.errors import ConfigError, PublishError, RenderError
from publish.model import Leaflet, Status
from publish.reader import read_page
from publish.renderers import get_renderer_class
from publish.renderers.base import RenderContext
from publish.renderers.pdf import DEFAULT_SAFETY_LINE, PdfRenderer, page_counter_content
from publish.sms.transliterate import load_locale
from publish.strings import SourceStrings
from publish.theme import find_theme, outline
from tests.conftest import CORPUS, ROOT, SEED, Shouting, requires_corpus

FIXTURES = ROOT / "tests" / "fixtures" / "pages"
TODAY = dt.date(2025, 3, 4)


# --- the checks every leaflet PDF must pass ---------------------------------------------------


def words(text: str) -> str:
    return " ".join(text.split())


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True, text=True)
    return out.stdout


def bookmarks(reader: pypdf.PdfReader) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def walk(items: list, depth: int) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title))

    walk(reader.outline, 1)
    return found


def expected_bookmarks(leaflet: Leaflet, safety: tuple[str, str],
                       glance: str | None = None) -> list[tuple[int, str]]:
    expected: list[tuple[int, str]] = [(1, glance)] if glance else []
    for heading in outline(leaflet):
        if heading.label:
            expected.append((1, words(heading.label)))
        expected.extend((2, words(child.label)) for child in heading.children if child.label)
    return expected + [(1, safety[0]), (1, safety[1])]


def unembedded_fonts(path: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    rows = [line.split() for line in out[2:] if line.strip()]
    return [row[0] for row in rows if row[-5] != "yes"]


def smallest_chars(path: Path) -> tuple[float, list[str]]:
    smallest, fonts = 1000.0, set()
    with pdfplumber.open(path) as pdf:
        for pdf_page in pdf.pages:
            for char in pdf_page.chars:
                if char["text"].strip():
                    smallest = min(smallest, char["size"])
                    fonts.add(char["fontname"])
    return smallest, sorted(fonts)


def leaflet_pdf_problems(path: Path, leaflet: Leaflet, min_pt: float,
                         safety: tuple[str, str] = ("Disclaimer", "AI-generated information"),
                         lang: str = "en", glance: str = "At a glance") -> list[str]:
    problems: list[str] = []
    # In a right-to-left page, English sentences come out with their final stop first
    # (bidi reordering), so compare words only.
    plain = (lambda t: words(re.sub(r"[^\w\s]", " ", t))) if lang == "ar" else words
    text = plain(pdf_text(path))
    for name, safety_text in (("disclaimer", leaflet.disclaimer), ("AI note", leaflet.ai_note)):
        if plain(safety_text.text.plain) not in text:
            problems.append(f"{name} not in pdftotext output")
    report = page.validate_pdf(path, profile="ua1")
    if report.rules.failed or not report.is_compliant:
        problems.append("PDF/UA-1: " + "; ".join(sorted({f"{f.rule_id} {f.message}"
                                                          for f in report.failures})))
    size, fonts = smallest_chars(path)
    if size < min_pt - 0.01:
        problems.append(f"text at {size:.2f} pt, below {min_pt} pt")
    if min_pt >= 16 and any("italic" in font.lower() for font in fonts):
        problems.append(f"italic font in a large-print leaflet: {fonts}")
    reader = pypdf.PdfReader(path)
    catalog = reader.trailer["/Root"]
    if catalog.get("/Lang") != lang:
        problems.append(f"/Lang is {catalog.get('/Lang')!r}")
    if (reader.metadata or {}).get("/Title") != leaflet.title:
        problems.append(f"title is {(reader.metadata or {}).get('/Title')!r}")
    if not catalog.get("/ViewerPreferences", {}).get("/DisplayDocTitle"):
        problems.append("DisplayDocTitle not set")
    marks = [(depth, words(title)) for depth, title in bookmarks(reader)]
    # The "At a glance" box of the default theme opens the leaflet when the page says any of
    # its parts (tests/test_glance.py checks what it says).
    boxed = summary.glance(leaflet, load_locale(ROOT / "locales", lang), SourceStrings())
    expected = expected_bookmarks(leaflet, safety, glance if boxed else None)
    if marks != expected:
        problems.append(f"bookmarks {marks} != {expected}")
    missing = unembedded_fonts(path)
    if missing:
        problems.append(f"fonts not embedded: {missing}")
    return problems


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> SiteConfig:
    return build_config({}, ROOT)


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    instance = PdfRenderer()
    yield instance
    instance.close()


def read(name: str, config: SiteConfig) -> Leaflet:
    path = SEED if name == "seed" else FIXTURES / f"{name}.md"
    return read_page(path, config, key=path.name)


def render_to(path: Path, renderer: PdfRenderer, leaflet: Leaflet, config: SiteConfig,
              **context) -> Path:
    ctx = RenderContext(config=config, locale=context.pop("locale", "en"), today=TODAY,
                        **context)
    result = renderer.render(leaflet, ctx)
    assert [f.suffix for f in result.files] == [".pdf"]
    path.write_bytes(result.files[0].data)
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, renderer: PdfRenderer,
             site: SiteConfig) -> dict[str, tuple[Leaflet, Path]]:
    """The seed and the fixture pages, rendered once for every check of this module."""
    folder = tmp_path_factory.mktemp("pdf")
    out = {}
    for name in ("seed", "pdf-symbols", "pdf-ingredients", "pdf-injection"):
        leaflet = read(name, site)
        out[name] = (leaflet, render_to(folder / f"{name}.pdf", renderer, leaflet, site))
    return out


# --- fast tier --------------------------------------------------------------------------------


def test_registered() -> None:
    assert get_renderer_class("pdf") is PdfRenderer
    assert PdfRenderer.safety_suffix == ".pdf"


@pytest.mark.parametrize("name", ["seed", "pdf-symbols", "pdf-ingredients", "pdf-injection"])
def test_leaflet_passes_every_check(rendered: dict, name: str) -> None:
    leaflet, path = rendered[name]
    assert leaflet_pdf_problems(path, leaflet, min_pt=16) == []


def test_large_print_uses_atkinson_and_bold_for_emphasis(rendered: dict) -> None:
    _, path = rendered["pdf-symbols"]
    _, fonts = smallest_chars(path)
    assert any("Atkinson-Hyperlegible-Bold" in font for font in fonts)
    assert any(font.endswith("Atkinson-Hyperlegible") for font in fonts)
    with pdfplumber.open(path) as pdf:
        chars = [c for p in pdf.pages for c in p.chars]
    text = "".join(c["text"] for c in chars)
    start = text.index("withfood") if "withfood" in text else text.index("with food")
    assert all("Bold" in c["fontname"] for c in chars[start:start + 8] if c["text"].strip())
    # Characters Atkinson Hyperlegible lacks come from a fallback font, not as blanks.
    fallback = {c["text"]: c["fontname"].split("+")[-1] for c in chars if c["text"] in "αβदवाء"}
    assert fallback["α"] == "DejaVu-Sans" and fallback["द"] == "Noto-Sans-Devanagari"
    assert fallback["ء"] == "Noto-Sans-Arabic"


def test_symbols_sub_sup_and_thresholds_survive(rendered: dict) -> None:
    _, path = rendered["pdf-symbols"]
    text = words(pdf_text(path))
    for expected in ("α-blocker", "β-lactam", "µg", "37 °C", "± 5 %", ">34 kg: 5 mg",
                     "≥ 12 years", "≤ 2 years", "<10 kg: 1 mg", "दवा", "دواء"):
        assert expected in text, expected
    with pdfplumber.open(path) as pdf:
        chars = [c for p in pdf.pages for c in p.chars]
    # "10⁶": the 6 sits higher than the 1 and 0 before it, yet is still 16 pt.
    for index, char in enumerate(chars[:-2]):
        if char["text"] == "1" and chars[index + 1]["text"] == "0" and \
                chars[index + 2]["text"] == "6":
            one, six = char, chars[index + 2]
            break
    else:
        pytest.fail("10^6 not found")
    assert six["top"] < one["top"] - 1 and six["size"] >= 16 - 0.01


def test_running_heads_on_every_page(rendered: dict) -> None:
    leaflet, path = rendered["seed"]
    reader = pypdf.PdfReader(path)
    pages = len(reader.pages)
    assert pages >= 3
    safety = words(DEFAULT_SAFETY_LINE)
    for number in range(1, pages + 1):
        text = words(subprocess.run(["pdftotext", "-f", str(number), "-l", str(number),
                                     str(path), "-"], capture_output=True, text=True,
                                    check=True).stdout)
        assert f"Page {number} of {pages}" in text
        assert "Naltrexone" in text and "Printed March 4, 2025" in text
        assert safety in text
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4


def test_page_markup_shows_as_text_and_nothing_is_fetched(rendered: dict,
                                                          renderer: PdfRenderer) -> None:
    _, path = rendered["pdf-injection"]
    text = words(pdf_text(path))
    assert '<img src="file:///etc/passwd" alt="x">' in text
    assert '<script>alert("x")</script>' in text
    assert "<link rel=\"stylesheet\"" in text
    theme = find_theme("large-print", ROOT)
    style, _ = renderer.print_style(RenderContext(config=build_config({}, ROOT), locale="en"))
    allowed = [theme.folder, *theme.font_folders()]
    requested = style.fetcher.requests
    assert requested, "the fonts at least are fetched through the theme fetcher"
    for url in requested:
        assert url.startswith("file://") and style.fetcher.allowed_path(url) is not None, url
        assert any(url.startswith(folder.as_uri()) for folder in allowed), url
    assert not any("example.com" in url or "passwd" in url for url in requested)


def test_fetcher_refuses_network_and_outside_files(tmp_path: Path) -> None:
    from publish.fetching import ThemeFetcher

    inside = tmp_path / "theme"
    inside.mkdir()
    (inside / "a.css").write_text("p {}", encoding="utf-8")
    fetcher = ThemeFetcher([inside])
    assert fetcher.fetch((inside / "a.css").as_uri()).read() == b"p {}"
    for url in ("http://example.com/a.css", "https://example.com/a.css", "file:///etc/passwd",
                (inside / ".." / "theme" / ".." / "x").as_uri(),
                "ftp://example.com/x", "file://remote-host/etc/passwd"):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    # a data: URL holds its own bytes (theme files inlined by the `data_url` filter)
    assert fetcher.fetch("data:text/css,p{}").read() == b"p{}"
    assert len(fetcher.requests) == 8


def test_a_theme_reaching_the_network_is_refused_naming_the_css_line(
        tmp_path: Path, site: SiteConfig) -> None:
    theme = tmp_path / "leaky"
    theme.mkdir()
    (theme / "theme.toml").write_text('stylesheets = ["leaky.css"]\nprint_stylesheets = []\n',
                                      encoding="utf-8")
    (theme / "leaky.css").write_text(
        "h1 { color: #000; }\nh1 { background: url(http://example.com/pixel.png); }\n",
        encoding="utf-8")
    renderer = PdfRenderer()
    with pytest.raises(ConfigError, match=r"leaky.css:2: url\(\) 'http://example.com/pixel.png' "
                                          "refused"):
        render_to(tmp_path / "out.pdf", renderer, read("seed", site), site, theme=str(theme))
    (theme / "leaky.css").write_text("h2 { background: url(file:///etc/passwd); }\n",
                                     encoding="utf-8")
    with pytest.raises(ConfigError, match="leaky.css:1: url.*passwd' refused"):
        render_to(tmp_path / "out.pdf", PdfRenderer(), read("seed", site), site,
                  theme=str(theme))
    assert not (tmp_path / "out.pdf").exists()


def test_weasyprint_errors_fail_the_job(tmp_path: Path, site: SiteConfig) -> None:
    theme = tmp_path / "nolang"
    theme.mkdir()
    (theme / "theme.toml").write_text('stylesheets = []\nprint_stylesheets = []\n',
                                      encoding="utf-8")
    # A template without `lang`: WeasyPrint only logs that PDF/UA needs it.
    (theme / "leaflet.html").write_text(
        "<!DOCTYPE html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}"
        "</h1><p>{{ disclaimer|inline }}</p></body></html>", encoding="utf-8")
    with pytest.raises(RenderError, match='WeasyPrint: Missing required "lang"'):
        render_to(tmp_path / "o.pdf", PdfRenderer(), read("seed", site), site, theme=str(theme))


def test_bad_theme_css_is_a_config_error(tmp_path: Path, site: SiteConfig) -> None:
    theme = tmp_path / "badfont"
    theme.mkdir()
    (theme / "theme.toml").write_text('stylesheets = ["f.css"]\nprint_stylesheets = []\n',
                                      encoding="utf-8")
    (theme / "f.css").write_text('@font-face { font-family: X; src: url(http://example.com/x.ttf)'
                                 " }\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"badfont/f.css:1: url\(\) 'http://example.com/x.ttf'"):
        render_to(tmp_path / "o.pdf", PdfRenderer(), read("seed", site), site, theme=str(theme))


def test_settings_page_size_safety_line_and_date(tmp_path: Path, renderer: PdfRenderer) -> None:
    config = build_config({"pdf": {"page_size": "Letter", "safety_line": "Ask your pharmacist",
                                   "date_format": "medium"}}, ROOT)
    leaflet = read("pdf-ingredients", config)
    path = render_to(tmp_path / "letter.pdf", renderer, leaflet, config)
    box = pypdf.PdfReader(path).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((612, 792), abs=0.5)
    text = words(pdf_text(path))
    assert "Ask your pharmacist" in text and "Printed Mar 4, 2025" in text
    with pytest.raises(ConfigError, match="page_size"):
        build_config({"pdf": {"page_size": "A5"}}, ROOT)
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        build_config({"pdf": {"colour": "red"}}, ROOT)


def test_furniture_goes_through_gettext(tmp_path: Path, renderer: PdfRenderer,
                                        site: SiteConfig) -> None:
    leaflet = read("pdf-ingredients", site)
    path = render_to(tmp_path / "t.pdf", renderer, leaflet, site, strings=Shouting())
    text = words(pdf_text(path))
    assert "«Page 1 of" in text  # "«Page {x} of {y}»" with counters
    assert "«Printed March 4, 2025»" in text
    assert f"«{DEFAULT_SAFETY_LINE}»" in text
    assert leaflet_pdf_problems(path, leaflet, 16, ("«Disclaimer»",
                                                    "«AI-generated information»"),
                                glance="«At a glance»") == []


def test_page_label_follows_the_translation_order() -> None:
    assert page_counter_content("Page {x} of {y}") == \
        '"Page " counter(page) " of " counter(pages)'
    assert page_counter_content("{y} 页中的第 {x} 页") == \
        'counter(pages) " 页中的第 " counter(page) " 页"'
    with pytest.raises(RenderError, match="unknown placeholder"):
        page_counter_content("Page {n}")


def test_right_to_left_locale(tmp_path: Path, renderer: PdfRenderer, site: SiteConfig) -> None:
    leaflet = read("pdf-symbols", site)
    path = render_to(tmp_path / "ar.pdf", renderer, leaflet, site, locale="ar")
    assert leaflet_pdf_problems(path, leaflet, 16, lang="ar") == []


def test_standard_theme(tmp_path: Path, renderer: PdfRenderer, site: SiteConfig) -> None:
    leaflet = read("seed", site)
    path = render_to(tmp_path / "std.pdf", renderer, leaflet, site, theme="standard")
    assert leaflet_pdf_problems(path, leaflet, find_theme("standard", ROOT).min_font_pt) == []
    size, _ = smallest_chars(path)
    assert size < 16  # a different theme really is different
    large = len(pypdf.PdfReader(render_to(tmp_path / "lp.pdf", renderer, leaflet, site)).pages)
    assert len(pypdf.PdfReader(path).pages) < large


def test_long_titles_are_shortened_in_the_running_head(tmp_path: Path, renderer: PdfRenderer,
                                                       site: SiteConfig) -> None:
    leaflet = replace(read("pdf-ingredients", site),
                      title="Caffeine + Cetirizine + Nimesulide + Paracetamol + Phenylephrine")
    path = render_to(tmp_path / "long.pdf", renderer, leaflet, site)
    first = words(subprocess.run(["pdftotext", "-l", "1", str(path), "-"], capture_output=True,
                                 text=True, check=True).stdout)
    assert "Caffeine + Cetirizine + Nimesulide…" in first
    assert pypdf.PdfReader(path).metadata.title == leaflet.title


# --- corpus tier ------------------------------------------------------------------------------

# Pages the tier always includes: several ingredients, '>' / '≥' thresholds, sub/sup.
CORPUS_MUST = ("a/amikacin-cefepime.md", "h/heparin-diclofenac.md",
               "c/caffeine-cetirizine-nimesulide-paracetamol-phenylephrine.md",
               "l/lecithin-methylcobalamin-pregabalin-biotin.md",
               "t/talimogene-laherparepvec.md", "r/risdiplam.md", "b/brexanolone.md",
               "b/bedaquiline.md")
CORPUS_SEED = 20240603
CORPUS_SIZE = 40


def corpus_sample() -> list[Path]:
    pages = sorted(CORPUS.rglob("*.md"))
    chosen = [CORPUS / key for key in CORPUS_MUST if (CORPUS / key).is_file()]
    rest = [p for p in pages if p not in chosen]
    chosen += random.Random(CORPUS_SEED).sample(rest, CORPUS_SIZE - len(chosen))
    return chosen


@pytest.mark.corpus
@requires_corpus
def test_corpus_leaflets(tmp_path: Path, renderer: PdfRenderer, site: SiteConfig) -> None:
    failures: dict[str, list[str]] = {}
    checked = 0
    for path in corpus_sample():
        key = path.relative_to(CORPUS).as_posix()
        try:
            leaflet = read_page(path, site, key=key)
        except PublishError as error:
            failures[key] = [f"not readable: {error}"]
            continue
        if leaflet.status is Status.UNSTRUCTURED:
            continue  # not published (see the build); nothing to print
        out = render_to(tmp_path / re.sub(r"\W", "_", key), renderer, leaflet, site)
        problems = leaflet_pdf_problems(out, leaflet, min_pt=16)
        if problems:
            failures[key] = problems
        checked += 1
    assert checked >= CORPUS_SIZE - 3
    assert failures == {}
