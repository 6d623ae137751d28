"""XLIFF 1.2 and TMX: the catalogs of a locale for CAT tools (Trados, memoQ, OmegaT, Poedit,
Weblate), and their translations back into the `.po` files.

**XLIFF**: one file per locale (`<locale>.xlf`) with one `<file>` element per catalog
(`original="shared.po"`, `original="pages/n/naltrexone.po"`), as CAT tools take a job: one
package per target language, in which the tool's own repetition count and memory work across
every page. Each PO entry is a `<trans-unit>` whose `id` is derived from msgctxt and msgid (so
it is the same in every export), `resname` its msgctxt, `<source>` the msgid, `<target>` the
translation; plural entries are a `<group restype="x-gettext-plurals">` of one unit per form
(`id[0]`, `id[1]`…), the convention translate-toolkit and Okapi use. Extracted comments (the
`SAFETY:` notes) are `<note from="developer">`, translator comments `<note from="translator">`,
references a `po-reference` context group. A translated entry is `approved="yes"` with
`state="translated"`, a fuzzy one `approved="no"` with `state="needs-review-translation"`.

**TMX**: the locale's translated, non-fuzzy entries as a translation memory (written with
translate-toolkit's `tmxfile`), msgctxt as the unit's context.

**Import** takes any number of XLIFF or TMX files. Their text is untrusted exactly like a PO
file's: files are read bounded, parsed with entity expansion, DTD loading and the network off
(an entity declaration is refused before parsing: no XXE, no billion laughs), and every
translation passes the gate's own checks (`publish.catalogs.checks.entry_problem`: numbers,
units, markup, invisible characters, placeholders, inline marks, plural count) before it is
written. A refused unit is named by file, line and unit id and leaves the `.po` entry as it
was. Only translations, translator comments and the fuzzy state are taken: msgids, extracted
comments and references are the tool's, so an edited source or a deleted `SAFETY:` note in a
CAT tool changes nothing. A changed safety translation is written, and the gate withholds it
until a reviewer approves it (`publish catalog approve`). Catalogs are written atomically.
A TMX only fills untranslated entries, as fuzzy: a memory offers, a translator decides.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from publish.catalogs import layout
from publish.catalogs.checks import UNTRANSLATED, entry_problem, plural_count_problems
from publish.catalogs.languages import language
from publish.catalogs.pofile import Catalog, Entry, Key, order_flags, read_bounded, read_po, save
from publish.catalogs.safety import is_marked, load_approvals, site_keys
from publish.config import SiteConfig
from publish.errors import CatalogError
from publish.files import write_file_atomic

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
_XLIFF_NAMESPACES = (XLIFF_NS, "urn:oasis:names:tc:xliff:document:1.1")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
PLURALS = "x-gettext-plurals"
TRANSLATED, NEEDS_REVIEW = "translated", "needs-review-translation"
_FUZZY_STATES = frozenset({"new", "needs-translation", "needs-adaptation", "needs-l10n",
                           "needs-review-translation", "needs-review-adaptation",
                           "needs-review-l10n"})
_TRANSLATOR_NOTES = frozenset({"translator", "po-translator"})
MAX_FACTOR = 16
"""An exchange file may be this many times `[catalog] max_catalog_bytes` (one file holds a
locale's every catalog)."""
# an internal DTD subset (`<!DOCTYPE x [ … ]>`) or any entity declaration: refused unread
_DECLARATIONS = re.compile(r"<!ENTITY|<!DOCTYPE[^>\[]*\[")


def unit_id(entry: Entry) -> str:
    """A stable id for an entry: the same msgctxt and msgid give the same id in every export."""
    key = (entry.msgctxt or "") + ("\x04" if entry.msgctxt is not None else "") + entry.msgid
    return "u" + hashlib.blake2b(key.encode("utf-8"), digest_size=6).hexdigest()


def _catalogs(config: SiteConfig, locale: str, pages: list[str] | None) -> list[Path]:
    folder = layout.messages_dir(config, locale)
    if not folder.is_dir():
        raise CatalogError(f"no catalogs for locale {locale!r}: run `publish catalog init "
                           f"--locale {locale}`", layout.display(folder, config))
    shared = layout.shared_catalog(config, locale)
    if pages is not None:
        chosen = [layout.page_catalog(config, locale, key) for key in pages]
        return [path for path in [shared, *chosen] if path.is_file()]
    found = sorted((folder / layout.PAGES).rglob("*.po")) if (folder / layout.PAGES).is_dir() \
        else []
    return [path for path in [shared, *found] if path.is_file()]


def _original(config: SiteConfig, locale: str, path: Path) -> str:
    return path.relative_to(layout.messages_dir(config, locale)).as_posix()


# --- export -----------------------------------------------------------------------------------


def export_xliff(config: SiteConfig, locale: str, out_dir: Path,
                 pages: list[str] | None = None) -> Path:
    """Write `<out_dir>/<locale>.xlf` (XLIFF 1.2) with every catalog of the locale."""
    from lxml import etree

    limit = int(config.table("catalog")["max_catalog_bytes"])
    root = etree.Element(f"{{{XLIFF_NS}}}xliff", nsmap={None: XLIFF_NS}, version="1.2")
    for path in _catalogs(config, locale, pages):
        catalog = read_po(path, limit, config.locales_dir)
        file_node = etree.SubElement(root, f"{{{XLIFF_NS}}}file", {
            "original": _original(config, locale, path), "source-language":
            config.source_language, "target-language": locale, "datatype": "po"})
        body = etree.SubElement(file_node, f"{{{XLIFF_NS}}}body")
        for entry in catalog.active:
            _add_unit(body, entry)
    data = etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    target = out_dir / f"{locale}.xlf"
    write_file_atomic(target, data)
    return target


def _element(parent, tag: str, text: str | None = None, **attributes: str):  # type: ignore[no-untyped-def]
    from lxml import etree

    node = etree.SubElement(parent, f"{{{XLIFF_NS}}}{tag}", attributes)
    if text is not None:
        node.text = text
    return node


def _add_unit(body, entry: Entry) -> None:  # type: ignore[no-untyped-def]
    ident = unit_id(entry)
    named = {"resname": entry.msgctxt} if entry.msgctxt is not None else {}
    if entry.msgid_plural is None:
        _trans_unit(body, ident, named, entry.msgid, entry.msgstr, entry, notes=True)
        return
    group = _element(body, "group", id=ident, restype=PLURALS, **named)
    group.set(_XML_SPACE, "preserve")  # notes keep their line breaks
    _context_and_notes(group, entry)
    forms = entry.msgstr_plural or ("", "")
    for index, form in enumerate(forms):
        _trans_unit(group, f"{ident}[{index}]", {},
                    entry.msgid if index == 0 else entry.msgid_plural, form, entry, notes=False)


def _trans_unit(parent, ident: str, named: dict[str, str], source: str, target: str,  # type: ignore[no-untyped-def]
                entry: Entry, *, notes: bool) -> None:
    attributes = {"id": ident, **named}
    if target:
        attributes["approved"] = "no" if entry.fuzzy else "yes"
    unit = _element(parent, "trans-unit", **attributes)
    unit.set(_XML_SPACE, "preserve")
    _element(unit, "source", source)
    if target:
        _element(unit, "target", target, state=NEEDS_REVIEW if entry.fuzzy else TRANSLATED)
    if notes:
        _context_and_notes(unit, entry)


def _context_and_notes(node, entry: Entry) -> None:  # type: ignore[no-untyped-def]
    # XLIFF 1.2 order: context groups, then notes
    for reference in entry.references:  # one group per reference, as po2xliff writes them
        group = _element(node, "context-group", name="po-reference", purpose="location")
        _element(group, "context", reference, **{"context-type": "sourcefile"})
    if entry.extracted:
        _element(node, "note", "\n".join(entry.extracted), **{"from": "developer"})
    if entry.translator:
        _element(node, "note", "\n".join(entry.translator), **{"from": "translator"})


def export_tmx(config: SiteConfig, locale: str, out_dir: Path,
               pages: list[str] | None = None) -> tuple[Path, int]:
    """Write `<out_dir>/<locale>.tmx`: every translated, non-fuzzy entry once per distinct
    (msgctxt, source, translation). Plural entries give one unit per form."""
    from translate.storage.tmx import tmxfile

    limit = int(config.table("catalog")["max_catalog_bytes"])
    store = tmxfile(sourcelanguage=config.source_language, targetlanguage=locale)
    seen: set[tuple[str | None, str, str]] = set()
    for path in _catalogs(config, locale, pages):
        for entry in read_po(path, limit, config.locales_dir).active:
            if not entry.translated:
                continue
            if entry.msgid_plural is None:
                pairs = [(entry.msgid, entry.msgstr)]
            else:
                pairs = [(entry.msgid if index == 0 else entry.msgid_plural, form)
                         for index, form in enumerate(entry.msgstr_plural)]
            for source, target in pairs:
                if (entry.msgctxt, source, target) in seen:
                    continue
                seen.add((entry.msgctxt, source, target))
                store.addtranslation(source, config.source_language, target, locale,
                                     context=entry.msgctxt)
    target_path = out_dir / f"{locale}.tmx"
    write_file_atomic(target_path, bytes(store))
    return target_path, len(seen)


# --- reading untrusted exchange files ---------------------------------------------------------


def parse_exchange(path: Path, config: SiteConfig):  # type: ignore[no-untyped-def]
    """The root element of an XLIFF or TMX file, read bounded and parsed safely."""
    from lxml import etree

    limit = int(config.table("catalog")["max_catalog_bytes"]) * MAX_FACTOR
    text = read_bounded(path, limit, None)
    declared = _DECLARATIONS.search(text)
    if declared is not None:
        line = text.count("\n", 0, declared.start()) + 1
        raise CatalogError("refused: the file declares XML entities or a DTD subset (entity "
                           "expansion and external entities are never read)", path, line)
    try:
        root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
            remove_comments=True, remove_pis=True))
    except etree.XMLSyntaxError as error:
        message = str(error).split("\n", 1)[0]
        raise CatalogError(f"not well-formed XML: {message}", path,
                           error.lineno or None) from None
    return root


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(node) -> str:  # type: ignore[no-untyped-def]
    return "".join(node.itertext()) if node is not None else ""


