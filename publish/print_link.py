"""The printed leaflet's way back to its web page: the page's address and its QR code.

With `[site] base_url` set, every PDF leaflet prints a QR code to the HTML page of the same
leaflet in the same locale (where its audio player is), with the address beside it for
readers who type it. The address follows the output layout of `publish.pages`
(`<base_url>/<locale>/<page path>.html`), percent-encoded so any phone's reader opens it; the
printed form leaves out the scheme and shows the letters of the path as they are.
"""

from __future__ import annotations

import base64
import io
import urllib.parse
from dataclasses import dataclass

import segno

from publish.pages import output_stem, sanitise_part

QR_ERROR_LEVEL = "m"
"""ISO/IEC 18004 level M (15 % of the code may be lost): a folded or smudged leaflet still
scans, at a module size large print can afford."""


@dataclass(frozen=True)
class PageLink:
    url: str
    """The exact address, percent-encoded: what the QR code holds."""
    address: str
    """The address as printed for a reader: no scheme, path letters unencoded."""
    qr_svg: bytes
    """The QR code as a vector picture (SVG, black modules on white, quiet zone included)."""

    @property
    def qr_data_url(self) -> str:
        """The picture as a `data:` URL: the page fetches nothing."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.qr_svg).decode("ascii")


def page_url(base_url: str, locale: str, key: str) -> str:
    """`<base_url>/<locale>/<page path>.html` for the page `key`, percent-encoded."""
    path = f"{sanitise_part(locale)}/{output_stem(key)}.html"
    return base_url.rstrip("/") + "/" + urllib.parse.quote(path, safe="/")


def printed_address(url: str) -> str:
    """`https://example.org/es/%C3%A1cido.html` → `example.org/es/ácido.html`."""
    parts = urllib.parse.urlsplit(url)
    return parts.netloc + urllib.parse.unquote(parts.path)


def page_link(base_url: str, locale: str, key: str) -> PageLink | None:
    """The link printed on the leaflet of page `key` in `locale`; None without a base URL."""
    if not base_url:
        return None
    url = page_url(base_url, locale, key)
    code = segno.make(url, error=QR_ERROR_LEVEL, micro=False)
    out = io.BytesIO()
    # Four modules of quiet zone (the standard's minimum); size is set by the theme's CSS.
    code.save(out, kind="svg", scale=1, border=4, xmldecl=False, nl=False, dark="#000",
              light="#fff")
    return PageLink(url, printed_address(url), out.getvalue())
