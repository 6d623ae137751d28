"""Decoding a page and reading its front matter: bytes → `Source`.

Errors name the file and line (bad YAML, not a mapping, a key given twice, empty, binary,
not UTF-8, too big). Invisible characters are removed from the page text and from every
front-matter string, with an `invisible` warning.
"""

from __future__ import annotations

import codecs
import math
import re
import unicodedata
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from publish.config import SITE_SETTINGS
from publish.errors import PageError
from publish.model import Warning
from publish.reader.deadline import check_deadline


@dataclass(frozen=True)
class Source:
    path: Path
    metadata: dict[str, Any]
    body: str
    body_line: int
    """1-based line of the file on which the body starts."""
    warnings: tuple[Warning, ...] = ()


MAX_PAGE_BYTES: int = SITE_SETTINGS["max_page_bytes"].default
"""Largest page read by default: `[site] max_page_bytes`, where the limit is stated."""


def load_source(path: Path, max_bytes: int = MAX_PAGE_BYTES,
                data: bytes | None = None) -> Source:
    """The page at `path` (or its bytes, given as `data`, read on another machine)."""
    if data is None:
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise PageError(_too_big(size, max_bytes), path)
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)  # the file may have grown since stat
        except OSError as error:
            raise PageError(f"cannot read: {error.strerror or error}", path) from None
    if len(data) > max_bytes:
        raise PageError(_too_big(len(data), max_bytes), path)
    text, warnings = decode_page(data, path)
    if not text.strip():
        raise PageError("empty page", path, 1)
    metadata: dict[str, Any] = {}
    body, body_line = text, 1
    if text.startswith("---") and _FENCE.match(text):
        closing = _FENCE.search(text, text.index("\n") + 1 if "\n" in text else len(text))
        if closing is None:
            raise PageError("front matter is not closed (no second '---' line)", path, 1)
        yaml_text = text[text.index("\n") + 1: closing.start()]
        body = text[closing.end():].removeprefix("\n")
        body_line = text[: closing.end()].count("\n") + 2
        loaded = _load_yaml(yaml_text, path)
        if not isinstance(loaded, dict):
            raise PageError(f"front matter must be a mapping of keys to values, not a "
                            f"{_yaml_type(loaded)}", path, 2)
        problem = _metadata_problem(loaded)
        if problem is not None:
            raise PageError(f"front matter {problem}", path, 2)
        for key, value in loaded.items():
            metadata[_clean_value(str(key), warnings)] = _clean_value(value, warnings)
    return Source(path, metadata, body, body_line, tuple(warnings))


_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)


def _too_big(size: int, limit: int) -> str:
    return f"page is {_size(size)}, more than the {_size(limit)} a medicine page may have"


def _size(count: int) -> str:
    return f"{count / 1048576:.1f} MB" if count >= 1048576 else f"{count / 1024:.0f} KB"


# --- text -------------------------------------------------------------------------------------


def decode_page(data: bytes, path: Path) -> tuple[str, list[Warning]]:
    warnings: list[Warning] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise PageError(f"not valid UTF-16: {error.reason}", path) from None
        warnings.append(Warning("encoding", "page is UTF-16; UTF-8 is expected"))
    else:
        if b"\x00" in data:
            line = data[: data.index(b"\x00")].count(b"\n") + 1
            raise PageError("binary file (NUL byte), not a Markdown page", path, line)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise PageError(f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the page "
                            "as UTF-8", path, line) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise PageError("binary file (NUL character), not a Markdown page", path, line)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, removed = remove_invisible(text)
    if removed:
        first = min(removed.values())
        warnings.append(Warning("invisible", invisible_message(removed), first))
    return text, warnings


# Characters that change how text looks without being text, removed from every page:
# bidirectional embeddings and overrides (U+202A-U+202E: an override shows "51 mg" for the
# "15 mg" the page says, while speech reads "15"), zero-width spaces and invisible operators
# that hide inside numbers and names, stray byte-order marks, tag characters (invisible
# ASCII), and control characters (an escape sequence would reach terminals and SMS). Kept:
# tab and newline, the isolates U+2066-U+2069 and the marks U+200E/U+200F that right-to-left
# text needs, and the joiners U+200C/U+200D of emoji and Indic scripts.
_INVISIBLE = re.compile(
    "(\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F)"  # subdivision flags are tag sequences
    "|([\x01-\x08\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060-\u2064\ufeff"
    "\ufff9-\ufffb\U000E0000-\U000E007F])")
_CONTROL_SPACE = re.compile("[\x0b\x0c]")
# Any character either pattern removes or replaces: most text has none, and one search
# costs less than the two passes (reading the corpus spends 5 % less).
_ANY_INVISIBLE = re.compile(
    "[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060-\u2064\ufeff"
    "\ufff9-\ufffb\U000E0000-\U000E007F]")
