"""PO and POT files: one plain data structure (`Catalog`), one writer, one reader.

Every catalog is written in one style, the one `msgcat --no-wrap` writes: message strings are
never wrapped (a changed sentence changes one line of the file, and translators' diffs stay
small), references are packed into `#:` lines of at most 79 columns as GNU gettext packs them.
Running `msgcat --no-wrap` or `msgmerge --no-wrap` over a file we wrote gives the same bytes, so
mixing our tools with GNU gettext never rewraps a catalog.

Reading goes through polib, which also accepts what Poedit, Weblate or msgmerge wrote, in
linear time (its quadratic duplicate check is replaced by one dict), and only up to
`[catalog] max_catalog_bytes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from publish.config import CATALOG_SETTINGS
from publish.errors import CatalogError
from publish.files import write_if_changed

REFERENCE_WIDTH = 79
MAX_CATALOG_BYTES: int = CATALOG_SETTINGS["max_catalog_bytes"].default
"""Largest catalog read when the caller has no site configuration at hand."""

Key = tuple[str | None, str]
"""(msgctxt, msgid): what identifies a message in a catalog."""


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr_plural: tuple[str, ...] = ()
    extracted: tuple[str, ...] = ()
    """`#.` comments, one per line: what the translator needs to know."""
    references: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    translator: tuple[str, ...] = ()
    """`# ` comments, the translator's own: kept through every update."""
    previous_msgctxt: str | None = None
    previous_msgid: str | None = None
    obsolete: bool = False
    line: int = 0
    """Line where the entry starts in the file it was read from (0 when built in memory)."""

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        """Translated and not fuzzy: the only state the gate accepts."""
        if self.fuzzy:
            return False
        if self.msgid_plural is not None:
            return bool(self.msgstr_plural) and all(self.msgstr_plural)
        return bool(self.msgstr)

    @property
    def has_translation(self) -> bool:
        return bool(self.msgstr) or any(self.msgstr_plural)

    def with_flags(self, *add: str, remove: tuple[str, ...] = ()) -> Entry:
        flags = [f for f in self.flags if f not in remove]
        flags.extend(f for f in add if f not in flags)
        return replace(self, flags=order_flags(flags))


# GNU gettext writes format flags in the order of its list of languages (format-*.c), not
# alphabetically: `msgcat` would otherwise reorder "python-brace-format, python-format".
_FORMAT_ORDER = ("c", "objc", "python", "python-brace", "java", "java-printf", "csharp",
                 "javascript", "scheme", "lisp", "elisp", "librep", "rust", "go", "ruby",
                 "sh", "awk", "lua", "object-pascal", "modula2", "d", "smalltalk", "qt",
                 "qt-plural", "kde", "kde-kuit", "boost", "tcl", "perl", "perl-brace", "php",
                 "gcc-internal", "gfc-internal", "ycp")
_FORMAT_RANK = {f"{prefix}{name}-format": index
                for index, name in enumerate(_FORMAT_ORDER) for prefix in ("", "no-")}


