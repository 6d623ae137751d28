"""Right to left for real: the Arabic sample (`locales/ar`) and the generated `ar-XB`
pseudo-locale, built in every format and checked on the real outputs.

- HTML: `dir="rtl"` and the locale's `lang`; the theme CSS uses logical properties wherever a
  side depends on the direction (parsed with tinycss2, `@page` margin boxes excepted: they are
  physical by definition and swapped by a right-to-left named page).
- PDF: the Arabic disclaimer and AI note are in the text (pypdf: poppler's pdftotext reverses
  the lam-alef ligature of right-to-left lines, "لا" comes out "ال"); an Arabic font is
  embedded, and every character the text maps to exists in the font that draws it (no .notdef
  box); PDF/UA-1 still passes.
- SMS: UCS-2, within 70 units (one segment) or 67 per segment, and within the budget.
- Audio: espeak-ng's Arabic voice, decoded and not silent.
- ar-XB: no source sentence leaks into any format; its catalogs pass the untrusted-catalog
  checks, which still refuse bidi overrides and embeddings in a real catalog.
"""

from __future__ import annotations

import array
import html
import io
import json
import re
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import page as pdf_validation
import pypdf
import pytest
import tinycss2
from fontTools.ttLib import TTFont

from publish.build import RendererPool, render_page
from publish.catalogs import layout
from publish.catalogs.checks import entry_problem, invisible_problem
from publish.catalogs.pofile import Entry, read_po, save
from publish.catalogs.pseudo import PDI, RLI, pseudo_translate
from publish.config import SiteConfig, load_config
from publish.locale import Locale
from publish.localise import localise
from publish.pages import PageRef
from publish.reader import read_page
from publish.renderers import registry
from publish.speech.voices import voice_for
from publish.theme import find_theme
from tests.test_localise import normalise, output_text, pseudo_locale_site, source_phrases

ROOT = Path(__file__).resolve().parent.parent
SEED = PageRef(ROOT / "content" / "naltrexone.md", "naltrexone.md")
FORMATS = tuple(registry())
THEMES = ("large-print", "standard")

AR_DISCLAIMER = ("هذه المعلومات للمعرفة العامة ولا تُعدّ نصيحة طبية. استشر دائمًا أحد مقدّمي "
                 "الرعاية الصحية قبل البدء بتناول أي دواء أو التوقف عنه، بما في ذلك "
                 "النالتريكسون، فهو قادر على تقييم احتياجاتك الفردية وتحديد الجرعة وخطة العلاج "
                 "المناسبتين.")
AR_AI_NOTE = ("هذه المعلومات مولَّدة بالذكاء الاصطناعي أو مصدرها مساهمات الجمهور، وقد لا تكون "
              "دقيقة. يُرجى استشارة مختص طبي للحصول على نصيحة موثوقة.")
AR_SITE_NAME = "معلومات عن الأدوية"
AR_SMS_SAFETY = ("ليست نصيحة طبية", "مولَّدة بالذكاء الاصطناعي")

# Properties that name a physical side, and their logical replacements' reason to exist.
_PHYSICAL = re.compile(r"^(?:margin|padding|border)-(?:left|right)(?:-\w+)?$|^(?:left|right)$"
                       r"|^border-(?:top|bottom)-(?:left|right)-radius$")
_SIDED_VALUES = {"float", "clear", "text-align"}


def _render(config: SiteConfig, locale: str) -> dict[str, dict[str, bytes]]:
    pool = RendererPool()
    try:
        outcomes = render_page(SEED, config, [locale], FORMATS, pool)
    finally:
        pool.close()
    failed = [outcome.error for outcome in outcomes if outcome.status != "written"]
    assert not failed, failed
    return {outcome.format: dict(outcome.files) for outcome in outcomes}


@pytest.fixture(scope="module")
def arabic() -> dict[str, dict[str, bytes]]:
    """The seed in Arabic, every format, from the committed sample catalogs."""
    return _render(load_config(root=ROOT), "ar")


@pytest.fixture(scope="module")
def pseudo_bidi_site(tmp_path_factory: pytest.TempPathFactory) -> SiteConfig:
    return pseudo_locale_site(tmp_path_factory.mktemp("locales"), "ar-XB")