_CONTROL_NAMES = {"\x07": "BELL", "\x08": "BACKSPACE", "\x0b": "LINE TABULATION",
                  "\x0c": "FORM FEED", "\x1b": "ESCAPE", "\x7f": "DELETE", "\x85": "NEXT LINE"}


def remove_invisible(text: str) -> tuple[str, dict[str, int]]:
    """The text without invisible and control characters, and each one removed with the
    line it was first found on. Vertical tab and form feed become spaces."""
    removed: dict[str, int] = {}
    if not _ANY_INVISIBLE.search(text):
        return text, removed

    def drop(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        char = match.group(2)
        if char not in removed:
            removed[char] = text.count("\n", 0, match.start()) + 1
        return ""

    for match in _CONTROL_SPACE.finditer(text):
        if match.group(0) not in removed:
            removed[match.group(0)] = text.count("\n", 0, match.start()) + 1
    text = _CONTROL_SPACE.sub(" ", text)
    return _INVISIBLE.sub(drop, text), removed


def invisible_message(removed: dict[str, int]) -> str:
    names = [f"U+{ord(char):04X} "
             f"{unicodedata.name(char, '') or _CONTROL_NAMES.get(char, 'CONTROL')}"
             for char in sorted(removed, key=removed.__getitem__)]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return (f"removed invisible or control characters ({shown}): they can hide text or show "
            "it in another order than it is read")


# --- front matter -----------------------------------------------------------------------------


def _load_yaml(yaml_text: str, path: Path) -> Any:
    if not yaml_text.strip():
        return {}
    try:
        loaded = yaml.load(yaml_text, Loader=_FrontMatterLoader)
    except _DuplicateKey as duplicate:
        raise PageError(f"duplicate key {duplicate.key!r} in front matter", path,
                        duplicate.line + 2) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise PageError(f"invalid YAML in front matter: {problem}", path, line) from None
    except (ValueError, OverflowError) as error:
        # PyYAML builds numbers and dates itself: a 5,000-digit number or 2024-13-45
        # fails there, outside its own error type.
        problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        if "digits" in problem:
            problem = "a number too long to read"
        raise PageError(f"invalid YAML in front matter: {problem}", path, 2) from None
    except RecursionError:
        raise PageError("invalid YAML in front matter: nested too deeply", path, 2) from None
    return {} if loaded is None else loaded


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(key)
        self.key, self.line = key, line


class _FrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML's safe loader (libyaml's when installed, as python-frontmatter uses), refusing a
    key given twice in one mapping: YAML would silently keep the last `title:`."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *defaults`: merged keys may be overridden
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable):
                if key in seen:
                    raise _DuplicateKey(key, key_node.start_mark.line)
                seen.add(key)
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]


MAX_METADATA_VALUES = 10_000
MAX_METADATA_DEPTH = 20


def _metadata_problem(value: Any) -> str | None:
    """Why front matter cannot be used, or None: YAML aliases can make a few lines expand to
    billions of values ("billion laughs") or refer to themselves, which every later walk
    (the JSON output, the build's fingerprints) would follow for ever."""
    count = 0
    active: set[int] = set()

    def walk(item: Any, depth: int) -> str | None:
        nonlocal count
        count += 1
        check_deadline()
        if count > MAX_METADATA_VALUES:
            return f"has more than {MAX_METADATA_VALUES:,} values (YAML aliases?)"
        if depth > MAX_METADATA_DEPTH:
            return f"is nested more than {MAX_METADATA_DEPTH} levels deep"
        if isinstance(item, (list, dict)):
            if id(item) in active:
                return "refers to itself (a YAML alias inside its own anchor)"
            active.add(id(item))
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                problem = walk(key, depth + 1) or walk(child, depth + 1)
                if problem:
                    return problem
            active.discard(id(item))
        return None

    return walk(value, 0)


def _clean_value(value: Any, warnings: list[Warning]) -> Any:
    """Front-matter strings without invisible characters (YAML escapes such as "\\u202e" and
    "\\e" get past the cleaning of the page text), and numbers JSON can carry: `.nan`,
    `.inf` and `-.inf` stay as that YAML text, a string (JSON has no such numbers: Python
    would write `NaN`, which no JSON reader accepts)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    if isinstance(value, str):
        cleaned, removed = remove_invisible(value)
        if removed:
            warnings.append(Warning("invisible", invisible_message(removed), 2))
        return cleaned
    if isinstance(value, list):
        return [_clean_value(item, warnings) for item in value]
    if isinstance(value, dict):
        return {_clean_value(key, warnings): _clean_value(item, warnings)
                for key, item in value.items()}
    return value


def _yaml_type(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number",
            bool: "boolean"}.get(type(value), type(value).__name__)
