"""The site: indexes per locale and the language chooser, and the links of each leaflet page
(other formats, other languages, breadcrumbs), following incremental builds.

Real builds into temporary folders; pages are parsed with the standard HTML parser and every
relative link is resolved against the files on disk.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from publish.build import BuildRequest, build
from publish.build.scheduling import InlineScheduler
from publish.config import SiteConfig, load_config
from publish.pages import discover
from publish.renderers import RenderContext
from publish.renderers.html import HtmlRenderer
from publish.site.links import page_links
from tests.conftest import ROOT, SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


class Page(HTMLParser):
    """The elements of a page, with their attributes, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.parts: list[str] = []
        self.feed(html)
        self.text = " ".join(self.parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.elements if name == tag
                and all(attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in wanted.items())]

    def links(self) -> list[str]:
        return [attrs[key] for _tag, attrs in self.elements
                for key in ("href", "src") if key in attrs]


def site(tmp_path: Path, pages: dict[str, str]) -> SiteConfig:
    """The bundled site (en, es with the seed's catalogs) with the given pages."""
    root = tmp_path / "site"
    shutil.copytree(ROOT / "locales", root / "locales")
    shutil.copy(ROOT / "publish.toml", root / "publish.toml")
    for name, text in pages.items():
        (root / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / name).write_text(text, encoding="utf-8")
    return load_config(root=root)


def run(config: SiteConfig, formats: tuple[str, ...] = ("html", "sms"),
        locales: tuple[str, ...] = ("en", "es")):  # type: ignore[no-untyped-def]
    pages = tuple(discover([config.content_dir], root=config.content_dir))
    request = BuildRequest(pages, locales, formats)
    return build(request, config, config.root / "dist", scheduler=InlineScheduler())


