"""`publish catalog compile`: check each catalog and write its GNU `.mo` file.

The `.mo` files are for gettext consumers outside this toolkit (a web site's runtime, for
instance); the build itself reads the `.po` files through the gate. Like msgfmt, a `.mo`
holds only translated, non-fuzzy entries. Output is deterministic (sorted, no hash table,
which the format makes optional), so the same catalog gives the same bytes.

Checks, as `msgfmt --check` would and more: `{placeholders}` of `python-brace-format`
strings must match the source (a renderer's `.format()` would fail), and so must the
inline marks and the numbers of document text.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

from publish.catalogs.gate import entry_problem
from publish.catalogs.pofile import Catalog, Entry, format_header, read_po
from publish.files import write_file_atomic

_FIELD = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str
    fatal: bool
    """Fatal problems stop the .mo from being written (msgfmt would refuse too)."""


def check_catalog(catalog: Catalog) -> list[Problem]:
    assert catalog.path is not None
    problems = []
    for entry in catalog.active:
        if not entry.translated:
            continue
        for text in entry.msgstr_plural or (entry.msgstr,):
            if "python-brace-format" in entry.flags:
                wanted = set(_FIELD.findall(entry.msgid))
                wanted |= set(_FIELD.findall(entry.msgid_plural or ""))
                found = set(_FIELD.findall(text))
                # a plural form may leave out {count} ("One part…"); a plain string may not
                bad = found - wanted if entry.msgid_plural is not None else found ^ wanted
                if bad:
                    problems.append(Problem(
                        catalog.path, entry.line,
                        f"placeholders {sorted(found)} do not match {sorted(wanted)}", True))
        problem = entry_problem(entry)
        if problem is not None:
            problems.append(Problem(catalog.path, entry.line, f"{problem}: {entry.msgid!r}",
                                    False))
    return problems


def mo_bytes(catalog: Catalog) -> bytes:
    """The GNU .mo form of the translated, non-fuzzy entries (little-endian, revision 0)."""
    pairs: dict[bytes, bytes] = {b"": format_header(catalog.header).encode("utf-8")}
    for entry in catalog.active:
        if not entry.translated:
            continue
        pairs[_key(entry)] = _value(entry)
    keys = sorted(pairs)
    count = len(keys)
    originals_start = 7 * 4
    translations_start = originals_start + count * 8
    data_start = translations_start + count * 8
    originals = b""
    translations = b""
    blob = b""
    for key in keys:
        originals += struct.pack("<II", len(key), data_start + len(blob))
        blob += key + b"\0"
    for key in keys:
        value = pairs[key]
        translations += struct.pack("<II", len(value), data_start + len(blob))
        blob += value + b"\0"
    header = struct.pack("<IIIIIII", 0x950412DE, 0, count, originals_start,
                         translations_start, 0, data_start)
    return header + originals + translations + blob


def _key(entry: Entry) -> bytes:
    key = entry.msgid
    if entry.msgid_plural is not None:
        key += "\0" + entry.msgid_plural
    if entry.msgctxt is not None:
        key = entry.msgctxt + "\x04" + key
    return key.encode("utf-8")


def _value(entry: Entry) -> bytes:
    if entry.msgid_plural is not None:
        return "\0".join(entry.msgstr_plural).encode("utf-8")
    return entry.msgstr.encode("utf-8")


def compile_catalog(path: Path) -> tuple[Path | None, list[Problem]]:
    """Check `path` and write `path.mo` beside it unless a problem is fatal."""
    catalog = read_po(path)
    problems = check_catalog(catalog)
    if any(problem.fatal for problem in problems):
        return None, problems
    target = path.with_suffix(".mo")
    data = mo_bytes(catalog)
    if not (target.is_file() and target.read_bytes() == data):
        write_file_atomic(target, data)
    return target, problems