@pytest.fixture(scope="module")
def pseudo_bidi(pseudo_bidi_site: SiteConfig) -> dict[str, dict[str, bytes]]:
    return _render(pseudo_bidi_site, "ar-XB")


# --- HTML -------------------------------------------------------------------------------------


class _Root(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, str | None] = {}
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.attrs = dict(attrs)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _parse_html(data: bytes) -> _Root:
    parser = _Root()
    parser.feed(data.decode("utf-8"))
    return parser


def physical_declarations(css: str) -> list[str]:
    """Declarations that name a physical side (`padding-left`, `left`, `text-align: right`)
    outside `@page` (whose margin boxes are physical by definition)."""
    found: list[str] = []

    def walk(rules: list) -> None:  # type: ignore[type-arg]
        for rule in rules:
            if rule.type == "at-rule":
                if rule.lower_at_keyword == "page" or rule.content is None:
                    continue
                walk(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                              skip_whitespace=True))
            elif rule.type == "qualified-rule":
                for item in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                           skip_whitespace=True):
                    if item.type == "qualified-rule":  # nested rule
                        walk([item])
                        continue
                    if item.type != "declaration":
                        continue
                    name = item.lower_name
                    value = tinycss2.serialize(item.value).strip().lower()
                    if _PHYSICAL.match(name) or (name in _SIDED_VALUES and
                                                 re.search(r"\b(?:left|right)\b", value)):
                        prelude = tinycss2.serialize(rule.prelude).strip()
                        found.append(f"{prelude} {{ {name}: {value} }}")

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return found


def test_physical_declarations_are_found() -> None:
    css = ("a { padding-left: 1em; margin-inline-start: 2em }\n@media print { b { right: 0 } }"
           "\n@page { @top-left { text-align: left } }\nc { text-align: start; float: right }")
    assert physical_declarations(css) == ["a { padding-left: 1em }", "b { right: 0 }",
                                          "c { float: right }"]


@pytest.mark.parametrize("theme_name", THEMES)
def test_theme_css_uses_logical_properties(theme_name: str) -> None:
    theme = find_theme(theme_name, ROOT)
    for path in theme.stylesheet_paths(print_only=False) + theme.stylesheet_paths(print_only=True):
        assert physical_declarations(path.read_text(encoding="utf-8")) == [], path


def test_arabic_html_is_right_to_left(arabic: dict[str, dict[str, bytes]]) -> None:
    page = _parse_html(arabic["html"][".html"])
    assert page.attrs.get("dir") == "rtl" and page.attrs.get("lang") == "ar"
    # the CSS the page carries is the theme's, logical throughout
    assert page.styles and physical_declarations("".join(page.styles)) == []
    text = html.unescape(arabic["html"][".html"].decode("utf-8"))
    assert AR_DISCLAIMER in text and AR_AI_NOTE in text
    assert "Noto Sans Arabic" in "".join(page.styles)
    # the site's name is translated too (shared catalog, msgctxt "site name")
    assert AR_SITE_NAME in text and "Medicine information" not in text


def test_site_name_falls_back_to_the_configured_name(tmp_path: Path) -> None:
    """A site name with no translation is shown as configured: a proper name need not be
    translated, and it never holds a page back."""
    from publish.catalogs.translations import CatalogStrings, load_messages
    from publish.strings import SITE_NAME_CONTEXT, site_name

    shared = ROOT / "locales" / "ar" / "LC_MESSAGES" / "shared.po"
    full = load_messages(shared)
    assert full is not None
    assert site_name("Medicine information", CatalogStrings(full, "ar")) == AR_SITE_NAME
    catalog = read_po(shared)
    catalog.entries = [entry for entry in catalog.entries
                       if entry.msgctxt != SITE_NAME_CONTEXT]
    path = tmp_path / "shared.po"
    save(catalog, path)
    without = load_messages(path)
    assert without is not None
    assert site_name("Medicine information", CatalogStrings(without, "ar")) == \
        "Medicine information"


