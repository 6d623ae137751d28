"""A reliable wrapper around pyttsx3 (espeak-ng driver): one short utterance per call, checked.

pyttsx3 on Linux has traps (see the project's pitfalls notes; upstream issues named inline):

- `runAndWait()` can return before the file exists (#219) and two `save_to_file` calls before
  one `runAndWait` write only the last (#170): one utterance per call, a fresh file name each
  time, and the WAV is read back and validated before it is used.
- A rate or voice change is lost when pyttsx3 calls `espeak_Cancel()` while espeak is busy:
  wait for espeak to be idle before and after each job, and read the voice and the rate back
  after every utterance (a wrong voice id fails silently too). `getProperty('rate')` may report
  the default, so the current rate is read from espeak itself.
- One engine per process, created lazily in the process that uses it: two threads sharing one
  engine hang, and a child forked after the parent used espeak hangs (#131). Workers must be
  started with `spawn`.
- Cost grows with the square of the text in one call: callers pass one sentence at a time.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import sys
import threading
import time
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

from publish.errors import RenderError

SAMPLE_RATE = 22050
"""espeak-ng's output rate through pyttsx3: always mono 16-bit at 22,050 Hz."""

_RETRIES = 3
_IDLE_TIMEOUT = 10.0
_FILE_TIMEOUT = 5.0
_MIN_SECONDS_PER_WORD = 0.08
"""espeak-ng's fastest rate (450 words a minute) still takes 0.13 s a word."""
_UTTERANCE_TIMEOUT = 30.0
"""Seconds one utterance may take before the watchdog ends pyttsx3's loop (then a retry)."""


@dataclass(frozen=True)
class Clip:
    """One synthesised utterance: raw PCM (signed 16-bit little-endian mono) and its words."""

    pcm: bytes
    sample_rate: int
    words: tuple[tuple[int, int], ...]
    """(start, length) of each word the engine reported, as offsets into the spoken text."""

    @property
    def frames(self) -> int:
        return len(self.pcm) // 2


class _ProcessEngine:
    """The one pyttsx3 engine of this process, and the events of the utterance in progress."""

    def __init__(self) -> None:
        try:
            import pyttsx3
            from pyttsx3.drivers import _espeak
        except (ImportError, OSError, RuntimeError) as error:
            raise RenderError(f"speech engine unavailable (pyttsx3/espeak-ng): {error}"
                              ) from None
        try:
            self.engine = pyttsx3.init("espeak")
        except (OSError, RuntimeError) as error:
            raise RenderError(f"cannot start espeak-ng: {error}") from None
        self.pid = os.getpid()
        self.espeak = _espeak
        # pyttsx3 binds espeak_GetParameter without its `current` argument, so the value it
        # reports may be the default; bind it fully to read back the rate actually in use.
        get_parameter = _espeak.dll.espeak_GetParameter
        get_parameter.argtypes = [ctypes.c_int, ctypes.c_int]
        get_parameter.restype = ctypes.c_int
        self.get_parameter = get_parameter
        self.finished: list[bool] = []
        self.words: list[tuple[int, int]] = []
        self.engine.connect("finished-utterance", self._on_finished)
        self.engine.connect("started-word", self._on_word)
        self.lock = threading.Lock()
        self.voice_ids = {voice.id.lower() for voice in self.engine.getProperty("voices")}

    def _on_finished(self, completed: bool = False, **_: object) -> None:
        self.finished.append(completed)

    def _on_word(self, location: int = 0, length: int = 0, **_: object) -> None:
        if length > 0:
            self.words.append((location - 1, length))

    def stop_loop(self) -> None:
        """Watchdog: end pyttsx3's driver loop, which never ends if espeak never finishes."""
        driver = getattr(getattr(self.engine, "proxy", None), "_driver", None)
        if driver is not None and hasattr(driver, "_looping"):
            driver._looping = False


_shared: _ProcessEngine | None = None
_shared_lock = threading.Lock()


