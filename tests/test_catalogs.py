"""Catalog mechanics: templates, init/update, compile, stats, and the tools translators use."""

from __future__ import annotations

import difflib
import gettext
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from publish.catalogs import layout
from publish.catalogs.compiled import check_catalog
from publish.catalogs.inline import parse_spans
from publish.catalogs.languages import PLURAL_FORMS, language
from publish.catalogs.mofile import mo_bytes
from publish.catalogs.pofile import read_po, save, write_po
from publish.catalogs.pseudo import pseudo_text
from publish.catalogs.steps import extract, init, update
from publish.commands import cli
from publish.config import SiteConfig, build_config
from publish.model import MARKS, Span, spans_to_markdown
from publish.pages import discover

ROOT = Path(__file__).resolve().parent.parent
HAVE_GETTEXT = shutil.which("msgfmt") is not None and shutil.which("msgcat") is not None
needs_gettext = pytest.mark.skipif(not HAVE_GETTEXT, reason="GNU gettext tools not installed")

PAGE = """---
layout: minimal-medicine
title: Examplamine
---

# Examplamine

### Generic Name
Examplamine

### Usage
Examplamine treats **mild** pain and fever. About 25% of patients feel better within 2 hours.

### Dosage
* Adults: 5 mg twice a day, at most 10 mg in 24 hours.
* Children over 12 years: 2.5 mg twice a day.

### Side Effects
Common side effects include:
* Nausea
* Headache

Less common but more serious side effects include:
* Liver damage (rare)

### FAQs
* **Q: Can I take two doses at once?** A: No. Never take two doses at once.
* **Q: What if I miss a dose?** A: Take it as soon as you remember.

**Disclaimer:** This information is for general knowledge and does not constitute medical \
advice. Ask your pharmacist about Examplamine.
"""


def make_site(root: Path, page: str = PAGE, raw: dict | None = None) -> SiteConfig:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "content" / "examplamine.md").write_text(page, encoding="utf-8")
    return build_config(raw or {}, root)


def pages_of(config: SiteConfig):  # type: ignore[no-untyped-def]
    return discover([config.content_dir], root=config.content_dir)


def fill(path: Path, translate=pseudo_text) -> None:  # type: ignore[no-untyped-def]
    """Translate every entry of a catalog (the words do not matter to these tests)."""
    catalog = read_po(path)
    entries = []
    for entry in catalog.entries:
        if entry.msgid_plural is not None:
            forms = tuple(translate(entry.msgid_plural) for _ in entry.msgstr_plural)
            entries.append(replace(entry, msgstr_plural=forms))
        else:
            entries.append(replace(entry, msgstr=translate(entry.msgid)))
    catalog.entries = entries
    save(catalog, path)


@pytest.fixture
def site(tmp_path: Path) -> SiteConfig:
    config = make_site(tmp_path)
    report = extract(config, pages_of(config), prune=True)
    assert report.ok, report.errors
    return config


def template_text(config: SiteConfig) -> str:
    return layout.page_template(config, "examplamine.md").read_text(encoding="utf-8")


# --- templates --------------------------------------------------------------------------------


def test_page_template_entries_comments_and_flags(site: SiteConfig) -> None:
    catalog = read_po(layout.page_template(site, "examplamine.md"))
    by_id = {entry.msgid: entry for entry in catalog.entries}
    usage = by_id["Examplamine treats **mild** pain and fever. About 25% of patients feel better "
                  "within 2 hours."]
    # one msgid per block, inline Markdown kept and flagged for the translator
    assert any(comment.startswith("Markdown:") for comment in usage.extracted)
    assert "Medicine: Examplamine" in usage.extracted
    assert "Section: Usage" in usage.extracted
    assert "Role: paragraph" in usage.extracted
    # "25%" is text, not a format string
    assert "python-format" not in usage.flags
    assert all("python-format" not in entry.flags for entry in catalog.entries)
    # references are stable unit ids, never line numbers
    assert usage.references and all("#" in ref and not ref.rsplit(":", 1)[-1].isdigit()
                                    for entry in catalog.entries for ref in entry.references)
    disclaimer = next(entry for entry in catalog.entries
                      if entry.msgid.startswith("This information is for general knowledge"))
    assert disclaimer.extracted[0].startswith("SAFETY:")
    # FAQ question and answer are separate entries; the same text twice is one entry
    assert "Can I take two doses at once?" in by_id
    assert "No. Never take two doses at once." in by_id
    assert sum(1 for entry in catalog.entries if entry.msgid == "Examplamine") == 1
    # section headings are shared, not repeated in every page template
    assert "Side Effects" not in by_id
    side = by_id["Liver damage (rare)"]
    assert "Role: side effect (serious)" in side.extracted


