"""Placeholders in translated strings: what the gate accepts, and the only way to fill them.

Renderer and theme strings are templates: `"Get medical help at once if: {effects}."` is
filled with `str.format`, and Jinja2 applies `%` to every string a theme translates. A
translation is untrusted text, so it may only use the placeholders of its source, each as a
bare name:

- `{effects}` and no other field; never `{effects.__class__.__mro__}` (Python internals in
  a leaflet), `{effects[0]}`, `{effects!r}`, `{effects:>30000000}` (100 MB of spaces) or
  `{0}` (an internal error);
- every placeholder of the source at least once: a Spanish SMS that drops `{effects}` names
  no serious side effect (a plural form may leave out the count: "Una parte…");
- in strings a theme translates (`python-format`), `%%` for a percent sign and the source's
  `%(name)s` fields only.

`format_message` fills a template the same way, so even a string that never met the gate
cannot reach an attribute or take a format spec. Page text is never formatted: its braces
are text, and it is not checked here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from string import Formatter

from publish.catalogs.pofile import Entry
from publish.errors import CatalogError

PLACEHOLDERS = "placeholders"
_PERCENT = re.compile(r"%(?:%|\(([A-Za-z_]\w*)\)s)?")
_FORMATTER = Formatter()


class PlaceholderError(ValueError):
    """A template whose fields are not bare `{name}` placeholders."""


def brace_fields(text: str) -> list[str]:
    """The `{name}` placeholders of a template, in order; `PlaceholderError` for anything
    else (unbalanced braces, attribute access, index, conversion, format spec, `{}`, `{0}`).

    Python's own parser (C, linear) reads the template; `{{` and `}}` are literal braces."""
    names = []
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as error:
        raise PlaceholderError(f"braces that are not a placeholder ({error}); write {{{{ "
                               "and }} for a literal brace") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (
            f":{spec}" if spec else "") + "}"
        if len(shown) > 40:
            shown = shown[:37] + "…}"
        if not name.isidentifier() or not name.isascii() or spec or conversion:
            raise PlaceholderError(f"placeholder {shown} is not allowed: only {{name}}, "
                                   "with no attribute, index, conversion or format")
        names.append(name)
    return names


def percent_fields(text: str) -> list[str]:
    """The `%(name)s` fields of a %-template; `PlaceholderError` for a lone `%`."""
    names = []
    for match in _PERCENT.finditer(text):
        if match.group(0) == "%%":
            continue
        if match.group(1) is None:
            raise PlaceholderError("a % that is not %% or %(name)s: Jinja2 formats theme "
                                   "strings with %, write a percent sign as %%")
        names.append(match.group(1))
    return names


def _compare(kind: str, wanted: set[str], forms: Iterable[list[str]]) -> str | None:
    """Each form uses only the source's placeholders, and together they use all of them (a
    plural form may leave the count out: "Una parte…"; a single form must have them all)."""
    found: set[str] = set()
    for names in forms:
        extra = set(names) - wanted
        if extra:
            return f"{PLACEHOLDERS}: {_show(kind, extra)} not in the source"
        found.update(names)
    missing = wanted - found
    if missing:
        return f"{PLACEHOLDERS}: {_show(kind, missing)} of the source missing"
    return None


def _show(kind: str, names: set[str]) -> str:
    if kind == "%":
        return ", ".join(f"%({name})s" for name in sorted(names))
    return ", ".join(f"{{{name}}}" for name in sorted(names))


def placeholder_problem(entry: Entry, percent: bool = False) -> str | None:
    """Why the translation of a formatted string is refused, or None.

    `percent`: the string is also %-formatted (a theme string; its template entry or the
    catalog entry is flagged `python-format`)."""
    forms = entry.msgstr_plural or (entry.msgstr,)
    sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
    checks = [("{", brace_fields)]
    if percent or "python-format" in entry.flags:
        checks.append(("%", percent_fields))
    for kind, fields in checks:
        try:
            wanted = {name for source in sources for name in fields(source)}
        except PlaceholderError:
            continue  # the source itself is no template of this kind: nothing to keep
        try:
            found = [fields(form) for form in forms]
        except PlaceholderError as error:
            return f"{PLACEHOLDERS}: {error}"
        problem = _compare(kind, wanted, found)
        if problem is not None:
            return problem
    return None


def format_message(template: str, /, **values: object) -> str:
    """`template.format(**values)` for a translated template, with only bare `{name}`
    fields: attribute access, indexing, conversions and format specs raise `CatalogError`
    instead of running, and so does a placeholder no value was given for."""
    out = []
    try:
        parsed = list(_FORMATTER.parse(template))
        brace_fields(template)
    except PlaceholderError as error:
        raise CatalogError(f"translation {_short(template)}: {error}") from None
    for literal, name, _spec, _conversion in parsed:
        out.append(literal)
        if name is None:
            continue
        if name not in values:
            raise CatalogError(f"translation {_short(template)}: placeholder {{{name}}} is not "
                               f"one of {', '.join(sorted(values)) or 'none'}")
        out.append(str(values[name]))
    return "".join(out)


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "…")


class Message(str):
    """A translated string, as `CatalogStrings` returns it: text, never markup.

    Its `format` is `format_message`, so a renderer's `.format(name=…)` can never reach an
    attribute or take a format spec, whatever the catalog says. Its `__html__` (the
    markupsafe protocol Jinja2 follows, also in `Markup(…)`, which Jinja2's gettext wraps
    every translation in under autoescape) is the escaped text: `Índice" onmouseover="…`
    stays inside its attribute as `Índice&#34; onmouseover=&#34;…`."""

    __slots__ = ()

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def format(self, *args: object, **values: object) -> str:  # type: ignore[override]
        if args:
            raise CatalogError(f"translation {_short(self)}: positional values are not "
                               "allowed in translated strings")
        return format_message(str(self), **values)

    def format_map(self, mapping: object) -> str:  # type: ignore[override]
        return format_message(str(self), **dict(mapping))  # type: ignore[call-overload]
