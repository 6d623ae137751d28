"""Hostile input for speech and SMS: text that used to fail synthesis or hang the text rules.

Audio is rendered for real (espeak-ng, ffmpeg) and read back; the time-bound cases run the
pure-Python text stages on pathological strings with a generous bound.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from publish.config import SiteConfig, build_config
from publish.reader import read_page
from publish.renderers.audio import AudioRenderer
from publish.renderers.base import RenderContext
from publish.renderers.sms import SmsRenderer
from publish.sms import gsm
from publish.sms.text import drop_parentheticals, shortened_forms
from publish.speech.cache import process_cache
from publish.speech.engine import SpeechEngine
from publish.speech.normalise import SpeechRules, find_speech_data, load_speech_data
from publish.speech.script import MAX_CHARS
from tests.outputs import assert_complete

needs_speech = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("ffmpeg") is None
    or shutil.which("ffprobe") is None, reason="needs espeak-ng, ffmpeg and ffprobe")


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


# --- finding 16: sentences that failed synthesis ------------------------------------------------

NUMBER_RUN = "It is used for " + " ".join(str(n) for n in range(40)) + " tests."
"""40 numbers: the utterance cut at 40 words ended on "35", which espeak reads as two words."""

_CYCLE = "take the dose with water at night for about 25".split()
LONG_SENTENCE = " ".join(_CYCLE * 140).capitalize() + "."
"""1,400 words and no punctuation: every 40-word utterance used to end on a number."""


@needs_speech
@pytest.mark.parametrize("number", ["50", "35", "3.14159", "word39"])
def test_an_utterance_may_end_on_a_number_read_as_several_words(number: str,
                                                                 tmp_path: Path) -> None:
    """espeak-ng reports each word of "fifty" "five" one character on, with the number's full
    length: at the end of the text the last event ran past it and the clip was refused."""
    engine = SpeechEngine()
    engine.configure("gmw/en-us", 165)
    text = f"Maximum dose: {number}"
    clip = engine.synthesise(text, tmp_path)
    assert clip.frames > 0
    assert clip.words and all(0 <= start and start + length <= len(text)
                              for start, length in clip.words)
    assert any(text[start:start + length].startswith(number[:1])
               for start, length in clip.words)


def _render_usage(read_md, config: SiteConfig, sentence: str,
                  renderer: AudioRenderer) -> tuple[dict[str, bytes], list[str]]:
    leaflet = read_md(f"# Testamol\n\n### Usage\n\n{sentence}\n")
    process_cache().clear()  # every render must synthesise: these test the engine
    result = renderer.render(leaflet, RenderContext(config=config, locale="en"))
    files = {f.suffix: f.data for f in result.files}
    assert renderer.last_report is not None
    cues = [cue.text for cue in renderer.last_report.recording.cues]
    return files, cues


def _check_render(files: dict[str, bytes], cues: list[str], sentence: str,
                  folder: Path) -> None:
    path = folder / "page.mp3"
    path.write_bytes(files[".mp3"])
    assert_complete(path)  # decodes without error, ffprobe duration > 1 s
    transcript = files[".txt"].decode("utf-8")
    assert sentence in transcript
    # The cues, in order, say every word of the sentence once: nothing lost or repeated.
    spoken = words(" ".join(cues))
    said = words(sentence)
    start = next(i for i in range(len(spoken)) if spoken[i:i + len(said)] == said)
    assert spoken[start:start + len(said)] == said


@needs_speech
def test_number_run_renders_every_time(read_md, config: SiteConfig, tmp_path: Path) -> None:
    renderer = AudioRenderer()
    for _ in range(5):
        files, cues = _render_usage(read_md, config, NUMBER_RUN, renderer)
        _check_render(files, cues, NUMBER_RUN, tmp_path)


@needs_speech
def test_long_unpunctuated_sentence_renders(read_md, config: SiteConfig,
                                            tmp_path: Path) -> None:
    files, cues = _render_usage(read_md, config, LONG_SENTENCE, AudioRenderer())
    _check_render(files, cues, LONG_SENTENCE, tmp_path)
    assert len([cue for cue in cues if "take the dose" in cue]) >= 35  # one per ~40 words


@needs_speech
@pytest.mark.slow
def test_long_unpunctuated_sentence_renders_every_time(read_md, config: SiteConfig) -> None:
    renderer = AudioRenderer()
    for _ in range(5):
        with tempfile.TemporaryDirectory() as folder:
            files, cues = _render_usage(read_md, config, LONG_SENTENCE, renderer)
            _check_render(files, cues, LONG_SENTENCE, Path(folder))


# --- finding 3: text rules that were quadratic on long input ------------------------------------

BOUND = 3.0
"""Seconds: each case took from 20 s to many minutes before; all now take well under one."""


def _english_rules(site: Path) -> SpeechRules:
    """The built-in English rules, which a site without locale data of its own uses."""
    data = find_speech_data(site / "locales", "en")
    assert data is not None
    return load_speech_data(data)


def _timed(function, *args) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


@pytest.mark.parametrize("text", [
    "1" * 100_000,                      # the range rule tried every digit: 8,000 took 4.5 s
    "1" * 100_000 + "-2",
    "1." * 50_000,                      # a chain of decimals, the same
    "type IV " * 12_000,                # the word before every "IV" searched from the start
    "per mg " * 20_000,                 # the text before every unit copied
    "5" + " " * 100_000 + "mg",
    "5" + " " * 100_000 + "x",
    "a" + " " * 100_000 + ".",
    "(" * 100_000,
    "x" * 100_000,
])
def test_speech_rules_are_linear(text: str, tmp_path: Path) -> None:
    rules = _english_rules(tmp_path)
    assert _timed(rules.speak, text) < BOUND
    assert _timed(rules.sentences, text) < BOUND


def test_speech_rules_still_read_ranges_numbers_and_numerals(tmp_path: Path) -> None:
    rules = _english_rules(tmp_path)
    assert rules.speak("1.5-2 mg or 1,000-2,000 IU daily") == (
        "1.5 to 2 milligrams or 1,000 to 2,000 international units daily")
    assert rules.speak("type IV, then IV fluids, per mg") == (
        "type 4, then intravenous fluids, per milligram")


@pytest.mark.parametrize("body", [
    "Testamol is used for " + "1" * 200_000 + " pain.",
    "Testamol is used for " + "1." * 100_000 + " pain.",
    "Testamol is used for " + "pain, " * 30_000 + "and fever.",
    "Testamol is used for 5" + "\u00a0" * 100_000 + " pain.",
])
def test_speech_script_of_a_hostile_page_is_quick(read_md, config: SiteConfig,
                                                   body: str) -> None:
    leaflet = read_md(f"# Testamol\n\n### Usage\n\n{body}\n")
    context = RenderContext(config=config, locale="en")
    start = time.perf_counter()
    script = AudioRenderer().script(leaflet, context)
    assert time.perf_counter() - start < BOUND
    assert all(len(u.text) <= MAX_CHARS for u in script.utterances)


def test_sms_text_rules_are_linear() -> None:
    assert _timed(drop_parentheticals, "a" + " " * 100_000 + "b") < BOUND
    assert _timed(shortened_forms, "Testamol treats " + "pain, " * 30_000 + "fever.",
                  918) < BOUND
    assert _timed(shortened_forms, "x" + " " * 100_000 + ", y z w v.", 918) < BOUND
    assert shortened_forms("Testamol treats mild pain, fever, cough and colds.", 918) == [
        "Testamol treats mild pain, fever, cough and colds.", "Testamol treats mild pain, fever.",
        "Testamol treats mild pain."]


@pytest.mark.parametrize("body", [
    "### Usage\n\nTestamol is used for " + "pain, " * 30_000 + "and fever.\n",
    "### Usage\n\nTestamol is used for 5" + "\u00a0" * 100_000 + " pain.\n",
    "### Usage\n\nTestamol is used to treat:\n\n" + "".join(f"* c{n}\n" for n in range(8_000)),
    "### Side Effects\n\n**Serious side effects:**\n\n"
    + "".join(f"* e{n}\n" for n in range(8_000)),
])
@pytest.mark.parametrize("mode", ["concatenated", "separate"])
def test_sms_of_a_hostile_page_is_quick(tmp_path: Path, body: str, mode: str) -> None:
    config = build_config({"sms": {"mode": mode}}, tmp_path)
    page = tmp_path / "page.md"
    page.write_text(f"---\ntitle: Testamol\n---\n\n# Testamol\n\n{body}", encoding="utf-8")
    leaflet = read_page(page, config, key="page.md")
    start = time.perf_counter()
    result = SmsRenderer().render(leaflet, RenderContext(config=config, locale="en"))
    assert time.perf_counter() - start < BOUND
    report = json.loads(next(f.data for f in result.files if f.suffix == ".sms.json"))
    assert report["totals"]["segments"] <= 3
    assert all(gsm.fits_single(m["text"]) for m in report["messages"]) or mode != "separate"