def test_template_headers_complete(site: SiteConfig) -> None:
    for path in (layout.shared_template(site), layout.page_template(site, "examplamine.md")):
        header = read_po(path).header
        for name in ("Project-Id-Version", "Language", "MIME-Version", "Content-Type",
                     "Content-Transfer-Encoding", "Plural-Forms"):
            assert name in header, (path, name)
        assert header["Content-Type"] == "text/plain; charset=UTF-8"
        assert "POT-Creation-Date" not in header  # a date would break byte-identical output


def test_shared_template_has_headings_site_texts_and_code_strings(site: SiteConfig) -> None:
    catalog = read_po(layout.shared_template(site))
    keys = {entry.key: entry for entry in catalog.entries}
    assert (None, "Side Effects") in keys
    safety = [entry for entry in catalog.entries
              if entry.extracted and entry.extracted[0].startswith("SAFETY:")]
    assert {entry.msgid for entry in safety} >= {site.site["disclaimer"], site.site["ai_note"]}
    code = [entry for entry in catalog.entries
            if any(ref.startswith(("publish/", "themes/")) and ref.endswith((".py", ".html"))
                   for ref in entry.references)]
    assert code, "renderer and theme strings are extracted"
    # references of code strings name the file only: no line numbers to churn
    assert all(":" not in ref for entry in code for ref in entry.references)
    for entry in code:
        if "{" in entry.msgid and "}" in entry.msgid:
            assert "python-brace-format" in entry.flags, entry.msgid
    # the notice localise adds (plural) is extracted from the Python source
    notice = [entry for entry in catalog.entries if entry.msgid_plural is not None]
    assert notice and all("publish/localise.py" in entry.references for entry in notice)
    # theme strings come from the Jinja2 templates
    assert any(ref.startswith("themes/") for entry in catalog.entries
               for ref in entry.references)


def test_extraction_is_byte_identical(tmp_path: Path) -> None:
    first = make_site(tmp_path / "a")
    second = make_site(tmp_path / "b")
    extract(first, pages_of(first))
    # a second process with another hash seed: no set or dict order may leak into output
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    code = ("import sys; from pathlib import Path; from publish.config import build_config; "
            "from publish.pages import discover; from publish.catalogs.steps import extract; "
            "c = build_config({}, Path(sys.argv[1])); "
            "extract(c, discover([c.content_dir], root=c.content_dir))")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "b")], check=True, env=env,
                   cwd=ROOT)
    for name in ("shared.pot", "pages/examplamine.pot"):
        one = (first.locales_dir / "templates" / name).read_bytes()
        two = (second.locales_dir / "templates" / name).read_bytes()
        assert one == two, name
    # extracting again changes nothing
    again = extract(first, pages_of(first))
    assert again.written == [] and again.unchanged == 2


def test_adding_a_paragraph_changes_only_that_entry(site: SiteConfig) -> None:
    before = template_text(site).splitlines()
    page = site.content_dir / "examplamine.md"
    new = "Examplamine also eases toothache."
    page.write_text(PAGE.replace("About 25% of patients feel better within 2 hours.\n",
                                 f"About 25% of patients feel better within 2 hours.\n\n{new}\n"),
                    encoding="utf-8")
    extract(site, pages_of(site))
    after = template_text(site).splitlines()
    added = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
             if line.startswith("+") and not line.startswith("+++")]
    removed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line.startswith("-") and not line.startswith("---")]
    assert removed == []
    entry = read_po(layout.page_template(site, "examplamine.md"))
    new_entry = next(e for e in entry.entries if e.msgid == new)
    entry_lines = (len(new_entry.extracted) + 1 + 2)  # comments, reference line, msgid, msgstr
    assert len(added) == entry_lines + 1  # plus the blank line between entries


