"""Hostile catalogs: what a translator (or anyone who can change `locales/`) could try.

Each test reproduces a red-team finding against the catalogs and the publication gate:
pathological strings that made a check quadratic, oversized and symlinked catalogs,
invisible characters and placeholders in translations, safety texts reworded without review,
translations that try to become HTML.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from publish.catalogs import layout
from publish.catalogs.gate import entry_problem
from publish.catalogs.pofile import Entry, read_po, save
from publish.catalogs.pseudo import pseudo_plain, pseudo_text
from publish.catalogs.steps import extract, init
from publish.config import SiteConfig, build_config
from publish.pages import discover

PAGE = """---
title: Examplamine
---

# Examplamine

### Usage
Examplamine treats **mild** pain. Take 15 mg twice a day.

### Side Effects
* Nausea

Less common but more serious side effects include:
* Liver damage

### FAQs
* **Q: Can I take two doses at once?** A: No.

**Disclaimer:** This information is for general knowledge and does not constitute medical \
advice about Examplamine.
"""
KEY = "examplamine.md"


def make_site(root: Path, raw: dict | None = None) -> SiteConfig:
    """A site with one page whose es catalogs are fully translated (pseudo-translations)."""
    (root / "content").mkdir(parents=True)
    (root / "content" / KEY).write_text(PAGE, encoding="utf-8")
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
    return config


def edit(path: Path, msgid: str, msgctxt: str | None = None, **changes: object) -> Entry:
    """Change the entry `msgid` of the catalog at `path`; returns the entry as written."""
    catalog = read_po(path)
    found = None
    for index, entry in enumerate(catalog.entries):
        if entry.msgid == msgid and entry.msgctxt == msgctxt and not entry.obsolete:
            found = catalog.entries[index] = replace(entry, **changes)  # type: ignore[arg-type]
    assert found is not None, msgid
    save(catalog, path)
    return found


@pytest.fixture
def site(tmp_path: Path) -> SiteConfig:
    return make_site(tmp_path / "site")


# --- finding 3: every check on catalog text is linear -----------------------------------------

PATHOLOGICAL = {
    "a 20,000-digit number": "Tome 15 mg " + "1" * 20_000,
    "20,000 dotted digits": "Tome 15 mg " + "1." * 10_000,
    "a tag opener and 20,000 spaces": "Tome 15 mg <" + " " * 20_000,
    "20,000 no-break spaces after a number": "Tome 15 mg 5" + "\u00a0" * 20_000 + "x",
    "a percent sign and 20,000 zeros": "Tome 15 mg %" + "0" * 20_000,
    "20,000 asterisks": "Tome 15 mg " + "*" * 20_000,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_checks_on_a_pathological_translation_are_linear(name: str) -> None:
    """Before: the number/unit check took 22 s on 20,000 digits, the markup check and the
    pseudo-locale's placeholder pattern were quadratic too. Now each is milliseconds."""
    text = PATHOLOGICAL[name]
    entry = Entry(msgid="Take 15 mg twice a day.", msgstr=text)
    started = time.perf_counter()
    entry_problem(entry)
    pseudo_plain(text)
    pseudo_text(text)
    assert time.perf_counter() - started < 2.0