def read(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def assert_links_resolve(path: Path) -> None:
    for link in read(path).links():
        target = link.split("#", 1)[0]
        assert "://" not in link and not link.startswith("/"), link
        if target:
            assert (path.parent / unquote(target)).resolve().is_file(), f"{path}: {link}"


def test_indexes_language_chooser_and_leaflet_links(tmp_path: Path) -> None:
    config = site(tmp_path, {"naltrexone.md": SEED_TEXT})
    report = run(config)
    assert report.ok, report.to_json()
    dist = config.root / "dist"
    chooser = read(dist / "index.html")
    assert chooser.find("a", href="en/index.html", hreflang="en", lang="en")
    assert chooser.find("a", href="es/index.html", hreflang="es", lang="es")
    assert "Español" in chooser.text and "English" in chooser.text
    index = read(dist / "en" / "index.html")
    assert index.find("html", lang="en")
    assert index.find("li", data_key="naltrexone")
    assert index.find("a", href="naltrexone.html")
    assert index.find("h2", id="letter-0") and "N" in index.text
    assert index.find("form", id="search")[0].get("hidden") == ""  # shown by its script
    assert index.find("link", rel="alternate", hreflang="es", href="../es/index.html")
    spanish = read(dist / "es" / "index.html")
    assert "Medicamentos de la A a la Z" in spanish.text
    leaflet = read(dist / "en" / "naltrexone.html")
    assert leaflet.find("a", class_="skip-link", href="#main")
    assert leaflet.find("nav", class_="breadcrumbs", aria_label="Breadcrumb")
    assert leaflet.find("a", href="#main", aria_current="page")
    assert leaflet.find("a", href="index.html") and leaflet.find("a", href="../index.html")
    assert leaflet.find("link", rel="alternate", hreflang="es", href="../es/naltrexone.html")
    assert leaflet.find("a", href="naltrexone.sms.txt")
    assert not leaflet.find("a", href="naltrexone.pdf")  # not built: not linked
    assert read(dist / "es" / "naltrexone.html").find("nav", aria_label="Otros idiomas")
    for path in dist.rglob("*.html"):
        assert_links_resolve(path)
    assert report.site["problems"] == []


def test_indexes_follow_incremental_builds(tmp_path: Path) -> None:
    config = site(tmp_path, {"naltrexone.md": SEED_TEXT})
    run(config, locales=("en",))
    dist = config.root / "dist"
    index = dist / "en" / "index.html"
    stamp = index.stat().st_mtime_ns
    leaflet_stamp = (dist / "en" / "naltrexone.html").stat().st_mtime_ns

    report = run(config, locales=("en",))  # nothing changed: nothing rewritten
    assert report.count("unchanged") == 2 and report.site["written"] == []
    assert index.stat().st_mtime_ns == stamp

    added = config.content_dir / "a" / "abacavir.md"
    added.parent.mkdir()
    added.write_text(SEED_TEXT.replace("Naltrexone", "Ábacavir"), encoding="utf-8")
    report = run(config, locales=("en",))
    assert "en/index.html" in report.site["written"]
    page = read(index)
    assert page.find("a", href="a/abacavir.html") and page.find("li", data_key="abacavir")
    assert "Ábacavir" in page.text  # grouped under A (accent ignored), before N
    assert page.text.index("Ábacavir") < page.text.index("Naltrexone")
    # the other leaflet's page did not change: its links did not
    assert (dist / "en" / "naltrexone.html").stat().st_mtime_ns == leaflet_stamp
    assert_links_resolve(dist / "en" / "a" / "abacavir.html")

    added.unlink()
    report = run(config, locales=("en",))
    page = read(index)
    assert not page.find("a", href="a/abacavir.html") and page.find("a", href="naltrexone.html")


def test_a_rebuild_with_nothing_changed_renders_nothing(tmp_path: Path) -> None:
    """A page with no sections is skipped, and its leaflet page had links predicted for
    outputs it never wrote: the next build must not render it again for that."""
    config = site(tmp_path, {"naltrexone.md": SEED_TEXT,
                             "vaguamol.md": "---\ntitle: Vaguamol\n---\n\nSome prose only.\n"})
    first = run(config, locales=("en",))
    assert {o.status for o in first.outcomes if o.page == "vaguamol.md"} == {"skipped"}
    second = run(config, locales=("en",))
    assert {o.status for o in second.outcomes} == {"unchanged"}, second.to_json()


def test_new_format_is_linked_and_pdf_has_no_web_navigation(tmp_path: Path) -> None:
    config = site(tmp_path, {"naltrexone.md": SEED_TEXT})
    run(config, formats=("html",), locales=("en",))
    dist = config.root / "dist"
    assert not read(dist / "en" / "naltrexone.html").find("a", href="naltrexone.pdf")
    report = run(config, formats=("html", "pdf"), locales=("en",))
    assert report.ok
    assert read(dist / "en" / "naltrexone.html").find("a", href="naltrexone.pdf")
    text = subprocess.run(["pdftotext", str(dist / "en" / "naltrexone.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Naltrexone" in text
    for web_only in ("Breadcrumb", "Medicines A to Z", "Listen, print", "Other languages"):
        assert web_only not in text


def test_a_missing_translation_is_not_linked(tmp_path: Path) -> None:
    # The seed is translated into Spanish; this page is not: no Spanish alternate, ever.
    config = site(tmp_path, {"naltrexone.md": SEED_TEXT,
                             "untranslated.md": SEED_TEXT.replace("Naltrexone", "Zeta")})
    run(config)
    report = run(config)
    dist = config.root / "dist"
    assert not (dist / "es" / "untranslated.html").exists()
    assert not read(dist / "en" / "untranslated.html").find("link", rel="alternate")
    assert report.count("written") == 0  # stable: the failing translation changes nothing
    spanish_index = read(dist / "es" / "index.html")
    assert not any("untranslated" in link for link in spanish_index.links())


def test_titles_are_escaped_everywhere(tmp_path: Path) -> None:
    title = '<script>alert(1)</script> & "Bad" <img src=x onerror=y>'
    text = SEED_TEXT.replace("title: Naltrexone", f"title: '{title}'")
    config = site(tmp_path, {"bad.md": text})
    report = run(config, locales=("en",))
    assert report.ok, report.to_json()
    dist = config.root / "dist"
    for path in (dist / "en" / "index.html", dist / "en" / "bad.html"):
        html = path.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Bad&#34;" in html
    assert html.count("<script") == 0  # the leaflet runs no script


def test_audio_player_transcript_and_other_suffixes(config: SiteConfig) -> None:
    """The links are data: any suffix the build made is linked, audio gets a player."""
    from publish.reader import read_page

    links = page_links("n/ñal trex.md", "en", {
        "en": [".html", ".mp3", ".vtt", ".txt", ".pdf", ".epub", ".brf", ".xyz"],
        "es": [".html"], "fr": [".pdf"]})
    assert links is not None
    assert [f["suffix"] for f in links["formats"]] == [".pdf", ".mp3", ".txt", ".vtt",
                                                      ".epub", ".brf", ".xyz"]
    assert links["formats"][0]["href"] == "%C3%B1al-trex.pdf"
    assert [a["lang"] for a in links["alternates"]] == ["es"]  # fr has no page
    assert links["home"] == "../../index.html" and links["index"] == "../index.html"
    leaflet = read_page(SEED, config)
    context = RenderContext(config=config, locale="en", site=links)
    html = HtmlRenderer().render(leaflet, context).files[0].data.decode()
    page = Page(html)
    assert page.find("audio", controls="")
    assert page.find("source", src="%C3%B1al-trex.mp3", type="audio/mpeg")
    assert page.find("track", kind="captions", src="%C3%B1al-trex.vtt")
    assert page.find("a", href="%C3%B1al-trex.txt") and page.find("a", href="%C3%B1al-trex.vtt")
    assert page.find("a", href="%C3%B1al-trex.epub") and page.find("a", href="%C3%B1al-trex.brf")
    assert "Other file (.xyz)" in page.text
    assert page_links("x.md", "en", {"en": [".pdf"]}) is None  # no page, no links


@pytest.mark.parametrize("name", ["index.md"])
def test_a_page_named_index_keeps_its_leaflet(tmp_path: Path, name: str) -> None:
    config = site(tmp_path, {name: SEED_TEXT})
    report = run(config, locales=("en",))
    dist = config.root / "dist"
    assert "Naltrexone" in (dist / "en" / "index.html").read_text(encoding="utf-8")
    assert any("takes the place of the en index" in p for p in report.site["problems"])
