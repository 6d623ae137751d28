"""Templates: one `.pot` per page and one shared `.pot`, deterministic to the byte.

A page template holds every text unit of the page once (the same words twice are one entry
with two references). References are `page.md#unit-id`, never line numbers: ids come from the
section, the role and the words, so adding a paragraph changes only the lines of the new
entry. Extracted comments name the medicine, the section and the role; the disclaimer and the
AI note carry `SAFETY:`. No creation date is written, so the same page always gives the same
bytes (version control records when a template changed).

The shared template holds what every page uses: the common section headings, the site-wide
disclaimer and AI note (`[site]` in publish.toml), and the strings that renderers and themes
add of their own, extracted with Babel from the Python sources (`gettext`, `pgettext`,
`ngettext` calls) and from the Jinja2 templates of every theme (Babel's jinja2 extractor).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from publish.catalogs.inline import collapse
from publish.catalogs.pofile import Catalog, Entry, order_flags
from publish.catalogs.units import (
    SHARED,
    SHARED_HEADINGS,
    Unit,
    leaflet_units,
    name_units,
    site_msgids,
)
from publish.config import SiteConfig
from publish.errors import CatalogError
from publish.model import Leaflet, Span, spans_to_markdown
from publish.resources import builtin_themes_dir
from publish.strings import SITE_NAME_CONTEXT

TEMPLATE_HEADER = {
    "Project-Id-Version": "",
    "Report-Msgid-Bugs-To": "",
    "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE",
    "Last-Translator": "FULL NAME <EMAIL@ADDRESS>",
    "Language-Team": "LANGUAGE <LL@li.org>",
    "Language": "",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=INTEGER; plural=EXPRESSION;",
}

SAFETY_COMMENTS = {
    "disclaimer": "SAFETY: the disclaimer. Translate all of it, faithfully: the leaflet is "
                  "not published in your language until this entry is translated, not "
                  "fuzzy, and its translation approved by a safety reviewer.",
    "ai_note": "SAFETY: the note that this text is AI-generated or crowd-sourced. Translate "
               "all of it, faithfully: the leaflet is not published in your language until "
               "this entry is translated, not fuzzy, and its translation approved by a "
               "safety reviewer.",
}
MARKDOWN_COMMENT = ("Markdown: keep the marks (**bold**, *italic*, <sub>, <sup>) around the "
                    "matching words; write \\* for a literal asterisk.")
SAFETY_TAG = "SAFETY"
"""A translator comment starting with this marks a renderer string as a safety text."""


def page_comments(unit: Unit, medicine: str) -> list[str]:
    lines = []
    if unit.safety:
        lines.append(SAFETY_COMMENTS[unit.safety])
    lines.append(f"Medicine: {medicine}")
    if unit.section:
        lines.append(f"Section: {unit.section}")
    elif unit.category not in ("name", "safety"):
        lines.append("Section: (before the first section)")
    lines.append(f"Role: {unit.role}")
    if unit.markdown:
        lines.append(MARKDOWN_COMMENT)
    return lines


def template_header(project: str, comments: tuple[str, ...]) -> Catalog:
    header = dict(TEMPLATE_HEADER)
    header["Project-Id-Version"] = project
    return Catalog(header=header, header_comments=comments, header_fuzzy=True)


def page_template(leaflet: Leaflet, config: SiteConfig) -> Catalog:
    """The template of one page: its own units, each once, in reading order."""
    medicine = collapse(leaflet.title) or leaflet.source
    catalog = template_header(
        f"{config.site['name']}: {leaflet.source}",
        (f"Translation template for the medicine page {leaflet.source} ({medicine}).",
         "Made by `publish catalog extract` from the page: change the page, not this file.",
         "One entry is one block of the page: a heading, a paragraph, a list item, an FAQ",
         "question or one paragraph of its answer."))
    by_key: dict[tuple[str | None, str], _Pending] = {}
    for unit in name_units(leaflet) + leaflet_units(leaflet, site_msgids(config)):
        if unit.domain == SHARED:
            continue
        reference = f"{leaflet.source}#{unit.text_id}"
        pending = by_key.get(unit.key)
        if pending is None:
            pending = by_key[unit.key] = _Pending(unit, page_comments(unit, medicine))
        elif unit.role != pending.unit.role and f"Also: {unit.role}" not in pending.comments:
            pending.comments.append(f"Also: {unit.role}")
        if reference not in pending.references:
            pending.references.append(reference)
        if unit.safety and not pending.unit.safety:
            pending.comments.insert(0, SAFETY_COMMENTS[unit.safety])
    for pending in by_key.values():
        catalog.entries.append(Entry(
            msgid=pending.unit.msgid, msgctxt=pending.unit.msgctxt,
            extracted=tuple(pending.comments), references=tuple(pending.references)))
    return catalog


@dataclass
class _Pending:
    unit: Unit
    comments: list[str]
    references: list[str] = field(default_factory=list)


# --- shared template --------------------------------------------------------------------------

_BRACE_FIELD = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_]\w*)?(?:![rsa])?"
                          r"(?::[^{}]*)?\}(?!\})")

SOURCE_PATTERNS = ("publish/**/*.py",)
"""Python sources scanned for `gettext("…")`-style calls, relative to the project root."""
THEME_PATTERNS = ("*.html", "*.htm", "*.j2", "*.jinja", "*.xml", "*.txt", "*.svg")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3), "N_": None}


def code_root() -> Path:
    """The folder holding the `publish` package (its strings ship with the code)."""
    return Path(__file__).resolve().parents[2]


def theme_roots(config: SiteConfig) -> list[Path]:
    """Theme folders: the bundled ones and the site's own `themes/` (when different)."""
    roots = []
    for root in (builtin_themes_dir(), config.root / "themes"):
        if root.is_dir() and root.resolve() not in [r.resolve() for r in roots]:
            roots.append(root)
    return roots


