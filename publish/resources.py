"""Built-in data shipped inside the package, and the one lookup that lets a site override it.

    publish/data/themes/<name>/              the built-in themes (large-print, standard)
    publish/data/locales/<language>/<file>   the built-in locale data (speech.toml,
                                             lexicon.toml, sms.toml)

The data is package data, read through `importlib.resources`, so an installed wheel, a Dask
worker or a Debian package finds it wherever the code is. A site's own folders come first
and override built-ins by name: `themes/<name>/` next to `publish.toml`, and
`<[site] locales_dir>/<tag or language>/<file>` (`es-MX` is looked up as `es-MX`, `es_MX`,
then `es`: `Locale.candidates()`, in the site's folder and then among the built-ins). Every
user of locale data (the renderers, the choice of voice) goes through `locale_data_file(s)`.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from importlib.resources import as_file, files
from pathlib import Path

from publish.config import SiteConfig
from publish.errors import ConfigError
from publish.locale import Locale, normalise_tag, tag_candidates

THEME_FILE = "theme.toml"
_EXTRACTED = contextlib.ExitStack()
atexit.register(_EXTRACTED.close)


@functools.cache
def builtin_data() -> Path:
    """The package's `data` folder as a real path (WeasyPrint and Jinja2 need files)."""
    root = files("publish") / "data"
    if isinstance(root, Path):
        return root
    # A zipped package: extracted once, kept for the life of the process.
    return _EXTRACTED.enter_context(as_file(root))


def builtin_themes_dir() -> Path:
    return builtin_data() / "themes"


def builtin_locales_dir() -> Path:
    return builtin_data() / "locales"


# --- themes -----------------------------------------------------------------------------------


def theme_folders(site: SiteConfig | Path) -> dict[str, Path]:
    """Every theme known by name: the site's `themes/` first, then the built-in ones.

    `site` is the configuration or the site root (the folder of `publish.toml`).
    """
    root = site.root if isinstance(site, SiteConfig) else site
    found: dict[str, Path] = {}
    for base in (root / "themes", builtin_themes_dir()):
        if base.is_dir():
            for child in sorted(base.iterdir()):
                if (child / THEME_FILE).is_file():
                    found.setdefault(child.name, child.resolve())
    return found


def find_theme(site: SiteConfig | Path, name: str) -> Path | None:
    """The folder of the theme called `name` (site first, then built-in), or None."""
    return theme_folders(site).get(name)


# --- locale data ------------------------------------------------------------------------------


def locale_candidates(locale: Locale | str) -> list[str]:
    """Folder names tried for a locale, most specific first: `es-MX`, `es_MX`, `es`
    (a tag string also as written). Text that is no locale tag names no folder (`../x`)."""
    if isinstance(locale, Locale):
        return locale.candidates()
    try:
        tag = normalise_tag(locale)
    except ConfigError:
        return []
    return list(dict.fromkeys([locale, *tag_candidates(tag)]))


def locale_data_files(site: SiteConfig | Path, locale: Locale | str,
                      filename: str) -> list[Path]:
    """Every copy of a locale data file: the site's, then the built-in one (at most one each,
    the most specific folder of each). `site` is the configuration or its locales folder."""
    locales_dir = site.locales_dir if isinstance(site, SiteConfig) else site
    names = locale_candidates(locale)
    found: list[Path] = []
    bases: list[Path] = []
    for base in (locales_dir, builtin_locales_dir()):
        if base.is_dir() and base.resolve() not in bases:
            bases.append(base.resolve())
            match = next((base / name / filename for name in names
                          if (base / name / filename).is_file()), None)
            if match is not None:
                found.append(match)
    return found


def locale_data_file(site: SiteConfig | Path, locale: Locale | str,
                     filename: str) -> Path | None:
    """The locale data file to use: the site's own if it has one, else the built-in one."""
    found = locale_data_files(site, locale, filename)
    return found[0] if found else None