# --- tools ------------------------------------------------------------------------------------


@needs_gettext
def test_catalogs_pass_msgfmt_polib_and_translate_toolkit(site: SiteConfig) -> None:
    from translate.storage import po as ttk_po

    init(site, "es")
    init(site, "ar")
    for locale in ("es", "ar"):
        for path in sorted(layout.messages_dir(site, locale).rglob("*.po")):
            fill(path)
    paths = sorted(site.locales_dir.rglob("*.po")) + sorted(site.locales_dir.rglob("*.pot"))
    for path in paths:
        if path.suffix == ".po":
            result = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(path)],
                                    capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
        # one wrapping style: GNU gettext rewrites our files byte for byte
        result = subprocess.run(["msgcat", "--no-wrap", str(path)], capture_output=True)
        assert result.stdout == path.read_bytes(), path
        polib_entries = polib.pofile(str(path))
        assert len(polib_entries) == len(read_po(path).active)
        store = ttk_po.pofile(path.read_bytes())
        assert len([unit for unit in store.units if not unit.isheader()]) == len(polib_entries)
    assert read_po(layout.shared_catalog(site, "ar")).header["Plural-Forms"].startswith(
        "nplurals=6;")


@needs_gettext
def test_pinned_plural_forms_pass_msgfmt(tmp_path: Path) -> None:
    for locale, forms in PLURAL_FORMS.items():
        nplurals = language(locale).nplurals
        plural = "".join(f'msgstr[{i}] "x{i}"\n' for i in range(nplurals))
        path = tmp_path / f"{locale}.po"
        path.write_text(
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
            f'"Language: {locale.replace("-", "_")}\\n"\n"Plural-Forms: {forms}\\n"\n\n'
            f'msgid "one"\nmsgid_plural "many"\n{plural}', encoding="utf-8")
        result = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)],
                                capture_output=True, text=True)
        assert result.returncode == 0, (locale, result.stderr)
    assert language("fa").plural_forms == "nplurals=2; plural=(n > 1);"
    assert language("tr").plural_forms == "nplurals=2; plural=(n != 1);"
    assert language("id").plural_forms == "nplurals=1; plural=0;"
    assert language("ar").locale.direction == "rtl" and language("es").locale.direction == "ltr"


# --- init / update ----------------------------------------------------------------------------


@needs_gettext
def test_update_marks_changed_fuzzy_with_previous_and_removed_obsolete(site: SiteConfig) -> None:
    init(site, "es")
    page_po = layout.page_catalog(site, "es", "examplamine.md")
    fill(page_po, lambda text: f"ES {text}")
    page = site.content_dir / "examplamine.md"
    changed = (PAGE.replace("Never take two doses at once.", "Never take three doses at once.")
               .replace("* Liver damage (rare)\n", "* Kidney stones\n"))
    page.write_text(changed, encoding="utf-8")
    extract(site, pages_of(site))
    report = update(site, "es")
    changes = report.updates[page_po]
    catalog = read_po(page_po)
    by_id = {entry.msgid: entry for entry in catalog.active}
    fuzzy = by_id["No. Never take three doses at once."]
    assert fuzzy.fuzzy
    assert fuzzy.previous_msgid == "No. Never take two doses at once."
    assert fuzzy.msgstr == "ES No. Never take two doses at once."  # offered, not trusted
    assert by_id["Kidney stones"].msgstr == "" and not by_id["Kidney stones"].fuzzy
    obsolete = [entry for entry in catalog.entries if entry.obsolete]
    assert [entry.msgid for entry in obsolete] == ["Liver damage (rare)"]
    assert by_id["Nausea"].msgstr == "ES Nausea" and not by_id["Nausea"].fuzzy
    assert (changes.fuzzy, changes.added, changes.obsolete) == (1, 1, 1)
    text = page_po.read_text(encoding="utf-8")
    assert '#| msgid "No. Never take two doses at once."' in text
    assert '#~ msgid "Liver damage (rare)"' in text
    result = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(page_po)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # updating again is stable, and the old text coming back revives its translation
    assert update(site, "es").written == []
    page.write_text(PAGE, encoding="utf-8")
    extract(site, pages_of(site))
    update(site, "es")
    revived = {entry.msgid: entry for entry in read_po(page_po).active}
    assert revived["Liver damage (rare)"].msgstr == "ES Liver damage (rare)"


