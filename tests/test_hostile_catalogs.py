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
from publish.catalogs.safety import approve
from publish.catalogs.steps import extract, init
from publish.config import SiteConfig
from publish.pages import discover
from tests.conftest import translated_site

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
    """A site with one page whose es catalogs are fully translated (pseudo-translations)
    and whose safety translations are approved."""
    return translated_site(root, PAGE, raw, key=KEY)


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
    "20,000 unclosed format specs": "Tome 15 mg " + "{a:" * 20_000,
    "a %( and 20,000 letters": "Tome 15 mg %(" + "a" * 20_000,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_checks_on_a_pathological_translation_are_linear(name: str) -> None:
    """Before: the number/unit check took 22 s on 20,000 digits, the markup check and the
    pseudo-locale's placeholder pattern were quadratic too. Now each is milliseconds."""
    text = PATHOLOGICAL[name]
    entry = Entry(msgid="Take 15 mg twice a day.", msgstr=text, flags=("python-format",))
    started = time.perf_counter()
    entry_problem(entry, formatted=True)
    pseudo_plain(text)
    pseudo_text(text)
    assert time.perf_counter() - started < 2.0


# --- finding 10: catalog reading is bounded and linear ----------------------------------------


def _stats(config: SiteConfig, extra: str = "") -> tuple[int, str]:
    from click.testing import CliRunner

    from publish.commands import cli

    (config.root / "publish.toml").write_text('[site]\nlocales = ["en", "es"]\n' + extra,
                                              encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config.root / "publish.toml"), "catalog",
                                      "stats", "--locale", "es", "--missing"], obj={})
    return result.exit_code, result.output


def _refusal(config: SiteConfig, locale: str = "es") -> str:
    """The one-line message the build gives for the page in `locale`."""
    from publish.errors import TranslationMissing
    from publish.localise import localise
    from publish.reader import read_page

    leaflet = read_page(config.content_dir / KEY, config, key=KEY)
    with pytest.raises(TranslationMissing) as refused:
        localise(leaflet, locale, config)
    message = str(refused.value)
    assert "\n" not in message
    return message


def test_a_30000_entry_catalog_is_read_in_linear_time(site: SiteConfig) -> None:
    """polib's duplicate check made this quadratic: 3.1 s at 10,000 entries, > 10 s for
    `catalog stats` at 30,000 (70 s to read here). Now about half a second to read, 3.5 s
    with the statistics (reuse across pages included); the bound only tells quadratic from
    linear, with room for a loaded machine."""
    path = layout.page_catalog(site, "es", KEY)
    extra = "".join(f'\nmsgid "Extra entry {i}"\nmsgstr "Entrada {i}"\n' for i in range(30_000))
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    started = time.perf_counter()
    assert len(read_po(path).entries) > 30_000
    code, output = _stats(site)
    assert time.perf_counter() - started < 30.0
    assert code == 0, output


def test_duplicate_entries_are_refused_with_their_line(site: SiteConfig) -> None:
    path = layout.page_catalog(site, "es", KEY)
    text = path.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    path.write_text(text + '\nmsgid "Nausea"\nmsgstr "Vómitos"\n', encoding="utf-8")
    from publish.errors import CatalogError

    with pytest.raises(CatalogError, match=r"duplicate entry 'Nausea', first at line \d+") as error:
        read_po(path)
    assert error.value.line == lines + 2
    code, output = _stats(site)
    assert code == 1 and "NO: 1 catalog problem(s)" in output
    assert "duplicate entry 'Nausea', first at line" in _refusal(site)
    assert f"examplamine.po:{lines + 2})" in _refusal(site)


