"""GSM 03.38 national language single shift tables: the tables, the septets, the header's cost,
the `[sms] national_shift` setting and `publish sms-count --shift`."""

from __future__ import annotations

import json
import tomllib
import unicodedata
from pathlib import Path

import gsm0338
import gsmcodecs  # noqa: F401  (registers the gsm23.038-L-S codecs)
import pytest
from click.testing import CliRunner
from gsmcodecs.charmaps import GSMCHARMAPS

from publish.build import RendererPool, render_page
from publish.commands import cli
from publish.config import build_config
from publish.errors import ConfigError
from publish.pages import PageRef
from publish.sms import gsm
from tests.test_sms import context, leaflet, render

ROOT = Path(__file__).resolve().parent.parent
SEED = PageRef(ROOT / "content" / "naltrexone.md", "naltrexone.md")
SPANISH = gsm.SHIFT_TABLES["es"]
# TS 23.038 §6.2.1.2.4: the national language identifiers.
IDENTIFIERS = {"tr": 1, "es": 2, "pt": 3}


# --- the tables, checked against two independent transcriptions of Annex A.2 ----------------


def test_spanish_table_matches_the_gsm0338_package() -> None:
    expected = {code: unicodedata.lookup(name)
                for code, name in gsm0338.SINGLE_SHIFT_CHARACTER_SET_SPANISH.items()}
    expected[0x0A] = "\f"  # FORM FEED: unicodedata has no name for control characters
    assert dict(SPANISH.codes) == expected


@pytest.mark.parametrize("language", sorted(IDENTIFIERS))
def test_tables_match_the_gsmcodecs_package(language: str) -> None:
    table = gsm.SHIFT_TABLES[language]
    assert table.identifier == IDENTIFIERS[language]
    decode = GSMCHARMAPS[table.identifier]["singleShift"]["decode"]
    # gsmcodecs maps 0x1B (the reserved second escape) to a space; it carries no character.
    expected = {code: chr(value) for code, value in decode.items() if code != 0x1B}
    assert dict(table.codes) == expected


@pytest.mark.parametrize(("language", "char", "code"), [
    ("es", "á", 0x61), ("es", "í", 0x69), ("es", "ó", 0x6F), ("es", "ú", 0x75),
    ("es", "Ó", 0x4F), ("es", "ç", 0x09), ("es", "€", 0x65),
    ("pt", "ã", 0x7B), ("pt", "õ", 0x7C), ("pt", "ê", 0x05), ("pt", "â", 0x7F), ("pt", "À", 0x41),
    ("tr", "ş", 0x73), ("tr", "ğ", 0x67), ("tr", "ı", 0x69), ("tr", "İ", 0x49), ("tr", "Ş", 0x53),
])
def test_known_code_points(language: str, char: str, code: int) -> None:
    table = gsm.SHIFT_TABLES[language]
    assert table.codes[code] == char
    codec = f"gsm23.038-0-{table.identifier}"
    assert char.encode(codec) == bytes([0x1B, code])


# --- septets and capacities --------------------------------------------------------------------


def test_accented_letter_costs_escape_plus_code_and_n_tilde_one_septet() -> None:
    with gsm.using_shift(SPANISH):
        accented, tilde = gsm.count("ó"), gsm.count("ñ")
    assert (accented.encoding, accented.units, accented.shift) == (gsm.Encoding.GSM7, 2, SPANISH)
    assert (tilde.encoding, tilde.units, tilde.shift) == (gsm.Encoding.GSM7, 1, None)
    # without the table, one ó turns the message into UCS-2
    assert gsm.count("ó").encoding is gsm.Encoding.UCS2


@pytest.mark.parametrize("text", [
    "La naltrexona se usa para tratar la dependencia del alcohol y de los opioides.",
    "Busque ayuda médica de inmediato si tiene: Daño hepático, Ictericia.",
    "¿Qué hago si olvido una dosis? Tómela en cuanto lo recuerde; 5 € por caja.",
    "ÁÍÓÚ áíóú ç ñÑ üÜ é É {[~]} ^|\\",
])
def test_septets_are_the_encoded_length(text: str) -> None:
    """Our count is the length of the real encoding with the Spanish single shift table."""
    with gsm.using_shift(SPANISH):
        figures = gsm.count(text)
    assert figures.encoding is gsm.Encoding.GSM7
    assert figures.units == len(text.encode("gsm23.038-0-2"))
    codec = gsm0338.Codec(single_shift_decode_map=gsm0338.SINGLE_SHIFT_CHARACTER_SET_SPANISH)
    assert figures.units == len(codec.encode(text)[0])


def test_header_capacities_from_the_octets() -> None:
    alphabet = gsm.Alphabet(SPANISH)
    # 1 length octet + 3 (IE 0x24) = 32 bits: 5 septets; + 5 (concatenation) = 72 bits: 11.
    assert (alphabet.single_segment(True), alphabet.concatenated_segment(True)) == (155, 149)
    assert (alphabet.single_segment(False), alphabet.concatenated_segment(False)) == (160, 153)


