"""Safety translations locked by review: what the gate trusts a translated safety text by.

The publication gate can check that a translation keeps its numbers and marks, not that it
says what the source says: "Take as much as you like: it is perfectly safe." is a well-formed
translation of the disclaimer. So every **safety string** (the disclaimer and the AI note of
pages and site, their headings, the PDF safety line, the SMS short forms, the spoken notice:
entries whose template comment starts `SAFETY:`) is published in a locale only when its exact
translation has been approved by a reviewer and recorded in the repository:

    locales/<locale>/safety-approved.toml

Each record holds the msgctxt, msgid and translation, their SHA-256, the reviewer and the
date; the gate compares hashes, so any change to the source or to the translation withholds
every page that carries it (with a message naming the entry) until someone approves it again
with `publish catalog approve --locale xx`. A record whose hash does not match its texts is
an error: it was edited by hand. Deleting a record revokes it.

Which entries are safety strings is decided by the tool, not the translator: the template's
`SAFETY:` comments (made from the code and the pages), the page's own disclaimer and AI note
(from the content model), the site texts of `publish.toml`, and every entry approved once (an
approved key stays a safety string even if a comment is lost). A catalog's own `#. SAFETY`
comment only adds entries. Pseudo-locales (`en-XA`) need no approval: their translation is
computed from the msgid, and only that exact text passes.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from publish.catalogs import layout
from publish.catalogs.checks import entry_problem
from publish.catalogs.pofile import Entry, Key, read_bounded
from publish.catalogs.translations import load_messages
from publish.catalogs.units import site_msgids
from publish.config import SiteConfig
from publish.errors import CatalogError
from publish.files import StampCache, stat_stamp, write_if_changed
from publish.pages import sanitise_part

APPROVALS_FILE = "safety-approved.toml"
SAFETY_PREFIX = "SAFETY:"
UNAPPROVED = "safety translation not approved"
ID_LENGTH = 12
"""Characters of the hash shown as an entry's id (`publish catalog approve … ID`)."""
_FIELDS = {"sha256", "msgctxt", "msgid", "msgid_plural", "msgstr", "msgstr_plural",
           "reviewer", "date"}


def is_marked(entry: Entry | None) -> bool:
    """The entry carries a `SAFETY:` comment (its template's, or the catalog's own)."""
    return entry is not None and any(comment.startswith(SAFETY_PREFIX)
                                     for comment in entry.extracted)


def translation_digest(msgctxt: str | None, msgid: str, msgid_plural: str | None,
                       forms: Iterable[str]) -> str:
    """SHA-256 of what a reviewer approves: the context, the source and every form of the
    translation (JSON, so no two different inputs give the same bytes)."""
    data = json.dumps([msgctxt, msgid, msgid_plural, list(forms)], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def entry_digest(entry: Entry) -> str:
    forms = entry.msgstr_plural if entry.msgid_plural is not None else (entry.msgstr,)
    return translation_digest(entry.msgctxt, entry.msgid, entry.msgid_plural, forms)


@dataclass(frozen=True)
class Approval:
    sha256: str
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    forms: tuple[str, ...]
    reviewer: str
    date: str


@dataclass(frozen=True)
class Approvals:
    """The approved safety translations of one locale."""

    path: Path
    locale: str
    records: tuple[Approval, ...] = ()
    digests: frozenset[str] = frozenset()
    keys: frozenset[Key] = frozenset()
    """Keys approved once: they stay safety strings whatever their comments say."""
    pseudo_plurals: int | None = None
    """nplurals of a pseudo-locale (its translations are checked by recomputing them)."""

    def approves(self, entry: Entry) -> bool:
        if self.pseudo_plurals is not None:
            from publish.catalogs.pseudo import pseudo_entry

            expected = pseudo_entry(entry, self.pseudo_plurals, self.locale)
            return (expected.msgstr, expected.msgstr_plural) == (entry.msgstr,
                                                                  entry.msgstr_plural)
        return entry_digest(entry) in self.digests


def approvals_path(config: SiteConfig, locale: str) -> Path:
    return config.locales_dir / sanitise_part(locale) / APPROVALS_FILE


_CACHE: StampCache[Approvals] = StampCache()


def load_approvals(config: SiteConfig, locale: str) -> Approvals:
    """The locale's approvals (none when the file does not exist); `CatalogError` for a file
    that cannot be trusted: not TOML, a record that does not match its hash, a link out of
    the locale folder, larger than `[catalog] max_catalog_bytes`."""
    from publish.catalogs.languages import language

    path = approvals_path(config, locale)
    lang = language(locale)
    pseudo = lang.nplurals if lang.pseudo else None
    try:
        stat = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise CatalogError("a link to nothing where the safety approvals should be",
                               path) from None
        return Approvals(path, locale, pseudo_plurals=pseudo)
    limit = int(config.table("catalog")["max_catalog_bytes"])

    def parse() -> Approvals:
        records = parse_approvals(read_bounded(path, limit, config.locales_dir), path)
        return Approvals(path, locale, records,
                         frozenset(record.sha256 for record in records),
                         frozenset((record.msgctxt, record.msgid) for record in records),
                         pseudo)

    return _CACHE.get_stamped((path, limit), (stat_stamp(stat),), parse)


def parse_approvals(text: str, path: Path) -> tuple[Approval, ...]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"not valid TOML: {error}", path) from None
    unknown = sorted(set(data) - {"approved"})
    if unknown:
        raise CatalogError(f"unknown table or key {unknown[0]!r} (expected [[approved]])", path)
    items = data.get("approved", [])
    if not isinstance(items, list):
        raise CatalogError("'approved' must be a list of [[approved]] tables", path)
    # tomllib gives no line numbers: the n-th [[approved]] header is the n-th record
    lines = [number for number, line in enumerate(text.splitlines(), 1)
             if line.strip().replace(" ", "") == "[[approved]]"]
    records = []
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else None
        records.append(_record(item, path, line))
    return tuple(records)


