"""Themes: folders of Jinja2 templates, CSS and a `theme.toml`, shared by the HTML and PDF formats.

A theme is data, never code. `find_theme` turns a name (`large-print` → `themes/large-print/`
at the site root, else the built-in theme of that name, see `publish.resources`) or a folder
path into a validated `Theme`;
templates a theme does not ship are taken from the default theme, so a user's theme can be as
small as a `theme.toml` and one stylesheet.

What a theme's CSS may reference, and what WeasyPrint may open, is `publish.fetching`'s one
URL policy: the theme's own files and the font packages it names, never the network.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.dates import format_date
from markupsafe import Markup, escape

from publish import resources
from publish.config import Setting
from publish.errors import ConfigError
from publish.fetching import check_stylesheet, self_contained_css
from publish.locale import Locale
from publish.model import (
    BLOCK_CLASSES,
    LabelledParagraph,
    Leaflet,
    Section,
    SideEffectGroup,
    Text,
)

THEME_FILE = resources.THEME_FILE
DEFAULT_THEME = "large-print"

THEME_SETTINGS: dict[str, Setting] = {
    "name": Setting("", str, "Theme name shown in messages."),
    "description": Setting("", str, "One line saying what the theme is for."),
    "template": Setting("leaflet.html", str, "Jinja2 template of one leaflet (HTML and PDF)."),
    "stylesheets": Setting(["leaflet.css"], list,
                           "CSS for screen and print, inlined into the HTML output.",
                           item_type=str),
    "print_stylesheets": Setting(["print.css"], list,
                                 "CSS for the PDF only: page size, margins, running heads.",
                                 item_type=str),
    "fonts": Setting([], list, "Font packages embedded in the PDF (`fontpkg-SLUG` on PyPI).",
                     item_type=str),
    "min_font_pt": Setting(0.0, float,
                           "Smallest text size the theme promises, in points (0: no promise)."),
    "at_a_glance": Setting(True, bool, "Print the \"At a glance\" box (what it is for, when "
                           "to get help at once, a missed dose) at the top of the leaflet."),
}

_NUMBER_UNIT = re.compile(
    r"(\d)[ \t]+(?=(?:mg|mcg|µg|μg|g|kg|ml|mL|L|IU|units?|%|°C|°F|mmol|mmHg|hours?|days?|"
    r"weeks?|minutes?|times)\b|%|°)")


# --- theme loading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """A validated theme folder. `settings` holds every `theme.toml` key, defaults filled."""

    name: str
    folder: Path
    settings: Mapping[str, Any]
    fallback: Path | None
    """Folder of the default theme, where templates missing from this one are found."""

    @property
    def template(self) -> str:
        return self.settings["template"]

    @property
    def min_font_pt(self) -> float:
        return self.settings["min_font_pt"]

    def stylesheet_paths(self, *, print_only: bool) -> list[Path]:
        key = "print_stylesheets" if print_only else "stylesheets"
        return [self.folder / name for name in self.settings[key]]

    def stylesheet_text(self) -> str:
        """The screen-and-print CSS, concatenated and self-contained (the theme's own files
        it names inlined as `data:` URLs): what the HTML output inlines."""
        allowed = [self.folder, *self.font_folders()]
        return "\n".join(self_contained_css(path, allowed)
                         for path in self.stylesheet_paths(print_only=False))

    def font_folders(self) -> list[Path]:
        return [font.folder for font in self.fonts()]

    def fonts(self) -> list[FontPackage]:
        return [find_font_package(slug, self.folder / THEME_FILE)
                for slug in self.settings["fonts"]]

    def files(self) -> list[Path]:
        """Every file of the theme (and its fallback templates): a change must rebuild."""
        found: list[Path] = []
        for folder in (self.folder, self.fallback):
            if folder is None:
                continue
            # Links out of the folder are never read (the template loader refuses them too).
            found.extend(sorted(p for p in folder.rglob("*")
                                if p.is_file() and p.resolve().is_relative_to(folder)))
        return found


def find_theme(spec: str | None, root: Path) -> Theme:
    """The theme named by `spec` (a name or a folder), looked up from the site `root`."""
    spec = spec or DEFAULT_THEME
    folder = _locate(spec, root)
    if folder is None:
        available = ", ".join(sorted(resources.theme_folders(root))) or "none"
        raise ConfigError(f"unknown theme {spec!r} (available: {available}; or give the path "
                          "of a theme folder)")
    fallback = _locate(DEFAULT_THEME, root, names_only=True)
    if fallback is not None and fallback.resolve() == folder.resolve():
        # A site's own default theme takes what it lacks from the built-in one it overrides.
        builtin = (resources.builtin_themes_dir() / DEFAULT_THEME).resolve()
        fallback = builtin if builtin != folder.resolve() else None
    return load_theme(folder, fallback)


def _locate(spec: str, root: Path, names_only: bool = False) -> Path | None:
    looks_like_path = any(sep in spec for sep in ("/", "\\")) or spec.startswith((".", "~"))
    if not looks_like_path:
        named = resources.find_theme(root, spec)
        if named is not None or names_only:
            return named
    candidate = Path(spec).expanduser()
    for folder in ([candidate] if candidate.is_absolute() else [root / candidate,
                                                                 Path.cwd() / candidate]):
        if (folder / THEME_FILE).is_file():
            return folder.resolve()
        if folder.is_dir():
            raise ConfigError(f"not a theme folder (no {THEME_FILE})", folder)
    return None


def load_theme(folder: Path, fallback: Path | None = None) -> Theme:
    """Read and validate `folder/theme.toml`: unknown keys and missing files are errors."""
    folder = folder.resolve()
    path = folder / THEME_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", path,
                          getattr(error, "lineno", None)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read: {error}", path) from None
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in THEME_SETTINGS:
            known = ", ".join(THEME_SETTINGS)
            raise ConfigError(f"unknown key {key!r} (known: {known})", path)
        values[key] = THEME_SETTINGS[key].check("theme", key, value, path)
    for key, setting in THEME_SETTINGS.items():
        values.setdefault(key, list(setting.default) if isinstance(setting.default, list)
                          else setting.default)
    fonts = [find_font_package(slug, path) for slug in values["fonts"]]
    for key in ("stylesheets", "print_stylesheets"):
        for name in values[key]:
            # The URL policy of the HTML and the PDF, checked once, naming the CSS line.
            check_stylesheet(_theme_file(folder, name, key, path),
                             [folder, *(font.folder for font in fonts)])
    template_dirs = [folder] + ([fallback] if fallback else [])
    if not any((base / values["template"]).is_file() for base in template_dirs):
        raise ConfigError(f"template: no file {values['template']!r} in the theme", path)
    return Theme(values["name"] or folder.name, folder, values, fallback)


def _theme_file(folder: Path, name: str, key: str, path: Path) -> Path:
    target = (folder / name).resolve()
    if not target.is_relative_to(folder):
        raise ConfigError(f"{key}: {name!r} is outside the theme folder", path)
    if not target.is_file():
        raise ConfigError(f"{key}: no file {name!r} in the theme", path)
    return target


# --- fonts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontFace:
    family: str
    path: Path
    weight: str
    """CSS `font-weight`: one weight ("400"), or a range ("100 900") for a variable font."""
    style: str


@dataclass(frozen=True)
class FontPackage:
    """A `fontpkg-SLUG` package from PyPI: font files plus a `metadata.json` describing them."""

    slug: str
    folder: Path
    faces: tuple[FontFace, ...]

    def font_face_css(self, static_only: bool = False) -> str:
        """`@font-face` rules for the package's faces (`static_only`: leave variable fonts
        out, whose weight is a range)."""
        rules = []
        for face in self.faces:
            if static_only and " " in face.weight:
                continue
            rules.append(
                f"@font-face {{ font-family: {css_string(face.family)}; "
                f"src: url({css_string(face.path.as_uri())}); font-weight: {face.weight}; "
                f"font-style: {face.style}; }}")
        return "\n".join(rules)


def find_font_package(slug: str, theme_file: Path | None = None) -> FontPackage:
    module_name = "fontpkg_" + slug.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
        root = Path(module.ROOT)
        metadata = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    except (ImportError, AttributeError, OSError, ValueError) as error:
        raise ConfigError(f"fonts: font package fontpkg-{slug} is not usable ({error})",
                          theme_file) from None
    faces = []
    try:
        for entry in metadata.get("files", []):
            path = (root / entry["path"]).resolve()
            if path.is_file() and path.is_relative_to(root):
                style = entry.get("style", "normal")
                faces.append(FontFace(str(metadata["family"]), path,
                                      _face_weight(entry, metadata),
                                      style if style in ("normal", "italic", "oblique")
                                      else "normal"))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ConfigError(f"fonts: fontpkg-{slug} has metadata this version cannot read "
                          f"({type(error).__name__}: {error})", theme_file) from None
    if not faces:
        raise ConfigError(f"fonts: fontpkg-{slug} lists no font files", theme_file)
    return FontPackage(slug, root, tuple(faces))


def _face_weight(entry: dict[str, Any], metadata: dict[str, Any]) -> str:
    """A static face's weight, or a variable font's weight range (its `wght` axis): the
    reading system or renderer then draws bold from the font itself, not by smearing."""
    weight = entry.get("weight")
    if weight is not None:
        return str(int(weight))
    for axis in metadata.get("axes", []):
        if axis.get("tag") == "wght":
            return f"{int(axis['min'])} {int(axis['max'])}"
    return "400"


# --- the view of a leaflet that templates see -------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """One heading of the leaflet body with its level (2 or 3) and the blocks under it."""

    id: str
    level: int
    text: Text | None
    label: str
    """The heading as plain text; empty for a section that has no heading of its own."""
    blocks: tuple[Any, ...] = ()
    children: tuple[Heading, ...] = ()
    kind: str = "section"


def outline(leaflet: Leaflet) -> list[Heading]:
    """Sections as headings without gaps: an H2 per section; on multi-ingredient pages each
    run of sections about one ingredient becomes an H2 (the ingredient) with H3 sections.

    The corpus goes `#` → `###`, which PDF/UA rejects, so levels come from this structure and
    never from the source. A section with an empty heading (text right under an ingredient
    heading) gets no heading element: an empty heading is worse than none.
    """
    numbers = iter(range(1, 100_000))
    headings: list[Heading] = []
    sections = list(leaflet.sections)
    index = 0
    while index < len(sections):
        section = sections[index]
        if section.ingredient is None:
            headings.append(_section_heading(section, 2, next(numbers)))
            index += 1
            continue
        name = section.ingredient.plain
        run = [section]
        while (index + len(run) < len(sections)
               and sections[index + len(run)].ingredient is not None
               and sections[index + len(run)].ingredient.plain == name):  # type: ignore[union-attr]
            run.append(sections[index + len(run)])
        index += len(run)
        intro: tuple[Any, ...] = ()
        if not run[0].heading:
            intro, run = run[0].blocks, run[1:]
        group_id = f"section-{next(numbers)}"
        children = tuple(_section_heading(s, 3, next(numbers)) for s in run)
        headings.append(Heading(group_id, 2, section.ingredient, name, intro, children,
                                kind="ingredient"))
    return headings


def _section_heading(section: Section, level: int, number: int) -> Heading:
    return Heading(f"section-{number}", level, section.heading if section.heading else None,
                   section.heading.plain.strip(), section.blocks, kind=section.kind.value)


BLOCK_TYPE_NAMES = frozenset(cls.type for cls in BLOCK_CLASSES)
# What themes written before the test took the model's type names called two block types;
# a site theme copied from an older built-in one keeps working.
_OLD_BLOCK_NAMES = {"labelled": LabelledParagraph.type, "side_effects": SideEffectGroup.type}


def block_kind(block: Any) -> str:
    """The block's type name (the JSON `type`: `paragraph`, `list`…), the filter `block_kind`."""
    if type(block) not in BLOCK_CLASSES:
        raise TypeError(f"not a block: {type(block).__name__}")
    kind: str = block.type
    return kind


