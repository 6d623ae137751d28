"""The renderer contract: every registered renderer, on every fixture page, carries the
disclaimer and the AI note in full, in the file it names as its safety carrier."""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

from publish.build import RendererPool
from publish.config import build_config, load_config
from publish.localise import localise
from publish.reader import read_page
from publish.renderers import RenderContext, registry
from tests.conftest import ROOT, SEED
from tests.outputs import brf_text, epub_text

FIXTURES = Path(__file__).parent / "fixtures" / "contract"
PAGES = [SEED, *sorted(FIXTURES.glob("*.md"))]


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        if tag in ("style", "script", "head"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def output_text(suffix: str, data: bytes, tmp_path: Path) -> str:
    """The readable text of an output file, as a person or a screen reader gets it."""
    if suffix.endswith(".pdf"):
        path = tmp_path / "out.pdf"
        path.write_bytes(data)
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
    if suffix.endswith(".brf"):
        return brf_text(data)
    if suffix.endswith(".epub"):
        return epub_text(data)
    text = data.decode("utf-8")
    if suffix.endswith(".json"):
        return " ".join(_strings(json.loads(text)))
    if suffix.endswith(".html"):
        parser = _TextOnly()
        parser.feed(text)
        return html.unescape("".join(parser.parts))
    return text


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()


@pytest.fixture(scope="module")
def pool():  # type: ignore[no-untyped-def]
    renderers = RendererPool()
    yield renderers
    renderers.close()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("name", list(registry()))
def test_every_output_carries_the_safety_texts(name: str, page: Path, pool,
                                               tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = build_config({}, tmp_path)
    leaflet = read_page(page, config, key=page.name)
    renderer = pool.get(name)
    context = RenderContext(config=config, locale="en")
    result = renderer.render(leaflet, context)
    suffixes = [f.suffix for f in result.files]
    assert set(suffixes) <= set(renderer.suffixes) or name == "audio"
    carrier = renderer.safety_suffix
    assert carrier in suffixes, f"{name} did not write its safety carrier {carrier}"
    data = next(f.data for f in result.files if f.suffix == carrier)
    text = normalise(output_text(carrier, data, tmp_path))
    disclaimer, ai_note = renderer.safety_texts(leaflet, context)
    assert disclaimer and ai_note
    assert normalise(disclaimer) in text
    assert normalise(ai_note) in text


def _words(text: str) -> Counter[str]:
    return Counter(re.sub(r"[^\w\s]", " ", text).split())


@pytest.mark.parametrize("name", list(registry()))
def test_arabic_outputs_carry_the_arabic_safety_texts(name: str, pool,
                                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same contract right to left, in the Arabic sample (locales/ar)."""
    config = load_config(root=ROOT)
    leaflet, strings = localise(read_page(SEED, config, key=SEED.name), "ar", config)
    renderer = pool.get(name)
    context = RenderContext(config=config, locale="ar", strings=strings)
    result = renderer.render(leaflet, context)
    data = next(f.data for f in result.files if f.suffix == renderer.safety_suffix)
    disclaimer, ai_note = renderer.safety_texts(leaflet, context)
    assert re.search("[\u0600-\u06ff]", disclaimer) and re.search("[\u0600-\u06ff]", ai_note)
    if renderer.safety_suffix.endswith(".pdf"):
        # Words: poppler reverses the lam-alef ligature of right-to-left lines, and
        # extractors put neutral punctuation at either end of a bidi run.
        reader = pypdf.PdfReader(io.BytesIO(data))
        found = _words(" ".join(page.extract_text() or "" for page in reader.pages))
        assert not _words(disclaimer) - found and not _words(ai_note) - found
        return
    if renderer.safety_suffix.endswith(".brf"):
        # liblouis reads Arabic grade 1 back with each shadda on the letter before its own,
        # so the letters are compared without the short-vowel and shadda marks.
        text = _without_harakat(normalise(brf_text(data, ("ar-ar-g1.utb",))))
        assert _without_harakat(normalise(disclaimer)) in text
        assert _without_harakat(normalise(ai_note)) in text
        return
    text = normalise(output_text(renderer.safety_suffix, data, tmp_path))
    assert normalise(disclaimer) in text
    assert normalise(ai_note) in text


def _without_harakat(text: str) -> str:
    return re.sub("[\u064b-\u0652]", "", text)


def test_registry_has_the_builtin_renderers() -> None:
    assert "json" in registry()
