"""Braille on real pages: time per page of the `braille` renderer against the `lou_translate`
command line, and how much of each page reads back.

In the same run and on the same pages:
- `publish braille`: the whole renderer, warm (one instance for all pages, as a build worker
  keeps it): document, words first, liblouis translation through its Python binding, line
  wrapping, pagination, BRF bytes;
- `lou_translate`: liblouis's command line (`lou_translate --forward en-us-brf.dis,
  en-ueb-g2.ctb`, the same tables) on the page's plain text, the same print text the renderer
  translates, one block a line, one process per page as a shell pipeline would run it. It
  only translates: no layout, no page numbers. Backslashes are doubled first (the command
  line reads `\\` in its input as an escape).

Then each BRF is read back (liblouis backward translation, page numbers left out) and its
words compared with the page's: recall of the whole page and of the disclaimer and AI note.

    .venv/bin/python -m benchmarks.braille [--pages 40] [--seed 11] [--corpus PATH]

Prints a table and writes benchmarks/results/braille.json.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS, sample_pages
from publish.braille.document import DocumentBuilder
from publish.braille.layout import body_text
from publish.braille.liblouis import BRF_DISPLAY, Translator, version
from publish.config import build_config
from publish.model import leaflet_texts
from publish.reader import read_page
from publish.renderers.base import RenderContext
from publish.renderers.braille import BrailleRenderer
from publish.speech.script import display

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TABLE = "en-ueb-g2.ctb"
_WORD = re.compile(r"\w+")


def words(text: str) -> Counter[str]:
    return Counter(word.casefold() for word in _WORD.findall(text))


def recall(expected: Counter[str], found: Counter[str]) -> float:
    total = sum(expected.values())
    if not total:
        return 1.0
    return sum(min(count, found[word]) for word, count in expected.items()) / total


def lou_translate(text: str) -> float:
    """Wall seconds of one `lou_translate` run on `text`."""
    started = time.perf_counter()
    done = subprocess.run(["lou_translate", "--forward", f"{BRF_DISPLAY},{TABLE}"],
                          input=text.replace("\\", "\\\\"), capture_output=True, text=True,
                          timeout=120, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"lou_translate failed: {done.stderr.strip()[:200]}")
    return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.braille")
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    config = build_config({}, ROOT)
    context = RenderContext(config=config, locale="en")
    renderer = BrailleRenderer()
    reader = Translator((TABLE,))
    pages = sample_pages(args.corpus, args.pages, args.seed, config)
    rows = []
    for path, key in pages:
        leaflet = read_page(path, config, key=key)
        renderer.render(leaflet, context)  # warm: the measured run is the second
        started = time.perf_counter()
        result = renderer.render(leaflet, context)
        ours = time.perf_counter() - started
        brf = result.files[0].data.decode("ascii")
        blocks = DocumentBuilder(renderer.words_first(context), context).build(leaflet)
        plain = "\n".join(block.text for block in blocks) + "\n"
        cli = lou_translate(plain)
        back = words(reader.backward(body_text(brf)))
        rewrite = renderer.words_first(context)
        expected = words(" ".join(rewrite(" ".join(display(text).split()))
                                  for text in leaflet_texts(leaflet)))
        safety = renderer.safety_texts(leaflet, context)
        rows.append({"page": key, "ours": ours, "lou_translate": cli,
                     "braille_pages": brf.count("\f"), "bytes": len(brf),
                     "recall": recall(expected, back),
                     "safety_recall": min(recall(words(text), back) for text in safety),
                     "expected_words": sum(expected.values())})
    ours = statistics.median(row["ours"] for row in rows)
    cli = statistics.median(row["lou_translate"] for row in rows)
    total_expected = sum(row["expected_words"] for row in rows)
    summary = {
        "pages": len(rows),
        "liblouis": version(),
        "median_seconds_per_page": {"publish braille": ours, "lou_translate": cli},
        "ratio_lou_translate_over_ours": cli / ours,
        "median_braille_pages": statistics.median(row["braille_pages"] for row in rows),
        "recall": {
            "words_weighted": sum(row["recall"] * row["expected_words"] for row in rows)
            / total_expected,
            "page_min": min(row["recall"] for row in rows),
            "page_median": statistics.median(row["recall"] for row in rows),
            "safety_min": min(row["safety_recall"] for row in rows),
        },
    }
    print(f"{len(rows)} pages, liblouis {summary['liblouis']}, table {TABLE}")
    print(f"{'':24} {'median s/page':>14}")
    print(f"{'publish braille':24} {ours:14.4f}")
    print(f"{'lou_translate (CLI)':24} {cli:14.4f}")
    print(f"lou_translate / publish: {cli / ours:.2f}×")
    print(f"braille pages per leaflet (median): {summary['median_braille_pages']}")
    rec = summary["recall"]
    print(f"back-translation recall: {rec['words_weighted']:.4f} of all words, page median "
          f"{rec['page_median']:.4f}, worst page {rec['page_min']:.4f}; safety texts, worst: "
          f"{rec['safety_min']:.4f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "braille.json").write_text(json.dumps({"summary": summary, "pages": rows},
                                                     indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