def order_flags(flags: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """`fuzzy` first, then the rest in a fixed order, as GNU gettext writes them."""
    unique = list(dict.fromkeys(flags))
    rest = sorted((f for f in unique if f != "fuzzy"),
                  key=lambda flag: (0, _FORMAT_RANK[flag], flag) if flag in _FORMAT_RANK
                  else (1, 0, flag))
    return (("fuzzy",) if "fuzzy" in unique else ()) + tuple(rest)


@dataclass
class Catalog:
    header: dict[str, str]
    """Header fields in file order (`Language`, `Plural-Forms`…)."""
    entries: list[Entry] = field(default_factory=list)
    header_comments: tuple[str, ...] = ()
    """Translator comments above the header (`# ...` lines, without the `# `)."""
    header_fuzzy: bool = False
    path: Path | None = None

    def index(self) -> dict[Key, Entry]:
        return {entry.key: entry for entry in self.entries if not entry.obsolete}

    @property
    def active(self) -> list[Entry]:
        return [entry for entry in self.entries if not entry.obsolete]


# --- writing ----------------------------------------------------------------------------------

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r",
            "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}


def escape(text: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def _string_lines(keyword: str, text: str, prefix: str = "") -> list[str]:
    """`msgid "…"` in the no-wrap style: split only after embedded newlines."""
    pieces = text.split("\n")
    if len(pieces) <= 2 and pieces[-1] == "" or "\n" not in text:
        return [f'{prefix}{keyword} "{escape(text)}"']
    parts = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        parts.append(pieces[-1])
    return [f'{prefix}{keyword} ""'] + [f'{prefix}"{escape(part)}"' for part in parts]


def _reference_lines(references: tuple[str, ...], prefix: str = "#:") -> list[str]:
    lines: list[str] = []
    current = prefix
    for reference in references:
        if current != prefix and len(current) + 1 + len(reference) > REFERENCE_WIDTH:
            lines.append(current)
            current = prefix
        current += " " + reference
    if current != prefix:
        lines.append(current)
    return lines


def _entry_lines(entry: Entry) -> list[str]:
    lines = [f"# {comment}".rstrip() for comment in entry.translator]
    if not entry.obsolete:
        lines.extend(f"#. {comment}".rstrip() for comment in entry.extracted)
        lines.extend(_reference_lines(entry.references))
    if entry.flags:
        lines.append("#, " + ", ".join(entry.flags))
    prefix = "#~ " if entry.obsolete else ""
    previous = "#~| " if entry.obsolete else "#| "
    if entry.previous_msgctxt is not None:
        lines.extend(_string_lines("msgctxt", entry.previous_msgctxt, previous))
    if entry.previous_msgid is not None:
        lines.extend(_string_lines("msgid", entry.previous_msgid, previous))
    if entry.msgctxt is not None:
        lines.extend(_string_lines("msgctxt", entry.msgctxt, prefix))
    lines.extend(_string_lines("msgid", entry.msgid, prefix))
    if entry.msgid_plural is not None:
        lines.extend(_string_lines("msgid_plural", entry.msgid_plural, prefix))
        # a template has no plural rule yet: two empty forms, as xgettext writes them
        for index, text in enumerate(entry.msgstr_plural or ("", "")):
            lines.extend(_string_lines(f"msgstr[{index}]", text, prefix))
    else:
        lines.extend(_string_lines("msgstr", entry.msgstr, prefix))
    return lines


def format_header(header: dict[str, str]) -> str:
    return "".join(f"{name}: {value}\n" for name, value in header.items())


def write_po(catalog: Catalog) -> str:
    """The catalog as PO text (the same function writes templates and translations)."""
    lines = [f"# {comment}".rstrip() for comment in catalog.header_comments]
    if catalog.header_fuzzy:
        lines.append("#, fuzzy")
    lines.extend(_string_lines("msgid", ""))
    lines.extend(_string_lines("msgstr", format_header(catalog.header)))
    blocks = ["\n".join(lines)]
    for entry in catalog.entries:
        blocks.append("\n".join(_entry_lines(entry)))
    return "\n\n".join(blocks) + "\n"


def save(catalog: Catalog, path: Path) -> bool:
    """Write the catalog if its text changed; True when the file was (re)written."""
    return write_if_changed(path, write_po(catalog).encode("utf-8"))


# --- reading ----------------------------------------------------------------------------------


def parse_header(text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in text.split("\n"):
        name, sep, value = line.partition(":")
        if sep and name.strip():
            header[name.strip()] = value.strip()
    return header


def read_po(path: Path, max_bytes: int | None = None, within: Path | None = None) -> Catalog:
    """Read a PO or POT file; a syntax error becomes a `CatalogError` naming the line.

    Files larger than `max_bytes` (default: `[catalog] max_catalog_bytes`) are refused before
    they are read. With `within`, a path that leads out of that folder (a symbolic link to
    another catalog, or to any other file) is refused: a catalog's strings are published,
    so they must come from the site's own locale folder."""
    import polib

    limit = MAX_CATALOG_BYTES if max_bytes is None else max_bytes
    source = read_bounded(path, limit, within)
    if _names_a_file(source):
        # polib reads a string that names an existing file from that file: a catalog whose
        # text is "../../elsewhere.po" or "/etc/hostname" would be read from there
        raise CatalogError("not a valid PO file: it holds only the name of another file", path)
    try:
        # polib's own duplicate check compares each entry with every entry before it
        # (3.1 s at 10,000 entries, minutes for a large file): ours below is one dict
        po = polib.pofile(source, wrapwidth=0, check_for_duplicates=False, encoding="utf-8")
    except (OSError, ValueError) as error:
        message = str(error)
        line = None
        marker = "(line "
        if marker in message:
            digits = message.split(marker, 1)[1].split(")", 1)[0]
            line = int(digits) if digits.isdigit() else None
        raise CatalogError(f"not a valid PO file: {message}", path, line) from None
    header_comments = tuple(po.header.split("\n")) if po.header else ()
    header_fuzzy = "fuzzy" in (po.metadata_is_fuzzy or [])
    entries = []
    for item in po:
        entries.append(_entry_from_polib(item, obsolete=False))
    for item in po.obsolete_entries():
        entries.append(_entry_from_polib(item, obsolete=True))
    entries.sort(key=lambda entry: entry.line)
    _refuse_duplicates(entries, path)
    header = dict(po.metadata)
    return Catalog(header=header, entries=entries, header_comments=header_comments,
                   header_fuzzy=header_fuzzy, path=path)


def read_bounded(path: Path, limit: int, within: Path | None) -> str:
    """The file's text, refused when it is too large or leads out of `within`."""
    import os

    if limit < 1:
        raise CatalogError(f"[catalog] max_catalog_bytes must be at least 1, not {limit}",
                           path)
    if within is not None:
        target = path.resolve()
        if not target.is_relative_to(within.resolve()):
            raise CatalogError(f"links out of the locales folder (to {target}): refused; "
                               "catalogs must be files inside it", path)
        path = target
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > limit:
                raise CatalogError(f"catalog is {_size(size)}, more than the {_size(limit)} "
                                   "a catalog may have ([catalog] max_catalog_bytes)", path)
            # read one byte more than allowed: a file that grows while read is refused too
            data = stream.read(limit + 1)
    except IsADirectoryError:
        raise CatalogError("a folder where a catalog file should be", path) from None
    except OSError as error:
        raise CatalogError(f"cannot read catalog: {error.strerror or error}", path) from None
    if len(data) > limit:
        raise CatalogError(f"catalog is more than the {_size(limit)} a catalog may have "
                           "([catalog] max_catalog_bytes)", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise CatalogError(f"not valid UTF-8 (byte 0x{data[error.start]:02x}); catalogs must "
                           "be UTF-8", path, line) from None


def _names_a_file(text: str) -> bool:
    import os

    try:
        return os.path.isfile(text)
    except (TypeError, ValueError, UnicodeEncodeError):
        return False


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def _refuse_duplicates(entries: list[Entry], path: Path) -> None:
    """Two active entries with the same msgctxt and msgid: which one would be published?"""
    first: dict[Key, int] = {}
    for entry in entries:
        if entry.obsolete:
            continue
        if entry.key in first:
            shown = entry.msgid if len(entry.msgid) <= 60 else entry.msgid[:57] + "…"
            context = f" (msgctxt {entry.msgctxt!r})" if entry.msgctxt is not None else ""
            raise CatalogError(f"duplicate entry {shown!r}{context}, first at line "
                               f"{first[entry.key]}", path, entry.line)
        first[entry.key] = entry.line


def _entry_from_polib(item, obsolete: bool) -> Entry:  # type: ignore[no-untyped-def]
    plural = None
    msgstr_plural: tuple[str, ...] = ()
    if item.msgid_plural:
        plural = item.msgid_plural
        msgstr_plural = tuple(item.msgstr_plural[index]
                              for index in sorted(item.msgstr_plural))
    references = tuple(f"{name}:{line}" if line else name for name, line in item.occurrences)
    return Entry(
        msgid=item.msgid, msgstr=item.msgstr or "", msgctxt=item.msgctxt,
        msgid_plural=plural, msgstr_plural=msgstr_plural,
        extracted=tuple(item.comment.split("\n")) if item.comment else (),
        references=references, flags=order_flags(item.flags),
        translator=tuple(item.tcomment.split("\n")) if item.tcomment else (),
        previous_msgctxt=item.previous_msgctxt, previous_msgid=item.previous_msgid,
        obsolete=obsolete, line=item.linenum)