def test_init_keeps_existing_catalogs_and_pseudo_fills_everything(site: SiteConfig) -> None:
    init(site, "es")
    page_po = layout.page_catalog(site, "es", "examplamine.md")
    fill(page_po)
    report = init(site, "es")
    assert report.written == [] and len(report.skipped) == 2
    assert all(entry.translated for entry in read_po(page_po).active)
    init(site, "en-XA")
    pseudo = read_po(layout.page_catalog(site, "en-XA", "examplamine.md"))
    assert pseudo.active and all(entry.translated for entry in pseudo.active)
    assert all(entry.msgstr.startswith("[") for entry in pseudo.active if entry.msgid)
    assert pseudo.header["Language"] == "en_XA"


# --- compile and stats ------------------------------------------------------------------------


def test_compile_writes_mo_without_fuzzy_and_rejects_bad_placeholders(site: SiteConfig) -> None:
    init(site, "es")
    shared = layout.shared_catalog(site, "es")
    fill(shared)
    catalog = read_po(shared)
    first = catalog.entries[0]
    catalog.entries[0] = first.with_flags("fuzzy")
    catalog.path = shared
    data = mo_bytes(catalog)
    assert data == mo_bytes(catalog)  # deterministic
    translations = gettext.GNUTranslations(__import__("io").BytesIO(data))
    assert translations.gettext(first.msgid) == first.msgid  # fuzzy left out, as msgfmt does
    second = catalog.entries[1]
    assert translations.gettext(second.msgid) == second.msgstr
    page_entry = next(entry for entry in catalog.entries if entry.msgid == "Page {x} of {y}")
    index = catalog.entries.index(page_entry)
    catalog.entries[index] = replace(page_entry, msgstr="Página {x} de {total}")
    problems = check_catalog(catalog)
    assert any(problem.fatal and "placeholders" in problem.message for problem in problems)


@needs_gettext
def test_mo_files_are_found_by_gnu_gettext_context_entries_included(
        site: SiteConfig, tmp_path: Path) -> None:
    """Babel's write_mo sorts keys by msgid alone; libintl binary-searches them in strcmp
    order of `msgctxt\x04msgid`. Our .mo files must be found by the C library."""
    init(site, "es")
    shared = layout.shared_catalog(site, "es")
    fill(shared)
    catalog = read_po(shared)
    folder = tmp_path / "mo" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "shared.mo").write_bytes(mo_bytes(catalog))
    unpacked = subprocess.run(["msgunfmt", str(folder / "shared.mo")], capture_output=True,
                              text=True, check=True).stdout
    assert len(polib.pofile(unpacked)) == len(catalog.active)
    assert b"POT-Creation-Date" not in mo_bytes(catalog)  # the header is the catalog's own
    environment = {**os.environ, "LC_ALL": "C.UTF-8", "LANGUAGE": "es",
                   "TEXTDOMAINDIR": str(tmp_path / "mo")}
    for entry in catalog.active:
        if entry.msgid_plural is not None:
            continue
        context = [f"--context={entry.msgctxt}"] if entry.msgctxt else []
        found = subprocess.run(["gettext", "-d", "shared", *context, "--", entry.msgid],
                               capture_output=True, text=True, env=environment).stdout
        assert found == entry.msgstr, (entry.msgctxt, entry.msgid)