def test_segments_with_the_shift_header() -> None:
    with gsm.using_shift(SPANISH):
        # 154 plain + í (2) = 156 septets: over 155, so two segments
        assert gsm.count("a" * 153 + "í").segments == 1
        assert gsm.count("a" * 154 + "í").segments == 2
        assert not gsm.fits_single("a" * 154 + "í")
        # what errors quote as the most one message holds
        assert gsm.single_capacity("a" * 154 + "í") == 155
        assert gsm.single_capacity("Take it with water") == 160
        assert gsm.single_capacity("Ωμέγα 日本") == 70
        # a text needing no shift character carries no header: 160 as before
        assert gsm.count("a" * 160).segments == 1
        assert gsm.count("a" * 160).shift is None
        # concatenated: 149 per segment, and an escape pair is never split
        text = "a" * 148 + "ó" + "b" * 10
        parts = gsm.split_segments(text)
        assert parts == ["a" * 148, "ó" + "b" * 10]
        assert gsm.count("a" * (149 * 3 - 2) + "í").segments == 3
        assert gsm.count("a" * (149 * 3 - 1) + "í").segments == 4
        # a character of no table still makes the message UCS-2 (70 / 67)
        ucs2 = gsm.count("días ★")
        assert ucs2.encoding is gsm.Encoding.UCS2 and ucs2.offending == ("★",)
    assert gsm.current().shift is None  # the context ends with the block


def test_turkish_and_portuguese_letters() -> None:
    with gsm.using_shift(gsm.SHIFT_TABLES["tr"]):
        assert gsm.count("İlaç şişesi ağzı").units == len("İlaç şişesi ağzı") + 6
        assert gsm.count("días").encoding is gsm.Encoding.UCS2  # í is not in the Turkish table
    with gsm.using_shift(gsm.SHIFT_TABLES["pt"]):
        figures = gsm.count("Não tome dois comprimidos à vez; informação")
        assert figures.encoding is gsm.Encoding.GSM7 and figures.shift is not None
        assert figures.units == len("Não tome dois comprimidos à vez; informação".encode(
            "gsm23.038-0-3"))
        # Γ is in the basic set and the Portuguese table: sent from the basic set, 1 septet
        assert gsm.count("Γ").units == 1 and gsm.count("Γ").shift is None


# --- the setting and the renderer --------------------------------------------------------------


SPANISH_PAGE = dict(usage="La naltrexona se usa para tratar la dependencia del alcohol.",
                    serious=("Daño hepático", "Ictericia"),
                    disclaimer="No es consejo médico.", ai_note="Generado por IA.")


def test_renderer_uses_the_table_only_where_the_site_opted_in() -> None:
    page = leaflet(**SPANISH_PAGE)
    raw = {"national_shift": ["es"], "safety": "full"}
    with gsm.using_shift(SPANISH):  # so that the figures are checked as the renderer counted
        _messages, shifted = render(page, raw, locale="es")
    assert shifted["totals"]["encoding"] == "GSM-7"
    assert shifted["totals"]["single_shift"] == "es"
    assert shifted["messages"][0]["single_shift"] == "es"
    _messages, plain = render(page, {"safety": "full"}, locale="es")
    assert plain["totals"]["encoding"] == "UCS-2" and "single_shift" not in plain["totals"]
    # a locale of another language is not affected by the es table
    _messages, other = render(page, raw, locale="fr")
    assert other["totals"]["encoding"] == "UCS-2"


def test_bad_national_shift_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"\[sms\] national_shift: 'fr' is not one of"):
        context({"national_shift": ["fr"]})
    with pytest.raises(ConfigError, match=r"\[sms\] national_shift: expected"):
        context({"national_shift": True})


def _seed_sms(raw_sms: dict) -> dict:
    raw = tomllib.loads((ROOT / "publish.toml").read_text(encoding="utf-8"))
    raw["sms"] = raw_sms
    config = build_config(raw, ROOT)
    pool = RendererPool()
    try:
        (outcome,) = render_page(SEED, config, ["es"], ["sms"], pool)
    finally:
        pool.close()
    assert outcome.status == "written", outcome.error
    return json.loads(dict(outcome.files)[".sms.json"])


def test_spanish_seed_with_and_without_the_table() -> None:
    """The seed in Spanish, from the sample catalogs: without the table the serious side
    effects (Daño hepático) would force UCS-2 and are left out to stay in budget; with it they
    fit in three GSM-7 segments."""
    without = _seed_sms({})
    with_table = _seed_sms({"national_shift": ["es"]})
    assert without["totals"]["encoding"] == "GSM-7" and without["totals"]["segments"] == 2
    assert without["content"]["warning"] == "omitted"
    assert with_table["totals"]["single_shift"] == "es"
    assert with_table["totals"]["segments"] == 3
    assert with_table["content"]["warning_items"]["kept"] == \
        with_table["content"]["warning_items"]["total"]
    text = with_table["messages"][0]["text"]
    assert "hepático" in text
    # the same text in UCS-2 (what an operator without the table would send) takes more than
    # twice the segments
    plain = gsm.count(text)
    assert plain.encoding is gsm.Encoding.UCS2 and plain.segments > 2 * 3


# --- the command -------------------------------------------------------------------------------


def test_sms_count_shift() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["sms-count", "--shift", "es", "Tómela con agua"])
    assert result.exit_code == 0, result.output
    assert "encoding:   GSM-7 + Spanish single shift (es)" in result.output
    assert "septets:    16" in result.output
    assert "segments:   1 (155 septets per segment)" in result.output
    result = runner.invoke(cli, ["sms-count", "Tómela con agua"])
    assert "encoding:   UCS-2" in result.output
    assert "--shift es/pt keeps it in GSM-7" in result.output
    result = runner.invoke(cli, ["sms-count", "--json", "--shift", "es", "a" * 150 + "ó" * 3])
    data = json.loads(result.output)
    assert data["single_shift"] == "es" and data["septets"] == 156
    assert data["segments"] == 2 and data["per_segment"] == 149
    result = runner.invoke(cli, ["sms-count", "--shift", "fr", "x"])
    assert result.exit_code == 2
