"""The QR code printed on the PDF leaflet, read as a reader's phone reads it.

Each leaflet is built by the real command line, its first page rendered to an image by
poppler's `pdftoppm` and the code decoded by ZBar's `zbarimg`: what comes out must be the exact
address of the page's HTML in the same locale. The PDF stays PDF/UA-1 (the code is a figure
with a text alternative), the address is printed beside it, and without `[site] base_url`
there is no code at all.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import page
import pypdf
import pytest

from publish.config import build_config
from publish.errors import ConfigError
from publish.print_link import page_link, page_url, printed_address
from tests.conftest import ROOT, SEED

BASE = "https://example.org/leaflets"
pytestmark = pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
                                reason="zbar-tools and poppler-utils are needed")


def build(site: Path, pages: dict[str, str], base_url: str | None, locales: str = "en",
          formats: str = "pdf,html") -> subprocess.CompletedProcess[str]:
    content = site / "content"
    for key, text in pages.items():
        (content / key).parent.mkdir(parents=True, exist_ok=True)
        (content / key).write_text(text, encoding="utf-8")
    lines = ["[site]", 'content = "content"', 'output = "dist"',
             f"locales_dir = {json.dumps(str(ROOT / 'locales'))}"]
    if base_url is not None:
        lines.append(f"base_url = {json.dumps(base_url)}")
    (site / "publish.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "publish", "build", "-f", formats,
                           "-l", locales, "-j", "1"], cwd=site, capture_output=True, text=True,
                          timeout=300)


def scan(pdf: Path) -> list[str]:
    """What a phone reads from the first page, printed at 150 dpi."""
    image = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(image)], check=True, timeout=60)
    found = subprocess.run(["zbarimg", "--quiet", "--raw", str(image) + ".png"],
                           capture_output=True, text=True, timeout=60)
    return found.stdout.split()


def first_page_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-enc", "UTF-8", str(pdf), "-"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return " ".join(out.split())


def figures(pdf: Path) -> list[str]:
    """The text alternatives of the figures in the PDF's structure tree."""
    found: list[str] = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                found.append(str(node.get("/Alt")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                walk(kid)

    walk(pypdf.PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("qr")
    done = build(site, {"naltrexone.md": SEED.read_text("utf-8")}, BASE, locales="en,es")
    assert done.returncode == 0, done.stderr
    return site / "dist"


@pytest.mark.slow
@pytest.mark.parametrize(("locale", "label"), [
    ("en", "Read and listen to this leaflet online:"),
    ("es", "Lea y escuche este prospecto en internet:"),
])
def test_the_code_opens_the_page_in_its_locale(seed_site: Path, locale: str, label: str) -> None:
    pdf = seed_site / locale / "naltrexone.pdf"
    url = f"{BASE}/{locale}/naltrexone.html"
    assert scan(pdf) == [url]
    assert (seed_site / locale / "naltrexone.html").is_file()  # where the code leads
    text = first_page_text(pdf)
    assert f"{label} example.org/leaflets/{locale}/naltrexone.html" in text
    # A figure with a text alternative naming the address: PDF/UA-1 stays clean.
    assert [alt for alt in figures(pdf) if f"example.org/leaflets/{locale}/" in alt]
    report = page.validate_pdf(pdf, profile="ua1")
    assert report.is_compliant and not report.rules.failed, report.failures


@pytest.mark.slow
def test_the_html_page_carries_no_code(seed_site: Path) -> None:
    html = (seed_site / "en" / "naltrexone.html").read_text("utf-8")
    assert 'class="page-link' not in html and "<img" not in html


@pytest.mark.slow
def test_page_paths_with_spaces_and_accents(tmp_path: Path) -> None:
    text = SEED.read_text("utf-8").replace("title: Naltrexone", "title: Ácido fólico")
    done = build(tmp_path, {"vitaminas b/ácido fólico.md": text}, BASE + "/")
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "dist" / "en" / "vitaminas-b" / "ácido-fólico.pdf"
    url = f"{BASE}/en/vitaminas-b/%C3%A1cido-f%C3%B3lico.html"
    assert scan(pdf) == [url]
    # The decoded address names the HTML file the build wrote next to the PDF.
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    assert (tmp_path / "dist" / path.removeprefix("/leaflets/")).is_file()
    # Printed as written (the line may break after a slash).
    assert "example.org/leaflets/en/vitaminas-b/ácido-fólico.html" in \
        first_page_text(pdf).replace(" ", "")


@pytest.mark.slow
def test_no_base_url_no_code_and_setting_it_rebuilds_the_pdf(tmp_path: Path) -> None:
    pages = {"naltrexone.md": SEED.read_text("utf-8")}
    pdf = tmp_path / "dist" / "en" / "naltrexone.pdf"
    report = tmp_path / "dist" / "build-report.json"
    assert build(tmp_path, pages, None, formats="pdf").returncode == 0
    assert scan(pdf) == [] and figures(pdf) == []
    assert "online" not in first_page_text(pdf)
    assert build(tmp_path, pages, None, formats="pdf").returncode == 0
    assert [job["status"] for job in json.loads(report.read_text())["jobs"]] == ["unchanged"]
    # base_url is part of the build fingerprint: setting or changing it rebuilds.
    assert build(tmp_path, pages, BASE, formats="pdf").returncode == 0
    assert [job["status"] for job in json.loads(report.read_text())["jobs"]] == ["written"]
    assert scan(pdf) == [f"{BASE}/en/naltrexone.html"]


@pytest.mark.parametrize("bad", ["example.org", "ftp://example.org", "https://", "/leaflets",
                                 "https://user:secret@example.org", "https://example.org/?a=1",
                                 "https://example.org/a b", "https://exämple.org"])
def test_a_bad_base_url_is_one_line_naming_the_key(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match=r"\[site\] base_url: ") as caught:
        build_config({"site": {"base_url": bad}}, tmp_path)
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_the_command_line_refuses_a_bad_base_url(tmp_path: Path) -> None:
    done = build(tmp_path, {"naltrexone.md": SEED.read_text("utf-8")}, "example.org/leaflets",
                 formats="pdf")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "[site] base_url: 'example.org/leaflets' is not an absolute" \
        in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "dist" / "en").exists()


def test_addresses() -> None:
    assert page_url("https://example.org", "pt-BR", "n/a b+c.md") == \
        "https://example.org/pt-BR/n/a-b%2Bc.html"
    assert printed_address("https://example.org/es/%C3%A1cido.html") == \
        "example.org/es/ácido.html"
    assert page_link("", "en", "x.md") is None
    link = page_link("http://example.org:8080/", "en", "x.md")
    assert link is not None and link.url == "http://example.org:8080/en/x.html"
    assert link.qr_svg.startswith(b"<svg") and b"<script" not in link.qr_svg
