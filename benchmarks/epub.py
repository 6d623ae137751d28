"""EPUB on a sample of real pages: seconds per page against `pandoc -t epub3`, in one run.

On the same pages:
- `publish text`: our renderer with `[epub] audio = false`, one long-lived instance
  (read the page + render the EPUB);
- `pandoc`: `pandoc PAGE.md -t epub3 -o PAGE.epub`, one process per page (no audio, no
  accessibility metadata: the anchor);
- `publish audio`: with media overlays, on the first `--audio-pages` pages, the clip cache
  emptied before each page (everything synthesised);
- `publish audio after audio`: the same pages rendered by the `audio` format first, then
  the EPUB timed alone (what `-f audio -f epub` costs on top of the audio): the clips and
  the MP3 come from the caches, the count of clips synthesised shows it.

    .venv/bin/python -m benchmarks.epub [--pages 20] [--audio-pages 3] [--seed 11] [--no-pandoc]

Prints a table and writes benchmarks/results/epub.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS, sample_pages
from publish.config import build_config
from publish.reader import read_page
from publish.renderers.audio import AudioRenderer
from publish.renderers.base import RenderContext
from publish.renderers.epub import EpubRenderer
from publish.speech.cache import process_cache

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TODAY = dt.date(2025, 3, 4)


def summary(times: list[float]) -> dict[str, float]:
    if not times:
        return {"n": 0}
    return {"median": statistics.median(times), "mean": statistics.fmean(times),
            "min": min(times), "max": max(times), "n": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--audio-pages", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-pandoc", action="store_true", help="skip the pandoc baseline")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    text_config = build_config({"epub": {"audio": False}}, ROOT)
    audio_config = build_config({"epub": {"audio": True}}, ROOT)
    pages = sample_pages(args.corpus, args.pages, args.seed, text_config)

    # 1. publish, text only.
    renderer = EpubRenderer()
    text_times, sizes = [], []
    context = RenderContext(config=text_config, locale="en", today=TODAY)
    for path, key in pages:
        started = time.perf_counter()
        leaflet = read_page(path, text_config, key=key)
        data = renderer.render(leaflet, context).files[0].data
        text_times.append(time.perf_counter() - started)
        sizes.append(len(data))

    # 2. pandoc, one process per page.
    pandoc_times, pandoc_sizes = [], []
    if not args.no_pandoc and shutil.which("pandoc"):
        with tempfile.TemporaryDirectory() as folder:
            for path, _key in pages:
                out = Path(folder) / "page.epub"
                started = time.perf_counter()
                subprocess.run(["pandoc", str(path), "-t", "epub3", "-o", str(out)],
                               check=True, capture_output=True, timeout=120)
                pandoc_times.append(time.perf_counter() - started)
                pandoc_sizes.append(out.stat().st_size)

    # 3. publish with audio: everything synthesised, then after the audio format.
    cache = process_cache()
    audio_context = RenderContext(config=audio_config, locale="en", today=TODAY)
    audio_renderer = AudioRenderer()
    cold, warm, audio_format, seconds = [], [], [], []
    synthesised_cold, synthesised_warm = 0, 0
    for path, key in pages[:args.audio_pages]:
        leaflet = read_page(path, audio_config, key=key)
        cache.clear()
        started = time.perf_counter()
        renderer.render(leaflet, audio_context)
        cold.append(time.perf_counter() - started)
        synthesised_cold += cache.stats.synthesised
        cache.clear()
        started = time.perf_counter()
        audio_renderer.render(leaflet, audio_context)
        audio_format.append(time.perf_counter() - started)
        assert audio_renderer.last_report is not None
        seconds.append(audio_renderer.last_report.recording.duration)
        before = cache.stats.synthesised
        started = time.perf_counter()
        renderer.render(leaflet, audio_context)
        warm.append(time.perf_counter() - started)
        synthesised_warm += cache.stats.synthesised - before
    renderer.close()
    audio_renderer.close()

    results = {
        "pages": len(pages), "audio_pages": len(cold),
        "publish_text": summary(text_times), "pandoc": summary(pandoc_times),
        "publish_audio": summary(cold), "audio_format": summary(audio_format),
        "publish_audio_after_audio": summary(warm),
        "clips_synthesised": {"epub_alone": synthesised_cold,
                              "epub_after_audio": synthesised_warm},
        "speech_seconds": sum(seconds),
        "median_bytes": {"publish_text": statistics.median(sizes),
                         "pandoc": statistics.median(pandoc_sizes) if pandoc_sizes else None},
    }
    if pandoc_times:
        results["ratio_pandoc_over_publish_text"] = (statistics.median(pandoc_times)
                                                     / statistics.median(text_times))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "epub.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    print(f"{len(pages)} pages (seed {args.seed}); audio on {len(cold)} pages "
          f"({sum(seconds) / 60:.1f} min of speech)")
    print(f"{'measure':<34} {'median s/page':>14} {'min':>8} {'max':>8}")
    rows = [("publish epub, text only", text_times), ("pandoc -t epub3", pandoc_times),
            ("publish epub, audio (all synth.)", cold), ("audio format (mp3)", audio_format),
            ("publish epub after audio format", warm)]
    for name, times in rows:
        if times:
            print(f"{name:<34} {statistics.median(times):>14.3f} {min(times):>8.3f} "
                  f"{max(times):>8.3f}")
    if pandoc_times:
        print(f"pandoc / publish (text only), medians: "
              f"{results['ratio_pandoc_over_publish_text']:.2f}x")
    print(f"clips synthesised by the EPUB: {synthesised_cold} alone, {synthesised_warm} after "
          "the audio format")


if __name__ == "__main__":
    main()
