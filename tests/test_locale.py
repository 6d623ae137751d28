"""One `Locale` value: parsing, direction from Babel, the data lookup, and every user of it."""

from __future__ import annotations

import ast
import datetime as dt
import json
import pickle
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest

from publish import resources
from publish.catalogs import language
from publish.config import SiteConfig, build_config
from publish.errors import ConfigError
from publish.locale import Locale, parse_locales
from publish.reader import read_page
from publish.renderers.base import RenderContext
from publish.renderers.html import HtmlRenderer
from publish.renderers.pdf import PdfRenderer
from publish.renderers.sms import SmsRenderer
from tests.conftest import ROOT, SEED

RTL = ["ks", "syr", "ary", "rhg", "nqo", "ar", "he", "fa", "ur"]
"""The first five were `ltr` while the direction came from a hand-kept list."""
LTR = ["en", "es", "en-XA", "pt-BR", "zh-Hans"]


# --- the value --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, tag, gettext_name, babel", [
    ("es", "es", "es", "es"),
    ("pt_BR", "pt-BR", "pt_BR", "pt_BR"),
    ("pt-br", "pt-BR", "pt_BR", "pt_BR"),
    ("EN-xa", "en-XA", "en_XA", "en"),
    ("ar-XB", "ar-XB", "ar_XB", "ar"),
    ("zh-hans", "zh-Hans", "zh_Hans", "zh_Hans"),
    ("es-419", "es-419", "es_419", "es_419"),
    ("sr_latn_rs", "sr-Latn-RS", "sr_Latn_RS", "sr_Latn_RS"),
])
def test_parse_normalises_the_tag(text: str, tag: str, gettext_name: str, babel: str) -> None:
    locale = Locale.parse(text)
    assert (locale.tag, str(locale), locale.gettext_name) == (tag, tag, gettext_name)
    assert str(locale.babel) == babel
    assert locale.language == tag.split("-")[0]
    assert Locale.parse(locale) is locale and Locale.parse(tag) == locale


def test_fields_pseudo_and_candidates() -> None:
    pt = Locale.parse("pt-BR")
    assert (pt.language, pt.script, pt.region, pt.is_pseudo) == ("pt", None, "BR", False)
    assert Locale.parse("en-XA").is_pseudo and Locale.parse("ar-XB").is_pseudo
    assert Locale.parse("ar-XB").direction == "rtl"  # the pseudo-bidi locale
    assert not Locale.parse("en").is_pseudo
    assert Locale.parse("es-MX").candidates() == ["es-MX", "es_MX", "es"]
    assert Locale.parse("sr-Latn-RS").candidates() == [
        "sr-Latn-RS", "sr_Latn_RS", "sr-Latn", "sr_Latn", "sr"]
    assert Locale.parse("en").candidates() == ["en"]


def test_equal_hashable_picklable_and_printed_as_its_tag() -> None:
    a, b = Locale.parse("pt_BR"), Locale.parse("pt-BR")
    assert a == b and hash(a) == hash(b) and len({a, b, Locale.parse("es")}) == 2
    assert pickle.loads(pickle.dumps(a)) == a
    assert f"dist/{a}/x.pdf" == "dist/pt-BR/x.pdf" and repr(a) == "Locale('pt-BR')"
    with pytest.raises(AttributeError):
        a.tag = "es"  # type: ignore[misc]


@pytest.mark.parametrize("text, message", [
    ("", "invalid locale ''"),
    ("en us", "invalid locale 'en us'"),
    ("../es", "invalid locale '../es'"),
    ("es-", "invalid locale 'es-'"),
    ("x" * 5000, "invalid locale 'xxxx"),
    ("xx", "unknown locale 'xx'"),
    ("tlh", "unknown locale 'tlh'"),
])
def test_a_bad_tag_is_a_one_line_config_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Locale.parse(text)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


def test_parse_locales_names_where_and_drops_repeats() -> None:
    assert [str(x) for x in parse_locales(["es", "ES", "pt_BR", "pt-BR"], "--locale")] == [
        "es", "pt-BR"]
    with pytest.raises(ConfigError, match=r"^publish.toml: \[site\] locales: unknown locale"):
        parse_locales(["en", "xx"], "[site] locales", "publish.toml")


@pytest.mark.parametrize("tag", RTL)
def test_direction_comes_from_babel(tag: str) -> None:
    assert Locale.parse(tag).direction == "rtl"
    assert Locale.parse(tag).babel.character_order == "right-to-left"