def test_epub_reads_right_to_left(arabic: dict[str, dict[str, bytes]],
                                  pseudo_bidi: dict[str, dict[str, bytes]],
                                  tmp_path: Path) -> None:
    """The Arabic and ar-XB EPUBs: pages turn right to left, every document is `dir="rtl"`
    in its language, the Arabic safety texts are in the text, and EPUBCheck passes them."""
    import zipfile

    from lxml import etree

    from tests.epub_validators import epubcheck
    from tests.outputs import epub_text

    paths = []
    for locale, outputs in (("ar", arabic), ("ar-XB", pseudo_bidi)):
        data = outputs["epub"][".epub"]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            package = etree.fromstring(archive.read("EPUB/package.opf"))
            [spine] = package.iter("{*}spine")
            assert spine.get("page-progression-direction") == "rtl"
            documents = [name for name in archive.namelist() if name.endswith(".xhtml")]
            assert documents
            for name in documents:
                root = etree.fromstring(archive.read(name))
                assert root.get("dir") == "rtl" and root.get("lang") == locale, name
        path = tmp_path / f"naltrexone.{locale}.epub"
        path.write_bytes(data)
        paths.append(path)
    text = normalise(epub_text(arabic["epub"][".epub"]))
    assert AR_DISCLAIMER in text and AR_AI_NOTE in text
    # the publication carries a face that draws its Arabic letters (the theme's fallback
    # package, subset); an English one does not carry it
    with zipfile.ZipFile(io.BytesIO(arabic["epub"][".epub"])) as archive:
        faces = [TTFont(io.BytesIO(archive.read(name))) for name in archive.namelist()
                 if name.endswith(".woff2")]
    letters = {ord(char) for char in AR_DISCLAIMER if "\u0600" <= char <= "\u06ff"}
    assert any(letters <= set(face.getBestCmap()) for face in faces)
    english = _render(load_config(root=ROOT), "en")["epub"][".epub"]
    with zipfile.ZipFile(io.BytesIO(english)) as archive:
        assert not [name for name in archive.namelist() if "Arabic" in name]
    for name, (errors, warnings, messages) in epubcheck(paths, tmp_path).items():
        assert (errors, warnings) == (0, 0), (name, messages[-3000:])


def test_direction_comes_from_the_locale() -> None:
    assert Locale.parse("ar").direction == "rtl" and Locale.parse("ar-XB").direction == "rtl"
    assert Locale.parse("ar-XB").candidates()[-1] == "ar"  # ar-XB uses the Arabic data


# --- PDF --------------------------------------------------------------------------------------


def _words(text: str) -> Counter[str]:
    return Counter(re.sub(r"[^\w\s]", " ", text).split())


def pdf_words(data: bytes) -> Counter[str]:
    """The words of a PDF as pypdf extracts them. Words, not sentences: in right-to-left lines
    extractors place neutral punctuation at either end of a bidi run."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return _words(" ".join(page.extract_text() or "" for page in reader.pages))


def _embedded_fonts(data: bytes) -> dict[str, tuple[TTFont, str]]:
    """Every embedded font: its subset program and its ToUnicode map, by PDF name."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts: dict[str, tuple[TTFont, str]] = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            fonts[str(font["/BaseFont"])] = (program, to_unicode)
    return fonts


def _system_font_files() -> dict[str, Path]:
    """PostScript name → file, for the fonts fontconfig knows and the theme's font packages."""
    out = subprocess.run(["fc-list", ":", "postscriptname", "file"], capture_output=True,
                         text=True, check=True).stdout
    files: dict[str, Path] = {}
    for line in out.splitlines():
        path, _, name = line.partition(": :postscriptname=")
        if name:
            files[name.strip()] = Path(path)
    for face in (face for font in find_theme("large-print", ROOT).fonts()
                 for face in font.faces):
        files[TTFont(face.path)["name"].getDebugName(6)] = face.path
    return files


