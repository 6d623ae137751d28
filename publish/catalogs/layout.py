"""Where catalogs live, for a site whose locale folder is `[site] locales_dir` (`locales/`).

    locales/templates/shared.pot              headings, site texts, renderer and theme strings
    locales/templates/pages/<page path>.pot   one template per page
    locales/<locale>/LC_MESSAGES/shared.po    (+ shared.mo after `publish catalog compile`)
    locales/<locale>/LC_MESSAGES/pages/<page path>.po

Page catalogs sit under `pages/` so that no page (a `shared.md`, say) can collide with the
shared catalog. `<page path>` is the page's path under the content folder without `.md`
(`n/naltrexone` for `content/n/naltrexone.md`), kept as it is rather than sanitised like
output names: `clonazepam-.md` and `clonazepam.md` are two pages with two catalogs. Other
locale data (SMS and speech tables) lives beside `LC_MESSAGES/` in the same locale folder.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path, PurePosixPath

from publish.config import SiteConfig
from publish.pages import sanitise_part

TEMPLATES = "templates"
MESSAGES = "LC_MESSAGES"
PAGES = "pages"
SHARED = "shared"


def catalog_stem(key: str) -> str:
    """The page key as a relative path without `.md`, made safe but not rewritten: no empty,
    `.` or `..` parts, no control characters."""
    parts = []
    for part in PurePosixPath(key).parts:
        if part in ("", ".", "..", "/"):
            continue
        part = unicodedata.normalize("NFC", part)
        parts.append("".join(ch for ch in part if unicodedata.category(ch)[0] != "C"))
    if parts and parts[-1].endswith(".md"):
        parts[-1] = parts[-1][:-3]
    parts = [part for part in parts if part.strip(".")]
    return "/".join(parts) or "page"


def templates_dir(config: SiteConfig) -> Path:
    return config.locales_dir / TEMPLATES


def shared_template(config: SiteConfig) -> Path:
    return templates_dir(config) / f"{SHARED}.pot"


def page_template(config: SiteConfig, key: str) -> Path:
    return templates_dir(config) / PAGES / f"{catalog_stem(key)}.pot"


def messages_dir(config: SiteConfig, locale: str) -> Path:
    return config.locales_dir / sanitise_part(locale) / MESSAGES


def shared_catalog(config: SiteConfig, locale: str) -> Path:
    return messages_dir(config, locale) / f"{SHARED}.po"


def page_catalog(config: SiteConfig, locale: str, key: str) -> Path:
    return messages_dir(config, locale) / PAGES / f"{catalog_stem(key)}.po"


def template_for_catalog(config: SiteConfig, locale: str, catalog: Path) -> Path:
    """The template a locale's catalog is made from (same relative path, `.pot`)."""
    relative = catalog.relative_to(messages_dir(config, locale))
    return templates_dir(config) / relative.with_suffix(".pot")


def catalog_for_template(config: SiteConfig, locale: str, template: Path) -> Path:
    relative = template.relative_to(templates_dir(config))
    return messages_dir(config, locale) / relative.with_suffix(".po")


def page_templates(config: SiteConfig) -> list[Path]:
    folder = templates_dir(config) / PAGES
    return sorted(folder.rglob("*.pot")) if folder.is_dir() else []


def translated_locales(config: SiteConfig) -> list[str]:
    """Locales that have a catalog folder, in name order."""
    root = config.locales_dir
    if not root.is_dir():
        return []
    return sorted(child.name for child in root.iterdir()
                  if child.name != TEMPLATES and (child / MESSAGES).is_dir())


def display(path: Path, config: SiteConfig) -> str:
    """A path as the user should see it: relative to the site root when inside it."""
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)
