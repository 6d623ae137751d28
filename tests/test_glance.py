"""The "At a glance" box on the first page of the leaflet: from the page, never invented.

The PDF is rendered and its first page read back with pdftotext; the box's parts must come
from the same summary the SMS sends (`publish.summary`) and from the page's own words. A part
the page does not have is left out; a page with none has no box; the theme turns it off.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publish.config import build_config
from publish.errors import ConfigError
from publish.reader import read_page
from publish.renderers.base import RenderContext
from publish.renderers.html import HtmlRenderer
from publish.renderers.pdf import PdfRenderer
from publish.renderers.sms import SmsRenderer
from publish.sms.transliterate import load_locale
from publish.strings import SourceStrings
from publish.summary import glance
from publish.theme import find_theme
from tests.conftest import ROOT, SEED

NO_MISSED_DOSE = """---
title: Ibuprofen
---
### Usage:
Ibuprofen is used to relieve pain and fever.

### Side Effects:
**Serious side effects:**
* Black stools (bleeding in the stomach)

### FAQs:
* **Can I drink alcohol?** Avoid alcohol while taking it.
"""

NOTHING_TO_SAY = """---
title: Mysterium
---
### How it Works:
It works in the brain in ways that are not well understood.
"""


def words(text: str) -> str:
    return " ".join(text.split())


def first_page(pdf: Path) -> str:
    return words(subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-enc", "UTF-8", str(pdf),
                                 "-"], capture_output=True, text=True, check=True).stdout)


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    instance = PdfRenderer()
    yield instance
    instance.close()


def render_pdf(tmp_path: Path, renderer: PdfRenderer, text: str, root: Path = ROOT) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    config = build_config({}, root)
    leaflet = read_page(page, config, key="page.md")
    result = renderer.render(leaflet, RenderContext(config=config, locale="en"))
    out = tmp_path / "page.pdf"
    out.write_bytes(result.files[0].data)
    return out


def test_the_box_is_on_page_one_and_says_what_the_page_says(tmp_path: Path,
                                                            renderer: PdfRenderer) -> None:
    source = words(SEED.read_text("utf-8"))
    text = first_page(render_pdf(tmp_path, renderer, SEED.read_text("utf-8")))
    usage = "Naltrexone is used to treat alcohol dependence and opioid dependence."
    urgent = ["Liver damage", "Jaundice (yellowing of the skin and eyes)",
              "Allergic reactions (rash, itching, swelling)", "Severe abdominal pain",
              "Changes in mental health (worsening of depression or anxiety)",
              "Suicidal thoughts or behavior"]
    missed = ("Take the missed dose as soon as you remember, unless it is almost time for the "
              "next dose. Do not take two doses at once.")
    expected = (f"At a glance What it is for: {usage} Get medical help at once if you have: "
                + " ".join(f"• {item}" for item in urgent) + f" If you miss a dose: {missed}")
    assert expected in text
    # Every part is the page's own words...
    for part in [usage, *urgent, *missed.split(". ")]:
        assert part.rstrip(".") in source
    # ...and the same summary the SMS sends.
    sms = SmsRenderer().render(read_page(SEED, build_config({}, ROOT), key="naltrexone.md"),
                               RenderContext(config=build_config({}, ROOT), locale="en"))
    message = sms.files[0].data.decode()
    assert usage in message and missed in message
    assert all(item.split(" (")[0] in message for item in urgent)


def test_a_page_without_a_missed_dose_answer_has_no_such_line(tmp_path: Path,
                                                             renderer: PdfRenderer) -> None:
    text = first_page(render_pdf(tmp_path, renderer, NO_MISSED_DOSE))
    assert ("At a glance What it is for: Ibuprofen is used to relieve pain and fever. "
            "Get medical help at once if you have: • Black stools (bleeding in the stomach)"
            ) in text
    assert "If you miss a dose" not in text
    assert "Avoid alcohol" not in text.split("Contents")[0].split("At a glance")[1]


def test_a_page_saying_none_of_it_has_no_box(tmp_path: Path, renderer: PdfRenderer) -> None:
    assert "At a glance" not in first_page(render_pdf(tmp_path, renderer, NOTHING_TO_SAY))
    leaflet = read_page(tmp_path / "page.md", build_config({}, ROOT), key="page.md")
    assert not glance(leaflet, load_locale(ROOT / "locales", "en"), SourceStrings())


def test_the_theme_turns_it_off(tmp_path: Path, renderer: PdfRenderer) -> None:
    site = tmp_path / "site"
    theme = site / "themes" / "large-print"
    shutil.copytree(ROOT / "publish" / "data" / "themes" / "large-print", theme)
    toml = theme / "theme.toml"
    toml.write_text(toml.read_text("utf-8") + "at_a_glance = false\n", encoding="utf-8")
    text = first_page(render_pdf(tmp_path, renderer, SEED.read_text("utf-8"), root=site))
    assert "At a glance" not in text and "If you miss a dose" not in text
    assert "Naltrexone" in text  # the leaflet itself is still there
    html = HtmlRenderer().render(
        read_page(SEED, build_config({}, site), key="naltrexone.md"),
        RenderContext(config=build_config({}, site), locale="en")).files[0].data.decode()
    assert "at-a-glance" not in html.split("</style>")[1]


def test_the_theme_setting_is_validated(tmp_path: Path) -> None:
    theme = tmp_path / "themes" / "plain"
    shutil.copytree(ROOT / "publish" / "data" / "themes" / "large-print", theme)
    (theme / "theme.toml").write_text('at_a_glance = "no"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"at_a_glance: expected true or false"):
        find_theme("plain", tmp_path)


def test_the_html_page_has_the_box_too() -> None:
    html = HtmlRenderer().render(
        read_page(SEED, build_config({}, ROOT), key="naltrexone.md"),
        RenderContext(config=build_config({}, ROOT), locale="en")).files[0].data.decode()
    body = html.split("</style>")[1]
    assert '<section class="at-a-glance" id="at-a-glance-section" aria-labelledby' in body
    assert body.index('id="at-a-glance"') < body.index('class="contents"')


@pytest.mark.slow
def test_spanish_box_from_the_catalogs(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    shutil.copy(SEED, tmp_path / "content" / "naltrexone.md")
    (tmp_path / "publish.toml").write_text(
        f'[site]\nlocales_dir = {json.dumps(str(ROOT / "locales"))}\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "publish", "build", "-f", "pdf", "-l", "es",
                           "-j", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = first_page(tmp_path / "dist" / "es" / "naltrexone.pdf")
    assert ("De un vistazo Para qué sirve: La naltrexona se usa para tratar la dependencia del "
            "alcohol y de los opioides. Busque ayuda médica de inmediato si tiene:") in text
    assert "• Ictericia (coloración amarillenta de la piel y los ojos)" in text
    assert ("Si olvida una dosis: Tome la dosis olvidada en cuanto se acuerde, salvo que ya casi "
            "sea la hora de la siguiente. No tome dos dosis a la vez.") in text
