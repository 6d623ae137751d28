"""The site's own pages: `index.html` choosing the language and `<locale>/index.html`, the
medicines from A to Z with a search box.

Written by the build after the renderers, from the leaflet pages the build state records
(`write_site`). Titles are read back from each leaflet's `<title>` and remembered with the
file's stamp in `.publish-site.json`, so a build that changed nothing reads no leaflet and
rewrites no index (`write_if_changed`). Pages are the theme's templates (`site-index.html`,
`site-languages.html`), held to the leaflet's rules (`publish.fetching.page_problems`); the
search box's few lines of script are added by this module, never by a template, and the
A–Z list works without them.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from markupsafe import Markup

from publish import __version__
from publish.catalogs.layout import shared_catalog
from publish.catalogs.translations import CatalogStrings, load_messages
from publish.config import SiteConfig
from publish.errors import ConfigError, PublishError, TranslationMissing
from publish.fetching import page_problems
from publish.files import read_no_follow, write_if_changed
from publish.locale import Locale
from publish.renderers.html import site_targets
from publish.site.links import INDEX_NAME, href, language_names, relative
from publish.strings import SourceStrings, Strings, site_name
from publish.templates import TemplateSet
from publish.theme import find_theme

CACHE_NAME = ".publish-site.json"
_SCRIPT_MARK = "<!--publish:search-script-->"
# The search box's script: shows the form (hidden without script), then filters the A–Z
# list as the reader types, hiding letters left empty and saying how many remain. Matching
# ignores case and accents, as `fold` does for the list's data-key attributes.
SEARCH_SCRIPT = """<script>
(function () {
  var form = document.getElementById("search"), box = document.getElementById("search-box");
  var status = document.getElementById("search-status");
  if (!form || !box || !status) return;
  var items = document.querySelectorAll("[data-key]");
  var groups = document.querySelectorAll(".az-group");
  function fold(text) {
    return text.normalize("NFKD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase().trim();
  }
  function filter() {
    var query = fold(box.value), shown = 0;
    items.forEach(function (item) {
      var match = item.getAttribute("data-key").indexOf(query) !== -1;
      item.hidden = !match;
      if (match) shown += 1;
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("[data-key]:not([hidden])");
    });
    status.textContent = query ? status.getAttribute("data-template")
      .replace("{shown}", shown).replace("{total}", items.length) : "";
  }
  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); filter(); });
  box.addEventListener("input", filter);
})();
</script>"""


@dataclass
class SiteResult:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"written": self.written, "removed": self.removed, "problems": self.problems}


def fold(text: str) -> str:
    """Text for matching and sorting: no accents, no case ("Ácido" → "acido")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def letter_of(title: str) -> str:
    """The A–Z group of a title: its first letter without accent, upper case; "#" for a
    title starting with a digit or a sign."""
    folded = fold(title)
    first = folded[:1]
    return first.upper() if first.isalpha() else "#"


def write_site(output_dir: Path, config: SiteConfig, theme_spec: str | None,
               leaflets: Mapping[str, Iterable[str]]) -> SiteResult:
    """Write (or leave as they are) the indexes of the leaflet pages in `leaflets` (locale →
    HTML outputs relative to the output folder); remove the indexes of locales left with no
    page. Problems (an untranslated string, a theme's template error) are returned, one line
    each: an index is not worth failing a build of leaflets."""
    result = SiteResult()
    cache = _load_cache(output_dir)
    titles: dict[str, list[Any]] = {}
    pages: dict[str, list[tuple[str, str]]] = {}
    taken: set[str] = set()
    for locale, names in sorted(leaflets.items()):
        for name in sorted(set(names)):
            if name == f"{locale}/{INDEX_NAME}":
                taken.add(locale)
                result.problems.append(f"{name}: a page named index takes the place of the "
                                       f"{locale} index, which is not written; rename it")
            title = _title(output_dir, name, cache.get("titles", {}), titles)
            if title is not None:
                pages.setdefault(locale, []).append((name, title))
    wanted: list[str] = []
    templates = _templates(config, theme_spec, result) if pages else None
    if templates is not None:
        css = Markup(templates.theme.stylesheet_text().replace("</", "<\\/"))
        names = language_names(pages)
        for locale, entries in pages.items():
            target = f"{locale}/{INDEX_NAME}"
            if locale not in taken and _publish(
                    output_dir, templates, "site-index.html", target, config, locale,
                    _index_values(config, locale, names, entries, css), result):
                wanted.append(target)
        if _publish(output_dir, templates, "site-languages.html", INDEX_NAME, config,
                    config.source_language, _languages_values(config, names, css), result):
            wanted.append(INDEX_NAME)
    for name in cache.get("files", []):
        if isinstance(name, str) and name not in wanted and _remove(output_dir, name):
            result.removed.append(name)
    _save_cache(output_dir, {"titles": titles, "files": wanted})
    return result


def _remove(output_dir: Path, name: str) -> bool:
    """Remove an index an earlier build wrote, and only that (the cache file names it)."""
    parts = name.split("/")
    if parts[-1] != INDEX_NAME or len(parts) > 2 or any(p in ("", ".", "..") for p in parts):
        return False
    path = output_dir.joinpath(*parts)
    if path.is_symlink() or not path.is_file() or \
            not path.resolve().is_relative_to(output_dir.resolve()):
        return False
    path.unlink()
    return True