@dataclass
class ImportReport:
    written: list[Path] = field(default_factory=list)
    unchanged: int = 0
    updated: int = 0
    refused: list[str] = field(default_factory=list)
    """One line per refused unit or file: `file:line: unit ID (catalog): reason`."""
    pending: list[str] = field(default_factory=list)
    """Safety translations changed by the import: withheld until approved."""

    @property
    def ok(self) -> bool:
        return not self.refused


@dataclass(frozen=True)
class Incoming:
    """One translation read from an exchange file."""

    key: Key
    forms: tuple[str, ...]
    plural: bool
    fuzzy: bool
    translator: tuple[str, ...] | None
    unit: str
    line: int


def import_files(config: SiteConfig, paths: list[Path], locale: str | None = None,
                 ) -> ImportReport:
    report = ImportReport()
    for path in paths:
        try:
            root = parse_exchange(path, config)
            kind = _local(root.tag)
            if kind == "xliff":
                _import_xliff(config, path, root, locale, report)
            elif kind == "tmx":
                _import_tmx(config, path, locale, report)
            else:
                raise CatalogError(f"not XLIFF or TMX (root element <{kind}>)", path)
        except CatalogError as error:
            report.refused.append(str(error))
    return report


def _import_xliff(config: SiteConfig, path: Path, root, locale: str | None,  # type: ignore[no-untyped-def]
                  report: ImportReport) -> None:
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if namespace not in _XLIFF_NAMESPACES:
        raise CatalogError(f"XLIFF {root.get('version', '?')} ({namespace or 'no namespace'}) "
                           "is not supported: export XLIFF 1.2 from your tool", path)
    for file_node in root.iterchildren(f"{{{namespace}}}file"):
        target = _file_locale(file_node.get("target-language"), locale, path,
                              file_node.sourceline)
        original = file_node.get("original", "")
        catalog_path = _catalog_path(config, target, original, path, file_node.sourceline)
        incoming = list(_xliff_units(file_node, namespace))
        _apply(config, target, catalog_path, incoming, f"{path}", report, fill_only=False)


