"""Translated builds: Spanish from the sample catalogs, the gate, and the en-XA leak test."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from publish.build import BuildRequest, RendererPool, build, render_page
from publish.catalogs import layout
from publish.catalogs.pofile import read_po, save
from publish.catalogs.pseudo import pseudo_text
from publish.catalogs.safety import approve
from publish.catalogs.steps import extract, init
from publish.catalogs.translations import CatalogStrings, load_messages
from publish.config import SiteConfig, build_config, load_config
from publish.errors import TranslationMissing
from publish.localise import catalog_fingerprint, localise
from publish.model import Callout, leaflet_texts
from publish.pages import PageRef, discover
from publish.reader import read_page
from publish.renderers import RenderContext, registry
from tests.conftest import translated_site
from tests.outputs import brf_text, epub_text

ROOT = Path(__file__).resolve().parent.parent
SEED = PageRef(ROOT / "content" / "naltrexone.md", "naltrexone.md")
FORMATS = tuple(registry())

ES_DISCLAIMER = ("Esta información es de carácter general y no constituye consejo médico. "
                 "Consulte siempre a un profesional sanitario antes de empezar o dejar cualquier "
                 "medicamento, incluida la naltrexona.")
ES_AI_NOTE = ("Esta información ha sido generada por IA o mediante colaboración abierta y puede "
              "no ser exacta.")


def normalise(text: str) -> str:
    text = html.unescape(text).replace("’", "'").replace("\u00ad", "")
    return " ".join(text.split()).lower()


def output_text(suffix: str, data: bytes) -> str:
    """The text a reader (or listener) gets from one output file."""
    if suffix.endswith(".pdf"):
        result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data,
                                capture_output=True, check=True)
        return result.stdout.decode("utf-8")
    if suffix.endswith((".mp3", ".m4b", ".opus", ".ogg", ".wav")):
        return _audio_tags(data)
    if suffix.endswith(".brf"):  # English braille (the pseudo-locale's): read back to print
        return brf_text(data)
    if suffix.endswith(".epub"):
        return epub_text(data)
    text = data.decode("utf-8", errors="replace")
    if suffix.endswith((".html", ".htm", ".xhtml")):
        text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
    return text


def _audio_tags(data: bytes) -> str:
    """Titles an audio file carries (album, chapters): a listener's player shows them."""
    try:
        from mutagen.id3 import ID3, ID3NoHeaderError
    except ImportError:
        return ""
    try:
        tags = ID3(io.BytesIO(data))
    except ID3NoHeaderError:
        return ""
    texts = []
    for frame in tags.values():
        texts.extend(str(item) for item in getattr(frame, "text", []))
        for sub in getattr(frame, "sub_frames", {}).values():
            texts.extend(str(item) for item in getattr(sub, "text", []))
    return "\n".join(texts)


def source_phrases(config: SiteConfig) -> list[str]:
    """Every sentence of three words or more, and every text of two words or more, of the
    source page: none of them may reach a pseudo-locale output."""
    leaflet = read_page(SEED.path, config, key=SEED.key)
    phrases = set()
    for text in leaflet_texts(leaflet):
        plain = normalise(text.plain)
        if len(plain.split()) >= 2:
            phrases.add(plain)
        for sentence in re.split(r"(?<=[.!?;:])\s+", plain):
            if len(sentence.split()) >= 3:
                phrases.add(sentence)
    return sorted(phrases)


# --- Spanish ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spanish_outputs() -> dict[str, dict[str, bytes]]:
    config = load_config(root=ROOT)
    pool = RendererPool()
    try:
        outcomes = render_page(SEED, config, ["es"], FORMATS, pool)
    finally:
        pool.close()
    failed = [outcome.error for outcome in outcomes if outcome.status != "written"]
    assert not failed, failed
    return {outcome.format: dict(outcome.files) for outcome in outcomes}


def test_spanish_leaflet_from_the_sample_catalogs() -> None:
    config = load_config(root=ROOT)
    leaflet = read_page(SEED.path, config, key=SEED.key)
    spanish, strings = localise(leaflet, "es", config)
    assert spanish.language == "es" and spanish.title == "Naltrexona"
    assert spanish.disclaimer.text.plain.startswith(ES_DISCLAIMER)
    assert spanish.ai_note.text.plain.startswith(ES_AI_NOTE)
    assert spanish.disclaimer.origin == leaflet.disclaimer.origin
    # ids and lines are the source's: anchors and caches line up across languages
    source_ids = [(t.id, t.line) for t in leaflet_texts(leaflet)]
    assert [(t.id, t.line) for t in leaflet_texts(spanish)] == source_ids
    assert spanish.sections[0].heading.plain == "Nombre genérico"
    assert strings.gettext("Page {x} of {y}") == "Página {x} de {y}"
    header = read_po(layout.page_catalog(config, "es", SEED.key))
    assert any("SAMPLE" in line for line in header.header_comments)


