"""Speech audio on real pages: CPU seconds per minute of audio, against the espeak-ng CLI.

In the same run and on the same pages (the script our renderer speaks, normalised):
- `publish mp3`: the whole `audio` renderer, default settings (script, pyttsx3 synthesis
  sentence by sentence, joining, loudness measurement, MP3 encoding with chapters and tags);
- `publish wav`: the same with `format = "wav"` (no lossy encoding), to show its share;
- `espeak-ng CLI`: `espeak-ng -v VOICE -s RATE -w out.wav -f script.txt`, one process per page:
  the target of the issue (≤ 1.5×);
- `CLI + ffmpeg`: the CLI's WAV through the same two ffmpeg runs our renderer makes
  (EBU R128 measurement, then gain and MP3 encoding): a pipeline with no Python speech engine.

CPU is user + system time of this process (all threads) and of its child processes. Audio
minutes are each output's own duration.

    .venv/bin/python -m benchmarks.audio [--pages 10] [--seed 5] [--corpus PATH]

Prints a table and writes benchmarks/results/audio.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS, sample_pages
from publish.config import build_config
from publish.locale import Locale
from publish.reader import read_page
from publish.renderers.audio import AudioRenderer
from publish.renderers.base import RenderContext
from publish.speech.encode import FORMATS, gain_filter, measure
from publish.speech.voices import voice_for

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
STAGES = ("script", "synthesis", "joining", "loudness", "encoding")


def cpu_now() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def cli_pipeline(script_path: Path, voice: str, rate: int, folder: Path,
                 target: float) -> tuple[float, float, float]:
    """CPU of the espeak-ng CLI alone, CPU of CLI + ffmpeg, and the audio seconds."""
    espeak = shutil.which("espeak-ng")
    assert espeak is not None
    wav_path = folder / "cli.wav"
    started = cpu_now()
    subprocess.run([espeak, "-v", voice, "-s", str(rate), "-w", str(wav_path),
                    "-f", str(script_path)], check=True, capture_output=True)
    cli = cpu_now() - started
    seconds = wav_seconds(wav_path)
    pcm_path = folder / "cli.pcm"
    with wave.open(str(wav_path), "rb") as wav:
        pcm_path.write_bytes(wav.readframes(wav.getnframes()))
        rate_hz = wav.getframerate()
    loudness = measure(pcm_path, rate_hz)
    filters, _ = gain_filter(loudness, target)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "s16le", "-ar",
                    str(rate_hz), "-ac", "1", "-i", str(pcm_path), "-af", filters,
                    *FORMATS["mp3"], str(folder / "cli.mp3")], check=True, capture_output=True)
    return cli, cpu_now() - started, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2

    configs = {fmt: build_config({"audio": {"format": fmt}}, ROOT) for fmt in ("mp3", "wav")}
    config = configs["mp3"]
    settings = config.table("audio")
    pages = sample_pages(args.corpus, args.pages, args.seed, config)
    renderers = {fmt: AudioRenderer() for fmt in configs}
    voice = voice_for(config.locales_dir, Locale.parse("en"), settings["voice"] or None)

    # Warm-up (not timed): the engine starts once per process, as in a build worker.
    seed = read_page(ROOT / "content" / "naltrexone.md", config, key="naltrexone.md")
    for fmt, renderer in renderers.items():
        renderer.render(seed, RenderContext(config=configs[fmt], locale="en"))

    rows = []
    totals = {name: [0.0, 0.0] for name in ("publish mp3", "publish wav", "espeak-ng CLI",
                                             "CLI + ffmpeg")}
    stages = dict.fromkeys(STAGES, 0.0)
    for path, key in pages:
        leaflet = read_page(path, config, key=key)
        row: dict[str, object] = {"page": key}
        for fmt, renderer in renderers.items():
            started = cpu_now()
            renderer.render(leaflet, RenderContext(config=configs[fmt], locale="en"))
            spent = cpu_now() - started
            report = renderer.last_report
            assert report is not None
            seconds = report.recording.duration
            totals[f"publish {fmt}"][0] += spent
            totals[f"publish {fmt}"][1] += seconds
            row[f"{fmt}_cpu"], row["audio_s"] = round(spent, 4), round(seconds, 2)
            if fmt == "mp3":
                row["words"] = report.script.spoken_words
                row["stages"] = {k: round(v, 4) for k, v in report.cpu.items()}
                for stage, value in report.cpu.items():
                    stages[stage] += value
                script_text = "\n".join(u.spoken for u in report.script.utterances) + "\n"
        with tempfile.TemporaryDirectory(prefix="bench-audio-") as temp:
            folder = Path(temp)
            script_path = folder / "script.txt"
            script_path.write_text(script_text, encoding="utf-8")
            cli, pipeline, cli_seconds = cli_pipeline(script_path, voice, settings["rate"],
                                                      folder, settings["loudness"])
        totals["espeak-ng CLI"][0] += cli
        totals["espeak-ng CLI"][1] += cli_seconds
        totals["CLI + ffmpeg"][0] += pipeline
        totals["CLI + ffmpeg"][1] += cli_seconds
        row.update(cli_cpu=round(cli, 4), pipeline_cpu=round(pipeline, 4),
                   cli_audio_s=round(cli_seconds, 2))
        rows.append(row)
        print(f"  {key}: {row['words']} words, {row['audio_s']} s audio, mp3 {row['mp3_cpu']} "
              f"CPU-s, CLI {row['cli_cpu']} CPU-s", flush=True)

    per_minute = {name: cpu / (seconds / 60) for name, (cpu, seconds) in totals.items()}
    baseline = per_minute["espeak-ng CLI"]
    audio_minutes = totals["publish mp3"][1] / 60
    print(f"\n{len(pages)} corpus pages, {audio_minutes:.1f} minutes of speech "
          f"(rate {settings['rate']} wpm, voice {voice})\n")
    print(f"{'pipeline':<16}{'CPU s':>9}{'audio min':>11}{'CPU s / audio min':>20}"
          f"{'× CLI':>8}")
    for name, (cpu, seconds) in totals.items():
        print(f"{name:<16}{cpu:>9.2f}{seconds / 60:>11.2f}{per_minute[name]:>20.4f}"
              f"{per_minute[name] / baseline:>8.2f}")
    print("\npublish mp3 by stage (CPU s / audio min, ffmpeg included):")
    for stage in STAGES:
        value = stages[stage] / audio_minutes
        print(f"  {stage:<10}{value:>8.4f}  ({value / baseline:.2f}× CLI)")
    ratio = per_minute["publish mp3"] / baseline
    print(f"\nratio publish mp3 / espeak-ng CLI: {ratio:.2f} (target ≤ 1.5)")

    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "pages": len(pages), "seed": args.seed, "rate": settings["rate"], "voice": voice,
        "audio_minutes": round(audio_minutes, 3),
        "cpu_per_audio_minute": {k: round(v, 5) for k, v in per_minute.items()},
        "ratio_vs_cli": {k: round(v / baseline, 3) for k, v in per_minute.items()},
        "stages_per_audio_minute": {k: round(v / audio_minutes, 5) for k, v in stages.items()},
        "rows": rows,
    }
    (RESULTS / "audio.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS / 'audio.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