def shared_template(config: SiteConfig) -> Catalog:
    catalog = template_header(
        f"{config.site['name']}: shared strings",
        ("Translation template for what every leaflet shares: section headings, the",
         "site-wide disclaimer and AI note, and the words that the PDF, HTML, SMS and",
         "audio outputs add of their own (page numbers, labels, short safety forms).",
         "Made by `publish catalog extract`: change the code or publish.toml, not this file."))
    entries: dict[tuple[str | None, str], Entry] = {}

    def add(entry: Entry) -> None:
        existing = entries.get(entry.key)
        if existing is None:
            entries[entry.key] = entry
            return
        comments = existing.extracted + tuple(c for c in entry.extracted
                                              if c not in existing.extracted)
        references = existing.references + tuple(r for r in entry.references
                                                 if r not in existing.references)
        flags = order_flags(list(existing.flags) + list(entry.flags))
        entries[entry.key] = Entry(msgid=existing.msgid, msgctxt=existing.msgctxt,
                                   msgid_plural=existing.msgid_plural or entry.msgid_plural,
                                   msgstr_plural=existing.msgstr_plural,
                                   extracted=comments, references=references, flags=flags)

    for heading in SHARED_HEADINGS:
        add(Entry(msgid=heading, extracted=(
            "Section heading, shared by every leaflet that has this section.",),
            references=("publish/catalogs/units.py",)))
    for key, name in (("disclaimer", "disclaimer"), ("ai_note", "ai_note")):
        # the reader makes site texts one plain span, so the msgid is built the same way
        msgid = spans_to_markdown((Span(config.site[key]),))
        add(Entry(msgid=msgid, extracted=(
            SAFETY_COMMENTS[name],
            f"The site-wide text ([site] {key} in publish.toml), used on every page "
            "that has none of its own."), references=("publish.toml",)))
    add(Entry(msgid=config.site["name"], msgctxt=SITE_NAME_CONTEXT, extracted=(
        "The site's name ([site] name in publish.toml): at the top and foot of every web "
        "page, the e-book's publisher and the audio's album. Leave it as it is if the name "
        "is not translated.",), references=("publish.toml",)))
    root = code_root()
    for path in _sources(root):
        for entry in extract_python(path, root):
            add(entry)
    for theme in theme_roots(config):
        for path in _theme_files(theme):
            for entry in extract_jinja(path, theme.parent):
                add(entry)
    catalog.entries.extend(entries.values())
    return catalog