def _file_locale(given: str | None, chosen: str | None, path: Path, line: int) -> str:
    from publish.locale import Locale

    if not given and not chosen:
        raise CatalogError("no target-language: give --locale", path, line)
    try:
        tag = Locale.parse(given).tag if given else None
    except Exception as error:  # noqa: BLE001 — Locale.parse raises the config family
        raise CatalogError(f"target-language {given!r} is not a locale ({error})",
                           path, line) from None
    if chosen and tag and tag != chosen:
        raise CatalogError(f"target-language is {tag}, not {chosen}", path, line)
    return chosen or str(tag)


def _catalog_path(config: SiteConfig, locale: str, original: str, path: Path,
                  line: int) -> Path:
    """The catalog a `<file original=…>` names: `shared.po` or `pages/<page>.po` of the
    locale, never anything else (no `..`, no absolute path, no other suffix)."""
    parts = PurePosixPath(original).parts
    folder = layout.messages_dir(config, locale)
    if original == f"{layout.SHARED}.po":
        catalog = folder / original
    elif (len(parts) >= 2 and parts[0] == layout.PAGES and original.endswith(".po")
          and layout.catalog_stem("/".join(parts[1:])[:-3] + ".md") == "/".join(parts[1:])[:-3]):
        catalog = folder / original
    else:
        raise CatalogError(f"<file original={original!r}> names no catalog of the locale "
                           "(shared.po or pages/<page>.po)", path, line)
    if not catalog.is_file():
        raise CatalogError(f"<file original={original!r}>: {locale} has no such catalog (run "
                           f"`publish catalog update --locale {locale}`)", path, line)
    return catalog


