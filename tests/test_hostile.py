"""Hostile and broken input: nothing crashes, nothing leaks, nothing is lost.

Every page of `tests/fixtures/hostile/`, the big ones generated here (a 5 MB page, 100,000 list
items, lists nested 10 and 50 deep) and pages with hostile file names go through `publish check`
and `publish build` for every registered format, as users run them: in a subprocess, with a
proxy pointing at a closed port, and with an audit hook (`sitecustomize`, so every worker
process has it too) recording each file opened and each network call. Each fixture has a
precise expectation: the one-line error (file and line) in every format, or a safe render
(outputs complete, inside the output folder, named from the sanitised source path, page
markup shown as text). No traceback, no hang, no network, nothing read outside the content,
theme and locale folders, nothing written outside the output folder.

Untrusted catalogs (broken header, wrong plural count, changed number or unit, dropped safety
string, empty file, smuggled HTML) are each refused by the publication gate with a message
naming the catalog and the entry. A build killed with `kill -9` resumes into complete outputs;
the 5 MB page leaves worker memory where a normal page does; `[build] timeout` stops a job.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from publish.build.state import JOURNAL_NAME
from publish.pages import output_stem
from publish.renderers import registry
from tests.conftest import ROOT, SEED
from tests.outputs import assert_complete, epub_text

FIXTURES = ROOT / "tests" / "fixtures" / "hostile"
FORMATS = tuple(registry())
PYTHON = sys.executable
CLOSED_PORT = "http://127.0.0.1:9"

# --- what each page must produce --------------------------------------------------------------

# Pages refused by the reader: (line or None, message). Every format fails with exactly
# `<path>:<line>: <message>`, and `publish check` prints `error: ` and the same.
ERRORS: dict[str, tuple[int | None, str]] = {
    "invalid-yaml.md": (4, "invalid YAML in front matter: did not find expected ',' or ']'"),
    "front-matter-list.md": (2, "front matter must be a mapping of keys to values, not a list"),
    "front-matter-string.md": (2, "front matter must be a mapping of keys to values, "
                                   "not a string"),
    "no-title.md": (1, "no title (add `title:` to the front matter or a `# Title` line)"),
    "empty.md": (1, "empty page"),
    "nul-bytes.md": (9, "binary file (NUL byte), not a Markdown page"),
    "invalid-utf8.md": (9, "not valid UTF-8 (byte 0xff); save the page as UTF-8"),
    "yaml-alias-bomb.md": (2, "front matter has more than 10,000 values (YAML aliases?)"),
    "yaml-alias-cycle.md": (2, "front matter refers to itself (a YAML alias inside its own "
                               "anchor)"),
    "yaml-python-tag.md": (2, "invalid YAML in front matter: could not determine a constructor "
                              "for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    "yaml-huge-number.md": (2, "invalid YAML in front matter: a number too long to read"),
    # generated in the site
    "big-5mb.md": (None, "page is 5.0 MB, more than the 256 KB a medicine page may have"),
    "list-100k.md": (None, "page is 771 KB, more than the 256 KB a medicine page may have"),
    "nested-50.md": (25, "lists or quotes nested more than 10 levels deep"),
}

# Pages rendered safely: the title, the warning codes `check` reports, and text each full-text
# output (PDF text, HTML text, JSON) must show literally (markup as text, nothing lost).
SAFE: dict[str, dict[str, Any]] = {
    "crlf.md": {"title": "Crlfamol", "warnings": [],
                "text": ["Crlfamol is used on Windows line endings. Take 5 mg daily."]},
    "control-chars.md": {"title": "Ctlamol[2J",
                         "warnings": ["invisible", "invisible", "title-mismatch"],
                         "text": ["Ctlamol [31mred[0m is used for tests . Take 5 mge daily."]},
    "bidi-zero-width.md": {"title": "Bidiamol", "warnings": ["invisible"],
                           "text": ["Take 5 mg daily with water"]},
    "emoji.md": {"title": "Emojiamol 💊", "warnings": [],
                 "text": ["Emojiamol 💊 is used 👍 for tests 🧪. Take 5 mg 🕗 daily."]},
    "html-script.md": {"title": "Scriptamol", "warnings": [], "text": [
        'Scriptamol <script>alert("pwned")</script> is bold and <div onclick="x()">clicky'
        '</div> & <style>p{color:red}</style> 5 < 10 > 2.',
        '<iframe src="http://127.0.0.1:9/frame"></iframe> framed']},
    "img-file.md": {"title": "Imgamol", "warnings": [], "text": [
        'Imgamol shows <img src="file:///etc/passwd" alt="passwd"> and <img '
        'src="../secret.txt" alt="secret"> here.']},
    "link-http.md": {"title": "Linkamol", "warnings": [], "text": [
        'Linkamol loads <link rel="stylesheet" href="http://127.0.0.1:9/evil.css"> and <link '
        'rel="stylesheet" href="file:///etc/passwd"> styles.']},
    "css-url.md": {"title": "Cssamol", "warnings": [], "text": [
        "Cssamol has <span style=\"background: url('http://127.0.0.1:9/track.png')\">styled"
        "</span> text and <style>@import url(http://127.0.0.1:9/x.css); body { background: "
        "url(file:///etc/passwd) }</style> rules; plain url(http://127.0.0.1:9/plain.png) too."]},
    "markdown-links.md": {"title": "Mdlinkamol", "warnings": [], "text": [
        "See the remote site and [a local file](file:///etc/passwd) and a sibling; remote pixel "
        "![local image](file:///etc/passwd) relative image http://127.0.0.1:9/auto."]},
    "utf16-bom.md": {"title": "Utfamol", "warnings": ["encoding"],
                     "text": ["Utfamol – écrit en UTF-16. Take 5 µg."]},
    "title-traversal.md": {"title": "../../etc/passwd", "warnings": [], "text": []},
    "title-con.md": {"title": "CON", "warnings": [], "text": []},
    "title-long.md": {"title": "Longamol " + "x" * 291, "warnings": [], "text": []},
    "title-punctuation.md": {"title": "?*:<>|/\\..", "warnings": [], "text": []},
    "same-title-a.md": {"title": "Twinamol", "warnings": [],
                        "text": ["The first Twinamol page. Take 5 mg."]},
    "same-title-b.md": {"title": "Twinamol", "warnings": [],
                        "text": ["The second Twinamol page. Take 10 mg."]},
    # generated in the site: hostile file names (outputs from the sanitised source path)
    "nested-10.md": {"title": "Deepamol", "warnings": [],
                     "text": ["level 9", "After the deep list."]},
    "CON.md": {"title": "Conamol", "warnings": [], "text": []},
    "!!!.md": {"title": "Bangamol", "warnings": [], "text": []},
    "new\nline.md": {"title": "Newlinamol", "warnings": [], "text": []},
    "-rf ünïcödé name.md": {"title": "Unicodamol", "warnings": [], "text": []},
    "L" * 246 + ".md": {"title": "Lengthamol", "warnings": [], "text": []},
}
# Where the outputs of the hostile source names go (under dist/en/).
STEMS = {"CON.md": "_CON", "!!!.md": "_-", "new\nline.md": "newline",
         "-rf ünïcödé name.md": "_-rf-ünïcödé-name", "L" * 246 + ".md": "L" * 120}
# Both sanitise to `what-`: both refused, neither overwriting the other's leaflet.
COLLIDING = ("what*.md", "what?.md")
FULL_TEXT = ("pdf", "html", "json")
"""Formats whose output holds every word of the page (SMS summarises, audio normalises)."""


def structured(title: str, usage: str, extra: str = "") -> str:
    return (f"---\ntitle: {title}\n---\n\n# {title}\n\n### Usage\n\n{usage}\n\n### Side Effects\n"
            f"\n* Headache\n{extra}\n**Disclaimer:** A test page, not medical advice.\n")


def nested(depth: int) -> str:
    items = "".join("  " * level + f"* level {level}\n" for level in range(depth))
    return structured("Deepamol", "Used to test deep lists.", "\n" + items + "\nAfter the deep "
                      "list.\n")


def big_page(size: int) -> str:
    paragraph = "Bigamol is used for testing very large pages with many words in them. " * 12
    count = size // (len(paragraph) + 2) + 1
    return structured("Bigamol", "\n\n".join([paragraph] * count))


def list_page(items: int) -> str:
    # one short item per line, the fewest bytes a list item can take
    return structured("Listamol", "Used to test long lists.",
                      "".join(f"* {number}\n" for number in range(items)))


def generated_pages() -> dict[str, str]:
    pages = {"nested-10.md": nested(10), "nested-50.md": nested(50),
             "big-5mb.md": big_page(5 * 1024 * 1024), "list-100k.md": list_page(100_000)}
    titles = {name: spec["title"] for name, spec in SAFE.items() if name in STEMS}
    for name, title in titles.items():
        pages[name] = structured(title, f"{title} is used to test hostile file names.")
    for name, title in zip(COLLIDING, ("Staramol", "Questamol")):
        pages[name] = structured(title, f"{title} has a name like another page's.")
    return pages


# --- the audit hook every Python process of a run gets ----------------------------------------

SITECUSTOMIZE = '''
import os, sys
_LOG = os.environ.get("PUBLISH_AUDIT_LOG")
if _LOG:
    _fd = os.open(f"{_LOG}/{os.getpid()}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    _NET = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
            "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.sendto",
            "socket.sendmsg", "urllib.Request", "http.client.connect", "ftplib.connect",
            "smtplib.connect", "webbrowser.open"}

    def _record(kind, value):
        line = kind + "\\t" + value.replace("\\\\", "\\\\\\\\").replace("\\n", "\\\\n") + "\\n"
        os.write(_fd, line.encode("utf-8", "backslashreplace"))

    def _hook(event, args):
        if event == "open":
            path = args[0]
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            if isinstance(path, str):
                _record("open", os.path.abspath(path))
        elif event in _NET:
            _record(event, repr(args)[:300])
        elif event == "subprocess.Popen":
            _record("exec", repr(args[1])[:300])

    sys.addaudithook(_hook)
'''


class Run:
    """A site in a temporary folder and the commands run on it, audited."""

    def __init__(self, base: Path, pages: dict[str, bytes], toml: str = "") -> None:
        base.mkdir(parents=True, exist_ok=True)
        base = base.resolve()
        self.base = base
        self.root = base / "site"
        self.content = self.root / "content"
        self.dist = self.root / "dist"
        self.tmp = base / "tmp"
        self.audit = base / "audit"
        for folder in (self.content, self.tmp, self.audit, base / "hook"):
            folder.mkdir(parents=True, exist_ok=True)
        (base / "hook" / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        # Pages point at these: neither may ever be opened.
        (self.root / "secret.txt").write_text("SECRET-OUTSIDE-CONTENT\n", encoding="utf-8")
        (self.root / "secret.md").write_text(structured("Secretamol", "Secret."),
                                             encoding="utf-8")
        for name, data in pages.items():
            (self.content / name).write_bytes(data)
        (self.root / "publish.toml").write_text(
            f'[site]\nname = "Hostile test site"\nlocales_dir = "{ROOT / "locales"}"\n{toml}',
            encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": os.pathsep.join([str(self.base / "hook"), str(ROOT)]),
            "PUBLISH_AUDIT_LOG": str(self.audit), "TMPDIR": str(self.tmp),
            "http_proxy": CLOSED_PORT, "https_proxy": CLOSED_PORT, "HTTP_PROXY": CLOSED_PORT,
            "HTTPS_PROXY": CLOSED_PORT, "all_proxy": CLOSED_PORT, "no_proxy": "",
            "PYTHONFAULTHANDLER": "1", "COLUMNS": "200"})
        return env

    def publish(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([PYTHON, "-m", "publish", *args], cwd=self.root, env=self.env(),
                              capture_output=True, text=True, timeout=timeout)

    def tree(self) -> dict[str, int]:
        """Every file under the site and the temporary folder, with its size."""
        found = {}
        for top in (self.root, self.tmp):
            for path in top.rglob("*"):
                if path.is_file() or path.is_symlink():
                    found[path.relative_to(self.base).as_posix()] = path.lstat().st_size
        return found

    def audit_events(self) -> list[tuple[str, str]]:
        events = []
        for log in self.audit.glob("*.log"):
            for line in log.read_text("utf-8", "replace").splitlines():
                kind, _, value = line.partition("\t")
                events.append((kind, value))
        return events

    def report(self) -> dict[str, Any]:
        return json.loads((self.dist / "build-report.json").read_text("utf-8"))


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream and 'File "' not in stream, stream[-3000:]


def assert_nothing_leaked(run: Run, before: dict[str, int]) -> None:
    """No network call, no read of the secrets or outside the site's content, nothing written
    outside the output folder, no temporary file left behind."""
    events = run.audit_events()
    assert events, "the audit hook recorded nothing: it did not run"
    network = [(kind, value) for kind, value in events if kind not in ("open", "exec")]
    assert network == []
    opened = {value for kind, value in events if kind == "open"}
    assert "/etc/passwd" not in opened
    root = str(run.root) + os.sep
    allowed = (str(run.content) + os.sep, str(run.dist) + os.sep)
    # (an open event whose path does not exist read nothing: the import system probes
    # `__editable__…` path hooks relative to the working folder)
    outside = sorted(path for path in opened if path.startswith(root)
                     and not path.startswith(allowed) and path != str(run.root / "publish.toml")
                     and path not in (str(run.content), str(run.dist)) and os.path.exists(path))
    assert not [path for path in opened if "secret" in path]
    assert outside == []
    programs = [value for kind, value in events if kind == "exec"]
    assert not any(re.search(r"\b(curl|wget|sh|bash)\b", program) for program in programs)
    after = run.tree()
    new = sorted(name for name in after if name not in before)
    assert all(name.startswith("site/dist/") for name in new), new
    changed = sorted(name for name in before if name in after and before[name] != after[name]
                     and not name.startswith("site/dist/"))
    assert changed == []
    assert not [name for name in after if name.startswith("tmp/")], "temporary files left"


# --- reading outputs --------------------------------------------------------------------------


class MarkupAudit(HTMLParser):
    """Tags, attributes and text of an HTML output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "style":
            self.styles.append(data)
        elif not self._in or self._in[-1] not in ("script", "title"):
            self.text.append(data)


