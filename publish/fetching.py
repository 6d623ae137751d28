"""What a leaflet may fetch: one URL policy for the PDF and the HTML.

A leaflet fetches nothing from the network and reads nothing outside its theme folder and
the font packages the theme names. Three places enforce it:

- `check_stylesheet` when a theme is loaded: every `url(…)`, `@import` and `image-set()`
  of its CSS must name a file of the theme (else a `path:line` error naming the CSS);
- `ThemeFetcher`, WeasyPrint's only way to open anything while printing the PDF;
- `self_contained_css` and `page_problems` for the HTML, which a reader's browser opens: the
  theme's own files are inlined as `data:` URLs, and the page a template writes may hold no
  script, no event attribute and no reference to anything outside itself.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import tinycss2
import tinycss2.ast
from weasyprint.urls import URLFetcher, URLFetcherResponse

from publish.errors import ConfigError

MAX_IMPORT_DEPTH = 8
_MEDIA_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
                ".otf": "font/otf", ".svg": "image/svg+xml", ".css": "text/css"}


class ThemeFetcher(URLFetcher):
    """WeasyPrint's only way to open anything: local files under the allowed folders.

    Every request is recorded in `requests` (tests prove a hostile page fetches nothing).
    Refused requests raise, which WeasyPrint logs as an error: the PDF renderer turns logged
    errors into a failed job, so a refusal never produces a silently incomplete leaflet.
    """

    def __init__(self, allowed: Iterable[Path]) -> None:
        super().__init__(timeout=1, allowed_protocols={"file", "data"}, allow_redirects=False)
        self.allowed = tuple(Path(folder).resolve() for folder in allowed)
        self.requests: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        self.requests.append(url)
        if url[:5].lower() == "data:":
            return super().fetch(url)  # holds its own bytes: nothing is read or fetched
        path = self.allowed_path(url)
        if path is None:
            raise ValueError(f"refused to fetch {url!r}: only theme and font files may be read")
        return URLFetcherResponse(path.as_uri(), path.read_bytes())

    def allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        return _allowed_file(Path(unquote(parts.path)), self.allowed)


def _allowed_file(path: Path, allowed: Sequence[Path]) -> Path | None:
    path = path.resolve()
    if path.is_file() and any(path.is_relative_to(folder) for folder in allowed):
        return path
    return None


# --- stylesheets ------------------------------------------------------------------------------


def check_stylesheet(path: Path, allowed: Sequence[Path]) -> None:
    """Refuse, naming `path` and the line, any reference to a file outside `allowed` or to
    the network (`url(http://…)`, `@import "../x.css"`, `image-set("//host/x.png")`)."""
    _rewrite(path, allowed, inline=False, depth=0)


def self_contained_css(path: Path, allowed: Sequence[Path]) -> str:
    """The stylesheet as the HTML inlines it: theme files it names become `data:` URLs
    (an imported stylesheet is made self-contained first), so the page fetches nothing."""
    return _rewrite(path, allowed, inline=True, depth=0)


def _rewrite(path: Path, allowed: Sequence[Path], *, inline: bool, depth: int) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read stylesheet: {error}", path) from None
    changed = False

    def resolve(url: str, line: int, what: str) -> str | None:
        nonlocal changed
        target = _stylesheet_target(url, path, allowed, line, what)
        if target is None or not inline:
            return None
        changed = True
        if what == "@import":
            if depth >= MAX_IMPORT_DEPTH:
                raise ConfigError(f"@import {url!r}: more than {MAX_IMPORT_DEPTH} levels of "
                                  "imports (a cycle?)", path, line)
            data = _rewrite(target, allowed, inline=True, depth=depth + 1).encode("utf-8")
            return _data_url(data, "text/css")
        return _data_url(target.read_bytes(), _media_type(target))

    nodes = tinycss2.parse_component_value_list(text)
    rewritten = _walk(nodes, resolve)
    return tinycss2.serialize(rewritten) if changed else text


def _stylesheet_target(url: str, stylesheet: Path, allowed: Sequence[Path], line: int,
                       what: str) -> Path | None:
    """The theme file `url` names; None for what fetches nothing (`#id`, `data:`)."""
    stripped = url.strip()
    if not stripped or stripped.startswith("#") or stripped.lower().startswith("data:"):
        return None
    parts = urlsplit(stripped)
    candidate: Path | None = None
    if not parts.scheme and not parts.netloc and not stripped.startswith(("/", "\\")):
        candidate = stylesheet.parent / unquote(parts.path)
    elif parts.scheme == "file" and parts.netloc in ("", "localhost"):
        candidate = Path(unquote(parts.path))
    found = _allowed_file(candidate, allowed) if candidate is not None else None
    if found is None:
        raise ConfigError(f"{what} {url!r} refused: a theme may use only its own files "
                          "(nothing from the network or outside the theme folder)",
                          stylesheet, line)
    return found


Resolver = Callable[[str, int, str], "str | None"]


def _walk(nodes: list[tinycss2.ast.Node], resolve: Resolver) -> list[tinycss2.ast.Node]:
    """`nodes` with every URL passed to `resolve` (and replaced where it returns one)."""
    out: list[tinycss2.ast.Node] = []
    importing = False
    for node in nodes:
        if isinstance(node, tinycss2.ast.AtKeywordToken):
            importing = node.lower_value == "import"
            out.append(node)
            continue
        if importing and isinstance(node, tinycss2.ast.StringToken):
            # @import "x.css": a bare string is a URL here
            importing = False
            out.append(_replaced(node, resolve(node.value, node.source_line, "@import"),
                                 as_string=True))
            continue
        if not isinstance(node, (tinycss2.ast.WhitespaceToken, tinycss2.ast.Comment)):
            what = "@import" if importing else "url()"
            importing = False
        else:
            what = "url()"
        if isinstance(node, tinycss2.ast.URLToken):
            out.append(_replaced(node, resolve(node.value, node.source_line, what)))
        elif isinstance(node, tinycss2.ast.FunctionBlock):
            out.append(_function(node, resolve, what))
        elif isinstance(node, (tinycss2.ast.CurlyBracketsBlock,
                               tinycss2.ast.SquareBracketsBlock,
                               tinycss2.ast.ParenthesesBlock)):
            node.content = _walk(node.content, resolve)
            out.append(node)
        else:
            out.append(node)
    return out


def _function(node: tinycss2.ast.FunctionBlock, resolve: Resolver,
              what: str) -> tinycss2.ast.Node:
    if node.lower_name in ("url", "src"):
        strings = [arg for arg in node.arguments if isinstance(arg, tinycss2.ast.StringToken)]
        if strings:
            return _replaced(node, resolve(strings[0].value, node.source_line, what))
        return node
    if node.lower_name in ("image-set", "-webkit-image-set"):
        # image-set("a.png" 1x): its strings are URLs
        node.arguments = [
            _replaced(arg, resolve(arg.value, arg.source_line, "image-set()"), as_string=True)
            if isinstance(arg, tinycss2.ast.StringToken) else arg
            for arg in _walk(node.arguments, resolve)]
        return node
    node.arguments = _walk(node.arguments, resolve)
    return node


def _replaced(node: tinycss2.ast.Node, url: str | None, *,
              as_string: bool = False) -> tinycss2.ast.Node:
    if url is None:
        return node
    quoted = '"' + url + '"'  # data: URLs of base64 hold no quote or backslash
    [new] = tinycss2.parse_component_value_list(quoted if as_string else f"url({quoted})")
    return new


def file_data_url(name: str, folders: Sequence[Path]) -> str | None:
    """The file `name` of the first of `folders` that has it, as a `data:` URL; None when no
    folder has such a file (a name climbing out of its folder has none)."""
    for folder in folders:
        path = _allowed_file(folder / name, [folder])
        if path is not None:
            return _data_url(path.read_bytes(), _media_type(path))
    return None


def _data_url(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _media_type(path: Path) -> str:
    return (_MEDIA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
            or "application/octet-stream")


# --- the page a template writes -----------------------------------------------------------------

# Elements that run code or load another document; a leaflet needs none of them.
_REFUSED_ELEMENTS = frozenset({"script", "iframe", "frame", "frameset", "object", "embed",
                               "applet", "base", "portal"})
# Attributes whose value the browser fetches (or submits to) without a click.
_FETCHING_ATTRIBUTES = frozenset({"src", "srcset", "imagesrcset", "poster", "data",
                                  "background", "action", "formaction", "ping", "manifest",
                                  "codebase", "archive", "lowsrc", "dynsrc", "longdesc",
                                  "href", "xlink:href"})
_LINK_SCHEMES = frozenset({"", "http", "https", "mailto", "tel"})


def page_problems(html: str, inlined_css: str | None = None,
                  allowed: Collection[str] = ()) -> list[str]:
    """What in a rendered page would run or fetch something: scripts, event attributes,
    references to files or addresses (links a reader clicks are allowed). `inlined_css`,
    the theme's own checked stylesheet, is not scanned again. `allowed` are the relative
    addresses the build itself gave the page (its other formats and languages, the site's
    indexes): an `<audio>` source or a `<link rel="alternate">` may name those."""
    scanner = _PageScanner(inlined_css, frozenset(allowed))
    scanner.feed(html)
    scanner.close()
    return list(dict.fromkeys(scanner.problems))


class _PageScanner(HTMLParser):
    def __init__(self, inlined_css: str | None, allowed: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.inlined_css = inlined_css
        self.allowed = allowed
        self.problems: list[str] = []
        self._style: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _REFUSED_ELEMENTS:
            self.problems.append(f"has a <{tag}> element")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"has an event attribute <{tag} {name}>")
            elif name == "style":
                self._check_css(value, f"<{tag} style>")
            elif name in ("href", "xlink:href") and tag in ("a", "area"):
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme not in _LINK_SCHEMES:
                    self.problems.append(f"links to {value[:80]!r} (<{tag} {name}>)")
            elif (name in _FETCHING_ATTRIBUTES and not _fetches_nothing(value)
                  and value not in self.allowed):
                self.problems.append(f"fetches {value[:80]!r} (<{tag} {name}>)")
        if tag == "meta" and any(name == "http-equiv" and (value or "").lower() == "refresh"
                                 for name, value in attrs):
            self.problems.append("has a <meta http-equiv=\"refresh\">")
        if tag == "style":
            self._style = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "style":
            self._style = None

    def handle_data(self, data: str) -> None:
        if self._style is not None:
            self._style.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._style is not None:
            text, self._style = "".join(self._style), None
            if self.inlined_css is None or text.strip() != self.inlined_css.strip():
                self._check_css(text, "<style>")

    def _check_css(self, css: str, where: str) -> None:
        def refuse(url: str, line: int, what: str) -> None:
            if not _fetches_nothing(url):
                self.problems.append(f"fetches {url[:80]!r} ({what} in {where})")

        nodes = tinycss2.parse_component_value_list(css)
        _walk(nodes, refuse)


def _fetches_nothing(url: str) -> bool:
    stripped = url.strip()
    return not stripped or stripped.startswith("#") or stripped.lower().startswith("data:")
