"""Speech normalisation, the lexicon, sentence splitting, the spoken script and the voice map.

No synthesis here (see test_audio.py): these run in milliseconds.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from publish.config import build_config
from publish.errors import ConfigError, RenderError
from publish.locale import Locale
from publish.model import Span, Text
from publish.renderers.audio import AudioRenderer
from publish.renderers.base import RenderContext
from publish.speech.captions import escape, timestamp, webvtt
from publish.speech.normalise import find_speech_data, load_rules
from publish.speech.script import MAX_WORDS, Pause, ScriptBuilder, display, split_long
from publish.speech.timeline import Cue
from publish.speech.voices import find_voice, voice_for

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "publish" / "data" / "locales"  # the built-in locale data


@pytest.fixture(scope="module")
def en():
    return load_rules(LOCALES / "en")


@pytest.fixture(scope="module")
def es():
    return load_rules(LOCALES / "es")


# --- normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, spoken", [
    ("≥18 years", "at least 18 years"),
    ("≤ 2 doses", "at most 2 doses"),
    ("* >34 kg: 5 mg", "* more than 34 kilograms: 5 milligrams"),
    ("(<1%)", "(less than 1 percent)"),
    ("CrCl >= 50", "CrCl at least 50"),
])
def test_comparison_signs_become_words(en, text, spoken):
    assert en.speak(text) == spoken


def test_no_sign_espeak_would_drop_survives(en):
    spoken = en.speak("Weight <10 kg or >40 kg; dose ≥5 mg but ≤10 mg")
    assert not re.search(r"[<>≤≥]", spoken)
    assert spoken.count("less than") == 1 and spoken.count("more than") == 1


@pytest.mark.parametrize("text, spoken", [
    ("5-10 mg", "5 to 10 milligrams"),
    ("5–10 mg", "5 to 10 milligrams"),
    ("5 mg—10 mg", "5 milligrams to 10 milligrams"),
    ("5-10%", "5 to 10 percent"),
    ("2 to 4 times", "2 to 4 times"),
    ("COVID-19 vaccine", "COVID-19 vaccine"),
])
def test_ranges(en, text, spoken):
    assert en.speak(text) == spoken


@pytest.mark.parametrize("text, spoken", [
    ("1 mg", "1 milligram"),
    ("0.5 mg", "0.5 milligrams"),
    ("1,000 mg", "1,000 milligrams"),
    ("2.5 mcg/kg", "2.5 micrograms per kilogram"),
    ("10 mg/kg/day", "10 milligrams per kilogram per day"),
    ("5 mL", "5 millilitres"),
    ("200 µg", "200 micrograms"),
    ("400 IU daily", "400 international units daily"),
    ("75 mg/m²", "75 milligrams per square metre"),
    ("the dose in mg", "the dose in milligrams"),
    ("20°C", "20 degrees Celsius"),
    ("a g-force", "a g-force"),
    ("10^6 PFU/mL", "10 to the power of 6 PFU per millilitre"),
    ("dose per mL", "dose per millilitre"),
    ("HIV/AIDS", "HIV or AIDS"),
])
def test_units(en, text, spoken):
    assert en.speak(text) == spoken


@pytest.mark.parametrize("text, spoken", [
    ("Give it IV.", "Give it intravenous."),
    ("IV or IM injection", "intravenous or intramuscular injection"),
    ("type IV hypersensitivity", "type 4 hypersensitivity"),
    ("Class IV heart failure", "Class 4 heart failure"),
    ("item iv of the list", "item iv of the list"),
    ("HIV infection", "HIV infection"),
    ("e.g. rash", "for example rash"),
])
def test_abbreviations(en, text, spoken):
    assert en.speak(text) == spoken


def test_percent_and_superscript_power(en):
    assert en.speak("About 25% of patients") == "About 25 percent of patients"
    assert en.speak("10^6 cells") == "10 to the power of 6 cells"


@pytest.mark.parametrize("word", ["Naltrexone", "Abacavir", "Lamivudine", "Omeprazole"])
def test_lexicon_respells_drug_names(en, word):
    spoken = en.speak(f"{word} tablets")
    assert word.lower() not in spoken.lower()
    assert spoken == f"{en.lexicon[word.casefold()]} tablets"


def test_lexicon_matches_whole_words_ignoring_case(en):
    assert en.speak("NALTREXONE's effect") == "nal trecksone's effect"
    assert en.speak("naltrexoneish") == "naltrexoneish"


def test_spanish_rules(es):
    assert es.speak("5-10 mg/kg/día IV") == "5 a 10 miligramos por kilogramo por día intravenoso"
    assert es.speak("≥18 años: 1 mg") == "al menos 18 años: 1 miligramo"
    assert es.speak("(<1 %)") == "(menos de 1 por ciento)"
    assert es.speak("tipo IV") == "tipo 4"


def test_site_lexicon_extends_the_builtin_one_and_reloads(tmp_path):
    site = tmp_path / "locales" / "en"
    site.mkdir(parents=True)
    config = build_config({"site": {"locales_dir": "locales"}}, tmp_path)
    context = RenderContext(config=config, locale="en")
    renderer = AudioRenderer()
    assert renderer.rules(context).speak("Testamol") == "Testamol"
    lexicon = site / "lexicon.toml"
    lexicon.write_text('Testamol = "test a moll"\nOmeprazole = "oh mepp razole"\n',
                       encoding="utf-8")
    rules = renderer.rules(context)
    assert rules.speak("Testamol and Naltrexone") == "test a moll and nal trecksone"
    assert rules.speak("Omeprazole") == "oh mepp razole"  # the site's entry wins
    assert renderer.inputs(context) == [LOCALES / "en" / "speech.toml",
                                        LOCALES / "en" / "lexicon.toml", lexicon]
    lexicon.write_text('Testamol = "tess tamol"\n', encoding="utf-8")
    os.utime(lexicon, ns=(lexicon.stat().st_atime_ns, lexicon.stat().st_mtime_ns + 10**9))
    assert renderer.rules(context).speak("Testamol") == "tess tamol"


def test_site_speech_data_replaces_the_builtin_one(tmp_path):
    site = tmp_path / "locales" / "en"
    shutil.copytree(LOCALES / "en", site, ignore=shutil.ignore_patterns("lexicon.toml"))
    speech = site / "speech.toml"
    speech.write_text(speech.read_text(encoding="utf-8").replace(
        'percent = "percent"', 'percent = "per cent"'), encoding="utf-8")
    data = find_speech_data(tmp_path / "locales", "en")
    assert data is not None and data.speech == speech
    assert data.lexicons == (LOCALES / "en" / "lexicon.toml",)
    config = build_config({}, tmp_path)
    assert AudioRenderer().rules(RenderContext(config=config, locale="en")).speak(
        "5%") == "5 per cent"


def test_speech_data_is_found_by_language_for_regional_locales(tmp_path):
    for locale, language in (("en-GB", "en"), ("es_419", "es")):
        data = find_speech_data(tmp_path, locale)
        assert data is not None and data.speech == LOCALES / language / "speech.toml"
    assert find_speech_data(LOCALES, "xx") is None
    assert find_speech_data(tmp_path, "fr") is None


def test_broken_speech_data_is_a_config_error_with_path_and_line(tmp_path):
    folder = tmp_path / "en"
    folder.mkdir()
    (folder / "speech.toml").write_text('[words]\nto = "to"\nper = \n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules(folder)
    assert "speech.toml:3" in str(caught.value)
    (folder / "speech.toml").write_text(
        '[words]\nto="to"\nper="per"\nor="or"\npercent="percent"\npower="power"\n'
        '[units]\nmg = { one = "milligram" }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="units.*'mg'"):
        load_rules(folder)
    (folder / "speech.toml").write_text('[words]\nto = "to"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="lacks per"):
        load_rules(folder)


# --- sentences and chunks ---------------------------------------------------------------------


def test_sentences_do_not_break_after_abbreviations(en):
    text = "Take it e.g. daily. Do not stop. Dr. Smith agrees. See approx. five doses."
    assert en.sentences(text) == ["Take it e.g. daily.", "Do not stop.", "Dr. Smith agrees.",
                                  "See approx. five doses."]


def test_long_sentences_are_cut_at_clauses_without_losing_words():
    sentence = ", ".join(f"word{i} and more words here" for i in range(30)) + "."
    pieces = split_long(sentence, MAX_WORDS)
    assert len(pieces) > 1
    assert all(len(piece.split()) <= MAX_WORDS for piece in pieces)
    assert " ".join(pieces).split() == sentence.split()


def test_long_sentences_without_clauses_are_cut_before_a_conjunction(en):
    sentence = " ".join(["take"] * 25) + " and " + " ".join(["rest"] * 30) + "."
    pieces = split_long(sentence, MAX_WORDS, conjunctions=en.conjunctions)
    assert pieces[1].startswith("and rest")
    assert " ".join(pieces).split() == sentence.split()


@pytest.mark.parametrize("quantity", ["5 mg", "5 - 10", "5 – 10", "< 40", "25 %", "2 × 3"])
def test_long_sentences_are_never_cut_inside_a_quantity(en, quantity):
    for before in range(30, 45):
        sentence = " ".join(["word"] * before) + f" {quantity} " + " ".join(["word"] * 30)
        pieces = split_long(sentence, MAX_WORDS, conjunctions=en.conjunctions,
                            units=frozenset(en.units))
        assert any(quantity in piece for piece in pieces), (before, pieces)
        assert " ".join(pieces).split() == sentence.split()
        assert all(len(piece.split()) <= MAX_WORDS for piece in pieces)


def test_long_sentences_are_bounded_in_characters_too():
    sentence = " ".join(["pharmacokinetically"] * 39) + " " + "7" * 2000
    pieces = split_long(sentence, MAX_WORDS, max_chars=300)
    assert all(len(piece) <= 300 for piece in pieces)
    assert "".join(pieces).replace(" ", "") == sentence.replace(" ", "")


def test_display_writes_superscripts():
    text = Text((Span("10"), Span("6", frozenset({"sup"})), Span(" cells per m"),
                 Span("2", frozenset({"sup"}))), 1, "t")
    assert display(text) == "10^6 cells per m²"


# --- the script -------------------------------------------------------------------------------

PAGE = """# Testamol

