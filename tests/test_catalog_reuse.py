"""Reuse across pages: identical entries filled from another page's translation (published,
safety strings still approved), similar ones offered as fuzzy (never published), and the
words left to translate before and after reuse."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner

from publish.catalogs import layout
from publish.catalogs.gate import check_page
from publish.catalogs.pofile import Catalog, Entry, read_po, save
from publish.catalogs.reuse import SIMILAR_CUTOFF, Memory
from publish.catalogs.safety import approve
from publish.catalogs.steps import extract, init, update
from publish.commands.group import cli
from publish.config import SiteConfig, build_config
from publish.pages import discover
from publish.reader import read_page

PAGE = """---
title: {title}
---

### Usage
{title} treats pain. Take it with a full glass of water, with or without food.

### Side Effects
* Headache
* Nausea

### FAQs
* **Q: What should I do if I miss a dose?** A: Take it as soon as you remember.

**Disclaimer:** This information is for general knowledge and does not constitute medical \
advice. Ask your doctor.
"""

SPANISH = {
    "Alphamine": "Alfamina",
    "Headache": "Dolor de cabeza",
    "Nausea": "Náuseas",
    "What should I do if I miss a dose?": "¿Qué hago si olvido una dosis?",
    "Take it as soon as you remember.": "Tómela en cuanto se acuerde.",
    "Alphamine treats pain. Take it with a full glass of water, with or without food.":
        "La alfamina trata el dolor. Tómela con un vaso lleno de agua, con o sin comida.",
    "This information is for general knowledge and does not constitute medical advice. Ask "
    "your doctor.": "Esta información es de carácter general y no constituye consejo médico. "
                    "Consulte a su médico.",
}


@pytest.fixture
def site(tmp_path: Path) -> SiteConfig:
    """Two pages sharing most of their words; the shared catalog and alpha.md translated."""
    from publish.catalogs.pseudo import pseudo_text

    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    for key, title in (("alpha.md", "Alphamine"), ("beta.md", "Betamine")):
        (root / "content" / key).write_text(PAGE.format(title=title), encoding="utf-8")
    config = build_config({}, root)
    extract(config, discover([config.content_dir], root=config.content_dir))
    init(config, "es")
    shared = layout.shared_catalog(config, "es")
    catalog = read_po(shared)
    catalog.entries = [
        replace(e, msgstr=pseudo_text(e.msgid)) if e.msgid_plural is None
        else replace(e, msgstr_plural=tuple(pseudo_text(e.msgid_plural) for _ in e.msgstr_plural))
        for e in catalog.entries]
    save(catalog, shared)
    alpha = layout.page_catalog(config, "es", "alpha.md")
    catalog = read_po(alpha)
    catalog.entries = [replace(e, msgstr=SPANISH[e.msgid]) for e in catalog.entries]
    save(catalog, alpha)
    return config


def _po(config: SiteConfig, key: str) -> polib.POFile:
    return polib.pofile(str(layout.page_catalog(config, "es", key)))


def _status(config: SiteConfig, key: str):  # type: ignore[no-untyped-def]
    leaflet = read_page(config.content_dir / key, config, key=key)
    return check_page(leaflet, "es", config)[0]


def test_update_fills_identical_entries_from_another_page(site: SiteConfig) -> None:
    assert not any(e.msgstr for e in _po(site, "beta.md"))
    report = update(site, "es")
    # four entries and the page's own disclaimer (a safety string: see below)
    assert report.reuse.exact == 5 and report.reuse.exact_words == 1 + 1 + 9 + 7 + 15
    assert report.reuse.similar == 1 and report.reuse.similar_words == 15
    beta = _po(site, "beta.md")
    for msgid in ("Headache", "Nausea", "What should I do if I miss a dose?",
                  "Take it as soon as you remember."):
        entry = beta.find(msgid)
        assert entry.msgstr == SPANISH[msgid] and not entry.fuzzy
        assert entry.tcomment == "reused from pages/alpha.po"
    # the alpha page's own catalog is untouched: nothing to fill there
    assert all(not e.tcomment for e in _po(site, "alpha.md"))


def test_a_similar_entry_is_offered_as_fuzzy_and_never_published(site: SiteConfig) -> None:
    update(site, "es")
    usage = "Betamine treats pain. Take it with a full glass of water, with or without food."
    entry = _po(site, "beta.md").find(usage)
    assert entry.fuzzy and entry.msgstr.startswith("La alfamina")
    assert entry.previous_msgid == usage.replace("Betamine", "Alphamine")
    assert entry.tcomment.startswith("similar to pages/alpha.po (") and SIMILAR_CUTOFF < 1
    status = _status(site, "beta.md")
    assert not status.publishable and status.fuzzy == 1
    assert any(item.msgid == usage and item.status == "fuzzy" for item in status.missing)


def test_a_reused_safety_string_needs_its_approval(site: SiteConfig) -> None:
    update(site, "es")
    disclaimer = SPANISH["This information is for general knowledge and does not constitute "
                         "medical advice. Ask your doctor."]
    assert _po(site, "beta.md").find(disclaimer, by="msgstr") is not None
    # not approved on alpha: withheld on beta too, named as waiting for approval
    status = _status(site, "beta.md")
    assert status.unapproved and not status.publishable
    approve(site, "es", "Test Reviewer", everything=True)
    # approved once (on alpha's text): the same words are approved wherever they are reused
    assert _status(site, "alpha.md").unapproved == []
    assert _status(site, "beta.md").unapproved == []


def test_no_reuse_leaves_entries_empty(site: SiteConfig) -> None:
    report = update(site, "es", reuse=False)
    assert report.reuse.exact == 0
    assert not any(e.msgstr for e in _po(site, "beta.md"))


def test_stats_shows_words_left_before_and_after_reuse(site: SiteConfig) -> None:
    (site.root / "publish.toml").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(site.root / "publish.toml"), "catalog",
                                      "stats", "--locale", "es"], obj={})
    # beta: every entry left; the title (1 word) and the usage paragraph (15) after reuse
    assert "es: 49 words (7 entries) left to translate in page catalogs; 16 words " \
           "(2 entries) after reuse across pages (`publish catalog update`; 1 more offered " \
           "as fuzzy)" in result.output, result.output


def test_the_similar_search_compares_only_indexed_candidates() -> None:
    """20,000 translated entries: a query is compared with a few candidates, not all."""
    memory = Memory()
    entries = [Entry(msgid=f"Take tablet {i} of medicine number {i} with water daily",
                     msgstr=f"Tome la tableta {i} del medicamento número {i} con agua")
               for i in range(20_000)]
    memory.add_catalog(Catalog({}, entries), "pages/many.po")
    query = Entry(msgid="Take tablet 7 of medicine number 7 with juice daily")
    found = memory.similar(query)
    assert found is not None and found.entry.msgid.startswith("Take tablet 7 of")
    assert memory.similar(Entry(msgid="Completely unrelated words here")) is None