def test_cli_extract_init_compile_stats(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    (tmp_path / "publish.toml").write_text('[site]\nlocales = ["en", "es"]\n', encoding="utf-8")
    runner = CliRunner()
    args = ["--config", str(tmp_path / "publish.toml"), "catalog"]
    result = runner.invoke(cli, [*args, "extract"], obj={})
    assert result.exit_code == 0, result.output
    assert layout.page_template(config, "examplamine.md").is_file()
    result = runner.invoke(cli, [*args, "init", "--locale", "es"], obj={})
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, [*args, "stats", "--locale", "es", "--json"], obj={})
    assert result.exit_code == 1  # nothing translated yet: blocked
    import json

    rows = json.loads(result.stdout)
    assert rows[0]["page"] == "examplamine.md" and rows[0]["translated"] == 0
    assert rows[0]["publishable"] is False
    for path in layout.messages_dir(config, "es").rglob("*.po"):
        fill(path)
    result = runner.invoke(cli, [*args, "approve", "--locale", "es"], obj={})
    assert result.exit_code == 1 and "waiting for approval" in result.output  # safety texts
    result = runner.invoke(cli, [*args, "approve", "--locale", "es", "--all", "--reviewer",
                                 "Test Reviewer"], obj={})
    assert result.exit_code == 0, result.output
    page_po = layout.page_catalog(config, "es", "examplamine.md")
    catalog = read_po(page_po)
    catalog.entries[1] = catalog.entries[1].with_flags("fuzzy")
    save(catalog, page_po)
    result = runner.invoke(cli, [*args, "stats", "--locale", "es", "--missing"], obj={})
    assert result.exit_code == 1
    assert "fuzzy" in result.output and "NO:" in result.output
    catalog.entries[1] = catalog.entries[1].with_flags(remove=("fuzzy",))
    save(catalog, page_po)
    result = runner.invoke(cli, [*args, "stats", "--locale", "es"], obj={})
    assert result.exit_code == 0, result.output
    assert "examplamine.md" in result.output and "yes" in result.output
    result = runner.invoke(cli, [*args, "compile", "--locale", "es"], obj={})
    assert result.exit_code == 0, result.output
    assert page_po.with_suffix(".mo").is_file()
    result = runner.invoke(cli, [*args, "extract", "--check"], obj={})
    assert result.exit_code == 0, result.output


# --- inline Markdown --------------------------------------------------------------------------

_words = st.text(alphabet=st.sampled_from(list("ab *<>_{}%5\\")), min_size=1, max_size=6)


@given(st.lists(st.tuples(_words, st.frozensets(st.sampled_from(MARKS))), max_size=6))
def test_inline_round_trip(parts: list[tuple[str, frozenset[str]]]) -> None:
    spans = tuple(Span(text, marks) for text, marks in parts)
    msgid = spans_to_markdown(spans)
    back = parse_spans(msgid)
    assert spans_to_markdown(back) == msgid
    assert "".join(span.text for span in back) == " ".join(
        "".join(span.text for span in spans).split())


def test_the_model_json_and_the_catalogs_write_the_same_markdown(tmp_path: Path) -> None:
    """One span→Markdown function: the JSON model's `markdown` is the catalog msgid, and it
    reads back to the same spans (the model's own writer used to print `***b*****` and
    leave a literal `*` unescaped, on 40 units of 26 corpus pages)."""
    from publish.catalogs.inline import msgid_of
    from publish.model import leaflet_texts

    page = PAGE.replace("Examplamine treats **mild** pain",
                        "**Lactobacillus and *Saccharomyces boulardii*:** for HLA-B*5701 "
                        "carriers, Examplamine treats **mild** pain")
    config = make_site(tmp_path, page)
    from publish.reader import read_page

    leaflet = read_page(config.content_dir / "examplamine.md", config, key="examplamine.md")
    texts = {text.id: text for text in leaflet_texts(leaflet)}
    markdown = {unit["id"]: unit["markdown"] for unit in _json_texts(leaflet.to_dict())}
    assert markdown and set(markdown) <= set(texts)
    for text_id, written in markdown.items():
        assert written == msgid_of(texts[text_id])
        parse_spans(written)  # marks balance: a translator's copy of it is accepted
    label = next(value for value in markdown.values() if "Lactobacillus" in value)
    assert label.startswith("**Lactobacillus and *Saccharomyces boulardii*:**")
    assert "HLA-B\\*5701" in label


def _json_texts(value: object) -> list[dict]:
    if isinstance(value, dict):
        if {"id", "markdown"} <= set(value):
            return [value]
        return [item for child in value.values() for item in _json_texts(child)]
    if isinstance(value, list):
        return [item for child in value for item in _json_texts(child)]
    return []