def squash(text: str) -> str:
    return " ".join(text.split())


def pdf_text(path: Path) -> str:
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                            capture_output=True, text=True, check=True)
    return result.stdout


def json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def full_text(path: Path) -> str:
    if path.suffix == ".pdf":
        return squash(pdf_text(path))
    if path.suffix == ".html":
        audit = MarkupAudit()
        audit.feed(path.read_text("utf-8"))
        return squash(" ".join(audit.text))
    return squash(" ".join(json_strings(json.loads(path.read_bytes()))))


def check_html_is_inert(path: Path, siblings: Collection[str] = ()) -> MarkupAudit:
    """Nothing from the page became markup: no active element, no address, no event handler,
    no inline style; the only stylesheets are the theme's. The site's own links are allowed, once
    each: the page's other outputs (`siblings`, with the audio player of its sound file), the
    indexes, and alternates in other languages."""
    audit = MarkupAudit()
    raw = path.read_text("utf-8")
    audit.feed(raw)
    dangerous = {"script", "img", "iframe", "object", "embed", "svg", "math", "form",
                 "input", "base", "video", "frame", "frameset", "applet"}
    if not any(name.endswith((".mp3", ".m4b", ".opus", ".ogg", ".wav")) for name in siblings):
        dangerous |= {"audio", "source", "track"}
    assert not dangerous & set(audit.tags), path
    assert 1 <= audit.tags.count("style") <= 2  # the leaflet's stylesheet and the site's
    site_links = {*siblings, "index.html", "../index.html"}
    alternate = re.compile(r"\.\./[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*/" + re.escape(path.name))
    seen: Counter[str] = Counter()
    for tag, name, value in audit.attributes:
        assert not name.startswith("on"), (tag, name)
        assert name != "style", (tag, name, value)
        assert "127.0.0.1" not in value and "passwd" not in value and "secret" not in value
        if tag == "link":
            assert name != "rel" or value == "alternate", (tag, name, value)
        if name in ("href", "src", "action", "formaction", "xlink:href", "srcset") and \
                not value.startswith("#"):
            assert tag in ("a", "link", "source", "track") and name in ("href", "src"), \
                (tag, name, value)
            target = urllib.parse.unquote(value)  # links are percent-encoded
            assert target in site_links or alternate.fullmatch(target), (tag, name, value)
            seen[f"{tag} {value}"] += 1
    assert all(count == 1 for count in seen.values()), seen  # no link came from the page
    for style in audit.styles:
        assert "127.0.0.1" not in style and "passwd" not in style and "@import" not in style
    return audit