def test_locale_module_is_the_bottom_layer() -> None:
    """`publish.locale` imports only the errors, the standard library and Babel."""
    tree = ast.parse((ROOT / "publish" / "locale.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    for name in imported:
        top = name.split(".")[0]
        assert name == "publish.errors" or top == "babel" or top in sys.stdlib_module_names \
            or name == "__future__", name


def test_no_second_home_for_direction_or_babel_locale() -> None:
    """Every user asks the `Locale`: no module keeps its own direction or Babel lookup."""
    for path in (ROOT / "publish").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {node.name for node in ast.walk(tree)
                 if isinstance(node, ast.FunctionDef | ast.ClassDef)}
        names |= {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                  for target in node.targets if isinstance(target, ast.Name)}
        assert not names & {"text_direction", "babel_locale", "html_lang", "RTL_LANGUAGES",
                            "PSEUDO_LOCALES", "VOICES"}, path


# --- the rendered page ------------------------------------------------------------------------


class _HtmlTag(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.attrs: dict[str, str | None] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html" and not self.attrs:
            self.attrs = dict(attrs)


@pytest.fixture(scope="module")
def site() -> SiteConfig:
    return build_config({}, ROOT)


@pytest.fixture(scope="module")
def seed(site: SiteConfig):  # type: ignore[no-untyped-def]
    return read_page(SEED, site, key="naltrexone.md")


@pytest.mark.parametrize("tag, direction", [(tag, "rtl") for tag in RTL]
                         + [(tag, "ltr") for tag in LTR])
def test_rendered_html_direction(site: SiteConfig, seed, tag: str, direction: str) -> None:  # type: ignore[no-untyped-def]
    context = RenderContext(config=site, locale=Locale.parse(tag), today=dt.date(2025, 3, 4))
    html = HtmlRenderer().render(seed, context).files[0].data.decode("utf-8")
    assert _HtmlTag(html).attrs == {"lang": Locale.parse(tag).tag, "dir": direction}


def test_dates_are_formatted_in_the_locale(site: SiteConfig, seed) -> None:  # type: ignore[no-untyped-def]
    def printed(tag: str) -> str:
        context = RenderContext(config=site, locale=tag, today=dt.date(2025, 3, 4))
        return PdfRenderer().furniture_css(seed, context, site.table("pdf"))

    assert "March 4, 2025" in printed("en")
    assert "4 de marzo de 2025" in printed("es")
    assert "March 4, 2025" in printed("en-XA")  # a pseudo-locale formats as its language


def test_render_context_parses_a_tag_and_keeps_the_value(site: SiteConfig) -> None:
    assert RenderContext(config=site, locale="pt_BR").locale == Locale.parse("pt-BR")
    es = Locale.parse("es")
    assert RenderContext(config=site, locale=es).locale is es
    with pytest.raises(ConfigError, match="invalid locale"):
        RenderContext(config=site, locale="e s")


# --- the one lookup of locale data ------------------------------------------------------------


def test_locale_data_is_found_by_tag_then_language(tmp_path: Path) -> None:
    builtin = resources.builtin_locales_dir()
    (tmp_path / "es_MX").mkdir()
    (tmp_path / "es_MX" / "sms.toml").write_text("")
    assert resources.locale_data_file(tmp_path, Locale.parse("es-MX"), "sms.toml") == \
        tmp_path / "es_MX" / "sms.toml"
    assert resources.locale_data_file(tmp_path, Locale.parse("es-419"), "sms.toml") == \
        builtin / "es" / "sms.toml"
    assert resources.locale_data_file(tmp_path, Locale.parse("en-XA"), "speech.toml") == \
        builtin / "en" / "speech.toml"
    assert resources.locale_data_file(tmp_path, "../es", "sms.toml") is None
    # A tag string names folders even for a language Babel does not know.
    assert resources.locale_candidates("xx_yy") == ["xx_yy", "xx-YY", "xx_YY", "xx"]


def test_the_sms_renderer_reads_the_locales_data(site: SiteConfig, seed) -> None:  # type: ignore[no-untyped-def]
    result = SmsRenderer().render(seed, RenderContext(config=site, locale="es-MX"))
    report = json.loads(result.files[1].data)
    assert report["locale"] == "es-MX"
    assert not any("no SMS locale data" in warning for warning in result.warnings)
    # Messages name the locale by its tag.
    result = SmsRenderer().render(seed, RenderContext(config=site, locale="fr"))
    assert any(warning.startswith("sms: no SMS locale data for 'fr' ")
               for warning in result.warnings)


# --- the catalogs -----------------------------------------------------------------------------


def test_catalog_language_takes_a_locale() -> None:
    pt = language(Locale.parse("pt-BR"))
    assert pt.locale == Locale.parse("pt_BR") and pt.gettext_name == "pt_BR"
    assert pt.plural_forms == "nplurals=2; plural=(n > 1);"
    assert language("en-XA").pseudo and language("en-XA").english_name.startswith("Pseudo")
    assert language("ar").nplurals == 6 and language("ar").locale.direction == "rtl"


# --- the command line -------------------------------------------------------------------------


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publish", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def small_site(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "page.md").write_text(SEED.read_text(encoding="utf-8"),
                                                  encoding="utf-8")
    (tmp_path / "publish.toml").write_text('[site]\nformats = ["json"]\n', encoding="utf-8")
    return tmp_path


def test_build_refuses_a_bad_locale_in_one_line(small_site: Path) -> None:
    result = _run("build", "--locale", "en,e s", cwd=small_site)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --locale: invalid locale 'e s': expected a BCP 47 tag such as es, pt-BR, "
        "zh-Hans or en-XA"]
    (small_site / "publish.toml").write_text('[site]\nformats = ["json"]\nlocales = ["xx"]\n')
    result = _run("build", cwd=small_site)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {small_site / 'publish.toml'}: [site] locales: unknown locale 'xx': "
        "Babel has no data for the language 'xx'"]
    assert not (small_site / "dist").exists()


def test_build_writes_under_the_normalised_tag(small_site: Path) -> None:
    result = _run("build", "-q", "--locale", "EN", cwd=small_site)
    assert result.returncode == 0, result.stderr
    data = json.loads((small_site / "dist" / "en" / "page.json").read_text(encoding="utf-8"))
    assert data["locale"] == "en"


def test_catalog_init_refuses_a_bad_locale_in_one_line(small_site: Path) -> None:
    result = _run("catalog", "init", "--locale", "../x", cwd=small_site)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(
        "error: --locale: invalid locale '../x'")


def test_catalogs_live_under_the_normalised_tag(small_site: Path) -> None:
    assert _run("catalog", "extract", cwd=small_site).returncode == 0
    result = _run("catalog", "init", "--locale", "pt_br", cwd=small_site)
    assert result.returncode == 0, result.stderr
    po = polib.pofile(str(small_site / "locales" / "pt-BR" / "LC_MESSAGES" / "shared.po"))
    assert po.metadata["Language"] == "pt_BR"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