def test_an_oversized_catalog_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A 90 MB .po kept a build busy for more than 300 s; now it is refused at once, and
    the limit is `[catalog] max_catalog_bytes` (8 MB by default)."""
    config = make_site(tmp_path / "site", {"catalog": {"max_catalog_bytes": 64 * 1024}})
    path = layout.page_catalog(config, "es", KEY)
    with path.open("a", encoding="utf-8") as stream:
        stream.write("".join(f'\nmsgid "Extra {i}"\nmsgstr "Más {i}"\n' for i in range(4000)))
    code, output = _stats(config, "[catalog]\nmax_catalog_bytes = 65536\n")
    assert code == 1 and "NO: 1 catalog problem(s)" in output
    assert "more than the 64 KB a catalog may have ([catalog] max_catalog_bytes)" in \
        _refusal(config)
    huge = tmp_path / "huge.po"
    with huge.open("wb") as stream:
        stream.truncate(90 * 1024 * 1024)  # sparse: 90 MB without writing them
    from publish.errors import CatalogError

    started = time.perf_counter()
    with pytest.raises(CatalogError, match="catalog is 90.0 MB, more than the 8.0 MB"):
        read_po(huge)
    assert time.perf_counter() - started < 1.0


# --- finding 11: catalogs are files inside the locale folder ----------------------------------


def test_a_catalog_linked_from_outside_the_locale_folder_is_refused(
        site: SiteConfig, tmp_path: Path) -> None:
    from publish.localise import localise
    from publish.reader import read_page

    path = layout.page_catalog(site, "es", KEY)
    outside = tmp_path / "elsewhere.po"
    text = path.read_text(encoding="utf-8")
    outside.write_text(text.replace(pseudo_text("Nausea"), "Náuseas de fuera"),
                       encoding="utf-8")
    path.unlink()
    path.symlink_to(outside)
    leaflet = read_page(site.content_dir / KEY, site, key=KEY)
    from publish.errors import TranslationMissing

    with pytest.raises(TranslationMissing, match="links out of the locales folder"):
        localise(leaflet, "es", site)
    code, output = _stats(site)
    assert code == 1 and "NO: 1 catalog problem(s)" in output
    # a link that stays inside the locale folder is an ordinary catalog
    inside = layout.messages_dir(site, "es") / "kept.po"
    inside.write_text(text, encoding="utf-8")
    path.unlink()
    path.symlink_to(inside)
    localise(leaflet, "es", site)


def test_a_catalog_holding_a_file_name_is_not_read_from_that_file(
        site: SiteConfig, tmp_path: Path) -> None:
    """polib reads a string naming an existing file from that file."""
    path = layout.page_catalog(site, "es", KEY)
    outside = tmp_path / "elsewhere.po"
    outside.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    path.write_text(str(outside), encoding="utf-8")
    from publish.errors import CatalogError

    with pytest.raises(CatalogError, match="holds only the name of another file"):
        read_po(path)


# --- finding 13: catalogs get the mode the umask gives ----------------------------------------


def test_catalog_files_honour_the_umask(tmp_path: Path) -> None:
    """mkstemp's 0600 survived the rename: translators and CI users could not read them."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        config = make_site(tmp_path / "site")
        written = [*layout.templates_dir(config).rglob("*.pot"),
                   *layout.messages_dir(config, "es").rglob("*.po")]
        assert written
        assert {stat.S_IMODE(path.stat().st_mode) for path in written} == {0o644}
        # a catalog made group-writable keeps its mode when it is written again
        path = layout.page_catalog(config, "es", KEY)
        path.chmod(0o664)
        edit(path, "Nausea", msgstr="Náuseas")
        assert stat.S_IMODE(path.stat().st_mode) == 0o664
        os.umask(0o027)
        layout.shared_template(config).unlink()
        extract(config, discover([config.content_dir], root=config.content_dir))
        assert stat.S_IMODE(layout.shared_template(config).stat().st_mode) == 0o640
    finally:
        os.umask(old)


# --- finding 4: translations are refused when they hold invisible or control characters -------


def test_a_bidi_override_in_a_dose_is_refused_with_its_line(site: SiteConfig) -> None:
    """`Tome \\u202e15 mg\\u202c al día.` kept the number 15, so it passed, and the PDF
    printed "Tome gm 51 al día". The translator must see it: the entry is refused."""
    path = layout.page_catalog(site, "es", KEY)
    msgid = "Examplamine treats **mild** pain. Take 15 mg twice a day."
    edit(path, msgid, msgstr="Examplamine trata el dolor **leve**. Tome \u202e15 mg\u202c "
                             "dos veces al día.")
    line = next(e.line for e in read_po(path).entries if e.msgid == msgid)
    message = _refusal(site)
    assert ("invisible or control characters (U+202E RIGHT-TO-LEFT OVERRIDE, "
            "U+202C POP DIRECTIONAL FORMATTING)") in message
    assert f"examplamine.po:{line})" in message