# --- publish check ----------------------------------------------------------------------------


def site_pages() -> dict[str, bytes]:
    pages = {path.name: path.read_bytes() for path in FIXTURES.glob("*.md")}
    pages.update({name: text.encode("utf-8") for name, text in generated_pages().items()})
    return pages


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = Run(tmp_path_factory.mktemp("hostile"), site_pages())
    # A link to a page outside the content folder: never followed.
    (run.content / "link-outside.md").symlink_to(run.root / "secret.md")
    return run


@pytest.fixture(scope="module")
def checked(site: Run) -> tuple[subprocess.CompletedProcess[str], dict[str, dict[str, Any]],
                                subprocess.CompletedProcess[str]]:
    plain = site.publish("check", timeout=180)
    as_json = site.publish("check", "--json", timeout=180)
    entries = {Path(entry["path"]).name: entry for entry in json.loads(as_json.stdout)}
    return plain, entries, as_json


def test_check_exits_1_without_traceback(checked) -> None:  # type: ignore[no-untyped-def]
    plain, entries, as_json = checked
    assert plain.returncode == 1 and as_json.returncode == 1
    no_traceback(plain)
    no_traceback(as_json)
    assert "link-outside.md" not in entries  # a link out of the content folder is not read
    assert set(entries) == set(ERRORS) | set(SAFE) | set(COLLIDING)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_check_reports_the_error_line(checked, site: Run, name: str) -> None:  # type: ignore[no-untyped-def]
    plain, entries, _ = checked
    line, message = ERRORS[name]
    where = f"{site.content / name}" + (f":{line}" if line is not None else "")
    assert f"error: {where}: {message}" in plain.stdout.splitlines()
    assert entries[name]["status"] == "error"
    assert entries[name]["error"] == f"{where}: {message}"


