"""The preview server: the output folder over HTTP on the loopback interface, and nothing else.

Files are sent as the build wrote them, except that every HTML response gets a few lines
added before `</body>` at send time (never in the written files): a stylesheet link, the last
build's errors (escaped) and a script that reloads the page when a new build is announced.
The script and its stylesheet are files of this server (`/__publish__/…`), not inline code,
so a page with a Content-Security-Policy of `'self'` still runs them.

    /__publish__/status      the build generation, whether a build runs, its errors (JSON)
    /__publish__/events      the same as Server-Sent Events, one message per new build
    /__publish__/reload.js   the reload script; /__publish__/overlay.css its styles

Only GET and HEAD are answered; a request whose Host is not this server (a web page that
rebinds its own name to 127.0.0.1) is refused.
"""

from __future__ import annotations

import html
import json
import mimetypes
import os
import socketserver
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from publish.serve.paths import request_segments, resolve_in
from publish.serve.status import SiteStatus, Snapshot

PREFIX = "/__publish__/"
HEARTBEAT = 15.0
"""Seconds between keep-alive comments on an event stream (a closed tab is noticed then)."""

_TYPES = {".vtt": "text/vtt", ".txt": "text/plain", ".brf": "text/plain",
          ".json": "application/json", ".mp3": "audio/mpeg", ".opus": "audio/ogg",
          ".m4b": "audio/mp4", ".epub": "application/epub+zip", ".js": "text/javascript",
          ".css": "text/css", ".svg": "image/svg+xml", ".html": "text/html"}

RELOAD_JS = b"""(function () {
  "use strict";
  var script = document.currentScript;
  var shown = script ? script.getAttribute("data-generation") : null;
  function check(data) {
    if (String(data.generation) !== shown) { window.location.reload(); return true; }
    return false;
  }
  if (window.EventSource) {
    var source = new EventSource("/__publish__/events");
    source.onmessage = function (event) { if (check(JSON.parse(event.data))) { source.close(); } };
  } else {
    window.setInterval(function () {
      fetch("/__publish__/status").then(function (r) { return r.json(); }).then(check);
    }, 1000);
  }
})();
"""

OVERLAY_CSS = b"""#publish-serve-errors {
  position: fixed; inset: auto 0 0 0; z-index: 2147483647; max-height: 50vh; overflow: auto;
  margin: 0; padding: 1rem 1.5rem; background: #fff; color: #000;
  border-top: 0.4rem solid #b00020; font: 1rem/1.5 system-ui, sans-serif;
}
#publish-serve-errors h2 { margin: 0 0 0.5rem; font-size: 1.25rem; color: #b00020; }
#publish-serve-errors li { white-space: pre-wrap; overflow-wrap: anywhere; }
"""


def snippet(state: Snapshot) -> str:
    """What is added to each HTML response: the error overlay and the reload script."""
    parts = [f'<link rel="stylesheet" href="{PREFIX}overlay.css">']
    if state.errors:
        items = "".join(f"<li>{html.escape(error)}</li>" for error in state.errors)
        count = len(state.errors)
        parts.append('<section id="publish-serve-errors" role="alert" aria-live="assertive">'
                     f'<h2>The last build failed: {count} '
                     f'problem{"s" if count != 1 else ""}</h2><ul>{items}</ul></section>')
    parts.append(f'<script src="{PREFIX}reload.js" data-generation="{state.generation}">'
                 "</script>")
    return "\n".join(parts) + "\n"


def inject(page: bytes, state: Snapshot) -> bytes:
    """`page` with the snippet before its last `</body>` (or at its end when it has none)."""
    added = snippet(state).encode("utf-8")
    at = page.lower().rfind(b"</body")
    return page + added if at < 0 else page[:at] + added + page[at:]