def _strings(config: SiteConfig, locale: str) -> Strings:
    if locale == config.source_language:
        return SourceStrings()
    messages = load_messages(shared_catalog(config, locale), config)
    if messages is None:
        raise TranslationMissing(f"no shared catalog for {locale}: its index is not written")
    return CatalogStrings(messages, locale, config)


def _index_values(config: SiteConfig, locale: str, names: Mapping[str, str],
                  entries: list[tuple[str, str]], css: Markup) -> dict[str, Any]:
    page = f"{locale}/{INDEX_NAME}"
    groups: dict[str, list[dict[str, str]]] = {}
    for name, title in sorted(entries, key=lambda entry: (fold(entry[1]), entry[1], entry[0])):
        groups.setdefault(letter_of(title), []).append(
            {"title": title, "href": relative(name, page), "key": fold(title)})
    letters = sorted(groups, key=lambda letter: (letter == "#", letter))
    return {
        "lang": locale, "dir": Locale.parse(locale).direction, "css": css,
        "generator": f"publish {__version__}", "language": names[locale],
        "home": relative(INDEX_NAME, page),
        "groups": [{"letter": letter, "id": f"letter-{index}", "pages": groups[letter]}
                   for index, letter in enumerate(letters)],
        "total": len(entries),
        "alternates": [{"lang": tag, "name": name,
                        "href": relative(f"{tag}/{INDEX_NAME}", page)}
                       for tag, name in names.items() if tag != locale],
        "search_script": Markup(_SCRIPT_MARK),
    }


def _languages_values(config: SiteConfig, names: Mapping[str, str],
                      css: Markup) -> dict[str, Any]:
    source = config.source_language
    return {
        "lang": source, "dir": Locale.parse(source).direction, "css": css,
        "generator": f"publish {__version__}",
        "languages": [{"lang": tag, "name": name, "dir": Locale.parse(tag).direction,
                       "href": href(f"{tag}/{INDEX_NAME}")} for tag, name in names.items()],
    }


def _templates(config: SiteConfig, theme_spec: str | None,
               result: SiteResult) -> TemplateSet | None:
    try:
        return TemplateSet(find_theme(theme_spec or config.site["theme"], config.root))
    except PublishError as error:
        result.problems.append(f"site: {error}")
        return None


def _publish(output_dir: Path, templates: TemplateSet, template: str, target: str,
             config: SiteConfig, locale: str, values: dict[str, Any],
             result: SiteResult) -> bool:
    """Render one site page and write it if it changed; False (and a problem) if it could
    not be made."""
    html = _render(templates, template, values, config, locale, target, result)
    if html is None:
        return False
    try:
        if write_if_changed(output_dir / target, html.encode("utf-8")):
            result.written.append(target)
    except OSError as error:
        result.problems.append(f"cannot write {target}: {error.strerror or error}")
        return False
    return True


def _render(templates: TemplateSet, name: str, values: dict[str, Any], config: SiteConfig,
            locale: str, target: str, result: SiteResult) -> str | None:
    try:
        strings = templates.translations.strings = _strings(config, locale)
        # the shared catalog is read once a page, for its strings and the site's name
        values = {**values, "site_name": site_name(config.site["name"], strings)}
        html = templates.env.get_template(name).render(values)
    except PublishError as error:
        result.problems.append(f"{target}: {error}")
        return None
    except Exception as error:  # noqa: BLE001 (a theme's template failing is its own)
        result.problems.append(f"{target}: {templates.error(error)}")
        return None
    problems = page_problems(html, str(values["css"]), site_targets(values))
    if problems:
        error = ConfigError(f"theme {templates.theme.name}: the page its templates write "
                            f"{problems[0]} (an index runs only its own search script)",
                            templates.theme.folder / name)
        result.problems.append(f"{target}: {error}")
        return None
    return html.replace(_SCRIPT_MARK, SEARCH_SCRIPT, 1)


class _TitleReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] | None = None
        self.title: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and self.title is None:
            self.parts = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.parts is not None:
            self.title, self.parts = " ".join("".join(self.parts).split()), None

    def handle_data(self, data: str) -> None:
        if self.parts is not None:
            self.parts.append(data)


def _title(output_dir: Path, name: str, known: Mapping[str, Any],
           titles: dict[str, list[Any]]) -> str | None:
    """The title of the leaflet page `name`, read again only when the file changed."""
    path = output_dir / name
    try:
        info = os.stat(path)
    except OSError:
        return None
    stamp = [info.st_size, info.st_mtime_ns]
    entry = known.get(name)
    if isinstance(entry, list) and len(entry) == 3 and entry[:2] == stamp:
        titles[name] = entry
        return str(entry[2])
    reader = _TitleReader()
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            # the title is in the head: the first 64 KB hold it whatever the theme inlines
            reader.feed(stream.read(1 << 16).split("</title>", 1)[0] + "</title>")
    except OSError:
        return None
    title = reader.title or path.stem
    titles[name] = [*stamp, title]
    return title


def _load_cache(output_dir: Path) -> dict[str, Any]:
    try:
        raw = read_no_follow(output_dir / CACHE_NAME)
        data = json.loads(raw.decode("utf-8")) if raw is not None else {}
    except (OSError, ValueError, PublishError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_cache(output_dir: Path, data: dict[str, Any]) -> None:
    try:
        write_if_changed(output_dir / CACHE_NAME,
                         json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    except OSError:
        pass  # only a cache: the next build reads the titles again
