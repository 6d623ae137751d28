"""The Jinja2 environment of a theme: where its templates come from and what they may do.

Translations are text. Jinja2's i18n extension wraps whatever `gettext` returns in `Markup`
when autoescaping is on (`jinja2/ext.py`, `_make_new_gettext`), so a translator's `"` or `<`
would reach the markup as markup (`aria-label="Índice" onmouseover="…"`). The callables here
escape the translation first and only then fill in the template's variables, which
`Markup`'s `%` escapes in turn; `{% trans %}` blocks call the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2
from markupsafe import Markup, escape

from publish.errors import CatalogError, ConfigError
from publish.renderers.base import SourceStrings, Strings
from publish.theme import Theme, block_kind, inline


class TemplateTranslations:
    """`_`, `gettext`, `ngettext` and `pgettext` for templates, over the current `Strings`.

    Signatures follow Jinja2's "newstyle" gettext: keyword arguments are the variables of
    the message, always `%`-formatted (so a literal percent sign is written `%%`).
    """

    def __init__(self) -> None:
        self.strings: Strings = SourceStrings()

    def gettext(self, message: str, **variables: Any) -> Markup:
        return _fill(message, self.strings.gettext(message), variables)

    def pgettext(self, context: str, message: str, **variables: Any) -> Markup:
        variables.setdefault("context", context)
        return _fill(message, self.strings.pgettext(context, message), variables)

    def ngettext(self, singular: str, plural: str, n: int, **variables: Any) -> Markup:
        variables.setdefault("num", n)
        return _fill(singular, self.strings.ngettext(singular, plural, n), variables)

    def install(self, env: jinja2.Environment) -> None:
        env.globals.update(_=self.gettext, gettext=self.gettext, pgettext=self.pgettext,
                           ngettext=self.ngettext)
        # `{% trans %}` blocks then pass their variables as keywords to the same callables.
        env.newstyle_gettext = True  # type: ignore[attr-defined]


def _fill(message: str, translated: str, variables: Mapping[str, Any]) -> Markup:
    # str() first: a Markup translation would pass through escape() untouched.
    text = escape(str(translated))
    try:
        return text % variables
    except (ValueError, TypeError, KeyError) as error:
        raise CatalogError(f"translation of {message!r} is malformed ({error}): "
                           f"{str(translated)!r}") from None


class TemplateSet:
    """The Jinja2 environment of one theme, built once and reused for every page."""

    def __init__(self, theme: Theme) -> None:
        loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(theme.folder))]
        if theme.fallback is not None:
            # Templates a theme lacks come from the default theme, which is also reachable
            # as "default/NAME" so a theme's template can extend the one it replaces.
            fallback = jinja2.FileSystemLoader(str(theme.fallback))
            loaders += [jinja2.PrefixLoader({"default": fallback}), fallback]
        else:
            loaders.append(jinja2.PrefixLoader(
                {"default": jinja2.FileSystemLoader(str(theme.folder))}))
        self.theme = theme
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.translations = TemplateTranslations()
        self.translations.install(self.env)
        self.env.filters["inline"] = inline
        self.env.filters["block_kind"] = block_kind
        self.env.tests["block"] = lambda value, name: block_kind(value) == name
        try:
            self.template = self.env.get_template(theme.template)
        except jinja2.TemplateSyntaxError as error:
            raise ConfigError(f"template error: {error.message}", error.filename,
                              error.lineno) from None

    def render(self, values: Mapping[str, Any], strings: Strings) -> str:
        # The strings belong to the locale being rendered: set per page.
        self.translations.strings = strings
        try:
            return self.template.render(values)
        except jinja2.TemplateError as error:
            raise ConfigError(f"template error: {error}",
                              self.theme.folder / self.theme.template) from None
