"""The site in a real browser: axe-core (WCAG 2.0/2.1/2.2 A and AA), reflow at 320 CSS px,
text spacing (WCAG 1.4.12), 200 % zoom and visible keyboard focus, in headless Debian
Chromium driven by puppeteer-core (`tests/browser/a11y.js`, one browser for all the pages of
a tier). Three tiers, each built once: the seed (every format, so the audio player is
checked), the test fixtures, and ~20 real pages of the shared corpus.

Skipped, saying why, only where Chromium or the npm checkers cannot run here.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from publish.build import BuildRequest, build
from publish.build.scheduling import InlineScheduler
from publish.config import load_config
from publish.pages import discover
from tests.conftest import CORPUS, ROOT

SCRIPT = ROOT / "tests" / "browser" / "a11y.js"
CHROMIUM = Path("/usr/bin/chromium")
CORPUS_PAGES = 20

pytestmark = pytest.mark.slow


def check_pages(paths: list[Path]) -> list[dict[str, Any]]:
    """Every page checked in one browser session; skips when the browser cannot start."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "puppeteer-core").is_dir() \
            or not (ROOT / "node_modules" / "axe-core").is_dir():
        pytest.skip("node, puppeteer-core or axe-core missing: run `make setup`")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed: the browser checks need Debian's chromium")
    result = subprocess.run([node, str(SCRIPT), *(path.as_uri() for path in paths)],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if "launch_error" in data:
        pytest.skip(f"Chromium cannot start here: {data['launch_error'][:300]}")
    assert "fatal" not in data, data
    pages = data["pages"]
    assert len(pages) == len(paths)
    return pages


def build_site(root: Path, content: list[Path], formats: tuple[str, ...],
               locales: tuple[str, ...] = ("en",)) -> Path:
    """The pages built into `root/dist` with the bundled site's configuration and catalogs."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "locales", root / "locales")
    shutil.copy(ROOT / "publish.toml", root / "publish.toml")
    for page in content:
        target = root / "content" / page.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(page, target)
    config = load_config(root=root)
    pages = tuple(discover([config.content_dir], root=config.content_dir))
    build(BuildRequest(pages, locales, formats), config, root / "dist",
          scheduler=InlineScheduler())
    return root / "dist"


def site_pages(dist: Path) -> list[Path]:
    pages = sorted(dist.rglob("*.html"))
    assert dist / "index.html" in pages and dist / "en" / "index.html" in pages
    return pages


def problems(pages: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Per page, what fails: axe violations, overflow, clipped text, invisible focus."""
    found: dict[str, list[str]] = {}
    for page in pages:
        name = page["url"].rsplit("/dist/", 1)[-1]
        bad: list[str] = []
        if "error" in page:
            bad.append(page["error"])
        else:
            bad += [f"axe {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
                    for v in page["violations"]]
            for check, width in (("reflow", 320), ("spacing", 320), ("zoom", 640)):
                layout = page[check]
                if layout["scrollWidth"] > width:
                    bad.append(f"{check}: scrolls sideways ({layout['scrollWidth']} > {width})")
                if layout["clipped"]:
                    bad.append(f"{check}: clipped text in {layout['clipped'][:5]}")
            bad += [f"focus not visible on {f['name']}" for f in page["focus"]
                    if not (f["visible"] and f["differs"])]
            if not page["focus"]:
                bad.append("Tab reaches nothing")
            bad += [f"script error: {error}" for error in page["errors"]]
        if bad:
            found[name] = bad
    return found


def report(tier: str, pages: list[dict[str, Any]]) -> None:
    violations = sum(len(page.get("violations", [])) for page in pages)
    focused = sum(len(page.get("focus", [])) for page in pages)
    print(f"\n{tier}: {len(pages)} pages, {violations} axe violations, "
          f"{focused} focus stops checked")


@pytest.fixture(scope="module")
def seed_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    dist = build_site(tmp_path_factory.mktemp("seed"), [ROOT / "content" / "naltrexone.md"],
                      ("html", "pdf", "sms", "audio", "epub", "braille"), ("en", "es", "ar"))
    return check_pages(site_pages(dist))


def test_seed_site_passes_in_the_browser(seed_results: list[dict[str, Any]]) -> None:
    """Every format linked, in the three languages of the bundled site (Arabic right to
    left)."""
    report("seed", seed_results)
    assert len(seed_results) == 7  # the chooser, three indexes, three leaflets
    assert problems(seed_results) == {}


def test_seed_search_box_filters_the_list(seed_results: list[dict[str, Any]]) -> None:
    indexes = [page for page in seed_results if page["url"].endswith("/en/index.html")]
    search = indexes[0]["search"]
    assert search["formShown"] and search["total"] == 1
    assert search["matching"] == 1 and search["none"] == 0
    assert search["status"] == "Medicines shown: 0 of 1"


def test_fixture_pages_pass_in_the_browser(tmp_path: Path) -> None:
    fixtures = ROOT / "tests" / "fixtures"
    content = [*sorted((fixtures / "pages").glob("*.md")),
               *sorted((fixtures / "contract").glob("*.md")),
               *(fixtures / "hostile" / name for name in (
                   "html-script.md", "title-long.md", "bidi-zero-width.md", "emoji.md",
                   "title-punctuation.md", "markdown-links.md", "css-url.md"))]
    dist = build_site(tmp_path, content, ("html", "sms"))
    pages = site_pages(dist)
    assert len(pages) >= 10
    results = check_pages(pages)
    report("fixtures", results)
    assert problems(results) == {}


@pytest.mark.corpus
def test_corpus_pages_pass_in_the_browser(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    every = sorted(CORPUS.rglob("*.md"))
    sample = random.Random(14).sample(every, min(CORPUS_PAGES, len(every)))
    dist = build_site(tmp_path, sample, ("html", "sms"))
    pages = site_pages(dist)
    assert len(pages) >= CORPUS_PAGES // 2
    results = check_pages(pages)
    report("corpus", results)
    assert problems(results) == {}