def notdef_characters(data: bytes) -> dict[str, list[str]]:
    """Characters the PDF draws with a font that has no glyph for them (a .notdef box), by
    font. WeasyPrint maps a missing character's box in ToUnicode like any glyph, so each
    character of each font's map is looked up in the full font the subset came from."""
    system = _system_font_files()
    missing: dict[str, list[str]] = {}
    for name, (program, to_unicode) in _embedded_fonts(data).items():
        postscript = program["name"].getDebugName(6)
        assert postscript in system, f"{name}: no font file for {postscript}"
        cmap = TTFont(system[postscript]).getBestCmap()
        chars: set[str] = set()
        for block in re.findall(r"beginbfchar(.*?)endbfchar", to_unicode, re.S):
            for _cid, hexa in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                chars.update(bytes.fromhex(hexa).decode("utf-16-be"))
        absent = sorted(ch for ch in chars if ord(ch) not in cmap and not ch.isspace())
        if absent:
            missing[name] = [f"U+{ord(ch):04X}" for ch in absent]
    return missing


def test_notdef_check_finds_a_box(tmp_path: Path) -> None:
    from weasyprint import HTML

    data = HTML(string='<html lang="ar" dir="rtl"><body style="font-family: \'Noto Sans '
                       'Arabic\'">مرحبا \u0378</body></html>').write_pdf()
    assert data is not None
    assert "U+0378" in sum(notdef_characters(data).values(), [])


def test_arabic_pdf_text_fonts_and_pdf_ua(arabic: dict[str, dict[str, bytes]],
                                          tmp_path: Path) -> None:
    data = arabic["pdf"][".pdf"]
    found = pdf_words(data)
    for text in (AR_DISCLAIMER, AR_AI_NOTE, "إخلاء المسؤولية"):
        assert not _words(text) - found, (text, _words(text) - found)
    assert not found & Counter(["information", "Disclaimer", "advice"])
    fonts = _embedded_fonts(data)
    arabic_fonts = [name for name, (program, _map) in fonts.items()
                    if ord("ب") in (program.getBestCmap() or {})]
    assert any("Arabic" in name for name in arabic_fonts), list(fonts)
    assert notdef_characters(data) == {}
    path = tmp_path / "ar.pdf"
    path.write_bytes(data)
    fonts_listed = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                                  check=True).stdout.splitlines()[2:]
    assert any("Arabic" in row and row.split()[-5] == "yes" for row in fonts_listed)
    assert all(row.split()[-5] == "yes" for row in fonts_listed if row.strip())
    report = pdf_validation.validate_pdf(path, profile="ua1")
    assert report.is_compliant and not report.rules.failed, [f.message for f in report.failures]
    assert pypdf.PdfReader(path).trailer["/Root"]["/Lang"] == "ar"


def test_pseudo_bidi_pdf_has_no_boxes(pseudo_bidi: dict[str, dict[str, bytes]]) -> None:
    assert notdef_characters(pseudo_bidi["pdf"][".pdf"]) == {}


# --- SMS --------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["ar", "ar-XB"])
def test_sms_is_ucs2_within_the_budget(arabic: dict[str, dict[str, bytes]],
                                       pseudo_bidi: dict[str, dict[str, bytes]],
                                       locale: str) -> None:
    files = (arabic if locale == "ar" else pseudo_bidi)["sms"]
    summary = json.loads(files[".sms.json"])
    assert summary["messages"]
    for message in summary["messages"]:
        units = len(message["text"].encode("utf-16-le")) // 2
        assert message["encoding"] == "UCS-2"
        assert message["utf16_units"] == units
        segments = 1 if units <= 70 else -(-units // 67)
        assert message["segments"] == segments
    assert summary["totals"]["segments"] <= summary["max_segments"] == 3
    text = files[".sms.txt"].decode("utf-8")
    if locale == "ar":
        assert all(phrase in text for phrase in AR_SMS_SAFETY)
    else:
        assert RLI in text and PDI in text
    assert "medical advice" not in text.lower()


# --- audio ------------------------------------------------------------------------------------


def _samples(data: bytes) -> array.array:  # type: ignore[type-arg]
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1",
                              "-ar", "16000", "pipe:1"], input=data, capture_output=True,
                             check=True, timeout=120)
    return array.array("h", decoded.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["ar", "ar-XB"])
