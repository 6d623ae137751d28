"""`publish serve`: the real command in a subprocess, asked over real HTTP on loopback."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from publish.serve.http import inject
from publish.serve.paths import request_segments, resolve_in
from publish.serve.status import Snapshot
from tests.conftest import SEED

SECRET = "secret-outside-the-output-folder"
pytestmark = pytest.mark.slow


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    site: Path

    def request(self, target: str, method: str = "GET",
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        """Send `target` exactly as written (no client-side path clean-up)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True,
                                  skip_host="Host" in (headers or {}))
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            return response.status, dict(response.getheaders()), body
        finally:
            connection.close()

    def status(self) -> dict:
        code, _headers, body = self.request("/__publish__/status")
        assert code == 200
        return json.loads(body)

    def wait_generation_after(self, generation: int, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.status()
            if state["generation"] > generation and not state["building"]:
                return state
            time.sleep(0.05)
        raise AssertionError(f"no rebuild after generation {generation}")


def make_site(root: Path) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "content" / "naltrexone.md").write_bytes(SEED.read_bytes())
    (root / "publish.toml").write_text(
        f'# {SECRET}\n[site]\nformats = ["html", "sms"]\nlocales = ["en"]\n', "utf-8")
    return root


def start(site: Path, *args: str) -> Server:
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", "serve", *args], cwd=site, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not found:
        process.kill()
        raise AssertionError(f"no address printed: {line!r} {process.stderr.read()!r}")
    server = Server(process, int(found.group(1)), site)
    deadline = time.monotonic() + 60
    while server.status()["generation"] < 1:  # the first build has finished
        assert time.monotonic() < deadline, "first build did not finish"
        time.sleep(0.05)
    return server


def stop(server: Server) -> tuple[int, str]:
    server.process.send_signal(signal.SIGINT)
    _out, err = server.process.communicate(timeout=20)
    return server.process.returncode, err


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(make_site(tmp_path_factory.mktemp("site")))
    try:
        yield running
    finally:
        if running.process.poll() is None:
            stop(running)


def test_serves_the_output_folder_with_the_reload_script(server: Server) -> None:
    code, headers, body = server.request("/")
    assert code == 200 and headers["Content-Type"].startswith("text/html")
    assert "en/" in body and 'src="/__publish__/reload.js"' in body
    code, headers, page = server.request("/en/naltrexone.html")
    assert code == 200 and "Naltrexone" in page
    assert f'data-generation="{server.status()["generation"]}"' in page
    # Injected when sent, never written: the file on disk is the build's own.
    written = (server.site / "dist" / "en" / "naltrexone.html").read_text("utf-8")
    assert "__publish__" not in written and "<script" not in written
    code, headers, sms = server.request("/en/naltrexone.sms.txt")
    assert code == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "__publish__" not in sms
    code, headers, _ = server.request("/en")
    assert code == 301 and headers["Location"] == "/en/"
    code, _headers, listing = server.request("/en/")
    assert code == 200 and 'href="naltrexone.html"' in listing
    assert ".publish" not in listing
    code, _headers, script = server.request("/__publish__/reload.js")
    assert code == 200 and "EventSource" in script
    # A folder with an index.html (the site's indexes) is served as that page.
    (server.site / "dist" / "extra").mkdir()
    (server.site / "dist" / "extra" / "index.html").write_text(
        "<!DOCTYPE html><html><body><h1>Site index</h1></body></html>", "utf-8")
    code, _headers, index = server.request("/extra/")
    assert code == 200 and "Site index" in index
    assert index.index("reload.js") < index.index("</body>")


TRAVERSALS = [
    "/../publish.toml",
    "/en/../../publish.toml",
    "/%2e%2e/publish.toml",
    "/%2E%2E/%2E%2E/publish.toml",
    "/en/%2e%2e%2f%2e%2e%2fpublish.toml",
    "/en%2f..%2f..%2fpublish.toml",
    "/..%5cpublish.toml",
    "/%252e%252e/publish.toml",
    "/%c0%ae%c0%ae/publish.toml",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/.%2e/publish.toml",
    "/.publish-state.json",
    "/en/out.html",
    "/outside/publish.toml",
]


def test_nothing_outside_the_output_folder_is_served(server: Server) -> None:
    dist = server.site / "dist"
    (dist / "en" / "out.html").symlink_to(server.site / "publish.toml")
    (dist / "outside").symlink_to(server.site, target_is_directory=True)
    for target in TRAVERSALS:
        code, _headers, body = server.request(target)
        assert code in (403, 404), target
        assert SECRET not in body and "root:" not in body, target
    code, _headers, body = server.request(f"http://127.0.0.1:{server.port}/../publish.toml")
    assert code == 404 and SECRET not in body


def test_only_get_and_head_from_this_host(server: Server) -> None:
    code, headers, body = server.request("/en/naltrexone.html", method="HEAD")
    assert code == 200 and body == "" and int(headers["Content-Length"]) > 1000
    for method in ("POST", "PUT", "DELETE"):
        code, headers, _ = server.request("/en/naltrexone.html", method=method)
        assert code == 405 and headers["Allow"] == "GET, HEAD"
    # A page elsewhere that rebinds its own name to 127.0.0.1 sends its own Host.
    code, _headers, _ = server.request("/", headers={"Host": "attacker.example"})
    assert code == 403


