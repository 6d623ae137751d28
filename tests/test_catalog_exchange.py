"""XLIFF 1.2 and TMX exchange: the Spanish sample round-trips through translate-toolkit with
every PO field equal (checked with polib), edits come back, hostile files are refused."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner
from lxml import etree

from publish.catalogs import layout
from publish.catalogs.exchange import XLIFF_NS, export_tmx, export_xliff, import_files, unit_id
from publish.catalogs.steps import init
from publish.commands.group import cli
from publish.config import SiteConfig, load_config
from tests.conftest import ROOT

NS = {"x": XLIFF_NS}


@pytest.fixture
def site(tmp_path: Path) -> SiteConfig:
    """A copy of the bundled site: the seed page and its Spanish sample catalogs."""
    root = tmp_path / "site"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copytree(ROOT / "locales", root / "locales",
                    ignore=shutil.ignore_patterns("*.mo", "en-XA"))
    shutil.copy(ROOT / "publish.toml", root / "publish.toml")
    return load_config(root=root)


def _po_catalogs(config: SiteConfig, locale: str = "es") -> dict[str, polib.POFile]:
    folder = layout.messages_dir(config, locale)
    return {path.relative_to(folder).as_posix(): polib.pofile(str(path), wrapwidth=0)
            for path in sorted(folder.rglob("*.po"))}


def _fields(entry: polib.POEntry) -> tuple[object, ...]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural, entry.msgstr,
            dict(entry.msgstr_plural), entry.tcomment, entry.comment, entry.fuzzy,
            entry.occurrences)


def test_the_spanish_sample_round_trips_through_xliff_read_by_translate_toolkit(
        site: SiteConfig, tmp_path: Path) -> None:
    from translate.storage.poxliff import PoXliffFile

    original = _po_catalogs(site)
    written = export_xliff(site, "es", tmp_path / "out")
    store = PoXliffFile.parsestring(written.read_bytes())
    assert etree.parse(str(written)).getroot().get("version") == "1.2"
    assert sorted(store.getfilenames()) == sorted(original)
    compared = 0
    for unit in store.units:
        name, ident = unit.getid().split("\x04", 1)
        entry = next(e for e in original[name] if unit_id(_entry(e)) == ident)
        sources, targets = _strings(unit.source), _strings(unit.target) or [""]
        forms = [u.isfuzzy() for u in unit.units] if unit.hasplural() else [unit.isfuzzy()]
        seen = (unit.xmlelement.get("resname"), sources[0],
                sources[1] if unit.hasplural() else "",
                "" if unit.hasplural() else targets[0],
                dict(enumerate(targets)) if unit.hasplural() else {},
                unit.getnotes("translator"), unit.getnotes("developer"),
                any(forms) and bool(entry.msgstr or entry.msgstr_plural),
                [(location, "") for location in unit.getlocations()])
        assert seen == _fields(entry), entry.msgid
        compared += 1
    assert compared == sum(len(po) for po in original.values()) > 70


def _strings(value: object) -> list[str]:
    if not value:
        return []
    return list(value.strings) if hasattr(value, "strings") else [str(value)]


def _entry(entry: polib.POEntry):  # type: ignore[no-untyped-def]
    from publish.catalogs.pofile import Entry

    return Entry(msgid=entry.msgid, msgctxt=entry.msgctxt)


def test_xliff_into_empty_catalogs_gives_back_every_field(site: SiteConfig,
                                                          tmp_path: Path) -> None:
    """Export, start the locale again from the templates, import: the same catalogs."""
    original = _po_catalogs(site)
    written = export_xliff(site, "es", tmp_path / "out")
    shutil.rmtree(layout.messages_dir(site, "es"))
    init(site, "es")
    assert all(not e.msgstr for po in _po_catalogs(site).values() for e in po)
    report = import_files(site, [written])
    assert report.ok and not report.pending, report.refused
    again = _po_catalogs(site)
    for name, po in original.items():
        fields = {(e.msgctxt, e.msgid): _fields(e) for e in po}
        assert {(e.msgctxt, e.msgid): _fields(e) for e in again[name]} == fields, name


def test_tmx_holds_the_translated_entries_and_fills_empty_catalogs(site: SiteConfig,
                                                                   tmp_path: Path) -> None:
    from translate.storage.tmx import tmxfile

    original = _po_catalogs(site)
    written, count = export_tmx(site, "es", tmp_path / "out")
    store = tmxfile.parsestring(written.read_bytes(), "en", "es")
    memory = {(unit.getcontext() or None, str(unit.source)): str(unit.target)
              for unit in store.units}
    expected = {}
    for po in original.values():
        for e in po.translated_entries():
            if e.msgid_plural:
                expected[(e.msgctxt, e.msgid)] = e.msgstr_plural[0]
                expected[(e.msgctxt, e.msgid_plural)] = e.msgstr_plural[1]
            else:
                expected[(e.msgctxt, e.msgid)] = e.msgstr
    assert memory == expected and count == len(store.units)
    # a memory fills untranslated entries, as fuzzy: never published unreviewed
    shutil.rmtree(layout.messages_dir(site, "es"))
    init(site, "es")
    report = import_files(site, [written], "es")
    assert report.ok, report.refused
    for po in _po_catalogs(site).values():
        for e in po:
            if not e.msgid_plural:
                assert e.msgstr == expected[(e.msgctxt, e.msgid)] and e.fuzzy, e.msgid


def _unit(tree: etree._ElementTree, msgid: str) -> etree._Element:
    return next(u for u in tree.iterfind(".//x:trans-unit", NS)
                if u.findtext("x:source", namespaces=NS) == msgid)


def _edit(path: Path, msgid: str, target: str, state: str = "translated") -> str:
    tree = etree.parse(str(path))
    unit = _unit(tree, msgid)
    node = unit.find("x:target", NS)
    node.text = target
    node.set("state", state)
    unit.set("approved", "yes" if state == "translated" else "no")
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    return unit.get("id")


def test_an_edited_unit_changes_the_po_file_through_the_command(site: SiteConfig,
                                                                tmp_path: Path) -> None:
    runner = CliRunner()
    config = ["--config", str(site.root / "publish.toml"), "catalog"]
    out = tmp_path / "out"
    result = runner.invoke(cli, [*config, "export", "-l", "es", "-o", str(out)], obj={})
    assert result.exit_code == 0, result.output
    _edit(out / "es.xlf", "Headache", "Cefalea")
    _edit(out / "es.xlf", "Nausea", "Náusea", state="needs-review-translation")
    result = runner.invoke(cli, [*config, "import", str(out / "es.xlf")], obj={})
    assert result.exit_code == 0, result.output
    assert "2 translations imported into 1 catalog(s), 0 refused" in result.output
    po = polib.pofile(str(layout.page_catalog(site, "es", "naltrexone.md")))
    assert po.find("Headache").msgstr == "Cefalea" and not po.find("Headache").fuzzy
    assert po.find("Nausea").msgstr == "Náusea" and po.find("Nausea").fuzzy


DOSE_PAGE = """---
title: Examplamine
---

