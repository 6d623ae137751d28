"""The braille renderer: BRF files that are ASCII braille, laid out for braille readers, and
that say what the leaflet says.

What the braille says is checked by reading it back: liblouis's backward translation of the
file (page numbers left out) must give back the words of the page (at least 95 % of them on
real pages) and every word of the disclaimer and the AI note.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from publish.braille.layout import body_text
from publish.braille.liblouis import Translator
from publish.build import RendererPool, render_page
from publish.config import SiteConfig, build_config, load_config
from publish.errors import ConfigError, PublishError, RenderError
from publish.model import Leaflet, Status, leaflet_texts
from publish.pages import PageRef
from publish.reader import read_page
from publish.renderers import RenderContext
from publish.renderers.braille import BrailleRenderer
from publish.speech.script import display
from tests.conftest import CORPUS, ROOT, SEED, requires_corpus
from tests.test_build import make_site, run_inline
from tests.test_fingerprints import by_format, upgrade

ENGLISH = ("en-ueb-g2.ctb",)
SPANISH = ("es-g1.ctb",)
CORPUS_SEED = 20250611
CORPUS_SIZE = 40
_WORD = re.compile(r"\w+")


@pytest.fixture(scope="module")
def renderer() -> BrailleRenderer:
    return BrailleRenderer()


@pytest.fixture(scope="module")
def english() -> Translator:
    return Translator(ENGLISH)


def render(renderer: BrailleRenderer, leaflet: Leaflet, config: SiteConfig,
           locale: str = "en") -> str:
    result = renderer.render(leaflet, RenderContext(config=config, locale=locale))
    [output] = result.files
    assert output.suffix == ".brf"
    return output.data.decode("ascii")


def back(translator: Translator, brf: str) -> str:
    return translator.backward(body_text(brf))


def words(text: str) -> Counter[str]:
    return Counter(word.casefold() for word in _WORD.findall(text))


def recall(expected: Counter[str], found: Counter[str]) -> float:
    total = sum(expected.values())
    return sum(min(count, found[word]) for word, count in expected.items()) / total


def page_words(leaflet: Leaflet, renderer: BrailleRenderer, config: SiteConfig) -> Counter[str]:
    """The words of every text of the page, written words first as the braille writes them
    ("5 mg" is "5 milligrams")."""
    context = RenderContext(config=config, locale="en")
    rewrite = renderer.words_first(context)
    return words(" ".join(rewrite(" ".join(display(text).split()))
                          for text in leaflet_texts(leaflet)))


def check_format(brf: str, cells: int = 40, lines: int = 25) -> list[list[str]]:
    """Pages of the file, each checked: ASCII braille, line width, page length, number."""
    assert all(32 <= byte < 127 or byte in (10, 12) for byte in brf.encode("ascii"))
    assert brf.endswith("\f")
    pages = [page.split("\n")[:-1] for page in brf.split("\f")[:-1]]
    english = Translator(ENGLISH)
    for number, page in enumerate(pages, start=1):
        assert len(page) == lines, (number, len(page))
        assert all(len(line) <= cells for line in page), number
        assert all(line == line.rstrip() for line in page)
        # the braille page number, right-aligned alone on the last line
        assert page[-1].endswith(english.brf(str(number))) and len(page[-1]) == cells
        assert page[-1].strip() == english.brf(str(number))
    return pages


# --- the seed page ----------------------------------------------------------------------------


def test_seed_is_ascii_braille_in_numbered_pages(renderer: BrailleRenderer,
                                                 english: Translator,
                                                 site_config: SiteConfig) -> None:
    leaflet = read_page(SEED, site_config, key="naltrexone.md")
    brf = render(renderer, leaflet, site_config)
    pages = check_format(brf)
    assert len(pages) >= 3
    body = [line for page in pages for line in page[:-1]]
    # the title and section headings centred, with a blank line before each section heading
    title = english.brf("Naltrexone")
    at = body.index(next(line for line in body if line.strip() == title))
    assert body[at - 1] == "" and abs(body[at].index(title) - (40 - len(body[at]))) <= 1
    heading = english.brf("Side Effects")
    at = next(index for index, line in enumerate(body) if line.strip() == heading)
    assert body[at - 1] == "" and body[at].startswith(" " * 10)
    # lists one item a line: each side effect starts its own line, in cell 1
    for item in ("Nausea", "Vomiting", "Headache", "Dizziness"):
        assert english.brf(item) in body
    # paragraphs start in cell 3
    assert body[0].startswith("  ,") and not body[0].startswith("   ")


def test_seed_reads_back_whole_with_both_safety_texts(renderer: BrailleRenderer,
                                                      english: Translator,
                                                      site_config: SiteConfig) -> None:
    leaflet = read_page(SEED, site_config, key="naltrexone.md")
    text = back(english, render(renderer, leaflet, site_config))
    assert recall(page_words(leaflet, renderer, site_config), words(text)) >= 0.97
    disclaimer, ai_note = renderer.safety_texts(
        leaflet, RenderContext(config=site_config, locale="en"))
    for safety in (disclaimer, ai_note):
        assert recall(words(safety), words(text)) == 1.0
        assert " ".join(safety.split()) in text  # whole and in order


def test_signs_and_units_are_written_as_words(renderer: BrailleRenderer, english: Translator,
                                              read_md, config: SiteConfig) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Dosage\n\n* Adults ≥ 18 years: 5–10 mg/kg/day\n"
                      "* Children < 12: 0.5 mL, IV\n\n### Side Effects\n\n* Nausea\n")
    text = back(english, render(renderer, leaflet, config))
    assert "at least 18 years: 5 to 10 milligrams per kilogram per day" in text
    assert "less than 12: 0.5 millilitres, intravenous" in text


def test_bold_and_italic_become_ueb_emphasis_indicators(renderer: BrailleRenderer,
                                                         english: Translator, read_md,
                                                         config: SiteConfig,
                                                         tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """UEB marks emphasis (English data: `emphasis = true`): "**not**" gets the bold symbol
    indicator before its one-cell contraction, an italic name a passage indicator and its
    terminator; the words still read back, and a site can turn it off."""
    leaflet = read_md("### Usage\n\nIt is **not** for children.\n\n"
                      "*Holarrhena antidysenterica bark* is a plant.\n\n"
                      "### Side Effects\n\n* Nausea\n")
    plain = read_md("### Usage\n\nIt is not for children.\n\n"
                    "Holarrhena antidysenterica bark is a plant.\n\n"
                    "### Side Effects\n\n* Nausea\n")
    brf = render(renderer, leaflet, config)
    assert ",X IS ^1N = *N4" in brf  # bold symbol indicator (dots 45, 2) before "not"
    assert ".7,HOL>RH5A" in brf and "B>K.'" in brf  # italic passage, then its terminator
    without = render(renderer, plain, config)
    assert "^1" not in without and ".7" not in without
    assert words(back(english, brf)) >= words(back(english, without))
    # a site's own English data without emphasis: the plain braille
    (tmp_path / "locales" / "en").mkdir(parents=True)
    (tmp_path / "locales" / "en" / "braille.toml").write_text('table = "en-ueb-g2.ctb"\n',
                                                              encoding="utf-8")
    site = build_config({}, tmp_path)
    assert render(BrailleRenderer(), leaflet, site) == render(BrailleRenderer(), plain, site)
    (tmp_path / "locales" / "en" / "braille.toml").write_text(
        'table = "en-ueb-g2.ctb"\nemphasis = "yes"\n', encoding="utf-8")
    with pytest.raises(PublishError, match="emphasis: expected true or false"):
        render(BrailleRenderer(), leaflet, build_config({}, tmp_path))


def test_settings_change_the_page_and_are_validated(renderer: BrailleRenderer,
                                                    english: Translator, tmp_path: Path) -> None:
    config = build_config({"braille": {"cells": 32, "lines": 20}}, tmp_path)
    leaflet = read_page(SEED, config, key="naltrexone.md")
    brf = render(renderer, leaflet, config)
    check_format(brf, cells=32, lines=20)
    wide = render(renderer, leaflet, build_config({}, tmp_path))
    assert brf.count("\f") > wide.count("\f")
    for bad in ({"cells": 10}, {"cells": 400}, {"lines": 2}, {"cells": "40"}):
        with pytest.raises(ConfigError, match=r"\[braille\]"):
            build_config({"braille": bad}, tmp_path)


def test_a_word_longer_than_a_line_is_divided_and_read_back(
        renderer: BrailleRenderer, english: Translator, read_md, config: SiteConfig) -> None:  # type: ignore[no-untyped-def]
    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2
    leaflet = read_md(f"### Usage\n\nIt treats {long_word} and nothing else.\n")
    brf = render(renderer, leaflet, config)
    check_format(brf)
    assert long_word.casefold() in back(english, brf).casefold()
    # a divided line ends in a hyphen and no capital or number sign is left at a line end
    lines = brf.split("\n")
    assert any(line.endswith("-") for line in lines)
    assert not any(line.rstrip().endswith((",", "#")) for line in lines)


# --- other locales ----------------------------------------------------------------------------


def test_spanish_from_the_sample_catalog_is_ascii_grade_1() -> None:
    config = load_config(root=ROOT)
    pool = RendererPool()
    try:
        [outcome] = render_page(PageRef(SEED, "naltrexone.md"), config, ["es"], ["braille"],
                                pool)
    finally:
        pool.close()
    assert outcome.status == "written", outcome.error
    brf = dict(outcome.files)[".brf"].decode("ascii")
    check_format(brf)
    text = back(Translator(SPANISH), brf)
    for sentence in ("Esta información es de carácter general y no constituye consejo médico",
                     "Esta información ha sido generada por IA"):
        assert recall(words(sentence), words(text)) == 1.0
    assert "naltrexona" in text.casefold()
    assert "information is for general" not in text


def test_a_locale_without_braille_data_fails_in_one_line(renderer: BrailleRenderer,
                                                         config: SiteConfig) -> None:
    leaflet = read_page(SEED, config, key="naltrexone.md")
    with pytest.raises(RenderError) as caught:
        renderer.render(leaflet, RenderContext(config=config, locale="fr"))
    assert "no braille data for locale 'fr'" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_site_braille_file_names_tables_not_paths(tmp_path: Path) -> None:
    (tmp_path / "locales" / "en").mkdir(parents=True)
    data = tmp_path / "locales" / "en" / "braille.toml"
    config = build_config({}, tmp_path)
    leaflet = read_page(SEED, config, key="naltrexone.md")
    renderer = BrailleRenderer()
    for table, message in (('"../../../etc/passwd"', "is not a liblouis table name"),
                           ('"/etc/passwd"', "is not a liblouis table name"),
                           ("3", "expected a liblouis table name"),
                           ('"no-such-table.ctb"', "liblouis cannot load")):
        data.write_text(f"table = {table}\n", encoding="utf-8")
        with pytest.raises(PublishError, match=message) as caught:
            renderer.render(leaflet, RenderContext(config=config, locale="en"))
        assert str(caught.value).startswith(str(data))
    # grade 1 instead of grade 2: a site's own file wins over the built-in one
    data.write_text('table = "en-ueb-g1.ctb"\n', encoding="utf-8")
    brf = render(renderer, leaflet, config)
    assert "TREATMENT" in brf  # uncontracted: every letter spelled


def test_a_missing_liblouis_is_one_line() -> None:
    code = ("import sys; from pathlib import Path\n"
            "import publish.braille.liblouis as lib\n"
            "lib.DEBIAN_MODULE = Path('/nonexistent/louis/__init__.py')\n"
            "try:\n    lib.binding()\nexcept Exception as e:\n"
            "    print(type(e).__name__, e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin"}, cwd=ROOT)
    assert done.stdout.startswith("RenderError braille needs liblouis"), done
    assert "python3-louis" in done.stdout and done.stdout.count("\n") == 1


# --- builds -----------------------------------------------------------------------------------


def test_builds_are_incremental_and_follow_liblouis_and_the_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    formats = ("braille", "json")
    root = make_site(tmp_path, 2, formats)
    first = run_inline(root, formats)
    assert first.count("failed") == 0, [o.error for o in first.outcomes]
    for path in (root / "dist" / "en").rglob("*.brf"):
        check_format(path.read_text("ascii"))
    assert run_inline(root, formats).count("unchanged") == 4
    upgrade(monkeypatch, "liblouis")
    assert by_format(run_inline(root, formats), "written") == {"braille": 2}
    monkeypatch.undo()
    run_inline(root, formats)
    (root / "locales" / "en").mkdir(parents=True)
    (root / "locales" / "en" / "braille.toml").write_text('table = "en-ueb-g1.ctb"\n')
    report = run_inline(root, formats)
    assert by_format(report, "written") == {"braille": 2}
    saved = (root / "dist" / "build-report.json").read_text("utf-8")
    assert '"format": "braille"' in saved and ".brf" in saved


# --- corpus tier ------------------------------------------------------------------------------


def corpus_sample() -> list[Path]:
    pages = sorted(CORPUS.rglob("*.md"))
    return random.Random(CORPUS_SEED).sample(pages, min(CORPUS_SIZE, len(pages)))


@pytest.mark.corpus
@requires_corpus
def test_corpus_reads_back(renderer: BrailleRenderer, english: Translator,
                           config: SiteConfig) -> None:
    """Back-translation recovers ≥ 95 % of each page's words and all of its safety texts."""
    low: dict[str, float] = {}
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    checked = 0
    for path in corpus_sample():
        key = path.relative_to(CORPUS).as_posix()
        try:
            leaflet = read_page(path, config, key=key)
        except PublishError:
            continue
        if leaflet.status is Status.UNSTRUCTURED:
            continue
        brf = render(renderer, leaflet, config)
        check_format(brf)
        text = words(back(english, brf))
        page = page_words(leaflet, renderer, config)
        expected += page
        found += Counter({word: min(count, text[word]) for word, count in page.items()})
        if recall(page, text) < 0.95:
            low[key] = round(recall(page, text), 3)
        for safety in renderer.safety_texts(leaflet, RenderContext(config=config,
                                                                   locale="en")):
            assert recall(words(safety), text) == 1.0, (key, safety)
        checked += 1
    assert checked >= CORPUS_SIZE - 3
    assert sum(found.values()) / sum(expected.values()) >= 0.95
    assert low == {}