@pytest.mark.parametrize("name", sorted(SAFE))
def test_check_reads_the_safe_pages(checked, name: str) -> None:  # type: ignore[no-untyped-def]
    _, entries, _ = checked
    entry = entries[name]
    expected = SAFE[name]
    assert entry["status"] == ("warning" if expected["warnings"] else "ok"), entry
    assert [w["code"] for w in entry["warnings"]] == expected["warnings"]
    assert entry["title"] == expected["title"]
    assert entry["sections"][:2] == ["usage", "side_effects"]


def test_check_names_invisible_characters(checked, site: Run) -> None:  # type: ignore[no-untyped-def]
    plain, entries, _ = checked
    [warning] = entries["bidi-zero-width.md"]["warnings"]
    assert warning["line"] == 9
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in warning["message"]
    assert "\u202e" not in plain.stdout and "\x1b" not in plain.stdout + plain.stderr


# --- publish build, every registered format ---------------------------------------------------


@pytest.fixture(scope="module")
def built(site: Run, checked) -> tuple[subprocess.CompletedProcess[str], dict[str, Any],  # type: ignore[no-untyped-def]
                                       dict[str, int]]:
    before = site.tree()
    result = site.publish("build", "--jobs", "2", "--format", ",".join(FORMATS), timeout=900)
    return result, site.report(), before