def is_block(block: Any, name: str) -> bool:
    """The template test `{% if block is block("list") %}`: is `block` of the type `name`?

    A name that is no block type is an error, not a silent "no": a misspelt name in a theme
    would otherwise drop every block of that type from the leaflet without a word."""
    kind = _OLD_BLOCK_NAMES.get(name, name)
    if kind not in BLOCK_TYPE_NAMES:
        raise ValueError(f"block({name!r}): no such block type (the types: "
                         f"{', '.join(sorted(BLOCK_TYPE_NAMES))})")
    return block_kind(block) == kind


def inline(text: Text | str | None) -> Markup:
    """A text unit as escaped inline HTML: bold, italic, sub and sup become elements.

    Every character of page text is escaped here, so markup in a page shows as text.
    A number and its unit are kept on one line ("5 mg"), as large-print guidance asks.
    """
    if text is None:
        return Markup("")
    if isinstance(text, str):
        return Markup(_keep_units(str(escape(text))))
    out: list[str] = []
    for span in text.spans:
        html = _keep_units(str(escape(span.text)))
        for mark, tag in (("sub", "sub"), ("sup", "sup"), ("italic", "em"), ("bold", "strong")):
            if mark in span.marks:
                html = f"<{tag}>{html}</{tag}>"
        out.append(html)
    return Markup("".join(out))


def _keep_units(html: str) -> str:
    return _NUMBER_UNIT.sub("\\1\u00a0", html)


def css_string(value: str) -> str:
    """A CSS string literal holding `value` exactly (quotes, backslashes, controls escaped)."""
    out = ['"']
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" +,;:-") + "…"


# --- dates ------------------------------------------------------------------------------------


def format_day(day: _dt.date, locale: Locale, style: str = "long") -> str:
    """The date printed on a leaflet, in the locale's own format (Babel)."""
    return format_date(day, format=style, locale=locale.babel)


def iter_headings(headings: Iterable[Heading]) -> Iterator[Heading]:
    for heading in headings:
        yield heading
        yield from iter_headings(heading.children)