def plain_page(title: str, body: str) -> bytes:
    """A small page of the server's own (a folder listing, not found), already escaped."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title></head>\n<body><main>\n"
            f"<h1>{html.escape(title)}</h1>\n{body}\n</main></body></html>\n").encode()


def listing(folder: Path, url_path: str) -> bytes:
    """A list of the folder's visible entries, folders first, each a relative link."""
    entries = []
    with os.scandir(folder) as found:
        for entry in found:
            if entry.name.startswith("."):
                continue  # the build's own state, lock and temporary files
            is_dir = entry.is_dir()
            entries.append((not is_dir, entry.name, entry.name + ("/" if is_dir else "")))
    items = "".join(f'<li><a href="{html.escape(quote(link))}">{html.escape(link)}</a></li>'
                    for _kind, _name, link in sorted(entries))
    up = '<p><a href="../">Parent folder</a></p>' if url_path.strip("/") else ""
    return plain_page(f"Index of {url_path}", f"{up}<ul>{items}</ul>" if items
                      else f"{up}<p>This folder is empty (the build has written nothing yet).</p>")


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "publish-serve"

    def do_GET(self) -> None:  # noqa: N802 (the name http.server dispatches to)
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def _refuse_method(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"Only GET and HEAD.\n", "text/plain",
                   head=False, extra={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = (  # noqa: N815
        _refuse_method)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the terminal shows builds, not requests."""

    def _answer(self, head: bool) -> None:
        if not self._host_allowed():
            self._send(HTTPStatus.FORBIDDEN, b"Unknown host.\n", "text/plain", head)
            return
        path_part = self.path.split("?", 1)[0].split("#", 1)[0]
        if path_part.startswith(PREFIX):
            self._own(path_part[len(PREFIX):], head)
            return
        root = self.server.root
        found = resolve_in(root, self.path)
        if found is not None and found.is_dir():
            if not path_part.endswith("/"):
                # Relative links in an index must resolve inside the folder.
                # The location is rebuilt from the checked segments: `//host` never leaves.
                segments = request_segments(path_part) or []
                location = "".join("/" + quote(segment) for segment in segments) + "/"
                self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", head,
                           extra={"Location": location})
                return
            index = resolve_in(root, path_part + "index.html")
            if index is not None and index.is_file():
                found = index
            else:
                self._send_html(HTTPStatus.OK, listing(found, path_part), head)
                return
        if found is None or not found.is_file():
            self._not_found(path_part, head)
            return
        try:
            body = found.read_bytes()
        except OSError:
            self._not_found(path_part, head)  # removed by a build since it was resolved
            return
        kind = _content_type(found)
        if kind.startswith("text/html"):
            self._send_html(HTTPStatus.OK, body, head)
        else:
            self._send(HTTPStatus.OK, body, kind, head)

    def _own(self, name: str, head: bool) -> None:
        status = self.server.status
        if name == "status":
            body = json.dumps(status.snapshot().to_json(), ensure_ascii=False).encode("utf-8")
            self._send(HTTPStatus.OK, body, "application/json", head)
        elif name == "events" and not head:
            self._events(status)
        elif name == "reload.js":
            self._send(HTTPStatus.OK, RELOAD_JS, "text/javascript; charset=utf-8", head)
        elif name == "overlay.css":
            self._send(HTTPStatus.OK, OVERLAY_CSS, "text/css; charset=utf-8", head)
        else:
            self._not_found(PREFIX + name, head)

    def _events(self, status: SiteStatus) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        sent: int | None = None
        try:
            while True:
                state = status.wait(sent, HEARTBEAT)
                if state.closed:
                    return
                if state.generation != sent:
                    message = json.dumps(state.to_json(), ensure_ascii=False)
                    self.wfile.write(f"data: {message}\n\n".encode())
                    sent = state.generation
                else:
                    self.wfile.write(b": still here\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return  # the page was closed or reloaded

    def _not_found(self, path: str, head: bool) -> None:
        self._send_html(HTTPStatus.NOT_FOUND, plain_page(
            "Not found", f"<p>Nothing is published at <code>{html.escape(path)}</code>.</p>"
            '<p><a href="/">The output folder</a></p>'), head)

    def _send_html(self, code: HTTPStatus, page: bytes, head: bool) -> None:
        self._send(code, inject(page, self.server.status.snapshot()),
                   "text/html; charset=utf-8", head)

    def _send(self, code: HTTPStatus, body: bytes, kind: str, head: bool,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _host_allowed(self) -> bool:
        hosts = self.headers.get_all("Host") or []
        if not hosts:
            return True  # HTTP/1.0 without a Host: nothing a browser page sends
        port = self.server.server_address[1]
        return len(hosts) == 1 and hosts[0].lower() in {f"127.0.0.1:{port}",
                                                        f"localhost:{port}"}


def _content_type(path: Path) -> str:
    kind = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    kind = kind or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


class PreviewServer(ThreadingHTTPServer):
    """Serves `root` on 127.0.0.1:`port` (0: a free port the system chooses)."""

    daemon_threads = True

    def __init__(self, root: Path, status: SiteStatus, port: int = 0) -> None:
        self.root = root.resolve()
        self.status = status
        super().__init__(("127.0.0.1", port), PreviewHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks the resolver for the host's full name: a needless,
        # sometimes slow lookup for a server that only ever listens on loopback.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                                  name="publish-serve", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.status.close()
        self.shutdown()
        self.server_close()


__all__ = ["PreviewServer", "inject", "listing", "request_segments", "snippet"]