def test_an_escape_sequence_in_a_renderer_string_is_refused(site: SiteConfig) -> None:
    path = layout.shared_catalog(site, "es")
    edit(path, "Contents", msgstr="\x1b[2J\x1b[31mÍndice")
    message = _refusal(site)
    assert "U+001B CONTROL" in message and "shared.po:" in message


def test_joiners_and_marks_that_scripts_need_are_kept(site: SiteConfig) -> None:
    """Persian needs ZWNJ, Hindi ZWJ, right-to-left text its marks and isolates."""
    from publish.localise import localise
    from publish.reader import read_page

    path = layout.page_catalog(site, "es", KEY)
    edit(path, "Nausea", msgstr="حالت\u200cتهوع \u200f\u2067x\u2069 क्\u200dष")
    leaflet = read_page(site.content_dir / KEY, site, key=KEY)
    spanish, _strings = localise(leaflet, "es", site)
    from publish.model import leaflet_texts

    assert "حالت\u200cتهوع \u200f\u2067x\u2069 क्\u200dष" in [
        text.plain for text in leaflet_texts(spanish)]


# --- finding 6: placeholders are checked by the gate, and filled safely -----------------------

EFFECTS = "Get medical help at once if: {effects}."


@pytest.mark.parametrize(("msgstr", "expected"), [
    ("Busque ayuda médica si algo va mal.", "placeholders: {effects} of the source missing"),
    ("Busque ayuda médica si: {0}.", "placeholder {0} is not allowed"),
    ("Busque ayuda médica si: {effects.__class__.__mro__}.",
     "placeholder {effects.__class__.__mro__} is not allowed"),
    ("Busque ayuda médica si: {effects:>30000000}.",
     "placeholder {effects:>30000000} is not allowed"),
    ("Busque ayuda médica si: {effects!r}.", "placeholder {effects!r} is not allowed"),
    ("Busque ayuda médica si: {effects[0]}.", "placeholder {effects[0]} is not allowed"),
    ("Busque ayuda médica si: {effects} {usage}.", "placeholders: {usage} not in the source"),
    ("Busque ayuda médica si: {effects}}.", "braces that are not a placeholder"),
])
def test_a_renderer_string_must_keep_its_placeholders_exactly(
        site: SiteConfig, msgstr: str, expected: str) -> None:
    """Before, only `catalog compile` checked placeholders: the build published a Spanish
    SMS naming no serious side effect, Python internals, or 100 MB of spaces."""
    entry = edit(layout.shared_catalog(site, "es"), EFFECTS, msgstr=msgstr)
    message = _refusal(site)
    assert expected in message
    assert f"shared.po:{read_po(layout.shared_catalog(site, 'es')).index()[entry.key].line})" \
        in message


def test_a_theme_string_may_not_add_a_percent_field(site: SiteConfig) -> None:
    """Jinja2 applies % to every string a theme translates: a lone % is an error there."""
    edit(layout.shared_catalog(site, "es"), "Contents", msgstr="Índice (100%)")
    assert "a % that is not %% or %(name)s" in _refusal(site)
    edit(layout.shared_catalog(site, "es"), "Contents", msgstr="Índice (100%%)")
    from publish.catalogs.gate import shared_problems

    assert shared_problems(site, "es")[1] == []