@pytest.mark.parametrize("fmt", [name for name in ("pdf", "html", "audio") if name in FORMATS])
def test_spanish_outputs_carry_the_spanish_disclaimer_and_ai_note(
        spanish_outputs: dict[str, dict[str, bytes]], fmt: str) -> None:
    cls = registry()[fmt]
    assert cls.safety_suffix is not None
    text = normalise(output_text(cls.safety_suffix, spanish_outputs[fmt][cls.safety_suffix]))
    assert normalise(ES_DISCLAIMER) in text
    assert normalise(ES_AI_NOTE) in text
    assert "this information is for general knowledge" not in text


@pytest.mark.skipif("sms" not in FORMATS, reason="no sms renderer")
def test_spanish_sms_uses_the_spanish_short_safety_forms(
        spanish_outputs: dict[str, dict[str, bytes]]) -> None:
    files = spanish_outputs["sms"]
    text = normalise(" ".join(output_text(suffix, data) for suffix, data in files.items()))
    assert "no es consejo médico" in text and "generado por ia" in text
    assert "not medical advice" not in text


def test_html_declares_the_language(spanish_outputs: dict[str, dict[str, bytes]]) -> None:
    if "html" not in spanish_outputs:
        pytest.skip("no html renderer")
    assert b'lang="es"' in spanish_outputs["html"][".html"]


# --- the gate ---------------------------------------------------------------------------------

PAGE = """---
title: Examplamine
---

# Examplamine

### Usage
Examplamine treats **mild** pain. Take 5 mg twice a day.

### Side Effects
* Nausea
* Headache

### FAQs
* **Q: Can I take two doses at once?** A: No.

**Disclaimer:** This information is for general knowledge and does not constitute medical \
advice about Examplamine.
"""


def _site(root: Path, raw: dict | None = None) -> SiteConfig:
    return translated_site(root, PAGE, raw)


def _edit(config: SiteConfig, msgid_start: str, **changes: object) -> None:
    path = layout.page_catalog(config, "es", "examplamine.md")
    catalog = read_po(path)
    catalog.entries = [replace(entry, **changes) if entry.msgid.startswith(msgid_start)  # type: ignore[arg-type]
                       else entry for entry in catalog.entries]
    save(catalog, path)


def _build(config: SiteConfig, out: Path):  # type: ignore[no-untyped-def]
    pages = tuple(discover([config.content_dir], root=config.content_dir))
    formats = tuple(name for name in ("html", "sms", "json") if name in FORMATS)
    return build(BuildRequest(pages, ("es",), formats), config, out, jobs=1)


def test_complete_translation_is_published(tmp_path: Path) -> None:
    config = _site(tmp_path / "site")
    report = _build(config, tmp_path / "out")
    assert report.count("failed") == 0, [o.error for o in report.outcomes]
    written = sorted(p.name for p in (tmp_path / "out" / "es").iterdir())
    assert "examplamine.html" in written or "examplamine.json" in written


def test_incomplete_translation_is_withheld_with_a_report_and_writes_nothing(
        tmp_path: Path) -> None:
    config = _site(tmp_path / "site")
    _edit(config, "Headache", msgstr="")
    _edit(config, "No.", flags=("fuzzy",))
    report = _build(config, tmp_path / "out")
    # a translation in progress: withheld, not failed (tests/test_withheld.py)
    assert report.outcomes and all(o.status == "untranslated" for o in report.outcomes)
    assert report.ok
    message = report.outcomes[0].error
    assert "not published in es" in message
    assert "'Headache' (untranslated" in message and "'No.' (fuzzy" in message
    assert "examplamine.po" in message
    out = tmp_path / "out" / "es"
    assert not out.exists() or not any(out.rglob("examplamine*"))
    assert "Headache" in (tmp_path / "out" / "build-report.json").read_text(encoding="utf-8")


def test_safety_strings_are_required_whatever_the_threshold(tmp_path: Path) -> None:
    config = _site(tmp_path / "site", {"catalog": {"threshold": 10.0}})
    _edit(config, "This information is for general knowledge", flags=("fuzzy",))
    leaflet = read_page(config.content_dir / "examplamine.md", config, key="examplamine.md")
    with pytest.raises(TranslationMissing) as caught:
        localise(leaflet, "es", config)
    assert "safety" in str(caught.value) and "DISCLAIMER" in str(caught.value)


def test_below_threshold_blocks_are_left_out_never_shown_in_english(tmp_path: Path) -> None:
    config = _site(tmp_path / "site", {"catalog": {"threshold": 80.0}})
    _edit(config, "Headache", msgstr="")
    leaflet = read_page(config.content_dir / "examplamine.md", config, key="examplamine.md")
    spanish, _strings = localise(leaflet, "es", config)
    texts = [text.plain for text in leaflet_texts(spanish)]
    assert "Headache" not in texts and pseudo_text("Nausea") in texts
    assert isinstance(spanish.preamble[0], Callout)  # the translated notice says so
    assert spanish.preamble[0].label.plain == pseudo_text("Note")
    # numbers must survive translation: a dropped dose is refused, not published
    _edit(config, "Examplamine treats", msgstr="[Examplamine] 50 mg")
    with pytest.raises(TranslationMissing) as caught:
        localise(leaflet, "es", config)
    assert "numbers differ" in str(caught.value) or "80 % required" in str(caught.value)