def _xliff_units(file_node, namespace: str):  # type: ignore[no-untyped-def]
    def tag(name: str) -> str:
        return f"{{{namespace}}}{name}"

    for node in file_node.iter(tag("trans-unit"), tag("group")):
        parent = node.getparent()
        if node.tag == tag("trans-unit") and parent is not None \
                and parent.tag == tag("group") and parent.get("restype") == PLURALS:
            continue  # a plural form: read with its group
        if node.tag == tag("group") and node.get("restype") != PLURALS:
            continue
        units = ([child for child in node.iterchildren(tag("trans-unit"))]
                 if node.tag == tag("group") else [node])
        if not units:
            continue
        targets = [unit.find(tag("target")) for unit in units]
        forms = tuple(_text(target) for target in targets)
        if not any(forms):
            continue  # nothing translated in the tool: the catalog keeps what it has
        fuzzy = any(_unit_fuzzy(unit, target) for unit, target in zip(units, targets))
        notes = [note for item in [node, *units] for note in item.iterchildren(tag("note"))
                 if note.get("from") in _TRANSLATOR_NOTES]
        translator = tuple("\n".join(_text(note) for note in notes).split("\n")) \
            if notes else None
        yield Incoming((node.get("resname"), _text(units[0].find(tag("source")))), forms,
                       node.tag == tag("group"), fuzzy, translator, node.get("id", "?"),
                       node.sourceline or 0)


def _unit_fuzzy(unit, target) -> bool:  # type: ignore[no-untyped-def]
    state = target.get("state") if target is not None else None
    approved = unit.get("approved")
    if approved == "no" or state in _FUZZY_STATES:
        return True
    return state is None and approved != "yes"


