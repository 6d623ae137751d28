"""Joining clips into one recording, and the timeline (cues, chapters) that describes it.

Every time is computed from sample counts: the trimmed length of each synthesised clip plus the
silences inserted between them. Nothing is estimated from word counts, so the captions and the
chapter marks match the audio to the sample (the encoder adds no delay a decoder does not
remove).
"""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass

from publish.speech.engine import Clip
from publish.speech.script import Pause, Script

LEAD_IN = 0.25
"""Silence before the first word, so players that start muted or fade in lose nothing."""
TAIL = 0.5
CHAPTER_LEAD = 0.25
"""A chapter mark sits this long (at most) before its first word."""
_THRESHOLD = 96
"""Peak below which a 5 ms frame counts as silence (about −51 dBFS)."""
_FRAME = 110
_KEEP = 0.02
"""Silence kept around each clip's speech, so no soft consonant is cut."""


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class ChapterMark:
    title: str
    start: float
    end: float


@dataclass(frozen=True)
class Recording:
    pcm: bytes
    """Signed 16-bit little-endian mono."""
    sample_rate: int
    cues: tuple[Cue, ...]
    chapters: tuple[ChapterMark, ...]

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


def trim(pcm: bytes, sample_rate: int) -> bytes:
    """The clip without leading and trailing silence (espeak adds a long pause at the end)."""
    samples = array("h", pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    count = len(samples)
    first = 0
    while first < count:
        frame = samples[first:first + _FRAME]
        if max(frame) >= _THRESHOLD or -min(frame) >= _THRESHOLD:
            break
        first += _FRAME
    last = count
    while last > first:
        frame = samples[max(first, last - _FRAME):last]
        if max(frame) >= _THRESHOLD or -min(frame) >= _THRESHOLD:
            break
        last -= _FRAME
    keep = int(_KEEP * sample_rate)
    start, end = max(0, first - keep), min(count, last + keep)
    return pcm[2 * start:2 * end]


def assemble(script: Script, clips: list[Clip], sentence_pause: float,
             section_pause: float) -> Recording:
    """One recording from the clips of every utterance (in script order) and the pauses."""
    utterances = script.utterances
    if len(clips) != len(utterances):
        raise ValueError(f"{len(clips)} clips for {len(utterances)} utterances")
    rate = clips[0].sample_rate if clips else 22050
    pauses = {Pause.SENTENCE: _silence(sentence_pause, rate),
              Pause.SECTION: _silence(section_pause, rate)}
    parts: list[bytes] = [_silence(LEAD_IN, rate)]
    position = len(parts[0]) // 2
    cues: list[Cue] = []
    starts: list[float] = []
    index = 0
    for chapter in script.chapters:
        for number, utterance in enumerate(chapter.utterances):
            clip = clips[index]
            index += 1
            if cues:
                gap = pauses[utterance.pause]
                parts.append(gap)
                position += len(gap) // 2
            pcm = trim(clip.pcm, rate)
            start = position
            parts.append(pcm)
            position += len(pcm) // 2
            cues.append(Cue(start / rate, position / rate, utterance.text))
            if number == 0:
                previous_end = cues[-2].end if len(cues) > 1 else 0.0
                starts.append(0.0 if len(starts) == 0 else
                              max(previous_end, start / rate - CHAPTER_LEAD))
    tail = _silence(TAIL, rate)
    parts.append(tail)
    position += len(tail) // 2
    duration = position / rate
    chapters = [ChapterMark(chapter.title, starts[i],
                            starts[i + 1] if i + 1 < len(starts) else duration)
                for i, chapter in enumerate(c for c in script.chapters if c.utterances)]
    return Recording(b"".join(parts), rate, tuple(cues), tuple(chapters))


def _silence(seconds: float, rate: int) -> bytes:
    return bytes(2 * round(seconds * rate))