def test_renderer_strings_never_fall_back_to_english(tmp_path: Path) -> None:
    config = _site(tmp_path / "site")
    messages = load_messages(layout.shared_catalog(config, "es"))
    assert messages is not None
    strings = CatalogStrings(messages, "es", config)
    assert strings.gettext("Page {x} of {y}") == pseudo_text("Page {x} of {y}")
    with pytest.raises(TranslationMissing, match="is not in the shared catalog"):
        strings.gettext("A string no catalog has")
    plural = "{count} parts of this leaflet"
    assert strings.ngettext("One part of this leaflet is not translated yet and has been left "
                            "out. Ask for the full leaflet in the original language.",
                            plural, 3).startswith("[")


def test_catalog_fingerprint_follows_the_catalogs(tmp_path: Path) -> None:
    config = _site(tmp_path / "site")
    before = catalog_fingerprint(config, "es", "examplamine.md")
    assert before == catalog_fingerprint(config, "es", "examplamine.md")
    _edit(config, "Nausea", msgstr="Náuseas")
    assert catalog_fingerprint(config, "es", "examplamine.md") != before


# --- pseudo-locale ----------------------------------------------------------------------------


def pseudo_locale_site(folder: Path, locale: str) -> SiteConfig:
    """The bundled site with `locale` (a pseudo-locale) catalogs made from fresh templates in
    `folder` (locale data such as SMS and speech tables copied, catalogs never)."""
    source = ROOT / "locales"
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if path.is_file() and layout.MESSAGES not in relative.parts and \
                relative.parts[0] != layout.TEMPLATES:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    config = build_config({"site": {"locales_dir": str(folder)}}, ROOT)
    extract(config, [SEED])
    init(config, locale)
    return config


@pytest.fixture(scope="module")
def pseudo_site(tmp_path_factory: pytest.TempPathFactory) -> SiteConfig:
    return pseudo_locale_site(tmp_path_factory.mktemp("locales"), "en-XA")


@pytest.mark.parametrize("fmt", FORMATS)
def test_pseudo_locale_leaks_no_source_sentence(pseudo_site: SiteConfig, fmt: str) -> None:
    leaflet = read_page(SEED.path, pseudo_site, key=SEED.key)
    localised, strings = localise(leaflet, "en-XA", pseudo_site)
    context = RenderContext(config=pseudo_site, locale="en-XA", strings=strings)
    renderer = registry()[fmt]()
    try:
        result = renderer.render(localised, context)
    finally:
        renderer.close()
    text = normalise(" ".join(output_text(f.suffix, f.data) for f in result.files))
    assert text.strip(), f"{fmt} produced no text to check"
    leaks = [phrase for phrase in source_phrases(pseudo_site) if phrase in text]
    assert leaks == [], f"{fmt} output contains source text: {leaks[:5]}"
    # and the pseudo translation is what it shows instead
    assert normalise(pseudo_text("Naltrexone")) in text


@pytest.mark.skipif("html" not in FORMATS, reason="no html renderer")
def test_arabic_build_is_right_to_left(tmp_path: Path) -> None:
    """Direction comes from the locale: the renderer needs no Arabic-specific code."""
    config = build_config({"site": {"locales_dir": str(tmp_path)}}, ROOT)
    extract(config, [SEED])
    init(config, "ar")

    def arabic(text: str) -> str:  # digits and placeholders kept, as the gate requires
        return text if not text.strip() else "نص " + pseudo_text(text)

    for path in layout.messages_dir(config, "ar").rglob("*.po"):
        catalog = read_po(path)
        catalog.entries = [
            replace(entry, msgstr=arabic(entry.msgid)) if entry.msgid_plural is None
            else replace(entry, msgstr_plural=tuple(arabic(entry.msgid_plural)
                                                    for _ in entry.msgstr_plural))
            for entry in catalog.entries]
        save(catalog, path)
    approve(config, "ar", "Test Reviewer", everything=True)
    assert read_po(layout.shared_catalog(config, "ar")).header["Plural-Forms"].startswith(
        "nplurals=6;")
    pool = RendererPool()
    try:
        [outcome] = render_page(SEED, config, ["ar"], ["html"], pool)
    finally:
        pool.close()
    assert outcome.status == "written", outcome.error
    page = dict(outcome.files)[".html"].decode("utf-8")
    assert re.search(r'<html[^>]*lang="ar"[^>]*dir="rtl"|<html[^>]*dir="rtl"[^>]*lang="ar"',
                     page)
    assert "نص" in page