def _sources(root: Path) -> list[Path]:
    found: set[Path] = set()
    for pattern in SOURCE_PATTERNS:
        found.update(path for path in root.glob(pattern) if "__pycache__" not in path.parts)
    return sorted(found)


def _theme_files(theme_root: Path) -> list[Path]:
    found: set[Path] = set()
    for pattern in THEME_PATTERNS:
        found.update(theme_root.rglob(pattern))
    return sorted(found)


def _code_entry(message: str | tuple[str, ...], context: str | None, comments: list[str],
                reference: str, percent_format: bool) -> Entry | None:
    if isinstance(message, tuple):
        singular, plural = message[0], message[1] if len(message) > 1 else None
    else:
        singular, plural = message, None
    if not singular:
        return None
    texts = [singular] + ([plural] if plural else [])
    flags = []
    if any(_BRACE_FIELD.search(text) for text in texts):
        flags.append("python-brace-format")
    if percent_format:
        # Jinja2's new-style gettext applies % to every string it translates, fields or not
        # (a lone % in a translation is an error there): msgfmt -c and the gate check them
        flags.append("python-format")
    extracted = tuple(_strip_tag(collapse(comment)) for comment in comments
                      if _strip_tag(collapse(comment)))
    tagged = [c for c in extracted if c.upper().startswith(SAFETY_TAG)]
    if tagged:
        notes = [c[len(SAFETY_TAG):].lstrip(" :") for c in tagged]
        rest = [c for c in extracted if c not in tagged]
        extracted = (f"{SAFETY_TAG}: a safety text. Translate it completely and faithfully: "
                     "no leaflet is published in your language until its translation is "
                     "approved by a safety reviewer.",
                     *[note for note in notes if note], *rest)
    return Entry(msgid=singular, msgctxt=context, msgid_plural=plural,
                 extracted=extracted, references=(reference,), flags=order_flags(flags))


def _strip_tag(comment: str) -> str:
    # Babel would strip every tag, SAFETY included; only the TRANSLATORS: tag is noise
    if comment.upper().startswith("TRANSLATORS:"):
        return comment[len("TRANSLATORS:"):].strip()
    return comment


def extract_python(path: Path, root: Path) -> list[Entry]:
    from babel.messages.extract import extract_from_file

    reference = path.relative_to(root).as_posix()
    try:
        found = extract_from_file("python", str(path), keywords=KEYWORDS,
                                  comment_tags=("TRANSLATORS:", SAFETY_TAG))
    except SyntaxError as error:
        raise CatalogError(f"cannot extract strings: {error.msg}", path, error.lineno) from None
    entries = []
    for _line, message, comments, context in found:
        # Renderers fill `{name}` fields with str.format after translation: never %.
        entry = _code_entry(message, context, list(comments), reference,
                            percent_format=False)
        if entry is not None:
            entries.append(entry)
    return entries


def extract_jinja(path: Path, base: Path) -> list[Entry]:
    from babel.messages.extract import extract as babel_extract
    from jinja2 import TemplateSyntaxError
    from jinja2.ext import babel_extract as jinja_extract

    reference = path.relative_to(base).as_posix()
    options = {"trim_blocks": "true", "lstrip_blocks": "true", "silent": "false",
               "extensions": "jinja2.ext.i18n"}
    entries = []
    with path.open("rb") as handle:
        try:
            found = list(babel_extract(jinja_extract, handle, keywords=KEYWORDS,
                                       comment_tags=("TRANSLATORS:", SAFETY_TAG),
                                       options=options))
        except TemplateSyntaxError as error:
            raise CatalogError(f"cannot extract strings from template: {error.message}",
                               path, error.lineno) from None
    for _line, message, comments, context in found:
        # Jinja2's new-style gettext applies % formatting to every string it translates.
        entry = _code_entry(message, context, list(comments), reference, percent_format=True)
        if entry is not None:
            entries.append(entry)
    return entries


__all__ = ["page_template", "shared_template"]
