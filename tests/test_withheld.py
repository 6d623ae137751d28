"""A translation in progress is a normal state: pages not yet translated (or awaiting safety
approval) are withheld in that locale, said in one line per locale, and the build exits 0
unless strict; a broken or unsafe catalog still fails, named by file and line."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from publish.catalogs import layout
from publish.catalogs.pofile import read_po, save
from publish.catalogs.pseudo import pseudo_text
from publish.catalogs.safety import approve
from publish.catalogs.steps import extract, init
from publish.commands import cli
from publish.config import SiteConfig
from publish.pages import discover
from tests.conftest import translated_site

PAGE = """---
title: {name}
---

# {name}

### Usage
{name} treats **mild** pain. Take 5 mg twice a day.

### Side Effects
* Nausea
* Headache

**Disclaimer:** This information is for general knowledge and does not constitute medical \
advice about {name}.
"""
OTHERS = ("Otheramine", "Thirdamine")
DISCLAIMER = "This information is for general knowledge"


def _site(root: Path) -> SiteConfig:
    """Three pages and the es locale; only examplamine.md is translated (and approved)."""
    config = translated_site(root, PAGE.format(name="Examplamine"),
                             {"site": {"locales": ["en", "es"]}})
    for name in OTHERS:
        (config.content_dir / f"{name.lower()}.md").write_text(PAGE.format(name=name),
                                                                 encoding="utf-8")
    extract(config, discover([config.content_dir], root=config.content_dir))
    init(config, "es")  # catalogs for the new pages, empty: translation not started
    (root / "publish.toml").write_text('[site]\nlocales = ["en", "es"]\n', encoding="utf-8")
    return config


def _translate(config: SiteConfig, key: str) -> None:
    path = layout.page_catalog(config, "es", key)
    catalog = read_po(path)
    # a translator's work: every entry translated, and reuse's fuzzy proposals reviewed
    catalog.entries = [replace(entry, msgstr=pseudo_text(entry.msgid)).with_flags(
        remove=("fuzzy",)) for entry in catalog.entries]
    save(catalog, path)


def _edit(config: SiteConfig, key: str, msgid_start: str, msgstr: str) -> None:
    path = layout.page_catalog(config, "es", key)
    catalog = read_po(path)
    catalog.entries = [replace(entry, msgstr=msgstr) if entry.msgid.startswith(msgid_start)
                       else entry for entry in catalog.entries]
    save(catalog, path)


def _build(root: Path, *args: str) -> tuple[int, list[str], dict]:
    result = CliRunner().invoke(cli, ["--config", str(root / "publish.toml"), "build", "-q",
                                      "-f", "json,sms", "-o", str(root / "out"), *args])
    lines = [line for line in result.output.splitlines() if line.strip()]
    report = json.loads((root / "out" / "build-report.json").read_text(encoding="utf-8"))
    return result.exit_code, lines, report


def _statuses(report: dict, locale: str = "es") -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for job in report["jobs"]:
        if job["locale"] == locale:
            found.setdefault(job["page"], set()).add(job["status"])
    return found


@pytest.fixture
def site(tmp_path: Path) -> SiteConfig:
    return _site(tmp_path / "site")


def test_untranslated_pages_are_withheld_in_one_line(site: SiteConfig) -> None:
    code, lines, report = _build(site.root)
    assert code == 0, lines
    assert lines == [
        "es: 2 of 3 pages withheld, not yet translated — `publish catalog stats -l es`",
        lines[-1]]
    assert "2 written" not in lines[-1] and ", 4 withheld, 0 failed" in lines[-1]
    assert _statuses(report) == {"examplamine.md": {"written"},
                                 "otheramine.md": {"untranslated"},
                                 "thirdamine.md": {"untranslated"}}
    assert report["status"] == "ok" and report["summary"]["untranslated"] == 4
    withheld = report["withheld"]["es"]
    assert withheld["pages"] == 3 and set(withheld["untranslated"]) == {"otheramine.md",
                                                                       "thirdamine.md"}
    missing = withheld["untranslated"]["otheramine.md"]["missing"]
    # "Nausea" was filled from examplamine's translation when the catalog was made (reuse);
    # what only this page says is what is missing
    assert "Nausea" not in {item["msgid"] for item in missing}
    [usage] = [item for item in missing if item["msgid"].startswith("Otheramine treats")]
    # a similar sentence on examplamine was proposed as fuzzy: reviewable, never published
    assert usage["status"] == "fuzzy" and usage["line"] > 0
    assert {item["status"] for item in missing} <= {"fuzzy", "untranslated"}
    assert usage["catalog"].endswith("pages/otheramine.po")
    out = site.root / "out" / "es"
    assert sorted(path.name for path in out.iterdir()) == ["examplamine.json",
                                                           "examplamine.sms.json",
                                                           "examplamine.sms.txt"]
    # English is the source: every page is written there
    assert len(list((site.root / "out" / "en").glob("*.sms.txt"))) == 3


def test_strict_fails_on_withheld_pages(site: SiteConfig) -> None:
    code, lines, report = _build(site.root, "--strict")
    assert code == 1
    assert lines[0].startswith("es: 2 of 3 pages withheld, not yet translated")
    assert report["status"] == "failed" and report["strict"] is True
    (site.root / "publish.toml").write_text(
        '[site]\nlocales = ["en", "es"]\n[build]\nstrict = true\n', encoding="utf-8")
    assert _build(site.root)[0] == 1
    assert _build(site.root, "--no-strict")[0] == 0


def test_a_broken_catalog_still_fails_naming_file_and_line(site: SiteConfig) -> None:
    config = site
    _translate(config, "otheramine.md")
    _edit(config, "otheramine.md", "Otheramine treats", "[Otheramine] 50 mg")  # a changed dose
    path = layout.page_catalog(config, "es", "otheramine.md")
    line = next(entry.line for entry in read_po(path).entries
                if entry.msgid.startswith("Otheramine treats"))
    code, lines, report = _build(config.root)
    assert code == 1
    failures = [line for line in lines if line.startswith("failed:")]
    assert len(failures) == 2  # one per format of the broken page
    assert f"otheramine.po:{line})" in failures[0] and "numbers differ" in failures[0]
    assert _statuses(report)["otheramine.md"] == {"failed"}
    assert _statuses(report)["thirdamine.md"] == {"untranslated"}
    assert any(line.startswith("es: 1 of 3 pages withheld") for line in lines)


def test_a_dropped_safety_string_is_a_failure(site: SiteConfig) -> None:
    config = site
    _translate(config, "otheramine.md")
    approve(config, "es", "Test Reviewer", everything=True)
    _edit(config, "otheramine.md", DISCLAIMER, "")  # all translated but the disclaimer
    code, lines, report = _build(config.root)
    assert code == 1
    failure = next(line for line in lines if line.startswith("failed:"))
    assert "DISCLAIMER" in failure and "otheramine.po:" in failure
    assert "safety text was dropped" in failure
    assert _statuses(report)["otheramine.md"] == {"failed"}


def test_awaiting_approval_is_withheld_with_its_own_line(site: SiteConfig) -> None:
    config = site
    _translate(config, "otheramine.md")  # translated, safety strings not yet approved
    code, lines, report = _build(config.root)
    assert code == 0, lines
    assert "es: 1 of 3 pages withheld, awaiting safety approval — " \
           "`publish catalog approve -l es`" in lines
    assert "es: 1 of 3 pages withheld, not yet translated — `publish catalog stats -l es`" \
        in lines
    assert _statuses(report)["otheramine.md"] == {"awaiting-approval"}
    missing = report["withheld"]["es"]["awaiting-approval"]["otheramine.md"]["missing"]
    assert missing and all(item["status"].startswith("safety translation not approved")
                           for item in missing)


@pytest.mark.slow
def test_incremental_rebuild_publishes_a_page_once_translated(site: SiteConfig) -> None:
    config = site
    assert _build(config.root)[0] == 0
    # a no-op rebuild says the same, without running the withheld jobs again
    code, lines, report = _build(config.root)
    assert code == 0 and lines[0].startswith("es: 2 of 3 pages withheld")
    assert report["summary"]["written"] == 0
    _translate(config, "otheramine.md")
    approve(config, "es", "Test Reviewer", everything=True)
    code, lines, report = _build(config.root)
    assert code == 0
    assert _statuses(report)["otheramine.md"] == {"written"}
    assert lines[0] == ("es: 1 of 3 pages withheld, not yet translated — "
                        "`publish catalog stats -l es`")
    assert (config.root / "out" / "es" / "otheramine.sms.txt").is_file()


@pytest.mark.slow
def test_a_page_withheld_again_loses_its_old_outputs(site: SiteConfig) -> None:
    config = site
    _translate(config, "otheramine.md")
    approve(config, "es", "Test Reviewer", everything=True)
    assert _build(config.root)[0] == 0
    assert (config.root / "out" / "es" / "otheramine.sms.txt").is_file()
    # the source changes: its new sentence is not translated yet
    page = config.content_dir / "otheramine.md"
    page.write_text(page.read_text(encoding="utf-8").replace("* Headache", "* Headache\n* Rash"),
                    encoding="utf-8")
    extract(config, discover([config.content_dir], root=config.content_dir))
    code, _lines, report = _build(config.root)
    assert code == 0
    assert _statuses(report)["otheramine.md"] == {"untranslated"}
    assert not list((config.root / "out" / "es").glob("otheramine*"))
    removed = [name for job in report["jobs"] for name in job.get("removed", [])]
    assert "es/otheramine.sms.txt" in removed


def test_the_site_lists_and_links_only_what_was_published(site: SiteConfig) -> None:
    """A withheld page is not in its locale's index, and no page offers a language it is
    withheld in; once translated, the index and the alternates follow (incremental)."""
    def build() -> None:
        result = CliRunner().invoke(cli, ["--config", str(site.root / "publish.toml"), "build",
                                          "-q", "-f", "html", "-o", str(site.root / "out")])
        assert result.exit_code == 0, result.output

    def alternates(path: Path) -> set[str]:
        text = path.read_text(encoding="utf-8")
        return set(re.findall(r'<link rel="alternate" hreflang="([^"]+)"', text))

    out = site.root / "out"
    build()
    es_index = (out / "es" / "index.html").read_text(encoding="utf-8")
    en_index = (out / "en" / "index.html").read_text(encoding="utf-8")
    assert "examplamine.html" in es_index and "otheramine.html" not in es_index
    assert "otheramine.html" in en_index and "thirdamine.html" in en_index
    assert "es" in alternates(out / "en" / "examplamine.html")
    assert "es" not in alternates(out / "en" / "otheramine.html")

    _translate(site, "otheramine.md")
    approve(site, "es", "Test Reviewer", everything=True)
    build()
    assert "otheramine.html" in (out / "es" / "index.html").read_text(encoding="utf-8")
    assert "es" in alternates(out / "en" / "otheramine.html")
    assert "thirdamine.html" not in (out / "es" / "index.html").read_text(encoding="utf-8")
