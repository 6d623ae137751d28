"""What a leaflet page links to: its other formats, its other languages, the indexes.

Decided by the build before the page is rendered, from the outputs the page will have once
the build is done (the formats asked now plus those an earlier build left, by suffix): the
HTML renderer only shows what it is given (`RenderContext.site`). Every address is relative
to the page itself, so the output folder can be opened from disk or served under any prefix.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from publish.locale import Locale
from publish.pages import output_stem, sanitise_part

PAGE_SUFFIX = ".html"
INDEX_NAME = "index.html"

# Output suffix → what it is, for the template's labels; longest suffix first, so that
# `.sms.txt` is SMS text and not a transcript. Suffixes not listed are still linked, by name.
KINDS: tuple[tuple[str, str], ...] = (
    (".sms.txt", "sms"),
    (".sms.json", "sms-data"),
    (".pdf", "pdf"),
    (".epub", "epub"),
    (".brf", "braille"),
    (".mp3", "audio"),
    (".opus", "audio"),
    (".m4b", "audio"),
    (".wav", "audio"),
    (".vtt", "captions"),
    (".txt", "transcript"),
    (".json", "data"),
)
AUDIO_TYPES = {".mp3": "audio/mpeg", ".opus": "audio/ogg", ".m4b": "audio/mp4",
               ".wav": "audio/wav"}
# The order formats are listed in: print first, then listening, then the rest.
ORDER = ("pdf", "audio", "transcript", "captions", "sms", "epub", "braille", "sms-data",
         "data", "other")


def kind_of(suffix: str) -> str:
    for known, kind in KINDS:
        if suffix.lower() == known:
            return kind
    return "other"


def href(path: str) -> str:
    """A relative path as a URL: each part percent-encoded (a page named `a b#c.md`)."""
    return "/".join(quote(part) for part in path.split("/"))


def relative(target: str, page: str) -> str:
    """`target` (a path under the output folder) as seen from the file `page`."""
    return href(posixpath.relpath(target, posixpath.dirname(page) or "."))


def page_name(locale: str, key: str, suffix: str = PAGE_SUFFIX) -> str:
    """An output's path relative to the output folder (as `publish.pages.output_path`)."""
    return f"{sanitise_part(locale)}/{output_stem(key)}{suffix}"


def language_name(tag: str) -> str:
    """A locale's name in its own language ("español", "English"), first letter capital."""
    locale = Locale.parse(tag)
    name = str(locale.babel.get_display_name(locale.babel) or tag)
    return name[:1].upper() + name[1:]


def language_names(tags: Iterable[str]) -> dict[str, str]:
    """Each tag's own name; two tags of one name (en, en-XA) get the tag added."""
    tags = list(dict.fromkeys(tags))
    names = {tag: language_name(tag) for tag in tags}
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {tag: (f"{name} ({tag})" if counts[name] > 1 else name) for tag, name in names.items()}


def page_links(key: str, locale: str,
               suffixes: Mapping[str, Iterable[str]]) -> dict[str, Any] | None:
    """The links of the leaflet page of `key` in `locale`, for the templates.

    `suffixes` maps each locale to the output suffixes the page has there. Returns None when
    the page has no HTML in `locale` (nothing to link from). Plain data only (it travels to
    worker processes and into the build's fingerprint): strings, lists and dicts.
    """
    own = sorted(set(suffixes.get(locale, ())))
    if PAGE_SUFFIX not in own:
        return None
    page = page_name(locale, key)
    formats: list[dict[str, str]] = []
    audio: list[dict[str, str]] = []
    captions = None
    for suffix in own:
        if suffix == PAGE_SUFFIX:
            continue
        kind = kind_of(suffix)
        item = {"kind": kind, "suffix": suffix, "href": relative(page_name(locale, key, suffix),
                                                                  page)}
        if kind == "audio":
            audio.append({**item, "type": AUDIO_TYPES.get(suffix.lower(), "")})
        if kind == "captions" and captions is None:
            captions = item
        formats.append(item)
    formats.sort(key=lambda item: (ORDER.index(item["kind"]), item["suffix"]))
    others = sorted(tag for tag, found in suffixes.items()
                    if tag != locale and PAGE_SUFFIX in set(found))
    names = language_names([locale, *others])
    alternates = [{"lang": tag, "name": names[tag],
                   "href": relative(page_name(tag, key), page)} for tag in others]
    return {
        "home": relative(INDEX_NAME, page),
        "index": relative(f"{sanitise_part(locale)}/{INDEX_NAME}", page),
        "language": names[locale],
        "formats": formats,
        "audio": audio,
        "captions": captions,
        "alternates": alternates,
    }
