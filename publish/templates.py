"""The Jinja2 environment of a theme: where its templates come from and what they may do.

Translations are text. Jinja2's i18n extension wraps whatever `gettext` returns in `Markup`
when autoescaping is on (`jinja2/ext.py`, `_make_new_gettext`), so a translator's `"` or `<`
would reach the markup as markup (`aria-label="Índice" onmouseover="…"`). The callables here
escape the translation first and only then fill in the template's variables, which
`Markup`'s `%` escapes in turn; `{% trans %}` blocks call the same functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from publish.errors import CatalogError, ConfigError, PublishError
from publish.fetching import file_data_url
from publish.files import file_stamp, stat_stamp
from publish.strings import SourceStrings, Strings
from publish.theme import Theme, block_kind, inline, is_block


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


class ThemeLoader(jinja2.BaseLoader):
    """Templates of one theme folder and nothing else: a name with `..`, or a file that is a
    link leading out of the folder (`secret.html -> /etc/hostname`), is refused."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        parts = template.replace("\\", "/").split("/")
        if ".." in parts or template.startswith(("/", "\\")):
            raise SecurityError(f"template {template!r} is outside the theme folder")
        path = self.folder.joinpath(*(part for part in parts if part not in ("", ".")))
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        real = path.resolve()
        if not real.is_relative_to(self.folder):
            raise SecurityError(f"template {template!r} is a link out of the theme folder")
        try:
            source = real.read_text(encoding="utf-8")
            stamp = stat_stamp(real.stat())
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read template: {error}", path) from None
        return source, str(path), lambda: file_stamp(real) == stamp


class TemplateSet:
    """The Jinja2 environment of one theme, built once and reused for every page.

    Sandboxed (Jinja2's `ImmutableSandboxedEnvironment`): a template reaches no Python
    internals (`cycler.__init__.__globals__.os` is refused) and changes no value it is given,
    so a theme stays data even on a Dask worker that renders other sites' pages.
    """

    def __init__(self, theme: Theme, template: str | None = None,
                 filters: Mapping[str, Callable[..., Any]] | None = None) -> None:
        """`template` names another page template than the theme's (the EPUB's), and
        `filters` replace or add filters for it."""
        own = ThemeLoader(theme.folder)
        loaders: list[jinja2.BaseLoader] = [own]
        if theme.fallback is not None:
            # Templates a theme lacks come from the default theme, which is also reachable
            # as "default/NAME" so a theme's template can extend the one it replaces.
            fallback = ThemeLoader(theme.fallback)
            loaders += [jinja2.PrefixLoader({"default": fallback}), fallback]
        else:
            loaders.append(jinja2.PrefixLoader({"default": own}))
        self.theme = theme
        self.env = ImmutableSandboxedEnvironment(
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
        self.env.filters["data_url"] = self.data_url
        self.env.tests["block"] = is_block
        self.env.filters.update(filters or {})
        try:
            self.template = self.env.get_template(template or theme.template)
        except PublishError:
            raise
        except jinja2.TemplateSyntaxError as error:
            raise ConfigError(f"theme {theme.name}: template error: {error.message}",
                              error.filename, error.lineno) from None
        except (jinja2.TemplateError, ValueError, OSError) as error:
            raise self.error(error) from None

    def data_url(self, name: str) -> str:
        """`{{ "logo.png"|data_url }}`: a file of the theme as a `data:` URL, so a picture
        reaches the HTML and the PDF without either fetching anything."""
        folders = [folder for folder in (self.theme.folder, self.theme.fallback)
                   if folder is not None]
        url = file_data_url(str(name), folders)
        if url is None:
            raise SecurityError(f"data_url: no file {name!r} in the theme folder")
        return url

    def render(self, values: Mapping[str, Any], strings: Strings) -> str:
        # The strings belong to the locale being rendered: set per page.
        self.translations.strings = strings
        try:
            return self.template.render(values)
        except PublishError:
            raise
        except Exception as error:  # noqa: BLE001 (any failure of a theme's template is its own)
            raise self.error(error) from None

    def error(self, error: Exception) -> ConfigError:
        """`error` as a one-line message naming the template file and line that raised it.

        Jinja2 rewrites tracebacks so that template code shows as frames of the template
        file at its own line numbers: the innermost such frame is where the theme failed.
        """
        folders = [str(folder) + os.sep for folder in (self.theme.folder, self.theme.fallback)
                   if folder is not None]
        filename: str = str(self.theme.folder / self.theme.template)
        line: int | None = None
        trace = error.__traceback__
        while trace is not None:
            name = trace.tb_frame.f_code.co_filename
            if name.startswith(tuple(folders)):
                filename, line = name, trace.tb_lineno
            trace = trace.tb_next
        if isinstance(error, SecurityError):
            what = f"refused: {error}"
        elif isinstance(error, jinja2.TemplateError):
            what = f"template error: {error}"
        else:
            what = f"template failed: {type(error).__name__}: {error}"
        return ConfigError(f"theme {self.theme.name}: {' '.join(what.split())}", filename, line)