def test_plural_forms_may_leave_out_the_count_but_not_add_fields(site: SiteConfig) -> None:
    from publish.catalogs.gate import shared_problems

    path = layout.shared_catalog(site, "es")
    plural = next(e for e in read_po(path).active if e.msgid_plural is not None)
    edit(path, plural.msgid, msgstr_plural=("Una parte falta.", "Faltan {count} partes."))
    # (the notice is a safety text: its new wording waits for a reviewer, nothing else)
    assert [item.unapproved for item in shared_problems(site, "es")[1]] == [True]
    edit(path, plural.msgid, msgstr_plural=("Una parte falta.", "Faltan varias partes."))
    assert "{count} of the source missing" in _refusal(site)
    edit(path, plural.msgid, msgstr_plural=("Una {count.real}.", "Faltan {count} partes."))
    assert "placeholder {count.real} is not allowed" in _refusal(site)


def test_translated_strings_are_filled_without_attribute_access(site: SiteConfig) -> None:
    """Whatever reaches a renderer, `.format` on a translation takes bare names only."""
    from publish.catalogs.placeholders import Message, format_message
    from publish.catalogs.translations import CatalogStrings, load_messages
    from publish.errors import CatalogError

    assert format_message("Si: {effects}.", effects="fiebre") == "Si: fiebre."
    assert format_message("{{literal}} {x}", x=1) == "{literal} 1"
    for template in ("{effects.__class__.__mro__}", "{effects:>30000000}", "{0}",
                     "{effects!r}", "{effects[0]}", "{missing}"):
        with pytest.raises(CatalogError):
            format_message(template, effects="fiebre")
        with pytest.raises(CatalogError):
            Message(template).format(effects="fiebre")
    messages = load_messages(layout.shared_catalog(site, "es"), site)
    assert messages is not None
    strings = CatalogStrings(messages, "es", site)
    translated = strings.gettext(EFFECTS)
    assert isinstance(translated, Message)
    assert translated.format(effects="fiebre") == pseudo_text(EFFECTS).replace(
        "{effects}", "fiebre")
    # a catalog that never met the gate cannot reach an attribute either
    edit(layout.shared_catalog(site, "es"), EFFECTS, msgstr="{effects.__class__}")
    messages = load_messages(layout.shared_catalog(site, "es"), site)
    assert messages is not None
    from publish.errors import TranslationMissing

    with pytest.raises(TranslationMissing, match="is not allowed"):
        CatalogStrings(messages, "es", site).gettext(EFFECTS)


def test_page_text_braces_are_text(site: SiteConfig) -> None:
    """Page text is never formatted: its braces are not placeholders."""
    from publish.localise import localise
    from publish.reader import read_page

    edit(layout.page_catalog(site, "es", KEY), "Nausea", msgstr="Náuseas {x} }")
    leaflet = read_page(site.content_dir / KEY, site, key=KEY)
    localise(leaflet, "es", site)


# --- finding 9: safety translations are locked by review --------------------------------------

PAGE_DISCLAIMER = ("This information is for general knowledge and does not constitute medical "
                   "advice about Examplamine.")


def _line(path: Path, msgid: str, msgctxt: str | None = None) -> int:
    return read_po(path).index()[(msgctxt, msgid)].line


@pytest.mark.parametrize(("catalog", "msgid", "msgctxt", "reworded", "tag"), [
    ("page", PAGE_DISCLAIMER, None, "Take as much as you like: it is perfectly safe.",
     "DISCLAIMER"),
    ("shared", "Not medical advice: ask a doctor or pharmacist.", None,
     "Verified medical advice.", "SAFETY"),
    ("shared", "This information was generated by AI and is not medical advice.", None,
     "Esta información fue verificada por médicos.", "SAFETY"),
    ("shared", "Disclaimer", "heading", "Consejos", "SAFETY"),
    ("shared", "Not medical advice · AI-generated, may be inaccurate · see last page", None,
     "Consejo médico verificado", "SAFETY"),
])
def test_a_reworded_safety_translation_is_withheld_until_approved(
        site: SiteConfig, catalog: str, msgid: str, msgctxt: str | None, reworded: str,
        tag: str) -> None:
    """Published before: each of these reversals passed every check of the gate."""
    from publish.catalogs.safety import pending
    from publish.localise import localise
    from publish.reader import read_page

    path = (layout.page_catalog(site, "es", KEY) if catalog == "page"
            else layout.shared_catalog(site, "es"))
    edit(path, msgid, msgctxt, msgstr=reworded)
    message = _refusal(site)
    assert "safety translation(s) not approved" in message
    assert f"{tag} {msgid[:57]!r}"[:40] in message
    assert f"{path.name}:{_line(path, msgid, msgctxt)})" in message
    [waiting] = pending(site, "es")
    assert waiting.forms == (reworded,) and f"id {waiting.id}" in message
    # a reviewer reads it and approves it: only then is it published
    approve(site, "es", "A Reviewer", [waiting.id])
    localise(read_page(site.content_dir / KEY, site, key=KEY), "es", site)
    assert "A Reviewer" in (layout.messages_dir(site, "es").parent /
                            "safety-approved.toml").read_text(encoding="utf-8")