def process_engine() -> _ProcessEngine:
    """This process's engine, created on first use; refused in a child forked after use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = _ProcessEngine()
        elif _shared.pid != os.getpid():
            raise RenderError("espeak-ng was started before this process was forked (a forked "
                              "espeak hangs): start workers with the 'spawn' method")
        return _shared


class SpeechEngine:
    """Synthesis with a chosen voice and rate, one checked utterance per `synthesise` call.

    Every instance in a process shares the process's one pyttsx3 engine (two engines, or two
    threads on one engine, hang); the engine is created on first use, never at import.
    """

    def __init__(self) -> None:
        self._voice: str | None = None
        self._rate: int | None = None
        self._serial = 0

    @property
    def _core(self) -> _ProcessEngine:
        return process_engine()

    def close(self) -> None:
        # espeak cannot be initialised twice in one process: the engine stays loaded for the
        # next renderer of this process.
        self._voice = self._rate = None

    # --- voices -------------------------------------------------------------------------------

    def voice_ids(self) -> set[str]:
        return set(self._core.voice_ids)

    def current_voice(self) -> str | None:
        voice = self._core.espeak.GetCurrentVoice()
        if not voice or not voice.contents.identifier:
            return None
        return voice.contents.identifier.decode("utf-8").lower()

    def current_rate(self) -> int:
        core = self._core
        return int(core.get_parameter(core.espeak.RATE, 1))

    @property
    def settings(self) -> tuple[str, int]:
        """The voice and rate chosen by `configure` (what a clip cache is keyed by)."""
        if self._voice is None or self._rate is None:
            raise RenderError("speech engine used before a voice was chosen")
        return self._voice, self._rate

    def configure(self, voice: str, rate: int) -> None:
        """Choose the voice and rate for the next utterances (applied and checked on use)."""
        if voice.lower().startswith("mb/"):
            raise RenderError(f"voice {voice!r} needs MBROLA, which is not installed")
        if voice.lower() not in self._core.voice_ids:
            raise RenderError(f"espeak-ng has no voice {voice!r} (see `espeak-ng --voices`)")
        self._voice, self._rate = voice, rate

    # --- synthesis ----------------------------------------------------------------------------

    def synthesise(self, text: str, folder: Path) -> Clip:
        """Speak one short text into a validated clip (WAV written in `folder`, then removed)."""
        if not text.strip():
            raise RenderError("nothing to say: an empty utterance reached the speech engine")
        if self._voice is None or self._rate is None:
            raise RenderError("speech engine used before a voice was chosen")
        core = self._core
        with core.lock:  # two threads sharing one engine hang
            last_problem = ""
            for _attempt in range(_RETRIES):
                clip, last_problem = self._attempt(core, text, folder)
                if clip is not None:
                    return clip
        raise RenderError(f"speech synthesis failed after {_RETRIES} attempts "
                          f"({last_problem}): {text[:60]!r}")

    def _attempt(self, core: _ProcessEngine, text: str,
                 folder: Path) -> tuple[Clip | None, str]:
        assert self._voice is not None and self._rate is not None
        engine = core.engine
        self._serial += 1
        path = folder / f"u{os.getpid()}-{self._serial}.wav"
        path.unlink(missing_ok=True)
        core.finished.clear()
        core.words.clear()
        self._wait_idle(core)
        if self.current_voice() != self._voice.lower():
            engine.setProperty("voice", self._voice)
        if self.current_rate() != self._rate:
            engine.setProperty("rate", self._rate)
        engine.save_to_file(text, str(path))
        watchdog = threading.Timer(_UTTERANCE_TIMEOUT, core.stop_loop)
        watchdog.daemon = True
        watchdog.start()
        try:
            # The driver prints "Audio saved to …" for every file: keep it off the output.
            with contextlib.redirect_stdout(io.StringIO()):
                engine.runAndWait()
        finally:
            watchdog.cancel()
        self._wait_idle(core)
        if not any(core.finished):
            return None, "no completed finished-utterance event"
        if self.current_voice() != self._voice.lower():
            return None, f"voice is {self.current_voice()!r}, not {self._voice!r}"
        if self.current_rate() != self._rate:
            return None, f"rate is {self.current_rate()}, not {self._rate}"
        pcm, problem = _read_wav(path)
        path.unlink(missing_ok=True)
        if pcm is None:
            return None, problem
        # A file from another utterance (pyttsx3 can write under the wrong name in a fast
        # loop) shows as word events outside this text or as far too little audio for it.
        words = _words_in(core.words, len(text))
        if words is None:
            return None, "word events do not belong to this text"
        if len(pcm) / 2 / SAMPLE_RATE < _MIN_SECONDS_PER_WORD * len(text.split()):
            return None, f"{len(pcm) / 2 / SAMPLE_RATE:.2f} s of audio is too short for the text"
        return Clip(pcm, SAMPLE_RATE, words), ""

    @staticmethod
    def _wait_idle(core: _ProcessEngine) -> None:
        deadline = time.monotonic() + _IDLE_TIMEOUT
        while core.espeak.IsPlaying():
            if time.monotonic() > deadline:
                raise RenderError("espeak-ng stayed busy for 10 s")
            time.sleep(0.005)


def _words_in(events: list[tuple[int, int]], size: int) -> tuple[tuple[int, int], ...] | None:
    """The word events of a text of `size` characters, or None if one starts outside it.

    espeak-ng reads a number as several words and reports each word after the first one
    character further on, with the number's full length ("35" at 8: (8, 2), then (9, 2)).
    For a number that ends the text ("… tests 0 1 … 35", "Maximum dose: 50") that last event
    runs one character past the end: it still belongs to the text, so its length is clipped.
    """
    words: list[tuple[int, int]] = []
    for start, length in events:
        if not 0 <= start < size:
            return None
        words.append((start, min(length, size - start)))
    return tuple(words)


def _read_wav(path: Path) -> tuple[bytes | None, str]:
    """The PCM of a finished WAV, or None and why it is not usable."""
    deadline = time.monotonic() + _FILE_TIMEOUT
    while not path.is_file():
        if time.monotonic() > deadline:
            return None, "no WAV file was written"
        time.sleep(0.01)
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate, frames = (wav.getnchannels(), wav.getsampwidth(),
                                             wav.getframerate(), wav.getnframes())
            data = wav.readframes(frames)
    except (wave.Error, EOFError, OSError) as error:
        return None, f"unreadable WAV: {error}"
    if (channels, width, rate) != (1, 2, SAMPLE_RATE):
        return None, f"unexpected WAV format {channels} ch, {8 * width} bit, {rate} Hz"
    if frames == 0 or len(data) != frames * 2:
        return None, f"truncated WAV ({len(data)} bytes for {frames} frames)"
    # A strided look is enough to tell speech from a silent file, at 1/16 of the cost.
    samples = array("h", data)[::16]
    if sys.byteorder == "big":
        samples.byteswap()
    if max(samples) < 64 and -min(samples) < 64:
        return None, "silent WAV"
    return data, ""
