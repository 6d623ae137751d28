"""WebVTT captions: one cue per utterance, times from the recording's sample counts."""

from __future__ import annotations

import textwrap

from publish.speech.timeline import Cue

LINE_WIDTH = 60
"""Characters per caption line; long sentences wrap onto more lines, never onto more cues."""


def timestamp(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def escape(text: str) -> str:
    """Cue text is markup: `&`, `<` and `>` must be written as entities ("-->" ends a cue)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: tuple[Cue, ...] | list[Cue]) -> str:
    lines = ["WEBVTT", ""]
    for number, cue in enumerate(cues, start=1):
        wrapped = textwrap.wrap(" ".join(cue.text.split()), LINE_WIDTH,
                                break_long_words=False, break_on_hyphens=False) or [""]
        lines.append(str(number))
        lines.append(f"{timestamp(cue.start)} --> {timestamp(cue.end)}")
        lines.extend(escape(line) for line in wrapped)
        lines.append("")
    return "\n".join(lines)