def test_pseudo_keeps_marks_placeholders_and_numbers() -> None:
    text = pseudo_text("Take **5 mg** of {name} (25%) x<sub>2</sub>, 10<sup>6</sup> cells")
    assert "**" in text and "{name}" in text and "<sub>2</sub>" in text
    assert all(number in text for number in ("5", "25", "10", "6"))
    assert "Take" not in text and "cells" not in text
    assert text.startswith("[") and text.endswith("]")
    assert len(text) > len("Take **5 mg** of {name} (25%) x<sub>2</sub>, 10<sup>6</sup> cells")


def test_write_po_escapes_and_splits_like_gettext() -> None:
    from publish.catalogs.pofile import Catalog, Entry

    catalog = Catalog(header={"Content-Type": "text/plain; charset=UTF-8"},
                      entries=[Entry(msgid='say "hi"\\ now', msgstr="a\nb")])
    text = write_po(catalog)
    assert 'msgid "say \\"hi\\"\\\\ now"' in text
    assert 'msgstr ""\n"a\\n"\n"b"' in text


def test_same_words_as_heading_and_as_text_get_a_context(tmp_path: Path) -> None:
    page = ("---\ntitle: Testamol\n---\n\n# Testamol\n\n### Side Effects\n"
            "**Nausea:** Feeling sick, mostly in the first week.\n\n* Nausea\n* Rash\n")
    config = make_site(tmp_path, page)
    extract(config, pages_of(config))
    entries = read_po(layout.page_template(config, "examplamine.md")).entries
    nausea = sorted((entry.msgctxt or "", entry.extracted[-1]) for entry in entries
                    if entry.msgid == "Nausea")
    assert [context for context, _role in nausea] == ["", "heading"]
    assert sum(1 for entry in entries if entry.msgid == "Rash") == 1


# --- real pages and the committed catalogs ----------------------------------------------------

CORPUS = ROOT.parent / "shared" / "corpus" / "rxhive"


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@needs_gettext
def test_corpus_sample_extracts_and_localises_in_the_pseudo_locale(tmp_path: Path) -> None:
    from publish.localise import localise
    from publish.reader import read_page

    pages = discover([CORPUS], root=CORPUS)[::80]
    config = build_config({"site": {"content": str(CORPUS), "locales_dir": str(tmp_path)}},
                          ROOT)
    report = extract(config, pages)
    assert report.ok, report.errors[:3]
    init(config, "en-XA")
    localised = 0
    for page in pages:
        leaflet = read_page(page.path, config, key=page.key)
        template = layout.page_template(config, page.key)
        if not template.is_file():
            continue  # unstructured: not published, not extracted
        for entry in read_po(template).entries:
            parse_spans(entry.msgid)  # every msgid reads back as spans
        pseudo, _strings = localise(leaflet, "en-XA", config)
        assert pseudo.disclaimer.text.plain.startswith("[")
        localised += 1
        path = layout.page_catalog(config, "en-XA", page.key)
        result = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(path)],
                                capture_output=True, text=True)
        assert result.returncode == 0, (page.key, result.stderr)
    assert localised >= len(pages) * 0.9


def test_committed_templates_and_spanish_sample_are_current() -> None:
    """The templates in locales/templates match the pages, code and themes, and the Spanish
    sample covers them: otherwise `make build` fails for es. After adding a renderer or theme
    string: `publish catalog extract`, `publish catalog update`, then translate it in
    locales/es/LC_MESSAGES/shared.po."""
    from publish.catalogs.extract import page_template, shared_template
    from publish.catalogs.gate import check_page
    from publish.config import load_config
    from publish.reader import read_page

    config = load_config(root=ROOT)
    stale = []
    if write_po(shared_template(config)) != layout.shared_template(config).read_text("utf-8"):
        stale.append("shared.pot")
    seed = read_page(ROOT / "content" / "naltrexone.md", config, key="naltrexone.md")
    if write_po(page_template(seed, config)) != layout.page_template(
            config, "naltrexone.md").read_text("utf-8"):
        stale.append("pages/naltrexone.pot")
    assert stale == [], f"run `publish catalog extract`: {stale} out of date"
    status, _lookup, _units = check_page(seed, "es", config)
    assert status.publishable, status.summary(config)