### Usage

Testamol treats pain. It works fast.

### Dosage

* Adults: 5-10 mg IV.
* Children ≥12 years: 1 mg/kg.

### FAQs

* **Q: Is it safe?** A: Yes. Ask your doctor.

**Disclaimer:** Check with your doctor before use. This is not advice.
"""


class Upper:
    """Renderer strings "translated" to upper case, to see every own phrase pass through."""

    def gettext(self, message: str) -> str:
        return "".join(part if part.startswith("{") else part.upper()
                       for part in re.split(r"(\{\w+\})", message))

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


def test_script_order_and_chapters(read_md, config, en):
    leaflet = read_md(PAGE)
    script = ScriptBuilder(en, RenderContext(config=config, locale="en")).build(leaflet)
    texts = [u.text for u in script.utterances]
    assert texts[0] == "This information was generated by AI and is not medical advice."
    assert texts[1] == "Testamol"
    assert texts.index("Usage") < texts.index("Dosage") < texts.index("FAQs")
    assert "Adults: 5-10 mg IV." in texts
    assert "Question: Is it safe?" in texts
    assert "Answer: Yes." in texts and "Ask your doctor." in texts
    assert [c.title for c in script.chapters] == [
        *(s.heading.plain.rstrip(":") for s in leaflet.sections), "Disclaimer and AI note"]
    safety = script.chapters[-1].utterances
    assert " ".join(u.text for u in safety[1:]) == " ".join(
        [leaflet.disclaimer.text.plain, leaflet.ai_note.text.plain])
    spoken = {u.text: u.spoken for u in script.utterances}
    assert spoken["Adults: 5-10 mg IV."] == "Adults: 5 to 10 milligrams intravenous."
    assert spoken["Children ≥12 years: 1 mg/kg."] == (
        "Children at least 12 years: 1 milligram per kilogram.")


def test_script_pauses_mark_sections(read_md, config, en):
    script = ScriptBuilder(en, RenderContext(config=config, locale="en")).build(read_md(PAGE))
    for chapter in script.chapters[1:]:
        assert chapter.utterances[0].pause is Pause.SECTION
        assert all(u.pause is Pause.SENTENCE for u in chapter.utterances[1:])
    first = script.chapters[0].utterances[1:]
    assert [u.text for u in first if u.pause is Pause.SECTION] == ["Usage"]


def test_every_phrase_of_our_own_goes_through_gettext(read_md, config, en):
    context = RenderContext(config=config, locale="en", strings=Upper())
    script = ScriptBuilder(en, context).build(read_md(PAGE))
    texts = [u.text for u in script.utterances]
    assert texts[0] == "THIS INFORMATION WAS GENERATED BY AI AND IS NOT MEDICAL ADVICE."
    assert "QUESTION: Is it safe?" in texts and "ANSWER: Yes." in texts
    assert script.chapters[-1].title == "DISCLAIMER AND AI NOTE"


def test_transcript_carries_the_safety_texts_verbatim(read_md, config, en):
    leaflet = read_md(PAGE)
    transcript = ScriptBuilder(en, RenderContext(config=config, locale="en")).build(
        leaflet).transcript()
    lines = transcript.splitlines()
    assert lines[-2:] == [leaflet.disclaimer.text.plain, leaflet.ai_note.text.plain]


def test_side_effect_groups_without_label_say_their_severity(read_md, config, en):
    leaflet = read_md("# Testamol\n\n### Side Effects\n\n**Common:**\n\n* Nausea\n* Rash\n")
    script = ScriptBuilder(en, RenderContext(config=config, locale="en")).build(leaflet)
    texts = [u.text for u in script.utterances]
    assert texts.index("Nausea") < texts.index("Rash")
    spoken = {u.text: u.spoken for u in script.utterances}
    assert spoken["Nausea"] == "Nausea."


# --- voices and captions ----------------------------------------------------------------------


@pytest.mark.parametrize("locale, voice", [
    ("en", "gmw/en-us"), ("en-US", "gmw/en-us"), ("en-GB", "gmw/en"), ("en_gb", "gmw/en"),
    ("en-AU", "gmw/en-us"), ("en-XA", "gmw/en-us"), ("es", "roa/es"), ("es-MX", "roa/es"),
    ("es-419", "roa/es-419"),
])
def test_voice_comes_from_the_built_in_speech_data(tmp_path, locale, voice):
    assert voice_for(tmp_path, Locale.parse(locale)) == voice


def test_a_site_names_the_voice_of_its_own_locale(tmp_path):
    # French rules copied from English, with the voice of French: found by the same lookup
    # as the rules (tag, then language), the site's file first.
    english = (LOCALES / "en" / "speech.toml").read_text(encoding="utf-8")
    rules = "[words]" + english.split("[words]", 1)[1]
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "speech.toml").write_text('voice = "roa/fr"\n' + rules)
    assert voice_for(tmp_path, Locale.parse("fr-CA")) == "roa/fr"
    # A site's English rules without a voice keep the built-in voice; one with a voice wins.
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "speech.toml").write_text(rules)
    assert voice_for(tmp_path, Locale.parse("en-GB")) == "gmw/en"
    builtin = LOCALES / "en" / "speech.toml"
    assert find_voice(tmp_path, Locale.parse("en"))[1] == builtin
    # The audio renderer's inputs name the file the voice comes from: a change rebuilds.
    config = build_config({"site": {"locales_dir": str(tmp_path)}}, tmp_path)
    inputs = AudioRenderer().inputs(RenderContext(config=config, locale="en"))
    assert tmp_path / "en" / "speech.toml" in inputs and builtin in inputs
    (tmp_path / "en" / "speech.toml").write_text('[voice]\nen = "gmw/en-gb-x-rp"\n' + rules)
    assert voice_for(tmp_path, Locale.parse("en-GB")) == "gmw/en-gb-x-rp"


def test_no_voice_for_a_locale_is_a_clear_error(tmp_path):
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "speech.toml").write_text('[words]\nto = "à"\n')
    with pytest.raises(RenderError, match="no speech voice for locale 'fr'"):
        voice_for(tmp_path, Locale.parse("fr"))
    assert voice_for(tmp_path, Locale.parse("fr"), override="gmw/en") == "gmw/en"
    (tmp_path / "fr" / "speech.toml").write_text("voice = 3\n")
    with pytest.raises(ConfigError, match="voice: expected an espeak-ng voice id"):
        voice_for(tmp_path, Locale.parse("fr"))


def test_every_built_in_voice_is_installed():
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("espeak-ng not installed")
    import subprocess
    import tomllib

    listing = subprocess.run([espeak, "--voices"], capture_output=True, text=True,
                             check=True).stdout.lower()
    installed = {line.split()[4] for line in listing.splitlines()[1:] if len(line.split()) > 4}
    voices = {voice for path in LOCALES.glob("*/speech.toml")
              for voice in tomllib.loads(path.read_text(encoding="utf-8"))["voice"].values()}
    assert voices and voices <= installed


def test_captions_escape_markup_and_format_times():
    assert timestamp(3723.4567) == "01:02:03.457"
    assert escape("dose <5 mg & >2 mg --> stop") == "dose &lt;5 mg &amp; &gt;2 mg --&gt; stop"
    text = webvtt([Cue(0.25, 1.5, "a < b")])
    assert text.startswith("WEBVTT\n\n1\n00:00:00.250 --> 00:00:01.500\na &lt; b\n")
