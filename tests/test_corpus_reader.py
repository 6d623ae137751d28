"""Corpus tier: the reader over every real page of the shared corpus."""

from __future__ import annotations

import collections
import html
import re
from pathlib import Path

import pytest

from publish.errors import PageError
from publish.model import Origin, Status, leaflet_texts
from publish.reader import load_source, read_page
from tests.conftest import CORPUS, corpus_pages, requires_corpus

pytestmark = [pytest.mark.corpus, requires_corpus]

WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Markup that is structure, not text: inline HTML tags, emphasis stars, list numbers, the
# "Q:"/"A:" prefixes of FAQs and the labels of the safety texts (renderers print their own).
MARKUP = [
    (re.compile(r"</?(sub|sup|i|em|b|strong)\s*>"), ""),
    (re.compile(r"\*"), ""),
    (re.compile(r"(?m)^\s*\d{1,9}[.)]\s"), " "),
    (re.compile(r"(?im)(^|\s|\*)(q|a|question|answer)\s*\d*\s*[:.)]"), " "),
    (re.compile(r"(?i)((medical|important|legal)\s+)?disclaimers?\s*:"), " "),
    (re.compile(r"(?i)\b(important\s+)?note\s*:(?=\s*this information is ai)"), " "),
    (re.compile(r"(?m)^\s*(\d{1,2}|[ivx]{1,4}|[a-h])[.)]\s+"), " "),
]


def body_words(body: str) -> collections.Counter[str]:
    body = html.unescape(body)
    for pattern, replacement in MARKUP:
        body = pattern.sub(replacement, body)
    return collections.Counter(w.lower() for w in WORD.findall(body))


def model_words(leaflet) -> collections.Counter[str]:  # type: ignore[no-untyped-def]
    words: collections.Counter[str] = collections.Counter()
    for text in leaflet_texts(leaflet):
        if not text.id.startswith("site."):
            words.update(w.lower() for w in WORD.findall(text.plain.replace("*", "")))
    return words


@pytest.fixture(scope="module")
def corpus(site_config_module):  # type: ignore[no-untyped-def]
    pages = corpus_pages()
    leaflets = {}
    errors = []
    for path in pages:
        try:
            leaflets[path] = read_page(path, site_config_module,
                                       key=path.relative_to(CORPUS).as_posix())
        except PageError as error:  # pragma: no cover - asserted below
            errors.append(str(error))
    return pages, leaflets, errors


@pytest.fixture(scope="module")
def site_config_module():  # type: ignore[no-untyped-def]
    from publish.config import build_config

    return build_config({}, Path("."))


def test_every_page_reads(corpus) -> None:  # type: ignore[no-untyped-def]
    pages, leaflets, errors = corpus
    assert len(pages) >= 3000
    assert errors == []


def test_structured_share(corpus) -> None:  # type: ignore[no-untyped-def]
    pages, leaflets, _ = corpus
    structured = sum(1 for lf in leaflets.values() if lf.status is Status.STRUCTURED)
    assert structured / len(pages) >= 0.994
    for path, leaflet in leaflets.items():
        if leaflet.status is Status.UNSTRUCTURED:
            assert leaflet.sections == () or all(s.kind.value == "other"
                                                 for s in leaflet.sections), path


def test_no_word_is_lost(corpus) -> None:  # type: ignore[no-untyped-def]
    _, leaflets, _ = corpus
    lost = {}
    for path, leaflet in leaflets.items():
        source = load_source(path)
        body = source.body
        words = body_words(body)
        heading = re.match(r"\s*#\s+(.*)", body)
        if heading:  # the H1 repeats the title, which the model keeps as `title`
            words -= body_words(heading.group(1))
        missing = words - model_words(leaflet)
        if missing:
            lost[path.name] = dict(missing)
    assert lost == {}


def test_labelled_disclaimers_are_found(corpus) -> None:  # type: ignore[no-untyped-def]
    _, leaflets, _ = corpus
    missed = [path.name for path, leaflet in leaflets.items()
              if re.search(r"\*\*\s*disclaimer\s*:?\s*\*\*", path.read_text(encoding="utf-8"),
                           re.IGNORECASE) and leaflet.disclaimer.origin is not Origin.PAGE]
    assert missed == []


def test_threshold_items_keep_their_sign(corpus) -> None:  # type: ignore[no-untyped-def]
    _, leaflets, _ = corpus
    item = re.compile(r"(?m)^\s*(?:[*+-]|\d+[.)])\s+((?:\*\*)?>\s*\S+)")
    checked = 0
    for path, leaflet in leaflets.items():
        texts = [t.plain for t in leaflet_texts(leaflet)]
        for match in item.finditer(path.read_text(encoding="utf-8")):
            start = html.unescape(match.group(1).replace("**", ""))
            assert any(t.startswith(start) for t in texts), (path.name, start)
            checked += 1
    assert checked >= 10