def test_an_edit_rebuilds_the_page_and_announces_a_generation(server: Server) -> None:
    events = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    events.request("GET", "/__publish__/events")
    stream = events.getresponse()
    assert stream.headers["Content-Type"] == "text/event-stream"

    def next_message() -> dict:
        while True:
            line = stream.fp.readline().decode("utf-8")
            if line.startswith("data: "):
                return json.loads(line[6:])

    before = next_message()["generation"]
    page = server.site / "content" / "naltrexone.md"
    page.write_text(page.read_text("utf-8") + "\nAn added sentence about storage.\n", "utf-8")
    announced = next_message()
    events.close()
    assert announced["generation"] == before + 1 and announced["errors"] == []
    _code, _headers, body = server.request("/en/naltrexone.html")
    assert "An added sentence about storage." in body
    assert f'data-generation="{announced["generation"]}"' in body


def test_a_broken_page_shows_its_error_in_the_page(server: Server) -> None:
    generation = server.status()["generation"]
    broken = server.site / "content" / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\n# Broken\n", "utf-8")
    state = server.wait_generation_after(generation)
    assert any("broken.md:" in error and "YAML" in error for error in state["errors"])
    for target in ("/en/broken.html", "/en/naltrexone.html"):
        _code, _headers, body = server.request(target)
        overlay = body[body.index('id="publish-serve-errors"'):]
        assert "broken.md:" in overlay and "invalid YAML" in overlay
    broken.unlink()
    state = server.wait_generation_after(state["generation"])
    assert state["errors"] == []
    _code, _headers, body = server.request("/en/naltrexone.html")
    assert "publish-serve-errors" not in body


def test_a_bad_configuration_shows_until_it_is_fixed(server: Server) -> None:
    config = server.site / "publish.toml"
    good = config.read_text("utf-8")
    generation = server.status()["generation"]
    config.write_text(good + "[site]\nthme = 'x'\n", "utf-8")
    state = server.wait_generation_after(generation)
    assert len(state["errors"]) == 1 and "publish.toml" in state["errors"][0]
    _code, _headers, body = server.request("/en/naltrexone.html")
    assert "publish.toml" in body[body.index('id="publish-serve-errors"'):]
    config.write_text(good, "utf-8")
    assert server.wait_generation_after(state["generation"])["errors"] == []


def test_errors_are_escaped_in_the_overlay() -> None:
    page = b"<html><body><p>x</p></body></html>"
    shown = inject(page, Snapshot(4, False, ('x.md:1: <img src=x onerror="alert(1)">',), ""))
    text = shown.decode()
    assert "<img" not in text and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text
    assert text.index("reload.js") < text.index("</body>")


def test_request_paths_are_mapped_inside_the_folder(tmp_path: Path) -> None:
    root = (tmp_path / "dist").resolve()
    (root / "en").mkdir(parents=True)
    (root / "en" / "a b.html").write_text("x")
    (tmp_path / "secret.txt").write_text(SECRET)
    (root / "en" / "link.html").symlink_to(tmp_path / "secret.txt")
    assert resolve_in(root, "/en/a%20b.html?x=1#top") == root / "en" / "a b.html"
    assert resolve_in(root, "/") == root
    for target in ("/en/link.html", "/en/%2e%2e/%2e%2e/secret.txt", "en/a%20b.html",
                   "/en/a%00.html", "/en/%ff.html"):
        assert resolve_in(root, target) is None, target
    assert request_segments("/a//b/") == ["a", "b"]


def test_ctrl_c_stops_the_server_on_the_port_asked(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = start(make_site(tmp_path / "site"), "--port", str(port), "-f", "html")
    assert running.port == port
    code, _headers, _ = running.request("/en/naltrexone.html")
    assert code == 200
    assert not (tmp_path / "site" / "dist" / "en" / "naltrexone.sms.txt").exists()
    status, err = stop(running)
    assert status == 0 and "stopped" in err and "Traceback" not in err
    with socket.socket() as again:  # the port is free again (nothing listens on it)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_a_themes_folder_made_after_the_start_is_watched(tmp_path: Path) -> None:
    """The site had no `themes/` when the server started: copying a theme there to override
    the built-in one rebuilds, and so does every later edit inside it."""
    from publish.resources import builtin_themes_dir

    site = make_site(tmp_path / "site")
    server = start(site)
    try:
        generation = server.status()["generation"]
        shutil.copytree(builtin_themes_dir() / "large-print", site / "themes" / "large-print")
        state = server.wait_generation_after(generation)
        assert state["errors"] == []
        css = site / "themes" / "large-print" / "leaflet.css"
        css.write_text(css.read_text("utf-8") + "\n/* site-override-marker */\n", "utf-8")
        state = server.wait_generation_after(state["generation"])
        _code, _headers, body = server.request("/en/naltrexone.html")
        assert "site-override-marker" in body and state["errors"] == []
    finally:
        stop(server)
