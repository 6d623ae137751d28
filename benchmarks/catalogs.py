"""Catalog extraction over the whole corpus, against po4a on a sample of the same pages.

In the same run:
- `publish extract (all)`: `publish catalog extract` over every page of the corpus, in this
  process (read the page, build its template, write it), plus the shared template;
- `publish extract (sample)`: the same on the sample only;
- `po4a-updatepo (sample)`: `po4a-updatepo -f text -o markdown -m PAGE -p PAGE.pot` on the
  sample, one process per page as po4a is run.

Also counted: templates, entries, entries per page, pages skipped (unstructured), bytes, and
the churn of one added paragraph on the seed page (lines changed in its template).

    .venv/bin/python -m benchmarks.catalogs [--sample 40] [--seed 6] [--corpus PATH]
        [--no-po4a] [--limit N]

Prints a table and writes benchmarks/results/catalogs.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS
from publish.catalogs import layout
from publish.catalogs.extract import page_template, shared_template
from publish.catalogs.pofile import read_po, save, write_po
from publish.catalogs.steps import StepReport, read_leaflets
from publish.config import build_config
from publish.pages import PageRef, discover
from publish.reader import read_page

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_publish(corpus: Path, pages: list[PageRef], locales: Path) -> dict[str, float]:
    """Page templates for `pages` (read, template, write), then the shared template, timed
    apart: the shared one is made once per run whatever the number of pages."""
    config = build_config({"site": {"content": str(corpus), "locales_dir": str(locales)}},
                          ROOT)
    report = StepReport()
    cpu, wall = own_cpu(), time.perf_counter()
    for leaflet in read_leaflets(pages, config, report):
        save(page_template(leaflet, config), layout.page_template(config, leaflet.source))
    wall, cpu = time.perf_counter() - wall, own_cpu() - cpu
    shared_wall = time.perf_counter()
    shared = shared_template(config)
    save(shared, layout.shared_template(config))
    shared_wall = time.perf_counter() - shared_wall
    templates = layout.page_templates(config)
    entries = sum(len(read_po(path).entries) for path in templates)
    size = sum(path.stat().st_size for path in templates)
    return {"pages": len(pages), "templates": len(templates), "entries": entries,
            "skipped": len(report.skipped), "errors": len(report.errors), "bytes": size,
            "wall_s": wall, "cpu_s": cpu, "wall_per_page_s": wall / len(pages),
            "shared_entries": len(shared.entries), "shared_wall_s": shared_wall}


def run_po4a(pages: list[PageRef], folder: Path) -> dict[str, float]:
    times = []
    entries = 0
    cpu = children_cpu()
    started = time.perf_counter()
    for index, page in enumerate(pages):
        target = folder / f"{index}.pot"
        began = time.perf_counter()
        subprocess.run(["po4a-updatepo", "-f", "text", "-o", "markdown", "-M", "UTF-8",
                        "-m", str(page.path), "-p", str(target)], check=True,
                       capture_output=True)
        times.append(time.perf_counter() - began)
        entries += target.read_text(encoding="utf-8").count('\nmsgid "')
    wall = time.perf_counter() - started
    return {"pages": len(pages), "entries": entries, "wall_s": wall,
            "cpu_s": children_cpu() - cpu, "wall_per_page_s": wall / len(pages),
            "median_page_s": statistics.median(times)}


def churn(seed: Path) -> dict[str, int]:
    """Lines of the seed's template changed when one paragraph is added to the page, with
    unit-id references (ours) and with `file:line` references (what line numbers would do)."""
    config = build_config({}, ROOT)
    before_page = seed.read_text(encoding="utf-8")
    marker = "**Side Effects:**"
    after_page = before_page.replace(
        marker, "Naltrexone comes as tablets and as a monthly injection.\n\n" + marker, 1)
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        texts = []
        for text in (before_page, after_page):
            path = Path(folder) / seed.name
            path.write_text(text, encoding="utf-8")
            leaflet = read_page(path, config, key=seed.name)
            template = page_template(leaflet, config)
            by_line = write_po(template)
            # the same template with line-number references, as xgettext or po4a write them
            lines = {unit_id: unit_line for unit_id, unit_line in _lines(leaflet)}
            numbered = by_line
            for entry in template.entries:
                for ref in entry.references:
                    unit = ref.split("#", 1)[1]
                    numbered = numbered.replace(ref, f"{seed.name}:{lines.get(unit, 0)}", 1)
            texts.append((by_line, numbered))
        for index, name in ((0, "unit_id_references"), (1, "line_number_references")):
            before, after = texts[0][index].splitlines(), texts[1][index].splitlines()
            diff = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
                    if line[:1] in "+-" and not line.startswith(("+++", "---"))]
            results[name] = len(diff)
        return results


def _lines(leaflet):  # type: ignore[no-untyped-def]
    from publish.model import leaflet_texts

    yield "title", 1
    for text in leaflet_texts(leaflet):
        yield text.id, text.line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N pages (tests).")
    parser.add_argument("--no-po4a", action="store_true")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    pages = discover([corpus], root=corpus)
    if args.limit:
        pages = pages[:args.limit]
    sample = sorted(random.Random(args.seed).sample(pages, min(args.sample, len(pages))),
                    key=lambda page: page.key)
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="catalog-bench-") as folder:
        scratch = Path(folder)
        rows["publish extract (all)"] = run_publish(corpus, pages, scratch / "all")
        rows["publish extract (sample)"] = run_publish(corpus, sample, scratch / "sample")
        if not args.no_po4a and shutil.which("po4a-updatepo"):
            (scratch / "po4a").mkdir()
            rows["po4a-updatepo (sample)"] = run_po4a(sample, scratch / "po4a")
    measured_churn = churn(ROOT / "content" / "naltrexone.md")
    print(f"{'tool':<26} {'pages':>6} {'entries':>8} {'wall s':>8} {'cpu s':>8} "
          f"{'s/page':>8}")
    for name, row in rows.items():
        print(f"{name:<26} {row['pages']:>6} {row['entries']:>8} {row['wall_s']:>8.2f} "
              f"{row['cpu_s']:>8.2f} {row['wall_per_page_s']:>8.4f}")
    full = rows["publish extract (all)"]
    print(f"\ntemplates {full['templates']}, entries {full['entries']} "
          f"({full['entries'] / max(full['templates'], 1):.1f} per page), shared entries "
          f"{full['shared_entries']} (made in {full['shared_wall_s']:.2f} s), "
          f"skipped {full['skipped']}, errors {full['errors']}, "
          f"{full['bytes'] / 1e6:.1f} MB")
    if "po4a-updatepo (sample)" in rows:
        ratio = (rows["po4a-updatepo (sample)"]["wall_per_page_s"]
                 / rows["publish extract (sample)"]["wall_per_page_s"])
        print(f"po4a-updatepo takes {ratio:.1f}x our time per page on the same sample")
    print(f"churn when one paragraph is added to the seed: "
          f"{measured_churn['unit_id_references']} template lines with unit-id references, "
          f"{measured_churn['line_number_references']} with line-number references")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "catalogs.json"
    out.write_text(json.dumps({
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "corpus_pages": len(pages), "sample": len(sample), "seed": args.seed,
        "cpu_count": os.cpu_count(), "rows": rows, "churn": measured_churn,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
