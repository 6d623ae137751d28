"""Hostile input for speech and SMS: text that used to fail synthesis or hang the text rules.

Audio is rendered for real (espeak-ng, ffmpeg) and read back; the time-bound cases run the
pure-Python text stages on pathological strings with a generous bound.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from publish.config import SiteConfig
from publish.renderers.audio import AudioRenderer
from publish.renderers.base import RenderContext
from publish.speech.engine import SpeechEngine
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