def test_every_safety_string_of_the_shared_template_is_marked(site: SiteConfig) -> None:
    marked = {(entry.msgctxt, entry.msgid) for entry in
              read_po(layout.shared_template(site)).active
              if any(comment.startswith("SAFETY:") for comment in entry.extracted)}
    assert {(None, "Not medical advice · AI-generated, may be inaccurate · see last page"),
            ("heading", "Disclaimer"), ("heading", "AI-generated information"),
            (None, "Not medical advice: ask a doctor or pharmacist."),
            (None, "AI-generated or crowd-sourced, may be inaccurate."),
            (None, "This information was generated by AI and is not medical advice."),
            (None, "Disclaimer and AI note")} <= marked


def test_a_reworded_safety_translation_is_not_built(site: SiteConfig, tmp_path: Path) -> None:
    from publish.build import BuildRequest, build
    from publish.renderers import registry

    edit(layout.shared_catalog(site, "es"), "Not medical advice: ask a doctor or pharmacist.",
         msgstr="Verified medical advice.")
    formats = tuple(name for name in ("html", "sms") if name in registry())
    pages = tuple(discover([site.content_dir], root=site.content_dir))
    report = build(BuildRequest(pages, ("es",), formats), site, tmp_path / "out", jobs=1)
    # withheld until a reviewer approves it (a review step, not a broken catalog); --strict
    # makes it a failure
    assert report.outcomes and all(o.status == "awaiting-approval" for o in report.outcomes)
    assert all("safety translation(s) not approved" in (o.error or "")
               for o in report.outcomes)
    out = tmp_path / "out" / "es"
    assert not out.exists() or not any(out.rglob("examplamine*"))


def test_removing_the_safety_comment_does_not_unlock_an_approved_string(
        site: SiteConfig) -> None:
    """Once approved, a key stays a safety string: a translator who deletes the `#. SAFETY`
    comment (or a stale template) cannot slip a new wording through."""
    msgid = "Not medical advice: ask a doctor or pharmacist."
    for path in (layout.shared_catalog(site, "es"), layout.shared_template(site)):
        edit(path, msgid, extracted=())
    edit(layout.shared_catalog(site, "es"), msgid, msgstr="Verified medical advice.")
    assert "SAFETY 'Not medical advice: ask a doctor or pharmacist.' (safety translation " \
           "not approved" in _refusal(site)


def test_an_approval_edited_by_hand_is_refused(site: SiteConfig) -> None:
    from publish.catalogs.safety import approvals_path

    path = approvals_path(site, "es")
    text = path.read_text(encoding="utf-8")
    msgstr = pseudo_text("Not medical advice: ask a doctor or pharmacist.")
    assert msgstr in text
    path.write_text(text.replace(msgstr, "Verified medical advice."), encoding="utf-8")
    edit(layout.shared_catalog(site, "es"), "Not medical advice: ask a doctor or pharmacist.",
         msgstr="Verified medical advice.")
    message = _refusal(site)
    assert "does not match its sha256 (edited by hand?)" in message
    assert "safety-approved.toml:" in message


def test_approve_names_one_entry_or_refuses(site: SiteConfig) -> None:
    from publish.errors import CatalogError

    with pytest.raises(CatalogError, match="matches none"):
        approve(site, "es", "A Reviewer", ["0123456789ab"])
    with pytest.raises(CatalogError, match="reviewer"):
        approve(site, "es", "  ", everything=True)
    assert approve(site, "es", "A Reviewer", everything=True) == []