def jobs_of(report: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    return {job["format"]: job for job in report["jobs"] if job["page"] == name}


def test_build_exits_1_without_traceback_or_leak(built, site: Run) -> None:  # type: ignore[no-untyped-def]
    result, report, before = built
    assert result.returncode == 1, result.stderr[-2000:]
    no_traceback(result)
    assert "\x1b[" not in result.stderr  # no escape sequence from a page reaches the terminal
    assert_nothing_leaked(site, before)
    assert {job["page"] for job in report["jobs"]} == set(ERRORS) | set(SAFE) | set(COLLIDING)
    assert not [job for job in report["jobs"] if "internal error" in (job["error"] or "")]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_build_fails_the_page_with_its_error(built, site: Run, name: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    _, report, _ = built
    line, message = ERRORS[name]
    job = jobs_of(report, name)[fmt]
    where = f"{site.content / name}" + (f":{line}" if line is not None else "")
    assert job["status"] == "failed" and job["error"] == f"{where}: {message}"
    assert job["outputs"] == {}
    assert not list((site.dist / "en").glob(output_stem(name) + ".*"))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(SAFE))
def test_build_renders_the_page_safely(built, site: Run, name: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    _, report, _ = built
    job = jobs_of(report, name)[fmt]
    assert job["status"] == "written", job["error"]
    stem = STEMS.get(name, name.removesuffix(".md"))
    assert job["outputs"], job
    suffixes = set()
    for relative, size in job["outputs"].items():
        target = (site.dist / relative).resolve()
        assert target.is_relative_to(site.dist.resolve()) and target.is_file()
        assert relative.startswith(f"en/{stem}.") and "/" not in relative[3:]
        assert target.stat().st_size == size
        assert_complete(target)
        suffixes.add(relative[len(f"en/{stem}"):])
    renderer = registry()[fmt]
    if renderer.safety_suffix is not None:
        assert renderer.safety_suffix in suffixes
    if fmt in FULL_TEXT:
        [main] = [site.dist / relative for relative in job["outputs"]
                  if relative.endswith("." + fmt)]
        text = full_text(main)
        for expected in [SAFE[name]["title"], *SAFE[name]["text"]]:
            if fmt == "pdf":  # a long word may be wrapped anywhere: compare without spaces
                assert re.sub(r"\s", "", expected) in re.sub(r"\s", "", text), expected
            else:
                assert squash(expected) in text, (expected, text[:800])
        if fmt == "html":
            check_html_is_inert(main, {relative[3:] for job in jobs_of(report, name).values()
                                       for relative in job["outputs"]})
        if fmt == "pdf":
            from pypdf import PdfReader

            pdf = PdfReader(main)
            assert all(not page.images for page in pdf.pages)  # nothing fetched was embedded
            assert b"/URI" not in main.read_bytes()  # no link out of the document


def test_markup_is_escaped_in_html_and_literal_in_pdf(built, site: Run) -> None:  # type: ignore[no-untyped-def]
    raw = (site.dist / "en" / "html-script.html").read_text("utf-8")
    assert "Scriptamol &lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; is <strong>bold" \
           "</strong>" in raw
    assert "<script" not in raw and "<iframe" not in raw
    assert 'Scriptamol <script>alert("pwned")</script> is bold' in squash(
        pdf_text(site.dist / "en" / "html-script.pdf"))


def test_bidi_override_cannot_reverse_a_dose(built, site: Run) -> None:  # type: ignore[no-untyped-def]
    for path in (site.dist / "en").glob("bidi-zero-width.*"):
        if path.suffix in (".mp3", ".pdf"):
            continue
        text = epub_text(path.read_bytes()) if path.suffix == ".epub" else path.read_text("utf-8")
        assert "\u202e" not in text and "\u202c" not in text and "\u200b" not in text, path
        assert "\\u202e" not in text.lower()
    assert "Take 5 mg daily" in pdf_text(site.dist / "en" / "bidi-zero-width.pdf")


def test_same_titles_get_their_own_outputs(built, site: Run) -> None:  # type: ignore[no-untyped-def]
    first = full_text(site.dist / "en" / "same-title-a.json")
    second = full_text(site.dist / "en" / "same-title-b.json")
    assert "The first Twinamol page." in first and "The second" not in first
    assert "The second Twinamol page." in second and "The first" not in second


def test_colliding_source_names_never_overwrite(built, site: Run) -> None:  # type: ignore[no-untyped-def]
    _, report, _ = built
    for name, other in (COLLIDING, COLLIDING[::-1]):
        for fmt, job in jobs_of(report, name).items():
            assert job["status"] == "failed", fmt
            assert job["error"] == (f"{site.content / name}: its output en/what-.pdf would "
                                    f"also be an output of {site.content / other}; rename one "
                                    "of the two pages")
    assert not list((site.dist / "en").glob("what-.*"))


def test_pdf_fetcher_is_asked_for_theme_files_only(tmp_path: Path) -> None:
    """In process, the renderer's own record of every URL WeasyPrint asked for."""
    from publish.config import build_config
    from publish.reader import read_page
    from publish.renderers.base import RenderContext
    from publish.renderers.pdf import PdfRenderer

    config = build_config({}, ROOT)
    renderer = PdfRenderer()
    context = RenderContext(config, "en")
    for name in ("html-script.md", "img-file.md", "link-http.md", "css-url.md",
                 "markdown-links.md"):
        renderer.render(read_page(FIXTURES / name, config, key=name), context)
    style, _ = renderer.print_style(context)
    assert style.fetcher.requests  # the fonts at least
    for url in style.fetcher.requests:
        assert url.startswith("file://") and style.fetcher.allowed_path(url) is not None, url
    renderer.close()


@pytest.mark.xfail(strict=True, reason="large-print theme: each list level indents 1.4 em, so "
                   "past about 16 levels the line width is gone and the PDF loses the text "
                   "(the reader refuses more than 10 levels, so pages cannot reach this)")
def test_pdf_keeps_every_word_of_a_20_level_list() -> None:
    from publish.config import build_config
    from publish.model import ItemList, ListItem, Paragraph, Section, SectionKind, Span, Text
    from publish.reader import read_page
    from publish.renderers.base import RenderContext
    from publish.renderers.pdf import PdfRenderer

    config = build_config({}, ROOT)
    leaflet = read_page(SEED, config, key="naltrexone.md")
    deep: ItemList | None = None
    for level in reversed(range(20)):
        children = (deep,) if deep is not None else ()
        deep = ItemList((ListItem(Text((Span(f"level {level}"),), 1, f"deep.{level}"),
                                  children),), False)
    assert deep is not None
    intro = Paragraph(Text((Span("Deep list:"),), 1, "deep.intro"))
    section = Section(SectionKind.OTHER, Text((Span("Deep"),), 1, "deep.heading"),
                      (intro, deep))
    leaflet = replace(leaflet, sections=(*leaflet.sections, section))
    renderer = PdfRenderer()
    data = renderer.render(leaflet, RenderContext(config, "en")).files[0].data
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")
    assert [f"level {n}" for n in range(20)] == re.findall(r"level \d+", text)


# --- the biggest pages --------------------------------------------------------------------------


def measured_build(run: Run, *args: str, timeout: float = 600) -> tuple[
        subprocess.CompletedProcess[str], int]:
    """Run `publish build` in a wrapper that reports the peak RSS (KiB) of its process tree."""
    wrapper = ("import resource, subprocess, sys\n"
               "result = subprocess.run(sys.argv[1:])\n"
               "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
               "print(f'PEAK {peak}', file=sys.stderr)\n"
               "sys.exit(result.returncode)\n")
    result = subprocess.run([PYTHON, "-c", wrapper, PYTHON, "-m", "publish", "build", *args],
                            cwd=run.root, env=run.env(), capture_output=True, text=True,
                            timeout=timeout)
    match = re.search(r"^PEAK (\d+)$", result.stderr, re.MULTILINE)
    assert match, result.stderr[-2000:]
    return result, int(match.group(1))


def test_5mb_page_is_refused_with_memory_bounded(tmp_path: Path) -> None:
    formats = ",".join(FORMATS)
    normal = Run(tmp_path / "normal", {"normal.md": SEED.read_bytes()})
    result, normal_peak = measured_build(normal, "--jobs", "1", "--format", formats)
    assert result.returncode == 0, result.stderr[-2000:]
    big = Run(tmp_path / "big", {"big.md": big_page(5 * 1024 * 1024).encode("utf-8")})
    result, big_peak = measured_build(big, "--jobs", "1", "--format", formats)
    assert result.returncode == 1
    no_traceback(result)
    for job in big.report()["jobs"]:
        assert job["error"] == (f"{big.content / 'big.md'}: page is 5.0 MB, more than the 256 "
                                "KB a medicine page may have")
    # The page is never parsed: the build's processes peak where a normal page's do.
    assert big_peak < normal_peak + 50 * 1024, (big_peak, normal_peak)
    for worker in big.report()["workers"]:
        assert worker["peak_rss_mb"] < normal_peak / 1024 + 50


def test_job_over_the_configured_timeout_fails_with_a_clear_message(tmp_path: Path) -> None:
    """`[build] timeout` from publish.toml: a PDF of 5,000 list items takes far longer."""
    run = Run(tmp_path, {"long-list.md": list_page(5000).encode("utf-8")},
              "\n[build]\ntimeout = 4\n")
    started = time.monotonic()
    result = run.publish("build", "--jobs", "1", "--format", "json,pdf", timeout=300)
    assert time.monotonic() - started < 120  # killed at the limit, not left to finish
    assert result.returncode == 1
    no_traceback(result)
    jobs = jobs_of(run.report(), "long-list.md")
    assert jobs["json"]["status"] == "written"
    assert jobs["pdf"]["status"] == "failed"
    assert jobs["pdf"]["error"] == (f"{run.content / 'long-list.md'}: pdf (en) timed out after "
                                    "4 s ([build] timeout)")
    assert not (run.dist / "en" / "long-list.pdf").exists()


@pytest.mark.slow
def test_longest_list_a_page_may_have(tmp_path: Path) -> None:
    """30,000 list items, just under the page size limit (100,000 are refused with the big
    pages above): read whole, HTML, JSON and SMS written, worker memory bounded, the PDF
    (about a thousand pages) stopped by the timeout. Audio (and the EPUB's) is left out: the
    timeout would stop it the same way, after another full read of the page."""
    from publish.reader import MAX_PAGE_BYTES

    page = list_page(30_000).encode("utf-8")
    assert MAX_PAGE_BYTES * 0.8 < len(page) < MAX_PAGE_BYTES
    run = Run(tmp_path, {"list-30k.md": page}, "\n[epub]\naudio = false\n")
    checked = run.publish("check", "--json", timeout=600)
    no_traceback(checked)
    [entry] = json.loads(checked.stdout)
    assert entry["status"] == "ok" and entry["sections"][:2] == ["usage", "side_effects"]
    quick = [fmt for fmt in FORMATS if fmt not in ("pdf", "audio")]
    result, peak = measured_build(run, "--jobs", "1", "--format", ",".join(quick))
    assert result.returncode == 0, result.stderr[-2000:]
    assert peak < 400 * 1024, peak  # KiB: the worker replacement limit is 350 MB
    model = json.loads((run.dist / "en" / "list-30k.json").read_text("utf-8"))
    numbers = set(re.findall(r"\b\d+\b", " ".join(json_strings(model["sections"]))))
    assert {str(number) for number in range(30_000)} <= numbers
    markup = (run.dist / "en" / "list-30k.html").read_text("utf-8")
    assert markup.count("<li") >= 30_000
    assert_complete(run.dist / "en" / "list-30k.sms.json")
    slow = run.publish("build", "--jobs", "1", "--format", "pdf", "--timeout", "15",
                       timeout=600)
    no_traceback(slow)
    [job] = [job for job in run.report()["jobs"] if job["format"] == "pdf"]
    assert job["error"] == (f"{run.content / 'list-30k.md'}: pdf (en) timed out after 15 s "
                            "([build] timeout)")


# --- kill -9 in the middle, then resume ---------------------------------------------------------


def test_kill_9_midway_then_rerun_leaves_complete_outputs(tmp_path: Path) -> None:
    seed = SEED.read_text("utf-8")
    pages = {f"page-{number}.md": seed.replace("Naltrexone", f"Killamol {number}").encode()
             for number in range(4)}
    run = Run(tmp_path, pages)
    journal = run.dist / JOURNAL_NAME
    process = subprocess.Popen([PYTHON, "-m", "publish", "build", "--jobs", "2", "--format",
                                ",".join(FORMATS)], cwd=run.root, env=run.env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 2:
            break
        assert process.poll() is None, "the build ended before it could be killed"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    time.sleep(0.5)  # workers die with their parent (PR_SET_PDEATHSIG)
    # A worker killed mid-render leaves its renderer's scratch folder in TMPDIR (WeasyPrint's
    # fonts, the audio renderer's private folder: nothing can clean up after SIGKILL);
    # nothing else, and the rerun leaves nothing of its own.
    leftovers = sorted(path.name for path in run.tmp.iterdir())
    assert all(name.startswith(("weasyprint-", "publish-audio-")) for name in leftovers), \
        leftovers
    done = [path for path in (run.dist / "en").rglob("*") if path.is_file()]
    for path in done:
        if not path.name.startswith("."):
            assert_complete(path)
    result = run.publish("build", "--jobs", "2", "--format", ",".join(FORMATS), timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    no_traceback(result)
    summary = run.report()["summary"]
    assert summary["unchanged"] >= 2 and summary["written"] >= 1 and summary["failed"] == 0
    assert summary["unchanged"] + summary["written"] == len(pages) * len(FORMATS)
    for name in pages:
        for fmt, job in jobs_of(run.report(), name).items():
            assert job["outputs"], (name, fmt)
            for relative in job["outputs"]:
                assert_complete(run.dist / relative)
    assert not list(run.dist.rglob("*.part")) and not journal.exists()
    assert sorted(path.name for path in run.tmp.iterdir()) == leftovers


# --- untrusted catalogs -------------------------------------------------------------------------


@pytest.fixture
def catalog_site(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A site with the seed page and complete, correct Spanish catalogs (pseudo-translated:
    the words do not matter here, the numbers, units and marks do)."""
    from publish.catalogs import layout
    from publish.catalogs.pofile import read_po, save
    from publish.catalogs.pseudo import pseudo_text
    from publish.catalogs.safety import approve
    from publish.catalogs.steps import extract, init
    from publish.config import build_config
    from publish.pages import discover
    from publish.reader import read_page

    (tmp_path / "content").mkdir()
    page_text = SEED.read_text("utf-8").replace(
        "Take the missed dose", "Take 50 mg, 0.5 mL or 25% of the missed dose")
    (tmp_path / "content" / "naltrexone.md").write_text(page_text, encoding="utf-8")
    config = build_config({}, tmp_path)
    pages = discover([config.content_dir], root=config.content_dir)
    assert extract(config, pages, prune=True).ok
    init(config, "es")
    paths = {"shared": layout.shared_catalog(config, "es"),
             "page": layout.page_catalog(config, "es", "naltrexone.md")}
    for path in paths.values():
        catalog = read_po(path)
        catalog.entries = [
            replace(entry, msgstr_plural=tuple(pseudo_text(entry.msgid_plural)
                                               for _ in entry.msgstr_plural))
            if entry.msgid_plural is not None else replace(entry, msgstr=pseudo_text(entry.msgid))
            for entry in catalog.entries]
        save(catalog, path)
    approve(config, "es", "Test Reviewer", everything=True)  # safety texts are reviewed
    leaflet = read_page(pages[0].path, config, key=pages[0].key)
    return config, leaflet, paths


def _edit(path: Path, match: str, change) -> int:  # type: ignore[no-untyped-def]
    """Apply `change` to the msgstr of the one entry whose msgid contains `match`; its line."""
    from publish.catalogs.pofile import read_po, save

    catalog = read_po(path)
    [index] = [i for i, entry in enumerate(catalog.entries) if match in entry.msgid]
    catalog.entries[index] = change(catalog.entries[index])
    save(catalog, path)
    return read_po(path).entries[index].line


def _refusal(config, leaflet) -> str:  # type: ignore[no-untyped-def]
    from publish.errors import TranslationMissing
    from publish.localise import localise

    with pytest.raises(TranslationMissing) as caught:
        localise(leaflet, "es", config)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("locales/es/LC_MESSAGES/")
    return message


def test_correct_catalogs_publish(catalog_site) -> None:  # type: ignore[no-untyped-def]
    from publish.localise import localise

    config, leaflet, _ = catalog_site
    localised, _ = localise(leaflet, "es", config)
    assert localised.language == "es" and localised.disclaimer.text.plain.startswith("[")


@pytest.mark.parametrize("defect, where, expected", [
    ("charset", "page", "'(header)' (header: charset ISO-8859-1, but catalogs must be UTF-8"),
    ("plural-expression", "shared", "'(header)' (header: Plural-Forms 'nplurals=2; plural=(n "
                                    "!= 1;' cannot be read (unbalanced parenthesis"),
    ("plural-rule", "shared", "'(header)' (header: Plural-Forms 'nplurals=1; plural=0;' "
                              "differs from this language's 'nplurals=2; plural=(n != 1);'"),
    ("no-header", "page", "'(header)' (header: no Plural-Forms"),
])
def test_broken_header_is_refused(catalog_site, defect: str, where: str,  # type: ignore[no-untyped-def]
                                  expected: str) -> None:
    config, leaflet, paths = catalog_site
    path = paths[where]
    text = path.read_text("utf-8")
    edits = {"charset": ("charset=UTF-8", "charset=ISO-8859-1"),
             "plural-expression": ("plural=(n != 1);", "plural=(n != 1;"),
             "plural-rule": ("nplurals=2; plural=(n != 1);", "nplurals=1; plural=0;"),
             "no-header": ('"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n', "")}
    old, new = edits[defect]
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    message = _refusal(config, leaflet)
    assert "1 catalog problem(s)" in message and expected in message
    shown = "pages/naltrexone.po" if where == "page" else "shared.po"
    assert f", locales/es/LC_MESSAGES/{shown})" in message


@pytest.mark.parametrize("forms", [1, 3])
def test_wrong_plural_count_is_refused(catalog_site, forms: int) -> None:  # type: ignore[no-untyped-def]
    config, leaflet, paths = catalog_site
    line = _edit(paths["shared"], "One part of this leaflet",
                 lambda entry: replace(entry, msgstr_plural=tuple(f"forma {i} {{count}}"
                                                                  for i in range(forms))))
    message = _refusal(config, leaflet)
    assert (f"'One part of this leaflet is not translated yet and has be…' ({forms} plural "
            f"forms, es has 2, locales/es/LC_MESSAGES/shared.po:{line})") in message


@pytest.mark.parametrize("old, new, status", [
    ("50 mg", "500 mg", "numbers differ"),
    ("50 mg", "50 g", "a number's unit differs"),
    ("0.5 mL", "0.5 L", "a number's unit differs"),
    ("25%", "25 mg", "a number's unit differs"),
])
def test_changed_number_or_unit_is_refused(catalog_site, old: str, new: str,  # type: ignore[no-untyped-def]
                                           status: str) -> None:
    config, leaflet, paths = catalog_site
    line = _edit(paths["page"], "missed dose",
                 lambda entry: replace(entry, msgstr=entry.msgstr.replace(old, new)))
    message = _refusal(config, leaflet)
    assert f"({status}, locales/es/LC_MESSAGES/pages/naltrexone.po:{line})" in message
    assert "'Take 50 mg, 0.5 mL or 25% of the missed dose" in message


def test_equivalent_numbers_and_units_are_accepted(catalog_site) -> None:  # type: ignore[no-untyped-def]
    from publish.localise import localise

    config, leaflet, paths = catalog_site
    _edit(paths["page"], "missed dose", lambda entry: replace(
        entry, msgstr=entry.msgstr.replace("0.5 mL", "0,5 ml").replace("25%", "25 %")
        .replace("50 mg", "50mg")))
    localise(leaflet, "es", config)


@pytest.mark.parametrize("how", ["removed", "emptied", "fuzzy"])
def test_dropped_safety_string_is_refused(catalog_site, how: str) -> None:  # type: ignore[no-untyped-def]
    from publish.catalogs.pofile import read_po, save

    config, leaflet, paths = catalog_site
    catalog = read_po(paths["page"])
    [entry] = [e for e in catalog.entries if e.msgid.startswith("This information is for gen")]
    if how == "removed":
        catalog.entries.remove(entry)
    else:
        changed = replace(entry, msgstr="") if how == "emptied" else entry.with_flags("fuzzy")
        catalog.entries[catalog.entries.index(entry)] = changed
    save(catalog, paths["page"])
    message = _refusal(config, leaflet)
    status = {"removed": "not in the catalog", "emptied": "untranslated", "fuzzy": "fuzzy"}[how]
    assert "1 safety string(s) not translated" in message
    assert (f"DISCLAIMER 'This information is for general knowledge and does not co…' "
            f"({status}, locales/es/LC_MESSAGES/pages/naltrexone.po") in message


@pytest.mark.parametrize("where", ["page", "shared"])
def test_empty_catalog_is_refused(catalog_site, where: str) -> None:  # type: ignore[no-untyped-def]
    config, leaflet, paths = catalog_site
    paths[where].write_bytes(b"")
    message = _refusal(config, leaflet)
    name = "pages/naltrexone.po" if where == "page" else "shared.po"
    assert f"'(header)' (header: charset none, but catalogs must be UTF-8 (Content-Type: " \
           f"text/plain; charset=UTF-8), locales/es/LC_MESSAGES/{name})" in message
    tag = "DISCLAIMER" if where == "page" else "SAFETY"
    assert f"{tag} 'This information is for general knowledge" in message


@pytest.mark.parametrize("smuggled, shown", [
    ("<script>alert(1)</script>", "<script"),
    ('<img src="x" onerror="alert(1)">', "<img"),
    ("<a href=\"http://127.0.0.1:9/\">aquí</a>", "<a, http:"),
    ("<!-- hidden -->", "<!--"),
    ("[más](javascript:alert(1))", "javascript:"),
])
def test_smuggled_html_is_refused(catalog_site, smuggled: str, shown: str) -> None:  # type: ignore[no-untyped-def]
    config, leaflet, paths = catalog_site
    line = _edit(paths["page"], "Vomiting",
                 lambda entry: replace(entry, msgstr=entry.msgstr + " " + smuggled))
    message = _refusal(config, leaflet)
    assert (f"'Vomiting' (adds markup or an address ({shown}), "
            f"locales/es/LC_MESSAGES/pages/naltrexone.po:{line})") in message


def test_catalog_refusal_reaches_the_build_report(catalog_site, tmp_path: Path) -> None:
    """Through `publish build`: the page is not written in es, every format says why."""
    config, _, paths = catalog_site
    line = _edit(paths["page"], "Vomiting",
                 lambda entry: replace(entry, msgstr=entry.msgstr + " <script>x</script>"))
    (tmp_path / "publish.toml").write_text('[site]\nlocales = ["en", "es"]\n', "utf-8")
    result = subprocess.run([PYTHON, "-m", "publish", "build", "--jobs", "1", "--format",
                             "json,html"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1
    no_traceback(result)
    report = json.loads((tmp_path / "dist" / "build-report.json").read_text("utf-8"))
    for job in report["jobs"]:
        if job["locale"] == "en":
            assert job["status"] == "written"
        else:
            assert job["status"] == "failed"
            assert ("'Vomiting' (adds markup or an address (<script), "
                    f"locales/es/LC_MESSAGES/pages/naltrexone.po:{line})") in job["error"]
    assert not (tmp_path / "dist" / "es").exists()
