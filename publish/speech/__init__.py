"""Speech: a leaflet as a spoken script, synthesised, joined, normalised and encoded.

- `normalise`: per-locale rules (units, ranges, signs, abbreviations) and the lexicon, as data.
- `script`: leaflet → chapters of short utterances (shown text and spoken text).
- `engine`: a reliable pyttsx3/espeak-ng wrapper, one utterance per call.
- `voices`: the voice of a locale, named by its speech data.
- `timeline`: clips + pauses → one recording with cue and chapter times from sample counts.
- `encode`: loudness (EBU R128) and encoding with ffmpeg, chapters and tags.
- `captions`: the WebVTT transcript.
- `cache`: clips by voice, rate and text, shared by the formats that voice a page.

The `audio` renderer (`publish/renderers/audio.py`) ties them together.
"""

from __future__ import annotations

from pathlib import Path

from publish.speech.cache import ClipCache
from publish.speech.engine import SAMPLE_RATE, Clip, SpeechEngine
from publish.speech.script import Script


def synthesise(script: Script, engine: SpeechEngine, folder: Path,
               cache: ClipCache | None = None) -> list[Clip]:
    """One clip per utterance of the script, in order (the engine must be configured).

    With a `cache`, an utterance already said with the same voice and rate is not
    synthesised again."""
    if cache is None:
        return [engine.synthesise(utterance.spoken, folder) for utterance in script.utterances]
    voice, rate = engine.settings
    return [cache.get(ClipCache.key(voice, rate, SAMPLE_RATE, utterance.spoken),
                      lambda text=utterance.spoken: engine.synthesise(text, folder))
            for utterance in script.utterances]
