"""Reuse across pages over the whole corpus: what identical and similar translations save.

In one run:
- templates for every page of the corpus (`publish catalog extract`, in this process);
- repeats: entries (and their words) whose msgid and msgctxt an earlier page already has —
  what reuse saves once the first occurrence is translated;
- a stand-in translator: the first `--translated` pages (name order) and the shared catalog
  get the `en-XA` pseudo-translation, then every other page is filled by reuse in memory
  (nothing written): entries and words filled exactly and offered as fuzzy;
- the similar search: the word index (`publish.catalogs.reuse.Memory.similar`) against the
  baseline, a difflib scan of every translated entry (how `merge._closest` searches one
  catalog), on the same queries; medians per query and the ratio.

    .venv/bin/python -m benchmarks.reuse [--translated 100] [--queries 200] [--corpus PATH]

Prints a table and writes benchmarks/results/reuse.json.
"""

from __future__ import annotations

import argparse
import difflib
import json
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS
from publish.catalogs import layout
from publish.catalogs.pofile import Catalog, Entry, read_po
from publish.catalogs.pseudo import pseudo_text
from publish.catalogs.reuse import SIMILAR_CUTOFF, Memory, ReuseReport, fill, words
from publish.catalogs.steps import extract
from publish.config import build_config
from publish.pages import discover

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def scan(entries: list[Entry], query: Entry) -> Entry | None:
    """The baseline: difflib against every translated entry (with difflib's quick bounds)."""
    best, best_ratio = None, SIMILAR_CUTOFF
    for other in entries:
        if other.msgid == query.msgid:
            continue
        matcher = difflib.SequenceMatcher(None, query.msgid, other.msgid, autojunk=False)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio >= best_ratio:
            best, best_ratio = other, ratio
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--translated", type=int, default=100)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = build_config({"site": {"content": str(args.corpus),
                                        "locales_dir": str(Path(folder) / "locales")}}, ROOT)
        started = time.perf_counter()
        extract(config, discover([config.content_dir], root=config.content_dir))
        extract_s = time.perf_counter() - started
        templates = [read_po(path) for path in layout.page_templates(config)]
    entries = sum(len(t.active) for t in templates)
    total_words = sum(words(e.msgid) for t in templates for e in t.active)
    seen: set[tuple[str | None, str]] = set()
    repeats = repeat_words = 0
    for template in templates:
        for entry in template.active:
            if entry.key in seen:
                repeats += 1
                repeat_words += words(entry.msgid)
            seen.add(entry.key)
    memory = Memory()
    translated = templates[:args.translated]
    for index, template in enumerate(translated):
        done = [replace(e, msgstr=pseudo_text(e.msgid)) for e in template.active
                if e.msgid_plural is None]
        memory.add_catalog(Catalog(template.header, done), f"pages/{index}.po")
    rest = templates[args.translated:]
    left_entries = sum(len(t.active) for t in rest)
    left_words = sum(words(e.msgid) for t in rest for e in t.active)
    reuse = ReuseReport()
    started = time.perf_counter()
    for template in rest:
        reuse.add(fill(Catalog(template.header, list(template.active)), memory))
    fill_s = time.perf_counter() - started
    # the similar search alone, index against scan, on the same queries
    pool = [found.entry for found in memory.exact.values()]
    queries = [e for t in rest for e in t.active if e.key not in memory.exact][::97]
    queries = queries[:args.queries]
    indexed, scanned, agree = [], [], 0
    for query in queries:
        t0 = time.perf_counter()
        mine = memory.search(query)
        t1 = time.perf_counter()
        theirs = scan(pool, query)
        t2 = time.perf_counter()
        indexed.append(t1 - t0)
        scanned.append(t2 - t1)
        agree += (mine is None) == (theirs is None)
    result = {
        "pages": len(templates), "entries": entries, "words": total_words,
        "repeats": repeats, "repeat_words": repeat_words,
        "repeat_percent": round(100 * repeats / entries, 1),
        "repeat_words_percent": round(100 * repeat_words / total_words, 1),
        "translated_pages": len(translated), "memory_entries": len(pool),
        "left_entries": left_entries, "left_words": left_words,
        "exact": reuse.exact, "exact_words": reuse.exact_words,
        "similar": reuse.similar, "similar_words": reuse.similar_words,
        "fill_s": round(fill_s, 2), "extract_s": round(extract_s, 1),
        "queries": len(queries), "index_median_ms": round(1000 * statistics.median(indexed), 3),
        "scan_median_ms": round(1000 * statistics.median(scanned), 3),
        "speedup": round(statistics.median(scanned) / max(statistics.median(indexed), 1e-9), 1),
        "found_by_both_or_neither": agree,
    }
    for key, value in result.items():
        print(f"{key:28} {value}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reuse.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