def test_the_pseudo_locale_needs_no_approval_but_only_its_own_text(site: SiteConfig) -> None:
    """en-XA is computed from the msgids: that exact text passes, nothing else."""
    from publish.localise import localise
    from publish.reader import read_page

    init(site, "en-XA")
    leaflet = read_page(site.content_dir / KEY, site, key=KEY)
    localise(leaflet, "en-XA", site)
    edit(layout.page_catalog(site, "en-XA", KEY), PAGE_DISCLAIMER,
         msgstr="[Take as much as you like]")
    assert "DISCLAIMER" in _refusal(site, "en-XA")
    from publish.errors import CatalogError

    with pytest.raises(CatalogError, match="generated from the templates"):
        approve(site, "en-XA", "A Reviewer", everything=True)


def test_approvals_are_part_of_the_build_fingerprint(site: SiteConfig) -> None:
    from publish.catalogs.safety import approvals_path
    from publish.localise import catalog_fingerprint

    before = catalog_fingerprint(site, "es", KEY)
    path = approvals_path(site, "es")
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert catalog_fingerprint(site, "es", KEY) != before


# --- finding 2: a translation is text, never markup -------------------------------------------

INJECTED = 'Índice" onmouseover="alert(1)" data-x="'


def _elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    from html.parser import HTMLParser

    found: list[tuple[str, dict[str, str | None]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Collect().feed(page)
    return found


def test_translated_strings_are_never_markup(site: SiteConfig) -> None:
    """Jinja2's gettext wraps translations in `Markup` under autoescape: a translation
    must escape itself there (markupsafe's `__html__`), and nothing in the catalogs or the
    localised leaflet is ever `Markup`."""
    from markupsafe import Markup, escape

    from publish.catalogs.translations import CatalogStrings, load_messages
    from publish.localise import localise
    from publish.model import leaflet_texts
    from publish.reader import read_page

    edit(layout.shared_catalog(site, "es"), "Contents", msgstr=INJECTED)
    messages = load_messages(layout.shared_catalog(site, "es"), site)
    assert messages is not None
    text = CatalogStrings(messages, "es", site).gettext("Contents")
    assert text == INJECTED and not isinstance(text, Markup)
    assert str(Markup(text)) == str(escape(INJECTED)) and '"' not in str(Markup(text))
    leaflet = read_page(site.content_dir / KEY, site, key=KEY)
    spanish, _strings = localise(leaflet, "es", site)
    spans = [span.text for t in leaflet_texts(spanish) for span in t.spans]
    assert spans and not any(isinstance(value, Markup) or hasattr(value, "__html__")
                             for value in [*spans, spanish.title])


@pytest.mark.skipif("html" not in __import__("publish.renderers").renderers.registry(),
                    reason="no html renderer")
def test_a_translation_cannot_add_an_attribute_to_the_html(site: SiteConfig) -> None:
    """`msgstr "Índice\\" onmouseover=\\"alert(1)\\" data-x=\\""` for "Contents" became
    `aria-label="Índice" onmouseover="alert(1)"`. Parse the HTML built with it, and with
    the same words as a page heading and a side effect."""
    from publish.build import RendererPool, render_page
    from publish.pages import PageRef

    edit(layout.shared_catalog(site, "es"), "Contents", msgstr=INJECTED)
    edit(layout.page_catalog(site, "es", KEY), "Nausea", msgstr=INJECTED)
    pool = RendererPool()
    try:
        [outcome] = render_page(PageRef(site.content_dir / KEY, KEY), site, ["es"], ["html"],
                                pool)
    finally:
        pool.close()
    assert outcome.status == "written", outcome.error
    page = dict(outcome.files)[".html"].decode("utf-8")
    elements = _elements(page)
    assert not [tag for tag, attrs in elements if "onmouseover" in attrs or "data-x" in attrs]
    assert ("nav", {"class": "contents", "aria-label": INJECTED}) in elements