def test_audio_speaks_arabic_and_is_not_silent(arabic: dict[str, dict[str, bytes]],
                                               pseudo_bidi: dict[str, dict[str, bytes]],
                                               pseudo_bidi_site: SiteConfig,
                                               locale: str) -> None:
    files = (arabic if locale == "ar" else pseudo_bidi)["audio"]
    audio = next(data for suffix, data in files.items() if suffix not in (".vtt", ".txt"))
    samples = _samples(audio)
    seconds = len(samples) / 16000
    assert seconds > 60
    windows = [samples[start:start + 1600] for start in range(0, len(samples), 1600)]
    loud = [w for w in windows if max(abs(min(w)), max(w)) > 1000]
    assert len(loud) / len(windows) > 0.5  # speech, with pauses between sentences
    assert voice_for(pseudo_bidi_site.locales_dir, Locale.parse(locale)) == "sem/ar"
    transcript = files[".txt"].decode("utf-8")
    if locale == "ar":
        assert AR_DISCLAIMER in transcript and AR_AI_NOTE in transcript


# --- ar-XB ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_pseudo_bidi_leaks_no_source_sentence(pseudo_bidi: dict[str, dict[str, bytes]],
                                              pseudo_bidi_site: SiteConfig, fmt: str) -> None:
    files = pseudo_bidi[fmt]
    text = normalise(" ".join(output_text(suffix, data) for suffix, data in files.items()))
    assert text.strip(), f"{fmt} produced no text to check"
    leaks = [phrase for phrase in source_phrases(pseudo_bidi_site) if phrase in text]
    assert leaks == [], f"{fmt} output contains source text: {leaks[:5]}"
    assert "enoxertlan" in text  # the mirrored title is what it shows instead


def test_pseudo_bidi_html_and_strings(pseudo_bidi: dict[str, dict[str, bytes]],
                                      pseudo_bidi_site: SiteConfig) -> None:
    page = _parse_html(pseudo_bidi["html"][".html"])
    assert page.attrs.get("dir") == "rtl" and page.attrs.get("lang") == "ar-XB"
    assert pseudo_translate("Headache, severe.", "ar-XB") == \
        "\u2067Ehcadaeh\u200f, ereves\u200f.\u2069"
    # numbers with their units, placeholders and marks survive as for en-XA
    mirrored = pseudo_translate("Take **5 mg** of {name}", "ar-XB")
    assert "**5 mg**" in mirrored and "{name}" in mirrored
    leaflet = read_page(SEED.path, pseudo_bidi_site, key=SEED.key)
    localised, _strings = localise(leaflet, "ar-XB", pseudo_bidi_site)
    assert localised.disclaimer.text.plain.startswith(RLI)


def test_pseudo_bidi_catalogs_pass_the_checks_that_refuse_overrides(
        pseudo_bidi_site: SiteConfig) -> None:
    paths = sorted(layout.messages_dir(pseudo_bidi_site, "ar-XB").rglob("*.po"))
    assert paths
    for path in paths:
        catalog = read_po(path)
        assert catalog.header["Plural-Forms"].startswith("nplurals=6;")
        for entry in catalog.active:
            if entry.msgid:
                assert entry_problem(entry, formatted=path.name == "shared.po") is None, entry
                assert not re.search("[\u202a-\u202e]", entry.msgstr + "".join(
                    entry.msgstr_plural))
    # the same check still refuses an embedding or an override in a real catalog
    for char in ("\u202b", "\u202e"):
        smuggled = Entry(msgid="Take 15 mg", msgstr=f"{char}Tome 15 mg\u202c")
        assert invisible_problem(smuggled) is not None


# --- the sample ------------------------------------------------------------------------------


def test_arabic_sample_is_marked_and_pinned() -> None:
    config = load_config(root=ROOT)
    for path in (layout.shared_catalog(config, "ar"), layout.page_catalog(config, "ar", SEED.key)):
        catalog = read_po(path)
        assert any("SAMPLE" in line for line in catalog.header_comments)
        assert catalog.header["Plural-Forms"].startswith("nplurals=6;")
        assert catalog.header.get("X-Sample-Translation", "").startswith("yes")
    approvals = (config.locales_dir / "ar" / "safety-approved.toml").read_text(encoding="utf-8")
    assert 'reviewer = "publish sample (not a medical review)"' in approvals
