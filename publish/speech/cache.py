"""Synthesised clips, kept by what was said and how, so two formats never synthesise twice.

The `audio` and `epub` formats voice the same script. A build renders all the jobs of one
page in one process, one after the other, through one `RendererPool`
(`publish.rendering`), so a cache in the process is enough for the second format to find
every clip the first one made: building `-f audio -f epub` synthesises each utterance once.
It is content-addressed (SHA-256 of the engine's voice, rate and sample rate and of the
spoken text), so a clip is reused wherever the same words are said the same way, and it is
bounded in bytes (least recently used clips leave first) because worker processes are
replaced past a memory limit.

Why in memory and not on disk: renderers write nothing (the build alone writes, and only
under the output folder), workers may be Dask processes on other machines, and a page's
formats always render together in one process, which is when reuse matters. A format
rebuilt alone on a later build synthesises again, as the audio format always did.

`EncodedCache` does the same for the last step: the recording measured and encoded.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from publish.speech.encode import Loudness, Tags
from publish.speech.engine import Clip
from publish.speech.timeline import ChapterMark

DEFAULT_LIMIT = 48 * 1024 * 1024
"""Bytes of PCM kept: about 18 minutes of speech, several pages (the seed page is 4 min)."""


@dataclass
class CacheStats:
    synthesised: int = 0
    """Clips the engine made (cache misses)."""
    reused: int = 0
    """Clips found in the cache."""


class ClipCache:
    """Clips by `key(...)`, least recently used first out past `limit` bytes."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.stats = CacheStats()
        self._clips: OrderedDict[str, Clip] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(voice: str, rate: int, sample_rate: int, spoken: str) -> str:
        digest = hashlib.sha256()
        for part in (voice.lower(), str(rate), str(sample_rate), spoken):
            data = part.encode("utf-8")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.hexdigest()

    def get(self, key: str, make: Callable[[], Clip]) -> Clip:
        with self._lock:
            clip = self._clips.get(key)
            if clip is not None:
                self._clips.move_to_end(key)
                self.stats.reused += 1
                return clip
        clip = make()
        with self._lock:
            self.stats.synthesised += 1
            if key not in self._clips and len(clip.pcm) <= self.limit:
                self._clips[key] = clip
                self._size += len(clip.pcm)
                while self._size > self.limit:
                    _, old = self._clips.popitem(last=False)
                    self._size -= len(old.pcm)
        return clip

    def clear(self) -> None:
        with self._lock:
            self._clips.clear()
            self._size = 0
            self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._clips)


_process_cache = ClipCache()


def process_cache() -> ClipCache:
    """The cache every renderer of this process shares."""
    return _process_cache


@dataclass(frozen=True)
class Encoded:
    """A recording measured and encoded: what the loudness pass and ffmpeg made of it."""

    loudness: Loudness
    gain: float
    data: bytes


class EncodedCache:
    """The last few encoded recordings, by their samples and everything the encoder is told.

    The EPUB carries the `audio` format's MP3: when the audio format has just encoded the
    same recording with the same tags and chapters, the EPUB takes those bytes instead of
    measuring and encoding it again (the costly half of the audio format after synthesis).
    """

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._entries: OrderedDict[str, Encoded] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(pcm: bytes, sample_rate: int, container: str, target: float, tags: Tags,
            chapters: tuple[ChapterMark, ...]) -> str:
        digest = hashlib.sha256(pcm)
        described = repr((sample_rate, container, target, tags, chapters))
        digest.update(described.encode("utf-8"))
        return digest.hexdigest()

    def find(self, key: str) -> Encoded | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def store(self, key: str, entry: Encoded) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_encoded = EncodedCache()


def encoded_cache() -> EncodedCache:
    """The encoded recordings every renderer of this process shares."""
    return _encoded
