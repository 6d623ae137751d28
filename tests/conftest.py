"""Shared fixtures: a site configuration and a way to read a page written by the test."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from publish.config import SiteConfig, build_config
from publish.model import Leaflet
from publish.reader import read_page

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "naltrexone.md"
CORPUS = ROOT.parent / "shared" / "corpus" / "rxhive"


def translated_site(root: Path, page: str, raw: dict | None = None,
                    key: str = "examplamine.md") -> SiteConfig:
    """A site with one page `key` whose es catalogs are fully translated
    (pseudo-translations) and whose safety translations are approved."""
    from publish.catalogs import layout
    from publish.catalogs.pofile import read_po, save
    from publish.catalogs.pseudo import pseudo_text
    from publish.catalogs.safety import approve
    from publish.catalogs.steps import extract, init
    from publish.pages import discover

    (root / "content").mkdir(parents=True)
    (root / "content" / key).write_text(page, encoding="utf-8")
    config = build_config(raw or {}, root)
    extract(config, discover([config.content_dir], root=config.content_dir))
    init(config, "es")
    for path in layout.messages_dir(config, "es").rglob("*.po"):
        catalog = read_po(path)
        catalog.entries = [
            replace(entry, msgstr=pseudo_text(entry.msgid)) if entry.msgid_plural is None
            else replace(entry, msgstr_plural=tuple(pseudo_text(entry.msgid_plural)
                                                    for _ in entry.msgstr_plural))
            for entry in catalog.entries]
        save(catalog, path)
    approve(config, "es", "Test Reviewer", everything=True)
    return config


class Shouting:
    """Renderer strings as translations easy to spot: «message», placeholders kept."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"

    def pgettext(self, context: str, message: str) -> str:
        return f"«{message}»"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"«{singular if n == 1 else plural}»"


@pytest.fixture
def config(tmp_path: Path) -> SiteConfig:
    return build_config({}, tmp_path)


@pytest.fixture
def site_config() -> SiteConfig:
    """The bundled site's configuration (publish.toml at the repository root)."""
    from publish.config import load_config

    return load_config(root=ROOT)


@pytest.fixture
def read_md(tmp_path: Path, config: SiteConfig):  # type: ignore[no-untyped-def]
    """Write Markdown to a page file in a temporary content folder and read it."""

    def read(text: str, name: str = "page.md", front: str | None = "title: Testamol") -> Leaflet:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        page = text if front is None else f"---\n{front}\n---\n\n{text}"
        path.write_text(page, encoding="utf-8")
        return read_page(path, config, key=name)

    return read


def corpus_pages() -> list[Path]:
    return sorted(CORPUS.rglob("*.md")) if CORPUS.is_dir() else []


requires_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
