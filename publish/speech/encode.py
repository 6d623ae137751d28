"""Loudness normalisation and encoding with ffmpeg: chapters and tags included.

Two ffmpeg runs on files in a private temporary folder: one measures the integrated loudness
(EBU R128 / ITU-R BS.1770, `ebur128`) and the sample peak, the next applies one linear gain and
encodes. A linear gain keeps every cue time exact; `loudnorm` would be a single run but it
resamples to 192 kHz (about 10× the cost) and changes the gain over time. Where the gain would
push peaks above −1 dBFS a look-ahead limiter with delay compensation catches them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from publish.errors import RenderError
from publish.speech.timeline import ChapterMark

PEAK_CEILING = -1.0
"""dBFS: the highest sample peak after the gain."""

FORMATS: dict[str, tuple[str, ...]] = {
    # LAME's own default quality (5). Its fast modes (7–9) halve the cost but smear espeak's
    # consonants: speech-recognition recall of the AI note fell from 0.90 to 0.38 at 48 kbit/s.
    "mp3": ("-c:a", "libmp3lame", "-b:a", "48k", "-compression_level", "5",
            "-id3v2_version", "3", "-write_xing", "1", "-f", "mp3"),
    # Opus has no 22,050 Hz mode; 24 kHz keeps the whole speech band.
    "opus": ("-c:a", "libopus", "-ar", "24000", "-b:a", "32k", "-application", "voip",
             "-f", "opus"),
    "m4b": ("-c:a", "aac", "-b:a", "48k", "-f", "ipod"),
    "wav": ("-c:a", "pcm_s16le", "-f", "wav"),
}
MEDIA_TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg", "m4b": "audio/mp4", "wav": "audio/wav"}

# ISO 639-2 codes: ID3's TLAN and MP4's stream language take three letters.
_LANGUAGE_CODES = {"en": "eng", "es": "spa", "fr": "fra", "de": "deu", "pt": "por",
                   "sw": "swa", "hi": "hin", "ar": "ara", "zh": "zho", "it": "ita",
                   "nl": "nld", "ru": "rus", "ja": "jpn", "ko": "kor", "tr": "tur",
                   "pl": "pol", "fa": "fas", "id": "ind", "vi": "vie", "bn": "ben",
                   "ur": "urd", "uk": "ukr", "ro": "ron", "el": "ell", "he": "heb"}


@dataclass(frozen=True)
class Loudness:
    integrated: float
    """LUFS."""
    peak: float
    """Sample peak, dBFS."""


@dataclass(frozen=True)
class Tags:
    title: str
    album: str
    language: str
    """BCP 47 locale; written as ISO 639-2 where the container wants three letters."""
    comment: str


def ffmpeg_path() -> str:
    path = shutil.which("ffmpeg")
    if path is None:
        raise RenderError("ffmpeg is not installed (Debian package ffmpeg; `make setup`)")
    return path


def _run(arguments: list[str], what: str) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(arguments, capture_output=True, text=True, check=False,
                                stdin=subprocess.DEVNULL)
    except OSError as error:
        raise RenderError(f"ffmpeg could not run ({what}): {error}") from None
    if result.returncode != 0:
        message = " ".join(result.stderr.strip().splitlines()[-2:]) or f"exit {result.returncode}"
        raise RenderError(f"ffmpeg failed ({what}): {message}")
    return result


def _pcm_input(pcm_path: Path, sample_rate: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", str(pcm_path)]


def measure(pcm_path: Path, sample_rate: int) -> Loudness:
    """Integrated loudness and sample peak of raw mono PCM."""
    result = _run([ffmpeg_path(), "-nostdin", "-hide_banner", "-nostats",
                   *_pcm_input(pcm_path, sample_rate),
                   "-af", "ebur128=peak=sample:framelog=verbose", "-f", "null", "-"],
                  "loudness measurement")
    summary = result.stderr.rpartition("Summary:")[2]
    integrated = re.search(r"I:\s*(-?[\d.]+|-inf)\s*LUFS", summary)
    peak = re.search(r"Peak:\s*(-?[\d.]+|-inf)\s*dBFS", summary)
    if integrated is None or peak is None:
        raise RenderError("ffmpeg printed no loudness summary")
    return Loudness(float(integrated[1]), float(peak[1]))


def gain_filter(loudness: Loudness, target: float) -> tuple[str, float]:
    """The ffmpeg filter chain that brings `loudness` to `target` LUFS, and the gain in dB."""
    if loudness.integrated < -70.0:
        raise RenderError(f"the speech is silent (integrated loudness {loudness.integrated} "
                          "LUFS)")
    gain = round(target - loudness.integrated, 2)
    chain = f"volume={gain}dB"
    if loudness.peak + gain > PEAK_CEILING:
        ceiling = 10 ** (PEAK_CEILING / 20)
        chain += f",alimiter=limit={ceiling:.4f}:level=0:latency=1"
    return chain, gain


def metadata_file(tags: Tags, chapters: tuple[ChapterMark, ...], container: str) -> str:
    """ffmpeg's FFMETADATA1 text: global tags and one [CHAPTER] per chapter (milliseconds)."""
    lines = [";FFMETADATA1",
             f"title={_escape(tags.title)}",
             f"album={_escape(tags.album)}",
             f"language={_escape(language_code(tags.language))}",
             f"comment={_escape(tags.comment)}",
             "genre=Speech"]
    if container != "wav":
        for chapter in chapters:
            lines += ["[CHAPTER]", "TIMEBASE=1/1000",
                      f"START={round(chapter.start * 1000)}",
                      f"END={round(chapter.end * 1000)}",
                      f"title={_escape(chapter.title)}"]
    return "\n".join(lines) + "\n"


