"""Making and updating a locale's catalogs from the templates (what msginit/msgmerge do).

`update` keeps every translation whose msgid is unchanged; a changed string gets the closest
old translation marked `fuzzy`, with the old msgid kept as `#| msgid` so the translator sees
what changed; strings gone from the template become obsolete (`#~`), kept so a translation
can come back if the text does. Fuzzy is never publishable (see `gate`): the best match for
"two doses" is the translation of "three doses", which is exactly the danger.

Pseudo-locales (`en-XA`) are filled in from the templates on every init and update.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
from dataclasses import dataclass, replace

from publish.catalogs.languages import Language
from publish.catalogs.pofile import Catalog, Entry, order_flags
from publish.catalogs.pseudo import pseudo_entry

FUZZY_CUTOFF = 0.6
"""Similarity (difflib ratio) above which an old translation is offered as fuzzy; msgmerge's
own threshold."""

_PINNED = ("Language", "Plural-Forms", "MIME-Version", "Content-Type",
           "Content-Transfer-Encoding")


@dataclass
class UpdateReport:
    kept: int = 0
    added: int = 0
    fuzzy: int = 0
    obsolete: int = 0

    def __str__(self) -> str:
        return (f"{self.kept} kept, {self.added} new, {self.fuzzy} fuzzy, "
                f"{self.obsolete} obsolete")


def revision_date(now: _dt.datetime | None = None) -> str:
    """`PO-Revision-Date` for a new catalog (SOURCE_DATE_EPOCH makes it reproducible)."""
    if now is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        now = (_dt.datetime.fromtimestamp(int(epoch), _dt.UTC) if epoch and epoch.isdigit()
               else _dt.datetime.now(_dt.UTC))
    return now.strftime("%Y-%m-%d %H:%M%z")


def _header(template: Catalog, lang: Language, base: dict[str, str] | None) -> dict[str, str]:
    header: dict[str, str] = {}
    old = base or {}
    for name, value in template.header.items():
        header[name] = old.get(name, value)
    header["Project-Id-Version"] = template.header.get("Project-Id-Version", "")
    if base is None:
        header["PO-Revision-Date"] = revision_date()
        header["Last-Translator"] = ""
        header["Language-Team"] = lang.english_name
    header["Language"] = lang.gettext_name
    header["Plural-Forms"] = lang.plural_forms
    for name in _PINNED[2:]:
        header[name] = template.header.get(name, header.get(name, ""))
    for name, value in old.items():
        header.setdefault(name, value)
    return header


def _comments(template: Catalog, lang: Language) -> tuple[str, ...]:
    """The template's description, retitled for the language, and how to edit the file."""
    comments = []
    for line in template.header_comments:
        if line.startswith("Made by "):
            break
        comments.append(line)
    prefix = "Translation template for "
    if comments and comments[0].startswith(prefix):
        comments[0] = f"{lang.english_name} translation for {comments[0][len(prefix):]}"
    if lang.pseudo:
        comments.append("Generated from the templates by `publish catalog init/update`: "
                        "never edit, never commit.")
    else:
        comments.append("Translate with any PO editor (Poedit, Weblate, Lokalize); "
                        "`publish catalog update` brings in changes from the pages.")
    return tuple(comments)


def _blank(entry: Entry, lang: Language) -> Entry:
    plural = ("",) * lang.nplurals if entry.msgid_plural is not None else ()
    return replace(entry, msgstr="", msgstr_plural=plural, translator=(), previous_msgid=None,
                   previous_msgctxt=None, obsolete=False, line=0,
                   flags=order_flags([f for f in entry.flags if f != "fuzzy"]))


def init_catalog(template: Catalog, lang: Language) -> Catalog:
    """A new, empty catalog for `lang` (every entry untranslated; pseudo-locales filled)."""
    entries = [_blank(entry, lang) for entry in template.active]
    if lang.pseudo:
        entries = [pseudo_entry(entry, lang.nplurals, lang.locale) for entry in entries]
    return Catalog(header=_header(template, lang, None), entries=entries,
                   header_comments=_comments(template, lang))


def update_catalog(catalog: Catalog, template: Catalog,
                   lang: Language) -> tuple[Catalog, UpdateReport]:
    report = UpdateReport()
    if lang.pseudo:
        fresh = init_catalog(template, lang)
        fresh.header = _header(template, lang, catalog.header)
        report.kept = len(fresh.entries)
        return fresh, report
    active = catalog.index()
    obsolete = {entry.key: entry for entry in catalog.entries if entry.obsolete}
    used: set[tuple[str | None, str]] = set()
    entries: list[Entry] = []
    pending: list[tuple[int, Entry]] = []
    for entry in template.active:
        old = active.get(entry.key) or obsolete.get(entry.key)
        if old is not None:
            used.add(old.key)
            entries.append(_carry(entry, old, lang))
            report.kept += 1
        else:
            pending.append((len(entries), entry))
            entries.append(_blank(entry, lang))
    candidates = [entry for entry in (*active.values(), *obsolete.values())
                  if entry.key not in used and entry.has_translation]
    for position, entry in pending:
        match = _closest(entry, candidates)
        if match is None:
            report.added += 1
            continue
        used.add(match.key)
        entries[position] = replace(
            _blank(entry, lang), msgstr=match.msgstr,
            msgstr_plural=_plurals(match, entry, lang), translator=match.translator,
            previous_msgctxt=match.msgctxt if match.msgctxt != entry.msgctxt else None,
            previous_msgid=match.msgid,
            flags=order_flags(["fuzzy", *[f for f in entry.flags if f != "fuzzy"]]))
        report.fuzzy += 1
    gone = [old for old in catalog.entries if old.key not in used and old.has_translation]
    seen: set[tuple[str | None, str]] = set()
    for old in gone:
        if old.key in seen:
            continue
        seen.add(old.key)
        entries.append(replace(old, obsolete=True, extracted=(), references=(), line=0))
        report.obsolete += 0 if old.obsolete else 1
    updated = Catalog(header=_header(template, lang, catalog.header), entries=entries,
                      header_comments=catalog.header_comments or _comments(template, lang))
    return updated, report


def _carry(entry: Entry, old: Entry, lang: Language) -> Entry:
    """The template's entry (comments, references, flags) with the old translation."""
    flags = [f for f in entry.flags if f != "fuzzy"]
    if old.fuzzy:
        flags.insert(0, "fuzzy")
    return replace(entry, msgstr=old.msgstr, msgstr_plural=_plurals(old, entry, lang),
                   translator=old.translator, obsolete=False, line=0,
                   previous_msgid=old.previous_msgid if old.fuzzy else None,
                   previous_msgctxt=old.previous_msgctxt if old.fuzzy else None,
                   flags=order_flags(flags))


def _plurals(old: Entry, entry: Entry, lang: Language) -> tuple[str, ...]:
    if entry.msgid_plural is None:
        return ()
    forms = list(old.msgstr_plural[:lang.nplurals])
    forms += [""] * (lang.nplurals - len(forms))
    return tuple(forms)


def _closest(entry: Entry, candidates: list[Entry]) -> Entry | None:
    best: Entry | None = None
    best_ratio = FUZZY_CUTOFF
    for candidate in candidates:
        if (candidate.msgid_plural is None) != (entry.msgid_plural is None):
            continue
        matcher = difflib.SequenceMatcher(None, entry.msgid, candidate.msgid, autojunk=False)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if candidate.msgctxt != entry.msgctxt:
            ratio -= 0.01  # prefer the same context when two matches are equally close
        if ratio > best_ratio:
            best, best_ratio = candidate, ratio
    return best
