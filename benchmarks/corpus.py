"""The shared corpus as the benchmarks see it: where it is and fixed-seed samples of it."""

from __future__ import annotations

import random
from pathlib import Path

from publish.config import SiteConfig
from publish.errors import PublishError
from publish.model import Status
from publish.reader import read_page

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "rxhive"


def sample_pages(corpus: Path, count: int, seed: int,
                 config: SiteConfig) -> list[tuple[Path, str]]:
    """`count` publishable pages drawn with a fixed seed (unstructured pages are skipped)."""
    pages = sorted(corpus.rglob("*.md"))
    rng = random.Random(seed)
    chosen: list[tuple[Path, str]] = []
    for path in rng.sample(pages, len(pages)):
        key = path.relative_to(corpus).as_posix()
        try:
            leaflet = read_page(path, config, key=key)
        except PublishError:
            continue
        if leaflet.status is Status.STRUCTURED:
            chosen.append((path, key))
        if len(chosen) == count:
            break
    return chosen