def _record(item: object, path: Path, line: int | None) -> Approval:
    if not isinstance(item, dict):
        raise CatalogError("an approval must be a table", path, line)
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        raise CatalogError(f"unknown key {unknown[0]!r} in an approval", path, line)
    texts = {key: item.get(key) for key in ("sha256", "msgid", "reviewer", "date")}
    for key, value in texts.items():
        if not isinstance(value, str) or not value.strip():
            raise CatalogError(f"approval without {key}", path, line)
    msgctxt = item.get("msgctxt")
    plural = item.get("msgid_plural")
    forms = item.get("msgstr_plural") if plural is not None else [item.get("msgstr")]
    if (msgctxt is not None and not isinstance(msgctxt, str)) or (
            plural is not None and not isinstance(plural, str)) or not isinstance(forms, list) \
            or not forms or not all(isinstance(form, str) for form in forms):
        raise CatalogError("approval with a wrong msgctxt, msgid_plural, msgstr or "
                           "msgstr_plural", path, line)
    record = Approval(str(texts["sha256"]), msgctxt, str(texts["msgid"]), plural, tuple(forms),
                      str(texts["reviewer"]), str(texts["date"]))
    if translation_digest(msgctxt, record.msgid, plural, record.forms) != record.sha256:
        shown = record.msgid if len(record.msgid) <= 40 else record.msgid[:37] + "…"
        raise CatalogError(f"the approval of {shown!r} does not match its sha256 (edited by "
                           "hand?): approve the translation again with `publish catalog "
                           "approve`", path, line)
    return record


# --- which entries are safety strings, and which wait for approval ----------------------------


def safety_keys(messages_entries: Iterable[Entry], template_entries: Iterable[Entry],
                approvals: Approvals, extra: Iterable[Key] = ()) -> set[Key]:
    """The keys of a catalog that are safety strings (see the module's docstring)."""
    keys = {entry.key for entry in template_entries if is_marked(entry)}
    keys.update(entry.key for entry in messages_entries if is_marked(entry))
    keys.update(approvals.keys)
    keys.update(extra)
    return keys


def site_keys(config: SiteConfig) -> set[Key]:
    """The site-wide disclaimer and AI note (shared catalog): safety strings by definition."""
    return {(None, msgid) for msgid in site_msgids(config)}


@dataclass
class Pending:
    """A safety translation waiting for a reviewer (one per distinct text)."""

    entry: Entry
    places: list[tuple[Path, int]] = field(default_factory=list)
    """Catalog files and lines where this exact translation is used."""

    @property
    def digest(self) -> str:
        return entry_digest(self.entry)

    @property
    def id(self) -> str:
        return self.digest[:ID_LENGTH]

    @property
    def forms(self) -> tuple[str, ...]:
        entry = self.entry
        return entry.msgstr_plural if entry.msgid_plural is not None else (entry.msgstr,)


