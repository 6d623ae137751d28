"""The `audio` renderer: a spoken leaflet with chapters, tags, a WebVTT transcript and a script.

Outputs: `<page>.mp3` (or `.opus`, `.m4b`, `.wav` per `[audio] format`) with one chapter per
section plus one for the safety texts and tags (title, album = site name, language, comment =
the AI note); `<page>.vtt` whose cue times come from the audio's own sample counts; `<page>.txt`,
the script as shown (disclaimer and AI note verbatim).

The speech engine lives as long as the renderer (one per worker process) and is created on the
first page, in the process that renders: never in the parent of forked workers.
"""

from __future__ import annotations

import resource
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from publish.config import Setting
from publish.errors import ConfigError, RenderError
from publish.files import StampCache
from publish.model import Leaflet
from publish.renderers.base import OutputFile, RenderContext, Renderer, RenderResult
from publish.speech import synthesise
from publish.speech.cache import Encoded, EncodedCache, encoded_cache, process_cache
from publish.speech.captions import webvtt
from publish.speech.encode import FORMATS, MEDIA_TYPES, Tags, encode, gain_filter, measure
from publish.speech.engine import SpeechEngine
from publish.speech.normalise import (
    SPEECH_FILE,
    SpeechRules,
    find_speech_data,
    load_speech_data,
)
from publish.speech.script import Script, ScriptBuilder
from publish.speech.timeline import Recording, assemble
from publish.speech.voices import find_voice, voice_for
from publish.strings import site_name

RATE_RANGE = (80, 450)
"""Words per minute espeak-ng accepts."""


@dataclass
class AudioReport:
    """What the last render measured (read by tests and the benchmark)."""

    script: Script
    recording: Recording
    loudness: float
    peak: float
    gain: float
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds per stage: this process (all threads) plus the ffmpeg runs it waited for."""


class AudioRenderer(Renderer):
    name = "audio"
    suffixes = (".mp3", ".vtt", ".txt")
    safety_suffix = ".txt"
    version = "1"
    settings = {
        "format": Setting("mp3", str, "Audio container: mp3, opus, m4b or wav (no chapters).",
                          choices=tuple(FORMATS)),
        "rate": Setting(165, int, "Speaking rate in words per minute (espeak-ng, 80–450).",
                        min=RATE_RANGE[0], max=RATE_RANGE[1]),
        "loudness": Setting(-19.0, float,
                            "Integrated loudness target in LUFS (EBU R128); −19 suits mono "
                            "speech."),
        "sentence_pause": Setting(0.35, float, "Silence between sentences, in seconds."),
        "section_pause": Setting(1.2, float, "Silence between sections, in seconds."),
        "voice": Setting("", str, "espeak-ng voice id overriding the locale's voice "
                                  "(e.g. gmw/en-gb); empty means the `voice` its "
                                  "speech.toml names."),
    }

    def __init__(self) -> None:
        self._engine: SpeechEngine | None = None
        self._rules: StampCache[SpeechRules] = StampCache()
        self.last_report: AudioReport | None = None

    # --- data ---------------------------------------------------------------------------------

    def inputs(self, context: RenderContext) -> list[Path]:
        data = find_speech_data(context.config.locales_dir, context.locale)
        files = list(data.files) if data is not None else []
        voice = find_voice(context.config.locales_dir, context.locale)
        # The voice may come from the built-in speech.toml under a site's own.
        if voice is not None and voice[1] not in files:
            files.append(voice[1])
        return files

    def tools(self, context: RenderContext) -> list[str]:
        return ["espeak-ng", "ffmpeg", "pyttsx3"]

    def rules(self, context: RenderContext) -> SpeechRules:
        """The locale's rules, reloaded when a data file changes."""
        data = find_speech_data(context.config.locales_dir, context.locale)
        if data is None:
            raise RenderError(f"no speech data for locale {context.locale.tag!r}: add "
                              f"{context.config.site['locales_dir']}/<language>/{SPEECH_FILE} "
                              "(espeak-ng would drop signs such as < and >)")
        return self._rules.get(data, data.files, lambda: load_speech_data(data))

    def script(self, leaflet: Leaflet, context: RenderContext) -> Script:
        return ScriptBuilder(self.rules(context), context).build(leaflet)

    # --- rendering ----------------------------------------------------------------------------

    def render(self, leaflet: Leaflet, context: RenderContext) -> RenderResult:
        settings = checked_settings(context)
        container = settings["format"]
        cpu: dict[str, float] = {}
        clock = _cpu_seconds()

        def lap(stage: str) -> None:
            nonlocal clock
            now = _cpu_seconds()
            cpu[stage] = cpu.get(stage, 0.0) + now - clock
            clock = now

        script = self.script(leaflet, context)
        if not script.utterances:
            raise RenderError("nothing to say: the page has no text")
        voice = voice_for(context.config.locales_dir, context.locale, settings["voice"] or None)
        lap("script")
        if self._engine is None:
            self._engine = SpeechEngine()
        self._engine.configure(voice, settings["rate"])
        with tempfile.TemporaryDirectory(prefix="publish-audio-") as temp:
            folder = Path(temp)
            clips = synthesise(script, self._engine, folder, process_cache())
            lap("synthesis")
            recording = assemble(script, clips, settings["sentence_pause"],
                                 settings["section_pause"])
            pcm_path = folder / "speech.pcm"
            pcm_path.write_bytes(recording.pcm)
            lap("joining")
            loudness = measure(pcm_path, recording.sample_rate)
            filters, gain = gain_filter(loudness, settings["loudness"])
            lap("loudness")
            tags = Tags(title=leaflet.title,
                        album=site_name(context.config.site["name"], context.strings),
                        language=str(context.locale), comment=leaflet.ai_note.text.plain.strip())
            audio = encode(pcm_path, recording.sample_rate, folder / f"speech.{container}",
                           container, filters, tags, recording.chapters)
            lap("encoding")
        # The EPUB's overlay plays this same recording: let it take these bytes.
        encoded_cache().store(EncodedCache.key(recording.pcm, recording.sample_rate, container,
                                               settings["loudness"], tags, recording.chapters),
                              Encoded(loudness, gain, audio))
        captions = webvtt(recording.cues)
        self.last_report = AudioReport(script, recording, loudness.integrated, loudness.peak,
                                       gain, cpu)
        return RenderResult((
            OutputFile(f".{container}", audio, MEDIA_TYPES[container]),
            OutputFile(".vtt", captions.encode("utf-8"), "text/vtt"),
            OutputFile(".txt", script.transcript().encode("utf-8"), "text/plain"),
        ))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def _cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def checked_settings(context: RenderContext) -> dict:  # type: ignore[type-arg]
    settings = dict(context.settings(AudioRenderer.name))
    path = context.config.path
    low, high = RATE_RANGE
    if not low <= settings["rate"] <= high:
        raise ConfigError(f"[audio] rate: {settings['rate']} is outside {low}–{high} words "
                          "per minute", path)
    for key in ("sentence_pause", "section_pause"):
        if not 0.0 <= settings[key] <= 10.0:
            raise ConfigError(f"[audio] {key}: {settings[key]} s is outside 0–10 s", path)
    if not -50.0 <= settings["loudness"] <= -5.0:
        raise ConfigError(f"[audio] loudness: {settings['loudness']} LUFS is outside −50 to −5",
                          path)
    return settings
