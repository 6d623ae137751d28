"""Shared fixtures: a site configuration and a way to read a page written by the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.config import SiteConfig, build_config
from publish.model import Leaflet
from publish.reader import read_page

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "naltrexone.md"
CORPUS = ROOT.parent / "shared" / "corpus" / "rxhive"


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