def _import_tmx(config: SiteConfig, path: Path, locale: str | None,
                report: ImportReport) -> None:
    from translate.storage.tmx import tmxfile

    if locale is None:
        raise CatalogError("a TMX names no catalog: give --locale", path)
    store = tmxfile.parsestring(read_bounded(path, int(config.table("catalog")[
        "max_catalog_bytes"]) * MAX_FACTOR, None).encode("utf-8"), None, locale)
    memory: dict[Key, Incoming] = {}
    for unit in store.units:
        source, target = str(unit.source or ""), str(unit.target or "")
        if source and target:
            key = (unit.getcontext() or None, source)
            memory.setdefault(key, Incoming(key, (target,), False, True, None,
                                            unit.getid() or "?", 0))
    for catalog_path in _catalogs(config, locale, None):
        _apply(config, locale, catalog_path, list(memory.values()), str(path), report,
               fill_only=True)


# --- writing imported translations ------------------------------------------------------------


def _apply(config: SiteConfig, locale: str, catalog_path: Path, incoming: list[Incoming],
           source: str, report: ImportReport, *, fill_only: bool) -> None:
    limit = int(config.table("catalog")["max_catalog_bytes"])
    catalog = read_po(catalog_path, limit, config.locales_dir)
    nplurals = language(locale).nplurals
    shown = layout.display(catalog_path, config)
    is_shared = catalog_path == layout.shared_catalog(config, locale)
    approvals = load_approvals(config, locale)
    safety = set(approvals.keys) | (site_keys(config) if is_shared else set())
    index = {entry.key: position for position, entry in enumerate(catalog.entries)
             if not entry.obsolete}
    changed = 0
    for item in incoming:
        position = index.get(item.key)
        where = f"{source}:{item.line}: unit {item.unit} ({shown})"
        if position is None:
            if not fill_only:
                report.refused.append(f"{where}: its source is not in the catalog (the page "
                                      "changed? export again)")
            continue
        old = catalog.entries[position]
        if fill_only and old.has_translation:
            continue
        if item.plural != (old.msgid_plural is not None):
            if fill_only:
                continue  # a memory has no plural entries
            report.refused.append(f"{where}: refused: plural and singular do not match")
            continue
        candidate = replace(old, msgstr="" if item.plural else item.forms[0],
                            msgstr_plural=item.forms if item.plural else (),
                            flags=order_flags([f for f in old.flags if f != "fuzzy"]),
                            translator=old.translator if item.translator is None
                            else item.translator)
        problem = _problem(candidate, nplurals, locale, is_shared)
        if problem is not None:
            report.refused.append(f"{where}: refused: {problem}")
            continue
        if item.fuzzy:
            candidate = candidate.with_flags("fuzzy")
        else:
            candidate = replace(candidate, previous_msgid=None, previous_msgctxt=None)
        if candidate == old:
            continue
        catalog.entries[position] = candidate
        changed += 1
        if (is_marked(old) or old.key in safety) and not approvals.approves(candidate) \
                and not item.fuzzy:
            report.pending.append(f"{where}: safety translation changed: withheld until a "
                                  f"reviewer approves it (`publish catalog approve --locale "
                                  f"{locale}`)")
    report.updated += changed
    if changed and save(Catalog(catalog.header, catalog.entries, catalog.header_comments,
                                catalog.header_fuzzy), catalog_path):
        report.written.append(catalog_path)
    elif not changed:
        report.unchanged += 1


def _problem(entry: Entry, nplurals: int, locale: str, is_shared: bool) -> str | None:
    """What the gate would refuse in this translation (fuzzy or not: a CAT tool's text is
    checked before it reaches a catalog at all)."""
    if plural_count_problems([entry], nplurals):
        return f"{len(entry.msgstr_plural)} plural forms, {locale} has {nplurals}"
    problem = entry_problem(entry, formatted=is_shared)
    return None if problem in (None, UNTRANSLATED) else problem