### Dosage

Take 50 mg by mouth once daily.

### Side Effects

* Headache

**Disclaimer:** This information is for general knowledge and does not constitute medical
advice. Consult a doctor or pharmacist.
"""

HOSTILE = [
    ("Headache", "Dolor <script>alert(1)</script>", "adds markup or an address (<script)"),
    ("Take 50 mg by mouth once daily.", "Tome 5 mg por vía oral una vez al día.",
     "numbers differ"),
    ("Headache", "Dolor \u202ede cabeza\u202c", "invisible or control characters (U+202E"),
    ("{count} parts of this leaflet are not translated yet and have been left out. Ask for "
     "the full leaflet in the original language.", "{cuenta} partes omitidas.", "placeholder"),
]


@pytest.mark.parametrize("msgid, target, reason", HOSTILE)
def test_a_hostile_unit_is_refused_by_file_line_and_id(tmp_path: Path, msgid: str,
                                                       target: str, reason: str) -> None:
    from tests.conftest import translated_site

    site = translated_site(tmp_path / "dose", DOSE_PAGE)
    written = export_xliff(site, "es", tmp_path / "out")
    before = {p: p.read_bytes() for p in layout.messages_dir(site, "es").rglob("*.po")}
    ident = _edit(written, msgid, target)
    report = import_files(site, [written])
    assert len(report.refused) == 1 and not report.written
    [line] = report.refused
    assert line.startswith(f"{written}:") and f"unit {ident.split('[')[0]}" in line
    assert reason in line and "refused" in line
    assert {p: p.read_bytes() for p in before} == before


def test_a_changed_safety_translation_is_written_but_withheld(site: SiteConfig,
                                                              tmp_path: Path) -> None:
    from publish.catalogs.gate import check_page
    from publish.reader import read_page

    written = export_xliff(site, "es", tmp_path / "out")
    tree = etree.parse(str(written))
    safety = next(u for u in tree.iterfind(".//x:trans-unit", NS)
                  if (u.findtext("x:note", namespaces=NS) or "").startswith("SAFETY")
                  and u.getparent().tag.endswith("body")
                  and "pages/" in u.getparent().getparent().get("original"))
    msgid = safety.findtext("x:source", namespaces=NS)
    _edit(written, msgid, "Tome tanto como quiera: es perfectamente seguro.")
    report = import_files(site, [written])
    assert report.ok and len(report.pending) == 1 and "withheld" in report.pending[0]
    leaflet = read_page(site.content_dir / "naltrexone.md", site, key="naltrexone.md")
    status = check_page(leaflet, "es", site)[0]
    assert not status.publishable and status.unapproved


@pytest.mark.parametrize("name, payload, message", [
    ("xxe", b'<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'\n<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="'
     b'shared.po" target-language="es"><body><trans-unit id="a"><source>Usage</source><target>'
     b'&x;</target></trans-unit></body></file></xliff>', "declares XML entities"),
    ("billion-laughs", b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
     + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;")
                                             * 10) for i in range(1, 10))
     + b']>\n<xliff version="1.2"><file original="shared.po"><body>&lol9;</body></file></xliff>',
     "declares XML entities"),
    ("malformed", b'<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file>',
     "not well-formed XML"),
    ("xliff-2", b'<xliff version="2.0" xmlns="urn:oasis:names:tc:xliff:document:2.0"/>',
     "XLIFF 2.0"),
    ("escape", b'<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file '
     b'original="../../../publish.po" target-language="es"><body/></file></xliff>',
     "names no catalog"),
    ("not-xliff", b"<html><body>hello</body></html>", "not XLIFF or TMX"),
    ("latin-1", "<xliff>é</xliff>".encode("latin-1"), "not valid UTF-8"),
])
def test_hostile_files_are_refused_quickly_in_one_line(site: SiteConfig, tmp_path: Path,
                                                       name: str, payload: bytes,
                                                       message: str) -> None:
    path = tmp_path / f"{name}.xlf"
    path.write_bytes(payload)
    before = {p: p.read_bytes() for p in layout.messages_dir(site, "es").rglob("*.po")}
    started = time.perf_counter()
    report = import_files(site, [path])
    assert time.perf_counter() - started < 5  # a guard against a hang, not a timing test
    [line] = report.refused
    assert line.startswith(str(path)) and message in line and "\n" not in line
    assert not report.written
    assert {p: p.read_bytes() for p in before} == before
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(site.root / "publish.toml"), "catalog",
                                 "import", str(path)], obj={})
    assert result.exit_code == 1 and "Traceback" not in result.output