def language_code(locale: str) -> str:
    language = re.split(r"[-_]", locale)[0].lower()
    return _LANGUAGE_CODES.get(language, language)


def _escape(value: str) -> str:
    value = " ".join(value.split())
    return re.sub(r"([=;#\\])", r"\\\1", value)


def encode(pcm_path: Path, sample_rate: int, out_path: Path, container: str, filters: str,
           tags: Tags, chapters: tuple[ChapterMark, ...]) -> bytes:
    """Encode raw PCM to `container` with the filter chain, tags and chapters; the bytes."""
    if container not in FORMATS:
        raise RenderError(f"unknown audio format {container!r} ({', '.join(FORMATS)})")
    meta_path = out_path.with_suffix(".ffmeta")
    meta_path.write_text(metadata_file(tags, chapters, container), encoding="utf-8")
    _run([ffmpeg_path(), "-nostdin", "-hide_banner", "-v", "error", "-y",
          *_pcm_input(pcm_path, sample_rate),
          "-f", "ffmetadata", "-i", str(meta_path),
          "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
          "-af", filters,
          "-metadata:s:a:0", f"language={language_code(tags.language)}",
          *FORMATS[container], str(out_path)], f"{container} encoding")
    data = out_path.read_bytes()
    return _id3_comment(data, tags) if container == "mp3" else data


def _id3_comment(data: bytes, tags: Tags) -> bytes:
    """The MP3 with its comment in an ID3 COMM frame instead of the TXXX ffmpeg writes.

    Players show COMM as "the comment" and hide TXXX. Frames keep their order: chapter readers
    such as ffmpeg's take CHAP frames in file order, so the tag is patched, not re-sorted.
    """
    if len(data) < 10 or data[:3] != b"ID3" or data[3] != 3 or data[5] != 0:
        return data  # not the plain ID3v2.3 tag ffmpeg writes: leave it alone
    size = _syncsafe(data[6:10])
    body, audio = data[10:10 + size], data[10 + size:]
    frames: list[bytes] = []
    position = 0
    while position + 10 <= len(body) and body[position] != 0:
        frame_id = body[position:position + 4]
        length = int.from_bytes(body[position + 4:position + 8], "big")
        frame = body[position:position + 10 + length]
        position += 10 + length
        if frame_id == b"TXXX" and _txxx_description(frame[10:]) == "comment":
            frame = _comm_frame(tags.comment, language_code(tags.language))
        frames.append(frame)
    new_body = b"".join(frames)
    header = b"ID3\x03\x00\x00" + _to_syncsafe(len(new_body))
    return header + new_body + audio


def _syncsafe(raw: bytes) -> int:
    return (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]


def _to_syncsafe(value: int) -> bytes:
    return bytes(((value >> 21) & 0x7F, (value >> 14) & 0x7F, (value >> 7) & 0x7F, value & 0x7F))


def _txxx_description(payload: bytes) -> str:
    encoding, rest = payload[:1], payload[1:]
    if encoding == b"\x00":
        return rest.split(b"\x00", 1)[0].decode("latin-1")
    if encoding == b"\x01":
        end = next((i for i in range(0, len(rest) - 1, 2) if rest[i:i + 2] == b"\x00\x00"),
                   len(rest))
        return rest[:end].decode("utf-16", errors="replace")
    return ""


def _comm_frame(text: str, language: str) -> bytes:
    """An ID3v2.3 COMM frame in UTF-16 (v2.3 has no UTF-8), empty description."""
    lang = (language.encode("latin-1", errors="replace") + b"xxx")[:3]
    payload = (b"\x01" + lang + "".encode("utf-16") + b"\x00\x00"
               + text.encode("utf-16"))
    return b"COMM" + len(payload).to_bytes(4, "big") + b"\x00\x00" + payload