def pending(config: SiteConfig, locale: str) -> list[Pending]:
    """Safety translations of `locale` that the gate would accept but for approval, in
    catalog order (shared catalog first). Entries with other problems (fuzzy, numbers…)
    are left to `publish catalog stats`: they cannot be published anyway."""
    approvals = load_approvals(config, locale)
    folder = layout.messages_dir(config, locale)
    shared = layout.shared_catalog(config, locale)
    pages = sorted(path for path in (folder / layout.PAGES).rglob("*.po")) \
        if (folder / layout.PAGES).is_dir() else []
    found: dict[str, Pending] = {}
    for path in [shared, *pages]:
        messages = load_messages(path, config)
        if messages is None:
            continue
        template_path = layout.template_for_catalog(config, locale, path)
        template = load_messages(template_path, config)
        template_entries = template.entries if template is not None else {}
        is_shared = path == shared
        keys = safety_keys(messages.entries.values(), template_entries.values(), approvals,
                           site_keys(config) if is_shared else ())
        for key, entry in messages.entries.items():
            if key not in keys or approvals.approves(entry):
                continue
            if entry_problem(entry, formatted=is_shared,
                             template=template_entries.get(key)) is not None:
                continue
            item = found.setdefault(entry_digest(entry), Pending(entry))
            item.places.append((path, entry.line))
    return list(found.values())


def approve(config: SiteConfig, locale: str, reviewer: str, ids: Iterable[str] = (),
            everything: bool = False, date: str | None = None) -> list[Pending]:
    """Record the pending safety translations chosen (by id, or all of them) as approved by
    `reviewer`; returns what was approved. An id must name exactly one pending entry."""
    if not reviewer.strip():
        raise CatalogError("an approval needs the reviewer's name (--reviewer)")
    from publish.catalogs.languages import language

    if language(locale).pseudo:
        raise CatalogError(f"{locale} is generated from the templates, not reviewed: run "
                           f"`publish catalog update --locale {locale}` to restore its text")
    waiting = pending(config, locale)
    chosen: list[Pending] = []
    if everything:
        chosen = waiting
    for given in ids:
        matches = [item for item in waiting if item.digest.startswith(given.lower())]
        if len(given) < 6 or len(matches) != 1:
            state = "matches several" if len(matches) > 1 else "matches none"
            raise CatalogError(f"{given!r} {state} of the {len(waiting)} safety translation(s) "
                               f"waiting for approval in {locale} (ids have {ID_LENGTH} "
                               "characters; run without ids to list them)")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    if not chosen:
        return []
    approvals = load_approvals(config, locale)
    when = date or _today()
    records = list(approvals.records)
    for item in chosen:
        entry = item.entry
        records.append(Approval(item.digest, entry.msgctxt, entry.msgid, entry.msgid_plural,
                                item.forms, reviewer.strip(), when))
    write_approvals(approvals.path, records, locale)
    return chosen


def _today() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = (_dt.datetime.fromtimestamp(int(epoch), _dt.UTC) if epoch and epoch.isdigit()
           else _dt.datetime.now(_dt.UTC))
    return now.strftime("%Y-%m-%d")


# --- writing ----------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    # JSON escapes are TOML's, except that TOML also wants DEL escaped
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def write_approvals(path: Path, records: Iterable[Approval], locale: str) -> bool:
    """The approvals file, one record per distinct translation, in a stable order (by
    source, then translation) so that a review shows one block per approval."""
    unique = {record.sha256: record for record in records}
    ordered = sorted(unique.values(),
                     key=lambda r: (r.msgid, r.msgctxt or "", r.msgid_plural or "", r.forms))
    lines = [f"# Safety translations reviewed for {locale}: the disclaimer, the AI note and the",
             "# other SAFETY strings are published only with a translation listed here.",
             "# Written by `publish catalog approve`; delete a record to revoke it. The sha256",
             "# covers msgctxt, msgid, msgid_plural and the translation: do not edit by hand."]
    for record in ordered:
        lines += ["", "[[approved]]", f"sha256 = {_toml_string(record.sha256)}"]
        if record.msgctxt is not None:
            lines.append(f"msgctxt = {_toml_string(record.msgctxt)}")
        lines.append(f"msgid = {_toml_string(record.msgid)}")
        if record.msgid_plural is not None:
            lines.append(f"msgid_plural = {_toml_string(record.msgid_plural)}")
            forms = ", ".join(_toml_string(form) for form in record.forms)
            lines.append(f"msgstr_plural = [{forms}]")
        else:
            lines.append(f"msgstr = {_toml_string(record.forms[0])}")
        lines += [f"reviewer = {_toml_string(record.reviewer)}",
                  f"date = {_toml_string(record.date)}"]
    return write_if_changed(path, ("\n".join(lines) + "\n").encode("utf-8"))
