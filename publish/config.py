"""Site configuration: one validated `publish.toml`, with documented defaults.

The file has a `[site]` table, a `[build]` table, a `[catalog]` table, a `[check]` table
(plain-language limits) and one table per renderer
(`[pdf]`, `[sms]`, `[audio]`…). Each renderer declares its own settings (name, default, type,
allowed values) the way Sphinx builders add config values, so the loader can reject an unknown
key or a wrong type with a message naming the key, and renderers added by other packages get
the same checking.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import MappingProxyType
from typing import Any

from publish.errors import ConfigError

CONFIG_NAME = "publish.toml"

DEFAULT_DISCLAIMER = (
    "This information is for general knowledge and does not constitute medical advice. "
    "Always consult with a healthcare professional before starting or stopping any medication. "
    "They can assess your individual needs and determine the appropriate dosage and treatment "
    "plan."
)
DEFAULT_AI_NOTE = (
    "This information is AI-generated or crowd-sourced and may not be accurate. "
    "Please consult a medical professional for verified advice."
)


@dataclass(frozen=True)
class Setting:
    """One configuration value: its default, its type, and optionally the allowed values."""

    default: Any
    type: type | tuple[type, ...]
    doc: str = ""
    choices: tuple[Any, ...] | None = None
    item_type: type | None = None
    """For list settings: the type every item must have."""
    min: float | None = None
    """Smallest value allowed (numbers only); numbers must also be finite."""
    max: float | None = None
    """Largest value allowed (numbers only)."""
    min_open: bool = False
    """The minimum itself is not allowed (`timeout` > 0)."""
    validate: Callable[[Any], str | None] | None = None
    """Further check of a value of the right type: returns what is wrong with it, or None."""

    def check(self, table: str, key: str, value: Any, path: Path | None) -> Any:
        expected = self.type if isinstance(self.type, tuple) else (self.type,)
        # bool is an int in Python; TOML keeps them apart and so do we.
        if isinstance(value, bool) and bool not in expected:
            raise ConfigError(f"[{table}] {key}: expected {_type_names(expected)}, got a boolean",
                              path)
        if float in expected and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected):
            raise ConfigError(
                f"[{table}] {key}: expected {_type_names(expected)}, got {type(value).__name__}"
                f" {value!r}", path)
        if self.item_type is not None and isinstance(value, list):
            for item in value:
                if not isinstance(item, self.item_type):
                    raise ConfigError(f"[{table}] {key}: every item must be "
                                      f"{_type_names((self.item_type,))}, got {item!r}", path)
        if self.choices is not None:
            values = value if isinstance(value, list) else [value]
            for item in values:
                if item not in self.choices:
                    allowed = ", ".join(repr(choice) for choice in self.choices)
                    raise ConfigError(f"[{table}] {key}: {item!r} is not one of {allowed}", path)
        if isinstance(value, int | float) and not isinstance(value, bool):
            self._check_range(table, key, value, path)
        if self.validate is not None:
            problem = self.validate(value)
            if problem:
                raise ConfigError(f"[{table}] {key}: {problem}", path)
        return value

    def _check_range(self, table: str, key: str, value: float, path: Path | None) -> None:
        # TOML allows nan and inf; no numeric setting means anything by them.
        if not math.isfinite(value):
            raise ConfigError(f"[{table}] {key}: expected a finite number, got {value!r}", path)
        too_low = self.min is not None and (value <= self.min if self.min_open
                                            else value < self.min)
        too_high = self.max is not None and value > self.max
        if too_low or too_high:
            raise ConfigError(f"[{table}] {key}: {_number(value)} is out of range "
                              f"({self.range_text()})", path)

    def range_text(self) -> str:
        """The allowed values in words (`80–450`, `> 0`, `≥ 1024`), or "" when unbounded."""
        low = _number(self.min) if self.min is not None else None
        high = _number(self.max) if self.max is not None else None
        if low is not None and high is not None and not self.min_open:
            return f"{low}–{high}"
        parts = []
        if low is not None:
            parts.append(f"{'>' if self.min_open else '≥'} {low}")
        if high is not None:
            parts.append(f"≤ {high}")
        return ", ".join(parts)


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _type_names(types: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def base_url_problem(value: str) -> str | None:
    """What makes `value` unusable as `[site] base_url`, or None (the empty string: no site).

    The address is printed as a QR code on paper, where it cannot be corrected: only an
    absolute http(s) URL of plain ASCII with a host, no credentials, query or fragment.
    """
    if value == "":
        return None
    example = '(e.g. "https://example.org/leaflets")'
    if any(ord(ch) <= 32 or ord(ch) >= 127 for ch in value):
        return (f"{value!r} has spaces, control or non-ASCII characters: write an absolute "
                f"http(s) URL with them percent-encoded {example}")
    try:
        parts = urllib.parse.urlsplit(value)
        _ = parts.port  # a port out of range or not a number raises only when read
    except ValueError as error:
        return f"{value!r} is not a valid URL ({error}) {example}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{value!r} is not an absolute http(s) URL {example}"
    if parts.username is not None or parts.password is not None:
        return f"{value!r} carries a user name or password: it would be printed on every leaflet"
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        return f"{value!r} has a query or fragment: give the folder the site is served from"
    return None


SITE_SETTINGS: dict[str, Setting] = {
    "name": Setting("Medicine information", str, "Site name: album tag, HTML title suffix."),
    "source_language": Setting("en", str, "Language the pages are written in."),
    "locales": Setting(["en"], list, "Locales `publish build` writes by default.",
                       item_type=str),
    "content": Setting("content", str, "Folder of Markdown pages, relative to publish.toml."),
    "output": Setting("dist", str, "Output folder, relative to publish.toml."),
    "locales_dir": Setting("locales", str, "Folder of catalogs and locale data."),
    "theme": Setting("large-print", str, "Theme name (themes/NAME) or path to a theme folder."),
    "formats": Setting(["pdf", "html", "sms", "audio"], list, "Formats `publish build` writes.",
                       item_type=str),
    "disclaimer": Setting(DEFAULT_DISCLAIMER, str,
                          "Disclaimer used where a page has none of its own."),
    "ai_note": Setting(DEFAULT_AI_NOTE, str, "AI-generated note used where a page has none."),
    "max_page_bytes": Setting(256 * 1024, int,
                              "Largest page read (bytes); bigger files are refused with an "
                              "error before parsing (dense Markdown costs ~650 bytes of "
                              "memory per byte).", min=1024),
    "read_timeout": Setting(20.0, float, "Seconds reading one page may take (then refused).",
                            min=0, min_open=True),
    "publish_unstructured": Setting(False, bool,
                                    "Publish pages with no recognisable sections."),
    "base_url": Setting("", str, "Absolute http(s) URL the site's HTML is served from; when "
                        "set, each PDF leaflet prints a QR code to its own web page.",
                        validate=base_url_problem),
}

BUILD_SETTINGS: dict[str, Setting] = {
    "jobs": Setting(0, int, "Worker processes; 0 means one per CPU core.", min=0),
    "timeout": Setting(300.0, float, "Seconds one job (page × locale × format) may take.",
                       min=0, min_open=True),
    "strict": Setting(False, bool, "Pages withheld in a locale (not yet translated, awaiting "
                      "safety approval) fail the build (exit 1), as with `--strict`."),
}

CATALOG_SETTINGS: dict[str, Setting] = {
    "threshold": Setting(100.0, float,
                         "Percent of a page's strings that must be translated to publish it. "
                         "Safety strings must always be 100 %.", min=0, max=100),
    "max_catalog_bytes": Setting(8 << 20, int, "Largest .po/.pot read (bytes; 8 MB).", min=1024),
}

# Plain-language limits of `publish check` (README "Plain-language report" gives the sources).
CHECK_SETTINGS: dict[str, Setting] = {
    "readability": Setting(True, bool, "Give each page readability figures in publish check."),
    "min_reading_ease": Setting(60.0, float, "Warn below this reading ease (Flesch; "
                                "Fernández-Huerta in Spanish): 60–70 is plain English.",
                                min=0, max=100),
    "max_grade": Setting(8.0, float, "Warn above this Flesch–Kincaid grade (English): patient "
                         "information aims at grade 6–8.", min=0, max=30),
    "max_average_sentence_words": Setting(20.0, float, "Warn when sentences average more "
                                          "words than this (plain English: 15–20).", min=1),
    "long_sentence_words": Setting(25, int, "A sentence of more words than this is long.",
                                   min=1),
    "max_long_sentence_percent": Setting(10.0, float, "Warn when more than this percent of "
                                         "sentences are long.", min=0, max=100),
    "max_long_word_percent": Setting(10.0, float, "Warn when more than this percent of words "
                                     "have over three syllables.", min=0, max=100),
}

CORE_TABLES: dict[str, dict[str, Setting]] = {
    "site": SITE_SETTINGS,
    "build": BUILD_SETTINGS,
    "catalog": CATALOG_SETTINGS,
    "check": CHECK_SETTINGS,
}


@dataclass(frozen=True)
class SiteConfig:
    """The validated configuration. `tables` holds every table, defaults filled in."""

    root: Path
    tables: Mapping[str, Mapping[str, Any]]
    path: Path | None = None
    raw_hash: str = field(default="", compare=False)

    @property
    def site(self) -> Mapping[str, Any]:
        return self.tables["site"]

    def table(self, name: str) -> Mapping[str, Any]:
        return self.tables.get(name, MappingProxyType({}))

    @property
    def content_dir(self) -> Path:
        return (self.root / self.site["content"]).resolve()

    @property
    def output_dir(self) -> Path:
        return (self.root / self.site["output"]).resolve()

    @property
    def locales_dir(self) -> Path:
        return (self.root / self.site["locales_dir"]).resolve()

    @property
    def source_language(self) -> str:
        return self.site["source_language"]


RENDERER_ENTRY_POINTS = "publish.renderers"
"""Entry-point group of the output formats; each may declare the settings of its table."""


@functools.cache
def renderer_tables() -> dict[str, dict[str, Setting]]:
    """The `[format]` tables the installed output formats declare (their `settings`).

    Read from the same entry points as the renderer registry (`publish.renderers`), without
    importing the renderers package: the configuration sits below the renderers, which
    depend on it, and learns their settings the way a plugin host does."""
    tables: dict[str, dict[str, Setting]] = {}
    for entry in sorted(entry_points(group=RENDERER_ENTRY_POINTS), key=lambda e: e.name):
        renderer = entry.load()
        declared = getattr(renderer, "settings", None)
        if declared:
            tables[getattr(renderer, "name", entry.name)] = dict(declared)
    return tables


def find_config(start: Path) -> Path | None:
    """`publish.toml` in `start` or the nearest folder above it that has one, the way git
    finds its repository from a subfolder (and, like git, not across a filesystem boundary).
    """
    start = start.resolve()
    try:
        device = start.stat().st_dev
    except OSError:
        return None
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        try:
            if folder.parent.stat().st_dev != device:
                return None
        except OSError:
            return None
    return None


def load_config(root: Path | None = None, path: Path | None = None) -> SiteConfig:
    """Load and validate `publish.toml`.

    `path` (`--config`) wins; else `root/publish.toml` when a site `root` is given; else the
    nearest `publish.toml` in the current folder or its parents, whose folder is the site
    root. With no file at all: the defaults, and the current folder (or `root`) as the root.
    """
    import hashlib

    if path is not None:
        path = path.resolve()
        root = path.parent
    elif root is not None:
        root = root.resolve()
        candidate = root / CONFIG_NAME
        path = candidate if candidate.is_file() else None
    else:
        path = find_config(Path.cwd())
        root = path.parent if path is not None else Path.cwd().resolve()
    raw: dict[str, Any] = {}
    raw_bytes = b""
    if path is not None:
        try:
            raw_bytes = path.read_bytes()
            raw = tomllib.loads(raw_bytes.decode("utf-8"))
        except tomllib.TOMLDecodeError as error:
            # Python 3.11's TOMLDecodeError has no lineno attribute; the message has it.
            found = re.search(r"at line (\d+)", str(error))
            line = getattr(error, "lineno", None) or (int(found.group(1)) if found else None)
            raise ConfigError(f"not valid TOML: {error}", path, line) from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read: {error}", path) from None
    assert root is not None
    return build_config(raw, root, path, hashlib.sha256(raw_bytes).hexdigest())


def build_config(raw: Mapping[str, Any], root: Path, path: Path | None = None,
                 raw_hash: str = "") -> SiteConfig:
    schemas = {**CORE_TABLES, **renderer_tables()}
    tables: dict[str, Mapping[str, Any]] = {}
    for table_name in raw:
        if table_name not in schemas:
            known = ", ".join(f"[{name}]" for name in schemas)
            raise ConfigError(f"unknown table [{table_name}] (known: {known})", path)
    for table_name, schema in schemas.items():
        given = raw.get(table_name, {})
        if not isinstance(given, dict):
            raise ConfigError(f"{table_name} must be a table ([{table_name}])", path)
        values: dict[str, Any] = {}
        for key, value in given.items():
            if key not in schema:
                known = ", ".join(schema)
                raise ConfigError(f"[{table_name}] unknown key {key!r} (known: {known})", path)
            values[key] = schema[key].check(table_name, key, value, path)
        for key, setting in schema.items():
            values.setdefault(key, _copy_default(setting.default))
        tables[table_name] = MappingProxyType(values)
    return SiteConfig(root=root.resolve(), tables=MappingProxyType(tables), path=path,
                      raw_hash=raw_hash)


def _copy_default(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def describe_settings() -> list[tuple[str, str, Setting]]:
    """(table, key, setting) for every known setting: used by `publish config`."""
    rows = []
    for table, schema in {**CORE_TABLES, **renderer_tables()}.items():
        for key, setting in schema.items():
            rows.append((table, key, setting))
    return rows
